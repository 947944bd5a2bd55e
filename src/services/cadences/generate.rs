//! Generation: every active cadence creates, from its template, each occurrence due within its
//! lead window that has no item yet, with `cadenceKey = <slug>:<local date>`.
//!
//! Exactly once, whatever happens: each item is created in its own transaction, and the unique
//! index on `work_items.cadence_key` decides between two runs racing for the same occurrence
//! (another instance, a retried job, the `cadences run` command). A run that stops half-way
//! (a crash, a lost database) has committed whole items only; the next run creates the rest
//! and skips those that exist. So generation can be rerun at any time.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use tracing::{info, warn};

use super::{existing_keys, schedule_parts};
use crate::{
    db::{
        Db,
        entities::{cadence, template, user},
    },
    domain::{
        recurrence::{Schedule, cadence_key},
        work_item::ItemType,
    },
    services::{
        ServiceError,
        audit::Actor,
        work_items::{self, input::NewWorkItem},
    },
};

/// What one generation run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerationReport {
    /// Active cadences looked at.
    pub cadences: usize,
    /// Items created by this run.
    pub created: usize,
    /// Occurrences in a lead window whose item already existed.
    pub existing: usize,
    /// One sentence per cadence that could not be generated (the others still were).
    pub failures: Vec<String>,
}

/// Creates the due occurrences of every active cadence as of `now`, in `tz`. A cadence that
/// fails is reported and the others carry on.
pub async fn generate(
    db: &Db,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<GenerationReport, ServiceError> {
    let cadences = cadence::Entity::find()
        .filter(cadence::Column::Active.eq(true))
        .order_by_asc(cadence::Column::Slug)
        .all(db.conn())
        .await?;
    let mut report = GenerationReport {
        cadences: cadences.len(),
        ..GenerationReport::default()
    };
    for cadence in &cadences {
        // Counted as it goes, so a cadence that fails half-way still reports what it made.
        if let Err(error) = generate_one(db, tz, cadence, now, &mut report).await {
            let text = error_text(&error);
            warn!(cadence = %cadence.slug, error = %text, "cadence generation failed");
            report.failures.push(format!("{}: {text}", cadence.slug));
        }
    }
    if report.created > 0 {
        info!(
            created = report.created,
            existing = report.existing,
            "cadences generated items"
        );
    }
    Ok(report)
}

fn error_text(error: &ServiceError) -> String {
    match error {
        ServiceError::Invalid(fields) => fields
            .0
            .iter()
            .map(|(field, problems)| format!("{field}: {}", problems.join("; ")))
            .collect::<Vec<_>>()
            .join(". "),
        ServiceError::Internal(cause) => format!("{cause:#}"),
        other => other.to_string(),
    }
}

/// Creates one cadence's missing occurrences, counting them in `report`.
async fn generate_one(
    db: &Db,
    tz: Tz,
    cadence: &cadence::Model,
    now: DateTime<Utc>,
    report: &mut GenerationReport,
) -> Result<(), ServiceError> {
    let (rule, due, created_on) = schedule_parts(cadence, tz)?;
    let schedule = Schedule {
        rule: &rule,
        due,
        created_on,
        tz,
    };
    let window = schedule.in_lead_window(now, cadence.lead_days.max(0) as u32);
    if window.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = window
        .iter()
        .map(|o| cadence_key(&cadence.slug, o.date))
        .collect();
    let existing = existing_keys(db.conn(), keys.clone()).await?;
    let template = template::Entity::find_by_id(cadence.template_id)
        .one(db.conn())
        .await?
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the cadence's template is gone")))?;
    // An event needs a start: a cadence's event starts when it is due.
    let is_event = template.item_type == ItemType::Event;
    let owner = usable_owner(db, cadence).await?;

    report.existing += existing.len();
    for (occurrence, key) in window.iter().zip(keys) {
        if existing.contains(&key) {
            continue;
        }
        let due_at = occurrence.due_at.to_rfc3339();
        let input = NewWorkItem {
            title: Some(format!(
                "{} — {}",
                cadence.name,
                occurrence.date.format("%Y-%m-%d")
            )),
            template_id: Some(cadence.template_id.to_string()),
            cadence_key: Some(key.clone()),
            due_at: Some(due_at.clone()),
            start_at: is_event.then_some(due_at),
            owner_id: owner.map(|id| id.to_string()),
            ..NewWorkItem::default()
        };
        match work_items::create(db, &Actor::system(), input).await {
            Ok(_) => report.created += 1,
            // Another run created it between our look and our insert: the unique key said no.
            Err(ServiceError::Conflict(reason)) if !key_is_written(db, &key).await? => {
                return Err(ServiceError::Conflict(reason));
            }
            Err(ServiceError::Conflict(_)) => report.existing += 1,
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Whether an item holds `key`, asked from the writers' side. The insert that conflicted with
/// ours may share a commit with it (SQLite writers commit in batches), and until that commit no
/// other connection sees it; a write transaction sees it and, on committing, waits for it to be
/// durable.
async fn key_is_written(db: &Db, key: &str) -> Result<bool, ServiceError> {
    let txn = db.begin_write().await?;
    let found = !existing_keys(&txn, vec![key.to_string()]).await?.is_empty();
    txn.commit().await?;
    Ok(found)
}

/// The cadence's owner if they can still own work; otherwise none, so the template's default
/// owner applies rather than every run failing on someone who left.
async fn usable_owner(
    db: &Db,
    cadence: &cadence::Model,
) -> Result<Option<uuid::Uuid>, ServiceError> {
    let Some(owner) = cadence.owner_id else {
        return Ok(None);
    };
    let active = user::Entity::find_by_id(owner)
        .filter(user::Column::Active.eq(true))
        .count(db.conn())
        .await?;
    Ok((active > 0).then_some(owner))
}
