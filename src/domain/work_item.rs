//! Work items: their enumerations and the rules about them (docs/PRODUCT.md §3).

use super::{ValidationError, stored_enum::stored_enum};

stored_enum!(
    /// What kind of work this is.
    ItemType, "type" {
        Task => "TASK",
        Deliverable => "DELIVERABLE",
        Event => "EVENT",
        Request => "REQUEST",
    }
);

stored_enum!(
    /// Where the work stands; also the board's columns, in this order.
    Status, "status" {
        Backlog => "BACKLOG",
        Planned => "PLANNED",
        InProgress => "IN_PROGRESS",
        InReview => "IN_REVIEW",
        Done => "DONE",
        Cancelled => "CANCELLED",
    }
);

stored_enum!(
    /// How urgent the work is.
    Priority, "priority" {
        Low => "LOW",
        Normal => "NORMAL",
        High => "HIGH",
        Urgent => "URGENT",
    }
);

stored_enum!(
    /// The editorial spine: what is being produced.
    DeliverableType, "deliverableType" {
        Article => "ARTICLE",
        Newsletter => "NEWSLETTER",
        SocialPost => "SOCIAL_POST",
        Video => "VIDEO",
        Podcast => "PODCAST",
        Graphic => "GRAPHIC",
        Print => "PRINT",
        WebPage => "WEB_PAGE",
        EmailCampaign => "EMAIL_CAMPAIGN",
        Other => "OTHER",
    }
);

stored_enum!(
    /// Where proofing stands.
    ProofStatus, "proofStatus" {
        Pending => "PENDING",
        Approved => "APPROVED",
        ChangesRequested => "CHANGES_REQUESTED",
    }
);

impl Status {
    /// `DONE` and `CANCELLED` are closed; everything else is open.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Done | Status::Cancelled)
    }

    /// The open statuses in board order, for `status IN (...)` filters (named rather than
    /// `NOT IN` the closed ones, so an index can seek them).
    pub fn open() -> Vec<Status> {
        Status::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect()
    }
}

impl Priority {
    /// `HIGH` and `URGENT` earn a badge; the others are not worth one.
    pub fn is_raised(self) -> bool {
        matches!(self, Priority::High | Priority::Urgent)
    }

    /// The suffix of the priority's chip class (`chip-urgent`).
    pub fn css_class(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl ProofStatus {
    /// Proofing in a word or two, for compact cards.
    pub fn short_label(self) -> &'static str {
        match self {
            ProofStatus::Pending => "To proof",
            ProofStatus::Approved => "Proofed",
            ProofStatus::ChangesRequested => "Changes",
        }
    }
}

/// What people read for each value: one name per concept, sentence case, on every page,
/// email, feed and export. The API keeps the codes.
impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Backlog => "Backlog",
            Status::Planned => "Planned",
            Status::InProgress => "In progress",
            Status::InReview => "In review",
            Status::Done => "Done",
            Status::Cancelled => "Cancelled",
        }
    }
}

impl Priority {
    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Normal => "Normal",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }
}

impl ItemType {
    pub fn label(self) -> &'static str {
        match self {
            ItemType::Task => "Task",
            ItemType::Deliverable => "Deliverable",
            ItemType::Event => "Event",
            ItemType::Request => "Request",
        }
    }
}

impl DeliverableType {
    pub fn label(self) -> &'static str {
        match self {
            DeliverableType::Article => "Article",
            DeliverableType::Newsletter => "Newsletter",
            DeliverableType::SocialPost => "Social post",
            DeliverableType::Video => "Video",
            DeliverableType::Podcast => "Podcast",
            DeliverableType::Graphic => "Graphic",
            DeliverableType::Print => "Print",
            DeliverableType::WebPage => "Web page",
            DeliverableType::EmailCampaign => "Email campaign",
            DeliverableType::Other => "Other",
        }
    }
}

impl ProofStatus {
    pub fn label(self) -> &'static str {
        match self {
            ProofStatus::Pending => "Needs proofing",
            ProofStatus::Approved => "Proof approved",
            ProofStatus::ChangesRequested => "Changes requested",
        }
    }
}

/// A tag: 1–40 characters of lowercase letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

/// At most this many tags on one item.
pub const MAX_TAGS: usize = 20;

/// The OpenAPI schema of the tags of a request: up to 20 of 1–40 lowercase letters, digits
/// and `-` (`null` is the same as leaving them out).
pub fn tags_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let tag = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(40))
        .pattern(Some("^[a-z0-9-]{1,40}$"));
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(tag)
        .max_items(Some(MAX_TAGS))
        .build()
}

impl Tag {
    pub fn parse(raw: &str) -> Result<Tag, ValidationError> {
        let value = raw.trim();
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if value.is_empty() || value.len() > 40 || !valid_chars {
            return Err(ValidationError::new(format!(
                "tag `{value}` must be 1 to 40 characters of lowercase letters, digits and -"
            )));
        }
        Ok(Tag(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_text() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>().unwrap(), *status);
        }
        for kind in DeliverableType::ALL {
            assert_eq!(kind.as_str().parse::<DeliverableType>().unwrap(), *kind);
        }
    }

    #[test]
    fn unknown_enum_text_names_the_allowed_values() {
        let error = "DOING".parse::<Status>().unwrap_err();
        assert!(error.0.contains("IN_PROGRESS"), "{error}");
    }

    #[test]
    fn only_done_and_cancelled_are_closed() {
        let closed: Vec<_> = Status::ALL.iter().filter(|s| !s.is_open()).collect();
        assert_eq!(closed, [&Status::Done, &Status::Cancelled]);
    }

    #[test]
    fn tags_follow_their_rule() {
        assert_eq!(Tag::parse(" q3-launch ").unwrap().as_str(), "q3-launch");
        for bad in ["", "Upper", "with space", "emoji🙂", &"x".repeat(41)] {
            assert!(Tag::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
