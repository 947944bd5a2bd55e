//! Which rule an incoming event falls under. Rules are tried in `position` order and the first
//! active one whose event type and conditions match decides; an event no rule covers waits in
//! triage. A rule's `config` may hold `{"when": {"status": "won"}}`: every named payload field
//! must equal its value (compared without regard to case), wherever the field sits (flat or
//! under `data`).

use std::{fmt, str::FromStr};

use serde_json::Value;
use uuid::Uuid;

use super::ghl::payload::Fields;

/// What a rule does with a matching event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    /// Creates an item from the rule's template for the event's client (won opportunities).
    CreateFromTemplate,
    /// Creates or moves the `EVENT` item of an appointment.
    UpsertEventItem,
    /// Attaches an inbound message to the client's open item.
    AttachMessage,
    /// Leaves the event for a person to convert or dismiss.
    Triage,
}

impl RuleAction {
    /// Every action, in the order the API documents them.
    pub const ALL: &'static [RuleAction] = &[
        RuleAction::CreateFromTemplate,
        RuleAction::UpsertEventItem,
        RuleAction::AttachMessage,
        RuleAction::Triage,
    ];

    /// The stored name (`CREATE_FROM_TEMPLATE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleAction::CreateFromTemplate => "CREATE_FROM_TEMPLATE",
            RuleAction::UpsertEventItem => "UPSERT_EVENT_ITEM",
            RuleAction::AttachMessage => "ATTACH_MESSAGE",
            RuleAction::Triage => "TRIAGE",
        }
    }
}

impl FromStr for RuleAction {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        RuleAction::ALL
            .iter()
            .copied()
            .find(|action| action.as_str() == value)
            .ok_or_else(|| {
                let names: Vec<_> = RuleAction::ALL.iter().map(|a| a.as_str()).collect();
                format!("action must be one of {}", names.join(", "))
            })
    }
}

impl fmt::Display for RuleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule, ready to match.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: Uuid,
    pub name: String,
    /// An event type such as `OpportunityStatusUpdate`, or `*` for any.
    pub event_type: String,
    pub action: RuleAction,
    pub template_id: Option<Uuid>,
    /// Payload fields that must have these values.
    pub when: Vec<(String, String)>,
}

/// Reads `config.when` into conditions; anything but an object of strings is refused.
pub fn parse_conditions(config: &Value) -> Result<Vec<(String, String)>, String> {
    let Some(config) = config.as_object() else {
        return Err("config must be a JSON object".to_string());
    };
    match config.get("when") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(when)) => when
            .iter()
            .map(|(field, value)| match value {
                Value::String(text) => Ok((field.clone(), text.clone())),
                Value::Number(n) => Ok((field.clone(), n.to_string())),
                Value::Bool(b) => Ok((field.clone(), b.to_string())),
                _ => Err(format!("config.when.{field} must be a string")),
            })
            .collect(),
        Some(_) => Err("config.when must be an object of field names to values".to_string()),
    }
}

impl Rule {
    /// Whether this rule covers an event of `event_type` with `payload`.
    pub fn matches(&self, event_type: &str, payload: &Value) -> bool {
        let type_matches =
            self.event_type == "*" || self.event_type.eq_ignore_ascii_case(event_type);
        if !type_matches {
            return false;
        }
        let fields = Fields::of(payload);
        self.when.iter().all(|(field, wanted)| {
            fields
                .text(&[field.as_str()])
                .is_some_and(|found| found.eq_ignore_ascii_case(wanted))
        })
    }
}

/// The first rule (of active rules in position order) that covers the event.
pub fn first_match<'r>(rules: &'r [Rule], event_type: &str, payload: &Value) -> Option<&'r Rule> {
    rules.iter().find(|rule| rule.matches(event_type, payload))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(event_type: &str, action: RuleAction, when: &[(&str, &str)]) -> Rule {
        Rule {
            id: Uuid::now_v7(),
            name: format!("{event_type} rule"),
            event_type: event_type.to_string(),
            action,
            template_id: None,
            when: when
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn the_first_matching_rule_decides_and_conditions_filter() {
        let rules = vec![
            rule(
                "OpportunityStatusUpdate",
                RuleAction::CreateFromTemplate,
                &[("status", "won")],
            ),
            rule("AppointmentCreate", RuleAction::UpsertEventItem, &[]),
            rule("*", RuleAction::Triage, &[]),
        ];
        let won = json!({"type": "OpportunityStatusUpdate", "status": "WON"});
        assert_eq!(
            first_match(&rules, "OpportunityStatusUpdate", &won).map(|r| r.action),
            Some(RuleAction::CreateFromTemplate)
        );
        let nested_won = json!({"type": "OpportunityStatusUpdate", "data": {"status": "won"}});
        assert_eq!(
            first_match(&rules, "OpportunityStatusUpdate", &nested_won).map(|r| r.action),
            Some(RuleAction::CreateFromTemplate)
        );
        let lost = json!({"status": "lost"});
        assert_eq!(
            first_match(&rules, "OpportunityStatusUpdate", &lost).map(|r| r.action),
            Some(RuleAction::Triage),
            "falls through to the catch-all"
        );
        assert_eq!(
            first_match(&rules[..2], "ContactCreate", &json!({})),
            None,
            "nothing covers it"
        );
        assert_eq!(
            first_match(&rules, "appointmentcreate", &json!({})).map(|r| r.action),
            Some(RuleAction::UpsertEventItem),
            "event types compare without regard to case"
        );
    }

    #[test]
    fn conditions_parse_from_config() {
        assert_eq!(parse_conditions(&json!({})), Ok(vec![]));
        assert_eq!(
            parse_conditions(&json!({"when": {"status": "won"}})),
            Ok(vec![("status".to_string(), "won".to_string())])
        );
        assert!(parse_conditions(&json!([])).is_err());
        assert!(parse_conditions(&json!({"when": "won"})).is_err());
        assert!(parse_conditions(&json!({"when": {"status": ["won"]}})).is_err());
        assert_eq!(RuleAction::from_str("TRIAGE"), Ok(RuleAction::Triage));
        assert!(RuleAction::from_str("triage").is_err());
    }
}
