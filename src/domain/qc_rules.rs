//! Who may decide on a proof, what a decision needs, and what "awaiting proofing" means.
//! Pure rules; the service supplies the people involved (PRODUCT §5, `docs/PRODUCT.md`).

use uuid::Uuid;

use super::{
    work_item::{ProofStatus, Status},
    work_item_rules::ChecklistItem,
};

/// Why a person may not decide on an item's proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionRefusal {
    /// The item does not need proofing at all.
    NotNeeded,
    /// The person owns the item, or owned it while it was being proofed: four eyes, always.
    OwnWork,
    /// Someone else is named as the proofer, and the person is not an admin.
    NotTheProofer { proofer: Uuid },
}

/// The named proofer or an admin decides; with no proofer named, anyone but the owner. Whoever
/// owned the item while it was being proofed never decides on it, admins included.
pub fn may_decide(
    me: Uuid,
    is_admin: bool,
    needs_proofing: bool,
    proofer: Option<Uuid>,
    owners_while_proofed: &[Uuid],
) -> Result<(), DecisionRefusal> {
    if !needs_proofing {
        return Err(DecisionRefusal::NotNeeded);
    }
    if owners_while_proofed.contains(&me) {
        return Err(DecisionRefusal::OwnWork);
    }
    match proofer {
        Some(proofer) if proofer != me && !is_admin => {
            Err(DecisionRefusal::NotTheProofer { proofer })
        }
        _ => Ok(()),
    }
}

/// The labels of the checklist entries that are not ticked, in order.
pub fn unticked(checklist: &[ChecklistItem]) -> Vec<&str> {
    checklist
        .iter()
        .filter(|entry| !entry.checked)
        .map(|entry| entry.label.as_str())
        .collect()
}

/// The one meaning of "awaiting proofing": open, needs proofing, and no decision since it was
/// asked for. The dashboard, the inbox and the QC queue all use it (the database queries
/// spell out the same three conditions).
pub fn is_awaiting_proofing(
    status: Status,
    needs_proofing: bool,
    proof_status: Option<ProofStatus>,
) -> bool {
    status.is_open() && needs_proofing && proof_status == Some(ProofStatus::Pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn the_named_proofer_or_an_admin_decides() {
        let (owner, proofer, other, admin) = (person(1), person(2), person(3), person(4));
        let owners = [owner];
        assert_eq!(
            may_decide(proofer, false, true, Some(proofer), &owners),
            Ok(())
        );
        assert_eq!(
            may_decide(other, false, true, Some(proofer), &owners),
            Err(DecisionRefusal::NotTheProofer { proofer })
        );
        assert_eq!(
            may_decide(admin, true, true, Some(proofer), &owners),
            Ok(())
        );
        assert_eq!(may_decide(other, false, true, None, &owners), Ok(()));
    }

    #[test]
    fn an_owner_never_decides_on_their_own_work() {
        let (owner, earlier_owner) = (person(1), person(5));
        let owners = [owner, earlier_owner];
        for (who, admin) in [(owner, false), (owner, true), (earlier_owner, true)] {
            assert_eq!(
                may_decide(who, admin, true, Some(who), &owners),
                Err(DecisionRefusal::OwnWork)
            );
        }
    }

    #[test]
    fn nothing_to_decide_without_proofing() {
        assert_eq!(
            may_decide(person(2), true, false, None, &[]),
            Err(DecisionRefusal::NotNeeded)
        );
    }

    #[test]
    fn awaiting_proofing_is_open_needed_and_pending() {
        use ProofStatus::*;
        assert!(is_awaiting_proofing(
            Status::InProgress,
            true,
            Some(Pending)
        ));
        assert!(is_awaiting_proofing(Status::InReview, true, Some(Pending)));
        assert!(!is_awaiting_proofing(Status::Done, true, Some(Pending)));
        assert!(!is_awaiting_proofing(
            Status::InReview,
            false,
            Some(Pending)
        ));
        assert!(!is_awaiting_proofing(
            Status::InReview,
            true,
            Some(Approved)
        ));
    }

    #[test]
    fn unticked_lists_the_open_entries() {
        let list = vec![
            ChecklistItem {
                label: "Links".into(),
                checked: true,
            },
            ChecklistItem {
                label: "Alt text".into(),
                checked: false,
            },
        ];
        assert_eq!(unticked(&list), ["Alt text"]);
    }
}
