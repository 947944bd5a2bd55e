//! QC and proofing (docs/PRODUCT.md §5): the proofing state of an item, and decisions on it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    input::{enum_field, uuid_field},
    update::{audit_changes, notify_changes, save},
    view::WorkItemView,
};
use crate::{
    db::{Db, entities::comment, time},
    domain::{
        FieldErrors,
        ids::{WorkItemId, new_uuid},
        patch::{Patch, double_option},
        user::Role,
        work_item::{ProofStatus, Status},
        work_item_rules::{self as rules, ChecklistItem},
    },
    services::{
        ServiceError,
        audit::Actor,
        notifications::{self, NotificationKind},
    },
};
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder, Set};

/// The QC panel of an item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QcView {
    pub needs_proofing: bool,
    pub proof_status: Option<String>,
    pub proofer_id: Option<Uuid>,
    pub proofed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub proofed_by_id: Option<Uuid>,
    pub tbp_graphics_location: Option<String>,
    pub qc_checklist: Vec<ChecklistItem>,
    pub qc_notes: Option<String>,
    pub version: i32,
}

impl From<&WorkItemView> for QcView {
    fn from(item: &WorkItemView) -> Self {
        QcView {
            needs_proofing: item.needs_proofing,
            proof_status: item.proof_status.clone(),
            proofer_id: item.proofer_id,
            proofed_at: item.proofed_at,
            proofed_by_id: item.proofed_by_id,
            tbp_graphics_location: item.tbp_graphics_location.clone(),
            qc_checklist: item.qc_checklist.clone(),
            qc_notes: item.qc_notes.clone(),
            version: item.version,
        }
    }
}

/// `PATCH /api/work-items/{id}/qc`: proofing settings, and a decision (`proofStatus`
/// `APPROVED`, or `CHANGES_REQUESTED` with a `note`).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QcChanges {
    pub version: Option<i32>,
    pub needs_proofing: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub proofer_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub tbp_graphics_location: Patch<String>,
    pub qc_checklist: Option<Vec<ChecklistItem>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub qc_notes: Patch<String>,
    /// A decision: `APPROVED` or `CHANGES_REQUESTED` (with `note`).
    pub proof_status: Option<String>,
    /// Required with `CHANGES_REQUESTED`; becomes a comment on the item.
    pub note: Option<String>,
}

/// Applies QC changes and decisions. The owner of an item cannot approve it (admins can).
pub async fn decide(
    db: &Db,
    actor: &Actor,
    role: Role,
    id: WorkItemId,
    expected_version: Option<i32>,
    changes: QcChanges,
) -> Result<WorkItemView, ServiceError> {
    let mut errors = FieldErrors::default();
    let decision = changes
        .proof_status
        .as_deref()
        .and_then(|raw| enum_field::<ProofStatus>(&mut errors, "proofStatus", raw));
    if decision == Some(ProofStatus::Pending) {
        errors.add(
            "proofStatus",
            "a decision is APPROVED or CHANGES_REQUESTED (turn needsProofing on to start again)",
        );
    }
    let note = changes
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if decision == Some(ProofStatus::ChangesRequested) && note.is_none() {
        errors.add("note", "say what needs to change");
    }
    if let Some(note) = &note
        && note.chars().count() > rules::MAX_COMMENT_CHARS
    {
        errors.add(
            "note",
            format!(
                "note must be at most {} characters",
                rules::MAX_COMMENT_CHARS
            ),
        );
    }
    // Settings changes go through the general rules first (validation, versions, audit).
    let settings = super::input::WorkItemChanges {
        version: changes.version,
        needs_proofing: changes.needs_proofing,
        proofer_id: changes.proofer_id.clone(),
        tbp_graphics_location: changes.tbp_graphics_location.clone(),
        qc_checklist: changes.qc_checklist.clone(),
        qc_notes: changes.qc_notes.clone(),
        ..Default::default()
    };
    if let Some(Some(raw)) = &changes.proofer_id {
        uuid_field(&mut errors, "prooferId", raw);
    }
    errors.into_result()?;
    let has_settings = settings.needs_proofing.is_some()
        || settings.proofer_id.is_some()
        || settings.tbp_graphics_location.is_some()
        || settings.qc_checklist.is_some()
        || settings.qc_notes.is_some();
    let mut version = expected_version.or(changes.version);
    if has_settings {
        let updated = super::update(db, actor, id, version, settings).await?;
        version = Some(updated.version);
    }
    let Some(decision) = decision else {
        return super::get(db, id).await;
    };

    let txn = db.begin_write().await?;
    let current = super::find_locked(&txn, id).await?;
    if let Some(expected) = version
        && expected != current.version
    {
        return Err(ServiceError::Conflict(
            "this item changed since you loaded it; reload and try again".into(),
        ));
    }
    if !current.needs_proofing {
        return Err(ServiceError::Conflict(
            "this item does not need proofing; turn needsProofing on first".into(),
        ));
    }
    let is_owner = current.owner_id.is_some() && current.owner_id == actor.user_id.map(|u| u.0);
    if decision == ProofStatus::Approved && is_owner && role != Role::Admin {
        return Err(ServiceError::Forbidden);
    }
    let now = time::now();
    let mut next = current.clone();
    next.proof_status = Some(decision.as_str().to_string());
    next.proofed_at = Some(now);
    next.proofed_by_id = actor.user_id.map(|u| u.0);
    if decision == ProofStatus::ChangesRequested {
        next.status = Status::InProgress.as_str().to_string();
        next.completed_at = None;
        next.rank = super::support::rank_at_end(&txn, Status::InProgress.as_str()).await?;
    }
    let saved = save(&txn, &current, &next, now).await?;
    audit_changes(&txn, actor, &current, &saved, None).await?;
    notify_changes(&txn, actor, &current, &saved).await?;
    if decision == ProofStatus::ChangesRequested {
        let text = note.unwrap_or_default();
        comment::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(current.id),
            author_id: Set(actor.user_id.map(|u| u.0)),
            body: Set(format!("**Changes requested:** {text}")),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        if let Some(owner) = current.owner_id {
            notifications::notify(
                &txn,
                owner,
                NotificationKind::ChangesRequested,
                Some(current.id),
                actor.user_id,
                format!("Changes requested on “{}”: {text}", current.title),
            )
            .await?;
        }
    }
    txn.commit().await?;
    super::get(db, id).await
}

/// Items awaiting proofing, oldest first (the QC queue).
pub async fn queue(db: &Db) -> Result<Vec<WorkItemView>, ServiceError> {
    use crate::db::entities::work_item;
    Ok(super::view::select_views(db.backend())
        .filter(work_item::Column::NeedsProofing.eq(true))
        .filter(work_item::Column::ProofStatus.eq(ProofStatus::Pending.as_str()))
        .filter(
            work_item::Column::Status
                .is_not_in([Status::Done.as_str(), Status::Cancelled.as_str()]),
        )
        .order_by_asc(work_item::Column::UpdatedAt)
        .into_model::<super::view::WorkItemRow>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
