//! The parts of a change that move several fields together: the waiting state and the
//! proofing switch.

use super::input::{WorkItemChanges, uuid_field};
use crate::{
    db::{entities::work_item, time},
    domain::{FieldErrors, work_item::ProofStatus, work_item_rules as rules},
};

/// Waiting fields move together: `waitingOnUserId` + `waitingReason` start a wait (the
/// server sets `waitingSince`); `waitingOnUserId: null` ends it and clears all three.
pub(super) fn apply_waiting(
    changes: &WorkItemChanges,
    current: &work_item::Model,
    next: &mut work_item::Model,
    errors: &mut FieldErrors,
) {
    let reason = changes.waiting_reason.as_deref().map(|raw| {
        errors
            .check(
                "waitingReason",
                rules::parse_optional_text(Some(raw), "waitingReason", rules::MAX_REASON_CHARS),
            )
            .flatten()
    });
    match &changes.waiting_on_user_id {
        Some(None) => {
            next.waiting_on_user_id = None;
            next.waiting_reason = None;
            next.waiting_since = None;
        }
        Some(Some(raw)) => {
            let who = uuid_field(errors, "waitingOnUserId", raw);
            let reason = reason.flatten().or_else(|| {
                current
                    .waiting_reason
                    .clone()
                    .filter(|_| current.waiting_on_user_id.is_some())
            });
            if reason.is_none() {
                errors.add(
                    "waitingReason",
                    "waitingOnUserId and waitingReason are set together",
                );
            }
            if who != current.waiting_on_user_id {
                next.waiting_since = Some(time::now());
            }
            next.waiting_on_user_id = who;
            next.waiting_reason = reason;
        }
        None => {
            if let Some(reason) = reason {
                if current.waiting_on_user_id.is_none() {
                    errors.add("waitingReason", "set waitingOnUserId with waitingReason");
                } else if reason.is_none() {
                    errors.add("waitingReason", "clear waiting with waitingOnUserId: null");
                } else {
                    next.waiting_reason = reason;
                }
            }
        }
    }
}

/// Turning proofing on starts it `PENDING`; turning it off clears the decision.
pub(super) fn apply_proofing(
    changes: &WorkItemChanges,
    current: &work_item::Model,
    next: &mut work_item::Model,
    errors: &mut FieldErrors,
) {
    if let Some(needs) = changes.needs_proofing {
        next.needs_proofing = needs;
        if needs && !current.needs_proofing {
            next.proof_status = Some(ProofStatus::Pending);
            next.proofed_at = None;
            next.proofed_by_id = None;
        } else if !needs {
            next.proof_status = None;
        }
    }
    if let Some(patch) = &changes.proofer_id {
        next.proofer_id = patch
            .as_deref()
            .and_then(|raw| uuid_field(errors, "prooferId", raw));
    }
    if let Some(patch) = &changes.tbp_graphics_location {
        next.tbp_graphics_location = errors
            .check(
                "tbpGraphicsLocation",
                rules::parse_optional_text(
                    patch.as_deref(),
                    "tbpGraphicsLocation",
                    rules::MAX_GRAPHICS_LOCATION_CHARS,
                ),
            )
            .flatten();
    }
    if let Some(patch) = &changes.qc_notes {
        next.qc_notes = errors
            .check(
                "qcNotes",
                rules::parse_optional_text(
                    patch.as_deref(),
                    "qcNotes",
                    rules::MAX_DESCRIPTION_CHARS,
                ),
            )
            .flatten();
    }
}
