//! Demo data: four people, three templates and eight work items with 29 subtasks, spread over
//! the next two weeks, so a new installation shows what the product does. Seeding is one
//! transaction and happens only once: a second run finds the demo admin and changes nothing.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};
use serde_json::json;
use uuid::Uuid;

use super::ServiceError;
use crate::{
    auth::passwords,
    db::{Db, entities::*, time},
    domain::{
        ids::{TemplateId, UserId, WorkItemId, new_uuid},
        rank,
        user::Email,
        work_item::{ItemType, Priority, ProofStatus, Status},
    },
};

mod data;

use crate::domain::audit_action::AuditAction;
use data::{DEMO_ITEMS, DEMO_TEMPLATES, DEMO_USERS, DemoItem};

/// A fresh password for the demo people: 96 random bits, so no installation shares one and
/// nothing in the source signs anyone in. Shown once, by whoever seeds.
pub fn random_password() -> String {
    crate::auth::tokens::generate("")[..24].to_string()
}

/// The lock that makes concurrent seeding runs take turns (see [`Db::take_turns`]).
const DEMO_LOCK_ID: i64 = 0x0_DE30_5EED;

/// What a seeding run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOutcome {
    Seeded {
        users: usize,
        items: usize,
        subtasks: usize,
        templates: usize,
    },
    AlreadySeeded,
}

/// Email addresses and roles of the demo people, for printing sign-in hints.
pub fn demo_accounts() -> Vec<(&'static str, &'static str, &'static str)> {
    DEMO_USERS
        .iter()
        .map(|u| (u.email, u.name, u.role))
        .collect()
}

/// Seeds the demo data unless it is already there; every demo person gets `password`.
pub async fn seed(db: &Db, password: &str) -> Result<SeedOutcome, ServiceError> {
    let admin_email = Email::parse(DEMO_USERS[0].email).expect("demo email is valid");
    if super::users::find_by_email(db.conn(), &admin_email)
        .await?
        .is_some()
    {
        return Ok(SeedOutcome::AlreadySeeded);
    }
    // Hash before the transaction: hashing is slow and must not hold the write lock.
    let hashes = DEMO_USERS
        .iter()
        .map(|_| passwords::hash_password(password))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let txn = db.begin_write().await?;
    // Two instances starting together on an empty database both get here: the second waits
    // for the first to commit, then finds the demo admin and changes nothing.
    Db::take_turns(&txn, DEMO_LOCK_ID).await?;
    if super::users::find_by_email(&txn, &admin_email)
        .await?
        .is_some()
    {
        txn.rollback().await?;
        return Ok(SeedOutcome::AlreadySeeded);
    }
    let now = time::now();
    let mut user_ids = Vec::new();
    for (person, hash) in DEMO_USERS.iter().zip(hashes) {
        let id = UserId::new().0;
        user::ActiveModel {
            id: Set(id),
            email: Set(person.email.to_string()),
            name: Set(person.name.to_string()),
            role: Set(person.role.to_string()),
            active: Set(true),
            password_hash: Set(Some(hash)),
            ghl_user_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            last_sign_in_at: Set(None),
            time_zone: Set(None),
        }
        .insert(&txn)
        .await?;
        user_ids.push(id);
    }

    let mut template_ids = Vec::new();
    for template in DEMO_TEMPLATES {
        let id = TemplateId::new().0;
        template::ActiveModel {
            id: Set(id),
            name: Set(template.name.to_string()),
            item_type: Set(ItemType::Deliverable),
            deliverable_type: Set(Some(template.deliverable_type)),
            priority: Set(Priority::Normal),
            tags: Set(json!(template.tags)),
            needs_proofing: Set(template.needs_proofing),
            qc_checklist: Set(json!(
                template
                    .checklist
                    .iter()
                    .map(|label| json!({"label": label, "checked": false}))
                    .collect::<Vec<_>>()
            )),
            default_owner_id: Set(Some(user_ids[template.owner])),
            duration_days: Set(template.duration_days),
            description: Set(template.description.to_string()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        for (position, (title, offset)) in template.subtasks.iter().enumerate() {
            template_subtask::ActiveModel {
                id: Set(new_uuid()),
                template_id: Set(id),
                title: Set(title.to_string()),
                due_offset_days: Set(*offset),
                position: Set(position as i32),
            }
            .insert(&txn)
            .await?;
        }
        template_ids.push(id);
    }

    let ranks = rank::sequence(DEMO_ITEMS.len());
    let mut subtask_count = 0;
    for (item, item_rank) in DEMO_ITEMS.iter().zip(ranks) {
        subtask_count += insert_item(&txn, item, item_rank, &user_ids, &template_ids, now).await?;
    }
    txn.commit().await?;
    Ok(SeedOutcome::Seeded {
        users: DEMO_USERS.len(),
        items: DEMO_ITEMS.len(),
        subtasks: subtask_count,
        templates: DEMO_TEMPLATES.len(),
    })
}

/// Five in the afternoon (UTC), `days` from today: a plausible deadline.
fn day_at(now: DateTime<Utc>, days: i64, hour: u32) -> DateTime<Utc> {
    let date = (now + Duration::days(days)).date_naive();
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).expect("valid hour"))
        .and_utc()
}

async fn insert_item(
    txn: &DatabaseTransaction,
    item: &DemoItem,
    item_rank: String,
    user_ids: &[Uuid],
    template_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let id = WorkItemId::new().0;
    let due_at = day_at(now, item.due_in_days, 17);
    let done = item.status == Status::Done;
    let approved = item.proof_status == Some(ProofStatus::Approved);
    work_item::ActiveModel {
        id: Set(id),
        number: Set(crate::db::item_numbers::next(txn).await?),
        title: Set(item.title.to_string()),
        description: Set(item.description.to_string()),
        item_type: Set(item.item_type),
        status: Set(item.status),
        priority: Set(item.priority),
        owner_id: Set(item.owner.map(|i| user_ids[i])),
        created_by_id: Set(Some(user_ids[0])),
        start_at: Set(item
            .starts_hours_before_due
            .map(|h| due_at - Duration::hours(h))),
        due_at: Set(Some(due_at)),
        completed_at: Set(done.then(|| now - Duration::hours(20))),
        deliverable_type: Set(item.deliverable_type),
        cadence_key: Set(None),
        template_id: Set(item.template.map(|i| template_ids[i])),
        client: Set(item.client.map(str::to_string)),
        ghl_contact_id: Set(None),
        ghl_opportunity_id: Set(None),
        waiting_on_user_id: Set(item.waiting_on.map(|(i, _)| user_ids[i])),
        waiting_reason: Set(item.waiting_on.map(|(_, reason)| reason.to_string())),
        waiting_since: Set(item.waiting_on.map(|_| now - Duration::hours(26))),
        needs_proofing: Set(item.proof_status.is_some()),
        proof_status: Set(item.proof_status),
        proofer_id: Set(item.proof_status.map(|_| user_ids[3])),
        proofed_at: Set(approved.then(|| now - Duration::hours(22))),
        proofed_by_id: Set(approved.then(|| user_ids[3])),
        tbp_graphics_location: Set(item.graphics_location.map(str::to_string)),
        qc_notes: Set(None),
        rank: Set(item_rank),
        version: Set(1),
        // A finished item was started before it was finished (cycle time stays positive).
        created_at: Set(if done { now - Duration::days(4) } else { now }),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    // Each demo item's history starts with its creation, as a real one would.
    crate::services::audit::record(
        txn,
        &crate::services::audit::Actor {
            user_id: Some(UserId(user_ids[0])),
            ..Default::default()
        },
        crate::services::audit::AuditEntry {
            action: AuditAction::WorkItemCreate,
            entity_type: "work_item",
            entity_id: Some(id),
            work_item_id: Some(id),
            summary: Some(item.title.to_string()),
            ..Default::default()
        },
    )
    .await?;
    for tag in item.tags {
        work_item_tag::ActiveModel {
            work_item_id: Set(id),
            tag: Set(tag.to_string()),
        }
        .insert(txn)
        .await?;
    }
    for (position, label) in item.checklist.iter().enumerate() {
        qc_checklist_item::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(id),
            label: Set(label.to_string()),
            checked: Set(done),
            position: Set(position as i32),
        }
        .insert(txn)
        .await?;
    }
    for (position, (title, offset)) in item.subtasks.iter().enumerate() {
        subtask::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(id),
            title: Set(title.to_string()),
            // Steps whose date has passed are shown as done, as they would be in a real team.
            done: Set(done || due_at + Duration::days(*offset) < now),
            assignee_id: Set(item.owner.map(|i| user_ids[i])),
            due_at: Set(Some(due_at + Duration::days(*offset))),
            position: Set(position as i32),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(item.subtasks.len())
}
