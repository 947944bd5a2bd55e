//! The QC rules at the service, where every page, API call and job meets them: who decides,
//! four eyes across reassignment, ticks saved with the decision, confirmation for unticked
//! items, refusals that change nothing, waiting cleared on Done and Cancelled, and one meaning
//! of "awaiting proofing".

use ops_desktop::{
    db::entities::{audit_log, comment, notification, user},
    domain::{
        ids::{UserId, WorkItemId},
        user::Role,
        work_item::{ProofStatus, Status},
        work_item_rules::ChecklistItem,
    },
    services::{
        ServiceError,
        audit::Actor,
        inbox, stats,
        work_items::{
            self, WorkItemView,
            input::{NewWorkItem, WorkItemChanges},
            qc::{self, DecisionInput},
        },
    },
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp,
        personas::{PASSWORD, create_user, sign_in},
    },
};

fn actor(person: &user::Model) -> Actor {
    Actor {
        user_id: Some(UserId(person.id)),
        ..Actor::default()
    }
}

fn ticks(entries: &[(&str, bool)]) -> Vec<ChecklistItem> {
    entries
        .iter()
        .map(|(label, checked)| ChecklistItem {
            label: label.to_string(),
            checked: *checked,
        })
        .collect()
}

struct People {
    owner: user::Model,
    proofer: user::Model,
    other: user::Model,
    admin: user::Model,
}

async fn people(app: &TestApp) -> People {
    People {
        owner: create_user(app, "olivia@example.com", "Olivia Owner", "STAFF").await,
        proofer: create_user(app, "sam@example.com", "Sam Okafor", "STAFF").await,
        other: create_user(app, "priya@example.com", "Priya Shah", "STAFF").await,
        admin: create_user(app, "ada@example.com", "Ada Admin", "ADMIN").await,
    }
}

async fn proofed_item(
    app: &TestApp,
    people: &People,
    proofer: Option<&user::Model>,
) -> WorkItemView {
    work_items::create(
        app.db(),
        &actor(&people.owner),
        NewWorkItem {
            title: Some("Newsletter 16".into()),
            status: Some("IN_REVIEW".into()),
            owner_id: Some(people.owner.id.to_string()),
            needs_proofing: Some(true),
            proofer_id: proofer.map(|p| p.id.to_string()),
            qc_checklist: Some(ticks(&[("Links tested", false), ("Alt text", false)])),
            ..Default::default()
        },
    )
    .await
    .expect("item created")
}

async fn decide(
    app: &TestApp,
    who: &user::Model,
    item: &WorkItemView,
    changes: WorkItemChanges,
    verdict: &str,
    confirm_unticked: bool,
) -> Result<WorkItemView, ServiceError> {
    let role = if who.role == "ADMIN" {
        Role::Admin
    } else {
        Role::Staff
    };
    qc::save(
        app.db(),
        &actor(who),
        role,
        WorkItemId(item.id),
        None,
        changes,
        DecisionInput {
            verdict: Some(verdict.into()),
            note: Some("Please fix the second link, @priya".into()),
            confirm_unticked,
        },
    )
    .await
}

fn all_ticked() -> WorkItemChanges {
    WorkItemChanges {
        qc_checklist: Some(ticks(&[("Links tested", true), ("Alt text", true)])),
        ..Default::default()
    }
}

async fn the_named_proofer_or_an_admin_decides(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let people = people(&app).await;
    let item = proofed_item(&app, &people, Some(&people.proofer)).await;

    let refused = decide(&app, &people.other, &item, all_ticked(), "APPROVED", false).await;
    match refused {
        Err(ServiceError::NotAllowed(reason)) => {
            assert!(
                reason.contains("Sam Okafor is the named proofer"),
                "{reason}"
            )
        }
        other => panic!("someone else approved: {other:?}"),
    }
    let unchanged = work_items::get(app.db(), WorkItemId(item.id))
        .await
        .unwrap();
    assert_eq!(
        unchanged.version, item.version,
        "a refused request changes nothing"
    );
    assert!(
        unchanged.qc_checklist.iter().all(|e| !e.checked),
        "the refused request's ticks were not saved"
    );

    let approved = decide(
        &app,
        &people.proofer,
        &item,
        all_ticked(),
        "APPROVED",
        false,
    )
    .await
    .expect("the named proofer approves");
    assert_eq!(approved.proof_status, Some(ProofStatus::Approved));
    assert!(
        approved.qc_checklist.iter().all(|e| e.checked),
        "ticks are saved with the decision"
    );
    assert_eq!(approved.proofed_by_id, Some(people.proofer.id));

    let second = proofed_item(&app, &people, Some(&people.proofer)).await;
    decide(
        &app,
        &people.admin,
        &second,
        all_ticked(),
        "APPROVED",
        false,
    )
    .await
    .expect("an admin decides whoever is named");
    app.stop().await;
}

async fn the_owner_never_approves_their_own_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let people = people(&app).await;
    let admin_item = work_items::create(
        app.db(),
        &actor(&people.admin),
        NewWorkItem {
            title: Some("Admin's piece".into()),
            owner_id: Some(people.admin.id.to_string()),
            needs_proofing: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let refused = decide(
        &app,
        &people.admin,
        &admin_item,
        all_ticked(),
        "APPROVED",
        true,
    )
    .await;
    assert!(
        matches!(refused, Err(ServiceError::NotAllowed(_))),
        "an admin owner was allowed: {refused:?}"
    );

    // Hand it to someone else, then try: still the owner's own work.
    let item = proofed_item(&app, &people, None).await;
    work_items::update(
        app.db(),
        &actor(&people.owner),
        WorkItemId(item.id),
        None,
        WorkItemChanges {
            owner_id: Some(Some(people.other.id.to_string())),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let refused = decide(&app, &people.owner, &item, all_ticked(), "APPROVED", true).await;
    match refused {
        Err(ServiceError::NotAllowed(reason)) => {
            assert!(reason.contains("someone else must proof"), "{reason}")
        }
        other => panic!("the former owner approved: {other:?}"),
    }
    let refused = decide(&app, &people.other, &item, all_ticked(), "APPROVED", true).await;
    assert!(
        matches!(refused, Err(ServiceError::NotAllowed(_))),
        "the new owner approved their own work: {refused:?}"
    );
    // The item page offers the decision only to those who may make it: neither owner, but
    // someone who never owned it.
    for (person, offered) in [
        (&people.owner, false),
        (&people.other, false),
        (&people.proofer, true),
    ] {
        let client = sign_in(&app, &person.email, PASSWORD).await;
        let page = client
            .get(app.url(&format!("/work/{}", item.id)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            page.contains("Decide on the proof"),
            offered,
            "{} is offered the decision: {}",
            person.name,
            !offered
        );
    }
    decide(
        &app,
        &people.proofer,
        &item,
        all_ticked(),
        "APPROVED",
        false,
    )
    .await
    .expect("anyone else decides when nobody is named");
    app.stop().await;
}

async fn approving_unticked_needs_confirmation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let people = people(&app).await;
    let item = proofed_item(&app, &people, Some(&people.proofer)).await;
    let partly = WorkItemChanges {
        qc_checklist: Some(ticks(&[("Links tested", true), ("Alt text", false)])),
        qc_notes: Some(Some("Checked on mobile".into())),
        ..Default::default()
    };
    match decide(
        &app,
        &people.proofer,
        &item,
        partly.clone(),
        "APPROVED",
        false,
    )
    .await
    {
        Err(ServiceError::Conflict(reason)) => {
            assert!(reason.contains("“Alt text” is not ticked"), "{reason}")
        }
        other => panic!("approved with an unticked item: {other:?}"),
    }
    let unchanged = work_items::get(app.db(), WorkItemId(item.id))
        .await
        .unwrap();
    assert_eq!(unchanged.version, item.version);
    assert_eq!(
        unchanged.qc_notes, None,
        "the refused request saved its settings"
    );

    let approved = decide(&app, &people.proofer, &item, partly, "APPROVED", true)
        .await
        .expect("approved with confirmation");
    assert_eq!(approved.qc_notes.as_deref(), Some("Checked on mobile"));
    assert_eq!(
        approved.qc_checklist,
        ticks(&[("Links tested", true), ("Alt text", false)])
    );
    app.stop().await;
}

async fn changes_requested_note_is_a_comment_like_any_other(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let people = people(&app).await;
    let item = proofed_item(&app, &people, Some(&people.proofer)).await;
    let back = decide(
        &app,
        &people.proofer,
        &item,
        all_ticked(),
        "CHANGES_REQUESTED",
        false,
    )
    .await
    .unwrap();
    assert_eq!(back.status, Status::InProgress);
    assert!(back.qc_checklist.iter().all(|e| e.checked));
    let comments = comment::Entity::find()
        .filter(comment::Column::WorkItemId.eq(item.id))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(comments.len(), 1);
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("comment.create"))
        .filter(audit_log::Column::EntityId.eq(comments[0].id))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(audited.len(), 1, "the note's comment is audited");
    let mentioned = notification::Entity::find()
        .filter(notification::Column::UserId.eq(people.other.id))
        .filter(notification::Column::Kind.eq("MENTION"))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(mentioned.len(), 1, "@priya in the note notifies Priya");
    app.stop().await;
}

async fn closing_clears_waiting_and_awaiting_means_one_thing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let people = people(&app).await;
    let item = work_items::create(
        app.db(),
        &actor(&people.owner),
        NewWorkItem {
            title: Some("Client call".into()),
            owner_id: Some(people.owner.id.to_string()),
            waiting_on_user_id: Some(people.proofer.id.to_string()),
            waiting_reason: Some("Needs the final proof".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for status in ["DONE", "CANCELLED"] {
        let reopened = work_items::update(
            app.db(),
            &actor(&people.owner),
            WorkItemId(item.id),
            None,
            WorkItemChanges {
                status: Some("IN_PROGRESS".into()),
                waiting_on_user_id: Some(Some(people.proofer.id.to_string())),
                waiting_reason: Some("Needs the final proof".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(reopened.waiting_on_user_id.is_some());
        let closed = work_items::update(
            app.db(),
            &actor(&people.owner),
            WorkItemId(item.id),
            None,
            WorkItemChanges {
                status: Some(status.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(closed.waiting_on_user_id, None, "{status} still waits");
        assert_eq!(closed.waiting_reason, None);
        assert_eq!(closed.waiting_since, None);
    }

    // Awaiting proofing: an open item in progress counts (not only In review), a closed one not.
    let in_progress = work_items::create(
        app.db(),
        &actor(&people.owner),
        NewWorkItem {
            title: Some("Draft".into()),
            status: Some("IN_PROGRESS".into()),
            owner_id: Some(people.owner.id.to_string()),
            needs_proofing: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cancelled = proofed_item(&app, &people, None).await;
    work_items::update(
        app.db(),
        &actor(&people.owner),
        WorkItemId(cancelled.id),
        None,
        WorkItemChanges {
            status: Some("CANCELLED".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let queue: Vec<_> = qc::queue(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(queue, vec![in_progress.id]);
    let to_proof: Vec<_> = inbox::inbox(app.db(), UserId(people.proofer.id))
        .await
        .unwrap()
        .to_proof
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(to_proof, queue, "the inbox and the QC queue agree");
    let numbers = stats::stats(app.db(), chrono_tz::UTC, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        numbers.awaiting_proofing,
        queue.len() as i64,
        "the dashboard agrees"
    );
    app.stop().await;
}

async fn the_done_refusal_names_the_proofer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let people = people(&app).await;
    let item = proofed_item(&app, &people, Some(&people.proofer)).await;
    let refused = work_items::update(
        app.db(),
        &actor(&people.owner),
        WorkItemId(item.id),
        None,
        WorkItemChanges {
            status: Some("DONE".into()),
            ..Default::default()
        },
    )
    .await;
    match refused {
        Err(ServiceError::Conflict(reason)) => assert_eq!(
            reason,
            "Sam Okafor must approve the proof before this can be Done."
        ),
        other => panic!("expected a refusal: {other:?}"),
    }
    app.stop().await;
}

on_both_backends!(
    the_named_proofer_or_an_admin_decides,
    the_owner_never_approves_their_own_work,
    approving_unticked_needs_confirmation,
    changes_requested_note_is_a_comment_like_any_other,
    closing_clears_waiting_and_awaiting_means_one_thing,
    the_done_refusal_names_the_proofer
);
