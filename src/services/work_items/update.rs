//! Changing a work item: optimistic concurrency, the status and QC rules, waiting state,
//! board moves, and an audit entry (before and after) per changed group, all in one
//! transaction with the change.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{
    changes,
    input::{WorkItemChanges, enum_field, time_field, uuid_field},
    support::{
        audit_groups, check_people, rank_after, rank_at_end, replace_checklist, replace_tags,
    },
    view::WorkItemView,
};
use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        Db,
        entities::{qc_checklist_item, user, work_item, work_item_tag},
        time,
    },
    domain::{
        FieldErrors,
        ids::WorkItemId,
        rank,
        work_item::{DeliverableType, ItemType, Priority, ProofStatus, Status},
        work_item_rules::{self as rules, ChecklistItem},
    },
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        notifications::{self, NotificationKind},
    },
};

/// Applies `changes` to an item. `expected_version` (from `If-Match`) or `changes.version`,
/// when given, must match the stored version.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: WorkItemId,
    expected_version: Option<i32>,
    changes: WorkItemChanges,
) -> Result<WorkItemView, ServiceError> {
    let txn = db.begin_write().await?;
    let current = locked(&txn, id, expected_version.or(changes.version)).await?;
    apply(&txn, actor, &current, &changes).await?;
    txn.commit().await?;
    super::get(db, id).await
}

/// The stored row, checked against the version the change was made on.
pub(super) async fn locked(
    txn: &sea_orm::DatabaseTransaction,
    id: WorkItemId,
    expected_version: Option<i32>,
) -> Result<work_item::Model, ServiceError> {
    let current = super::find_locked(txn, id).await?;
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(ServiceError::Conflict(
            "someone else changed this item since you opened it; reload to see their change".into(),
        ));
    }
    Ok(current)
}

/// Checks and writes `changes` within `txn`, with their audit entries and notifications.
/// Nothing is written when the request changes nothing.
pub(super) async fn apply(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    current: &work_item::Model,
    changes: &WorkItemChanges,
) -> Result<work_item::Model, ServiceError> {
    let mut errors = FieldErrors::default();
    let mut next = current.clone();
    if let Some(raw) = &changes.title
        && let Some(title) = errors.check("title", rules::parse_title(raw))
    {
        next.title = title;
    }
    if let Some(raw) = &changes.description
        && let Some(text) = errors.check(
            "description",
            rules::parse_bounded(raw, "description", rules::MAX_DESCRIPTION_CHARS),
        )
    {
        next.description = text;
    }
    if let Some(raw) = &changes.item_type
        && let Some(value) = enum_field::<ItemType>(&mut errors, "type", raw)
    {
        next.item_type = value;
    }
    if let Some(raw) = &changes.priority
        && let Some(value) = enum_field::<Priority>(&mut errors, "priority", raw)
    {
        next.priority = value;
    }
    let new_status = match &changes.status {
        Some(raw) => enum_field::<Status>(&mut errors, "status", raw),
        None => Some(current.status),
    };
    if let Some(patch) = &changes.deliverable_type {
        next.deliverable_type = match patch {
            None => None,
            Some(raw) => enum_field::<DeliverableType>(&mut errors, "deliverableType", raw),
        };
    }
    if let Some(patch) = &changes.owner_id {
        next.owner_id = patch
            .as_deref()
            .and_then(|raw| uuid_field(&mut errors, "ownerId", raw));
    }
    if let Some(patch) = &changes.start_at {
        next.start_at = patch
            .as_deref()
            .and_then(|raw| time_field(&mut errors, "startAt", raw));
    }
    if let Some(patch) = &changes.due_at {
        next.due_at = patch
            .as_deref()
            .and_then(|raw| time_field(&mut errors, "dueAt", raw));
    }
    let tags = changes
        .tags
        .as_ref()
        .and_then(|raw| errors.check("tags", rules::parse_tags(raw)));
    if let Some(patch) = &changes.client {
        next.client = errors
            .check(
                "client",
                rules::parse_optional_text(patch.as_deref(), "client", rules::MAX_CLIENT_CHARS),
            )
            .flatten();
    }
    if let Some(patch) = &changes.ghl_contact_id
        && let Some(id) = errors.check(
            "ghlContactId",
            rules::parse_optional_text(patch.as_deref(), "ghlContactId", rules::MAX_GHL_ID_CHARS),
        )
    {
        next.ghl_contact_id = id;
    }
    if let Some(patch) = &changes.ghl_opportunity_id
        && let Some(id) = errors.check(
            "ghlOpportunityId",
            rules::parse_optional_text(
                patch.as_deref(),
                "ghlOpportunityId",
                rules::MAX_GHL_ID_CHARS,
            ),
        )
    {
        next.ghl_opportunity_id = id;
    }
    changes::apply_waiting(changes, current, &mut next, &mut errors);
    changes::apply_proofing(changes, current, &mut next, &mut errors);
    let checklist = changes
        .qc_checklist
        .as_ref()
        .and_then(|raw| errors.check("qcChecklist", rules::parse_checklist(raw)));
    if let Some(raw) = &changes.rank
        && errors.check("rank", rank::validate(raw)).is_some()
    {
        next.rank = raw.clone();
    }
    for (field, problem) in rules::check_dates(next.item_type, next.start_at, next.due_at) {
        errors.add(field, problem);
    }
    let mut people = vec![(
        "waitingOnUserId",
        next.waiting_on_user_id
            .filter(|_| next.waiting_on_user_id != current.waiting_on_user_id),
    )];
    people.push((
        "ownerId",
        next.owner_id.filter(|_| next.owner_id != current.owner_id),
    ));
    people.push((
        "prooferId",
        next.proofer_id
            .filter(|_| next.proofer_id != current.proofer_id),
    ));
    check_people(txn, &mut errors, &people).await?;
    let place_after = changes.place_after_id.as_ref().map(|patch| {
        patch
            .as_deref()
            .and_then(|raw| uuid_field(&mut errors, "placeAfterId", raw))
    });
    errors.into_result()?;

    // Status rules come after field checks: a 409 only for otherwise valid requests.
    let from = current.status;
    let to = new_status.unwrap_or(from);
    rules::check_status_move(from, to).map_err(ServiceError::Conflict)?;
    if to == Status::InReview
        && from != Status::InReview
        && next.needs_proofing
        && next.proof_status == Some(ProofStatus::ChangesRequested)
    {
        // Back in review after changes were requested: it waits for the proofer again.
        next.proof_status = Some(ProofStatus::Pending);
    }
    let proof_status = next.proof_status;
    if (to != from || to == Status::Done)
        && let Err(state) = rules::check_qc_gate(to, next.needs_proofing, proof_status)
    {
        let proofer = match next.proofer_id {
            Some(id) => person_name(txn, id).await?,
            None => None,
        };
        return Err(ServiceError::Conflict(rules::qc_gate_refusal(
            state,
            proofer.as_deref(),
        )));
    }
    let now = time::now();
    next.status = to;
    if to == Status::Done && from != Status::Done {
        next.completed_at = Some(now);
    } else if to != Status::Done {
        next.completed_at = None;
    }
    if !to.is_open() {
        // Nobody waits on finished work.
        next.waiting_on_user_id = None;
        next.waiting_reason = None;
        next.waiting_since = None;
    }
    if let Some(after) = place_after {
        match rank_after(txn, to, after, current.id).await? {
            Ok(rank) => next.rank = rank,
            Err(problem) => return Err(ServiceError::invalid("placeAfterId", problem)),
        }
    } else if to != from && changes.rank.is_none() {
        next.rank = rank_at_end(txn, to).await?;
    }

    let old_checklist = match &checklist {
        Some(_) => load_checklist(txn, current.id).await?,
        None => Vec::new(),
    };
    let checklist = checklist.filter(|new| *new != old_checklist);
    let old_tags = match &tags {
        Some(_) => load_tags(txn, current.id).await?,
        None => Vec::new(),
    };
    let tags = tags.filter(|new| {
        let mut sorted = new.clone();
        sorted.sort();
        sorted != old_tags
    });
    if next == *current && checklist.is_none() && tags.is_none() {
        return Ok(current.clone());
    }
    let saved = save(txn, current, &next, now).await?;
    if let Some(tags) = &tags {
        replace_tags(txn, current.id, tags).await?;
    }
    if let Some(checklist) = &checklist {
        replace_checklist(txn, current.id, checklist).await?;
    }
    let lists = Lists {
        checklist: checklist.map(|new| (old_checklist, new)),
        tags: tags.map(|new| (old_tags, new)),
    };
    audit_changes(txn, actor, current, &saved, lists).await?;
    notify_changes(txn, actor, current, &saved).await?;
    Ok(saved)
}

/// A person's name, for sentences that name them.
pub(super) async fn person_name(
    conn: &impl sea_orm::ConnectionTrait,
    id: uuid::Uuid,
) -> Result<Option<String>, ServiceError> {
    Ok(user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|u| u.name))
}

/// Writes the row with the next version, only if it still holds the version `current` was
/// read at: a writer that lost a race gets a conflict instead of overwriting the winner.
pub(super) async fn save(
    txn: &sea_orm::DatabaseTransaction,
    current: &work_item::Model,
    next: &work_item::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<work_item::Model, ServiceError> {
    let mut model: work_item::ActiveModel = current.clone().into();
    let fields = next.clone();
    model.title = Set(fields.title);
    model.description = Set(fields.description);
    model.item_type = Set(fields.item_type);
    model.status = Set(fields.status);
    model.priority = Set(fields.priority);
    model.owner_id = Set(fields.owner_id);
    model.start_at = Set(fields.start_at);
    model.due_at = Set(fields.due_at);
    model.completed_at = Set(fields.completed_at);
    model.deliverable_type = Set(fields.deliverable_type);
    model.client = Set(fields.client);
    model.ghl_contact_id = Set(fields.ghl_contact_id);
    model.ghl_opportunity_id = Set(fields.ghl_opportunity_id);
    model.waiting_on_user_id = Set(fields.waiting_on_user_id);
    model.waiting_reason = Set(fields.waiting_reason);
    model.waiting_since = Set(fields.waiting_since);
    model.needs_proofing = Set(fields.needs_proofing);
    model.proof_status = Set(fields.proof_status);
    model.proofer_id = Set(fields.proofer_id);
    model.proofed_at = Set(fields.proofed_at);
    model.proofed_by_id = Set(fields.proofed_by_id);
    model.tbp_graphics_location = Set(fields.tbp_graphics_location);
    model.qc_notes = Set(fields.qc_notes);
    model.rank = Set(fields.rank);
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    work_item::Entity::update(model)
        .validate()?
        .filter(work_item::Column::Version.eq(current.version))
        .exec(txn)
        .await
        .map_err(|error| match error {
            sea_orm::DbErr::RecordNotUpdated => ServiceError::Conflict(
                "this item changed while your change was being saved; reload and try again".into(),
            ),
            other => other.into(),
        })
}

pub(super) async fn load_checklist(
    txn: &sea_orm::DatabaseTransaction,
    item: uuid::Uuid,
) -> Result<Vec<ChecklistItem>, ServiceError> {
    Ok(qc_checklist_item::Entity::find()
        .filter(qc_checklist_item::Column::WorkItemId.eq(item))
        .order_by_asc(qc_checklist_item::Column::Position)
        .all(txn)
        .await?
        .into_iter()
        .map(|row| ChecklistItem {
            label: row.label,
            checked: row.checked,
        })
        .collect())
}

async fn load_tags(
    txn: &sea_orm::DatabaseTransaction,
    item: uuid::Uuid,
) -> Result<Vec<String>, ServiceError> {
    Ok(work_item_tag::Entity::find()
        .filter(work_item_tag::Column::WorkItemId.eq(item))
        .all(txn)
        .await?
        .into_iter()
        .map(|row| row.tag)
        .collect::<Vec<_>>())
    .map(|mut tags| {
        tags.sort();
        tags
    })
}

/// The lists an item keeps in their own tables, before and after, when a change touched them.
#[derive(Default)]
pub(super) struct Lists {
    pub checklist: Option<(Vec<ChecklistItem>, Vec<ChecklistItem>)>,
    pub tags: Option<(Vec<String>, Vec<String>)>,
}

/// One audit entry per group that changed, with its before and after values.
pub(super) async fn audit_changes(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    before: &work_item::Model,
    after: &work_item::Model,
    lists: Lists,
) -> Result<(), ServiceError> {
    for ((action, mut old), (_, mut new)) in
        audit_groups(before).into_iter().zip(audit_groups(after))
    {
        if action == AuditAction::WorkItemQc
            && let Some((old_list, new_list)) = &lists.checklist
        {
            old["qcChecklist"] = json!(old_list);
            new["qcChecklist"] = json!(new_list);
        }
        if action == AuditAction::WorkItemFields
            && let Some((old_tags, new_tags)) = &lists.tags
        {
            old["tags"] = json!(old_tags);
            new["tags"] = json!(new_tags);
        }
        if old == new {
            continue;
        }
        // The version this change made, so a page can tell which changes it has not seen.
        new["version"] = json!(after.version);
        audit::record(
            txn,
            actor,
            AuditEntry {
                action,
                entity_type: "work_item",
                entity_id: Some(after.id),
                work_item_id: Some(after.id),
                summary: Some(after.title.clone()),
                before: Some(old),
                after: Some(new),
            },
        )
        .await?;
    }
    Ok(())
}

/// A new owner hears they were assigned; a new person waited on hears it is waiting on them.
pub(super) async fn notify_changes(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    before: &work_item::Model,
    after: &work_item::Model,
) -> Result<(), ServiceError> {
    if let Some(owner) = after.owner_id.filter(|o| Some(*o) != before.owner_id) {
        notifications::notify(
            txn,
            owner,
            NotificationKind::Assigned,
            Some(after.id),
            actor.user_id,
            format!("You own “{}”", after.title),
        )
        .await?;
    }
    if let Some(waiting) = after
        .waiting_on_user_id
        .filter(|w| Some(*w) != before.waiting_on_user_id)
    {
        let reason = after.waiting_reason.clone().unwrap_or_default();
        notifications::notify(
            txn,
            waiting,
            NotificationKind::Waiting,
            Some(after.id),
            actor.user_id,
            format!("“{}” is waiting on you: {reason}", after.title),
        )
        .await?;
    }
    Ok(())
}
