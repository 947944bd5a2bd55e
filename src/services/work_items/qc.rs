//! QC and proofing (docs/PRODUCT.md §5): the proofing state of an item, and decisions on
//! it, checked and written in the same transaction as the field changes that come with them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    input::{WorkItemChanges, enum_field},
    proofing::{awaiting_proofing, owners_while_proofed},
    update::{
        self, Lists, apply, audit_changes, load_checklist, locked, notify_changes, person_name,
    },
    view::WorkItemView,
};
use crate::{
    db::{
        Db,
        entities::{audit_log, work_item},
        time,
    },
    domain::{
        FieldErrors,
        ids::WorkItemId,
        patch::{Patch, double_option},
        qc_rules::{self, DecisionRefusal},
        user::Role,
        work_item::{ProofStatus, Status},
        work_item_rules::{self as rules, ChecklistItem},
    },
    services::{
        ServiceError,
        audit::Actor,
        comments,
        notifications::{self, NotificationKind},
    },
};
use sea_orm::{DatabaseTransaction, QueryFilter, QueryOrder};

/// The QC panel of an item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QcView {
    pub needs_proofing: bool,
    #[schema(value_type = Option<crate::domain::work_item::ProofStatus>)]
    pub proof_status: Option<ProofStatus>,
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
            proof_status: item.proof_status,
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
    /// The version the change was made against (or send `If-Match`); stale means 409.
    #[serde(default, deserialize_with = "crate::domain::whole::option")]
    #[schema(minimum = -2147483648, maximum = 2147483647)]
    pub version: Option<i32>,
    pub needs_proofing: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub proofer_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub tbp_graphics_location: Patch<String>,
    #[schema(max_items = 50)]
    pub qc_checklist: Option<Vec<ChecklistItem>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 50000)]
    pub qc_notes: Patch<String>,
    /// A decision: `APPROVED` or `CHANGES_REQUESTED` (with `note`).
    #[schema(pattern = "^(APPROVED|CHANGES_REQUESTED)$")]
    pub proof_status: Option<String>,
    /// Required with `CHANGES_REQUESTED`; becomes a comment on the item.
    #[schema(max_length = 20000)]
    pub note: Option<String>,
    /// Approving while checklist entries are unticked needs this set to `true`.
    pub confirm_unticked: Option<bool>,
}

/// A decision as asked for, before it is checked.
#[derive(Debug, Default, Clone)]
pub struct DecisionInput {
    /// `APPROVED` or `CHANGES_REQUESTED`; `None` when only fields change.
    pub verdict: Option<String>,
    pub note: Option<String>,
    pub confirm_unticked: bool,
}

struct Decision {
    verdict: ProofStatus,
    note: Option<String>,
    confirm_unticked: bool,
}

/// Applies QC settings and a decision together, as `PATCH /api/work-items/{id}/qc` asks.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    role: Role,
    id: WorkItemId,
    expected_version: Option<i32>,
    changes: QcChanges,
) -> Result<WorkItemView, ServiceError> {
    let settings = WorkItemChanges {
        version: changes.version,
        needs_proofing: changes.needs_proofing,
        proofer_id: changes.proofer_id,
        tbp_graphics_location: changes.tbp_graphics_location,
        qc_checklist: changes.qc_checklist,
        qc_notes: changes.qc_notes,
        ..Default::default()
    };
    let decision = DecisionInput {
        verdict: changes.proof_status,
        note: changes.note,
        confirm_unticked: changes.confirm_unticked.unwrap_or(false),
    };
    save(db, actor, role, id, expected_version, settings, decision).await
}

/// The one write path of the item page: field changes (QC settings and checklist ticks among
/// them) and a proofing decision, in one transaction. A refused request changes nothing.
pub async fn save(
    db: &Db,
    actor: &Actor,
    role: Role,
    id: WorkItemId,
    expected_version: Option<i32>,
    changes: WorkItemChanges,
    decision: DecisionInput,
) -> Result<WorkItemView, ServiceError> {
    let decision = parse_decision(decision)?;
    let txn = db.begin_write().await?;
    let current = locked(&txn, id, expected_version.or(changes.version)).await?;
    let changed = apply(&txn, actor, &current, &changes).await?;
    if let Some(decision) = decision {
        record_decision(&txn, actor, role, &changed, decision).await?;
    }
    txn.commit().await?;
    super::get(db, id).await
}

fn parse_decision(input: DecisionInput) -> Result<Option<Decision>, ServiceError> {
    let mut errors = FieldErrors::default();
    let verdict = input
        .verdict
        .as_deref()
        .and_then(|raw| enum_field::<ProofStatus>(&mut errors, "proofStatus", raw));
    if verdict == Some(ProofStatus::Pending) {
        errors.add(
            "proofStatus",
            "a decision approves the proof or asks for changes; to ask for proofing again, move the item to In review",
        );
    }
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if verdict == Some(ProofStatus::ChangesRequested) && note.is_none() {
        errors.add("note", "say what needs to change");
    }
    if let Some(note) = &note
        && note.chars().count() > rules::MAX_COMMENT_CHARS
    {
        errors.add(
            "note",
            format!(
                "the note must be at most {} characters",
                rules::MAX_COMMENT_CHARS
            ),
        );
    }
    errors.into_result()?;
    Ok(verdict.map(|verdict| Decision {
        verdict,
        note,
        confirm_unticked: input.confirm_unticked,
    }))
}

/// Checks who may decide and what the decision needs, then records it: the proof state,
/// who and when, the note as a comment, the owner told.
async fn record_decision(
    txn: &DatabaseTransaction,
    actor: &Actor,
    role: Role,
    current: &work_item::Model,
    decision: Decision,
) -> Result<(), ServiceError> {
    let me = actor.user_id.map(|u| u.0).ok_or(ServiceError::Forbidden)?;
    let owners = owners_while_proofed(txn, current).await?;
    let allowed = qc_rules::may_decide(
        me,
        role == Role::Admin,
        current.needs_proofing,
        current.proofer_id,
        &owners,
    );
    match allowed {
        Ok(()) => {}
        Err(DecisionRefusal::NotNeeded) => {
            return Err(ServiceError::Conflict(
                "This item does not need proofing, so there is nothing to decide.".into(),
            ));
        }
        Err(DecisionRefusal::OwnWork) => {
            return Err(ServiceError::NotAllowed(
                "You own this item (or owned it while it was being proofed), so someone else must proof it."
                    .into(),
            ));
        }
        Err(DecisionRefusal::NotTheProofer { proofer }) => {
            let name = person_name(txn, proofer)
                .await?
                .unwrap_or_else(|| "Someone else".into());
            return Err(ServiceError::NotAllowed(format!(
                "{name} is the named proofer; only they or an admin can decide on this proof."
            )));
        }
    }
    if decision.verdict == ProofStatus::Approved && !decision.confirm_unticked {
        let checklist = load_checklist(txn, current.id).await?;
        let open = qc_rules::unticked(&checklist);
        if !open.is_empty() {
            let names = open
                .iter()
                .map(|label| format!("“{label}”"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ServiceError::Conflict(format!(
                "Not approved: {names} {} not ticked. Tick {}, or confirm that you approve with {} unticked.",
                if open.len() == 1 { "is" } else { "are" },
                if open.len() == 1 { "it" } else { "them" },
                if open.len() == 1 { "it" } else { "them" },
            )));
        }
    }
    let now = time::now();
    let mut next = current.clone();
    next.proof_status = Some(decision.verdict);
    next.proofed_at = Some(now);
    next.proofed_by_id = Some(me);
    if decision.verdict == ProofStatus::ChangesRequested && current.status != Status::InProgress {
        next.status = Status::InProgress;
        next.completed_at = None;
        next.rank = super::support::rank_at_end(txn, Status::InProgress).await?;
    }
    let saved = update::save(txn, current, &next, now).await?;
    audit_changes(txn, actor, current, &saved, Lists::default()).await?;
    notify_changes(txn, actor, current, &saved).await?;
    if decision.verdict == ProofStatus::ChangesRequested {
        let text = decision.note.unwrap_or_default();
        comments::create_in(txn, actor, &saved, format!("**Changes requested:** {text}")).await?;
        if let Some(owner) = current.owner_id.filter(|owner| *owner != me) {
            notifications::notify(
                txn,
                owner,
                NotificationKind::ChangesRequested,
                Some(current.id),
                actor.user_id,
                format!("Changes requested on “{}”: {text}", current.title),
            )
            .await?;
        }
    }
    Ok(())
}

/// Whether `me` may decide on the item's proof now, so pages offer only the buttons a person
/// may use (the decision itself is checked again when it is made). Read from the item and its
/// full history (oldest first) as the item page has them loaded: no further reads.
pub fn may_decide_on(
    me: Uuid,
    role: Role,
    item: &WorkItemView,
    history: &[audit_log::Model],
) -> bool {
    let owners = super::proofing::owners_in_trail(item.owner_id, history);
    qc_rules::may_decide(
        me,
        role == Role::Admin,
        item.needs_proofing,
        item.proofer_id,
        &owners,
    )
    .is_ok()
}

/// Items awaiting proofing, oldest first (the QC queue).
pub async fn queue(db: &Db) -> Result<Vec<WorkItemView>, ServiceError> {
    Ok(super::view::select_views(db.backend())
        .filter(awaiting_proofing())
        .order_by_asc(work_item::Column::UpdatedAt)
        .into_model::<super::view::WorkItemRow>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
