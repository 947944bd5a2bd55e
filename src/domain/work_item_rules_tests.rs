//! Tests of the pure work-item rules.

use chrono::TimeZone;

use super::*;

#[test]
fn titles_are_trimmed_and_bounded() {
    assert_eq!(parse_title("  Launch  ").unwrap(), "Launch");
    assert!(parse_title("   ").is_err());
    assert!(parse_title(&"x".repeat(201)).is_err());
    assert!(
        parse_title(&"é".repeat(200)).is_ok(),
        "characters, not bytes"
    );
}

#[test]
fn tags_fold_duplicates_and_are_bounded() {
    let tags = parse_tags(&["a".into(), "b".into(), "a".into()]).unwrap();
    assert_eq!(tags, ["a", "b"]);
    let many: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
    assert!(parse_tags(&many).is_err());
    assert!(parse_tags(&["Bad Tag".into()]).is_err());
}

#[test]
fn closed_items_only_reopen_to_in_progress() {
    use Status::*;
    assert!(check_status_move(Backlog, Done).is_ok());
    assert!(check_status_move(InReview, Planned).is_ok());
    assert!(check_status_move(Done, InProgress).is_ok());
    assert!(check_status_move(Cancelled, InProgress).is_ok());
    assert!(check_status_move(Done, Backlog).is_err());
    assert!(check_status_move(Done, Cancelled).is_err());
    assert!(check_status_move(Cancelled, Done).is_err());
}

#[test]
fn done_waits_for_approved_proofing() {
    assert!(check_qc_gate(Status::Done, true, Some(ProofStatus::Pending)).is_err());
    assert!(check_qc_gate(Status::Done, true, Some(ProofStatus::ChangesRequested)).is_err());
    assert!(check_qc_gate(Status::Done, true, None).is_err());
    assert!(check_qc_gate(Status::Done, true, Some(ProofStatus::Approved)).is_ok());
    assert!(check_qc_gate(Status::Done, false, None).is_ok());
    assert!(check_qc_gate(Status::InReview, true, Some(ProofStatus::Pending)).is_ok());
}

#[test]
fn due_is_not_before_start_and_events_need_a_start() {
    let early = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
    let late = Utc.with_ymd_and_hms(2026, 1, 2, 9, 0, 0).unwrap();
    assert!(check_dates(ItemType::Task, Some(early), Some(late)).is_empty());
    assert_eq!(
        check_dates(ItemType::Task, Some(late), Some(early))[0].0,
        "dueAt"
    );
    assert_eq!(
        check_dates(ItemType::Event, None, Some(late))[0].0,
        "startAt"
    );
}

#[test]
fn mentions_are_found_at_word_starts() {
    assert_eq!(
        mentions("Thanks @Priya and @diego.alvarez."),
        ["priya", "diego.alvarez"]
    );
    assert!(
        mentions("mail ana@example.com").is_empty(),
        "an email is not a mention"
    );
    assert_eq!(mentions("@sam @sam"), ["sam"]);
}

#[test]
fn people_answer_to_first_name_full_name_and_email() {
    assert_eq!(
        handles_of("Diego Alvarez", "diego.a@example.com"),
        ["diego", "diegoalvarez", "diego.a"]
    );
}

#[test]
fn checklist_labels_are_trimmed_and_bounded() {
    let ok = parse_checklist(&[ChecklistItem {
        label: " Links ".into(),
        checked: true,
    }])
    .unwrap();
    assert_eq!(ok[0].label, "Links");
    assert!(
        parse_checklist(&[ChecklistItem {
            label: " ".into(),
            checked: false
        }])
        .is_err()
    );
}
