//! Integration rules (admins edit them): which action an incoming event type gets. The
//! defaults of docs/PRODUCT.md §7 are seeded by migration `m0009_default_rules`; the won-opportunity
//! rule starts without a template, so those events wait in triage until an admin picks one.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        Db,
        entities::{integration_rule, template},
        time,
    },
    domain::{
        FieldErrors,
        ids::new_uuid,
        patch::{Patch, double_option},
    },
    integrations::rules::{Rule, RuleAction, parse_conditions},
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
    },
};

fn action_schema() -> utoipa::openapi::schema::Object {
    let names: Vec<&str> = RuleAction::ALL
        .iter()
        .map(|action| action.as_str())
        .collect();
    crate::domain::text_enum_schema(&names)
}

/// A rule as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub id: Uuid,
    pub name: String,
    /// The event type it covers (`OpportunityStatusUpdate`, ...), or `*` for any.
    pub event_type: String,
    /// `CREATE_FROM_TEMPLATE`, `UPSERT_EVENT_ITEM`, `ATTACH_MESSAGE` or `TRIAGE`.
    #[schema(schema_with = action_schema)]
    pub action: String,
    pub template_id: Option<Uuid>,
    /// Settings; `{"when": {"status": "won"}}` limits the rule to payloads with those values.
    #[schema(value_type = Object)]
    pub config: Value,
    pub active: bool,
    /// Rules are tried from the lowest position up; the first match decides.
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<integration_rule::Model> for RuleView {
    fn from(rule: integration_rule::Model) -> Self {
        RuleView {
            id: rule.id,
            name: rule.name,
            event_type: rule.event_type,
            action: rule.action,
            template_id: rule.template_id,
            config: rule.config,
            active: rule.active,
            position: rule.position,
            created_at: rule.created_at,
            updated_at: rule.updated_at,
        }
    }
}

/// `POST` (name, eventType and action required) and `PATCH` (only what is sent changes).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleInput {
    /// 1–100 characters, not blank; required on create.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    /// 1–100 characters without spaces, or `*`; required on create.
    #[schema(pattern = r"^[^\s\x00-\x1f\x7f-\x9f]{1,100}$")]
    pub event_type: Option<String>,
    /// What a matching event becomes; required on create.
    #[schema(pattern = "^(CREATE_FROM_TEMPLATE|UPSERT_EVENT_ITEM|ATTACH_MESSAGE|TRIAGE)$")]
    pub action: Option<String>,
    /// A template id, or `null` to clear it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub template_id: Patch<String>,
    /// Conditions on the payload.
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    pub active: Option<bool>,
    /// Rules are tried in this order (default: after the last).
    #[serde(default, deserialize_with = "crate::domain::whole::option")]
    #[schema(minimum = -2147483648, maximum = 2147483647)]
    pub position: Option<i32>,
}

/// Every rule in the order they are tried.
pub async fn list(db: &Db) -> Result<Vec<RuleView>, ServiceError> {
    Ok(ordered()
        .all(db.conn())
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

fn ordered() -> sea_orm::Select<integration_rule::Entity> {
    integration_rule::Entity::find()
        .order_by_asc(integration_rule::Column::Position)
        .order_by_asc(integration_rule::Column::CreatedAt)
        .order_by_asc(integration_rule::Column::Id)
}

/// The first active rule covering an event. A covering rule whose config cannot be read is an
/// error (the event retries, then fails visibly) rather than silently skipped.
pub async fn matching_rule(
    conn: &impl ConnectionTrait,
    event_type: &str,
    payload: &Value,
) -> Result<Option<Rule>, ServiceError> {
    let rows = ordered()
        .filter(integration_rule::Column::Active.eq(true))
        .all(conn)
        .await?;
    for row in rows {
        if row.event_type != "*" && !row.event_type.eq_ignore_ascii_case(event_type) {
            continue;
        }
        let broken = |problem: String| {
            ServiceError::Internal(anyhow::anyhow!(
                "the rule “{}” is broken: {problem}",
                row.name
            ))
        };
        let rule = Rule {
            id: row.id,
            name: row.name.clone(),
            event_type: row.event_type.clone(),
            action: row.action.parse::<RuleAction>().map_err(broken)?,
            template_id: row.template_id,
            when: parse_conditions(&row.config).map_err(broken)?,
        };
        if rule.matches(event_type, payload) {
            return Ok(Some(rule));
        }
    }
    Ok(None)
}

/// Creates a rule (at the end of the order unless `position` is given).
pub async fn create(db: &Db, actor: &Actor, input: RuleInput) -> Result<RuleView, ServiceError> {
    let mut errors = FieldErrors::default();
    for (field, missing) in [
        ("name", input.name.is_none()),
        ("eventType", input.event_type.is_none()),
        ("action", input.action.is_none()),
    ] {
        if missing {
            errors.add(field, format!("{field} is required"));
        }
    }
    let checked = check(db, &input, &mut errors).await?;
    errors.into_result()?;
    let txn = db.begin_write().await?;
    let position = match input.position {
        Some(position) => position,
        None => {
            let last: Option<i32> = integration_rule::Entity::find()
                .select_only()
                .column(integration_rule::Column::Position)
                .order_by_desc(integration_rule::Column::Position)
                .into_tuple::<i32>()
                .one(&txn)
                .await?;
            last.map_or(10, |p| p.saturating_add(10))
        }
    };
    let now = time::now();
    let saved = integration_rule::ActiveModel {
        id: Set(new_uuid()),
        name: Set(checked.name.unwrap_or_default()),
        event_type: Set(checked.event_type.unwrap_or_default()),
        action: Set(checked
            .action
            .map(|a| a.as_str())
            .unwrap_or_default()
            .to_string()),
        template_id: Set(checked.template_id.flatten()),
        config: Set(input.config.clone().unwrap_or_else(|| json!({}))),
        active: Set(input.active.unwrap_or(true)),
        position: Set(position),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit_rule(
        &txn,
        actor,
        AuditAction::IntegrationRuleCreate,
        None,
        Some(&saved),
    )
    .await?;
    txn.commit().await?;
    Ok(saved.into())
}

/// Changes a rule: only the fields sent.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: RuleInput,
) -> Result<RuleView, ServiceError> {
    let mut errors = FieldErrors::default();
    let checked = check(db, &input, &mut errors).await?;
    let txn = db.begin_write().await?;
    let before = integration_rule::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    errors.into_result()?;
    let mut change = before.clone().into_active_model();
    if let Some(name) = checked.name {
        change.name = Set(name);
    }
    if let Some(event_type) = checked.event_type {
        change.event_type = Set(event_type);
    }
    if let Some(action) = checked.action {
        change.action = Set(action.as_str().to_string());
    }
    if let Some(template_id) = checked.template_id {
        change.template_id = Set(template_id);
    }
    if let Some(config) = input.config {
        change.config = Set(config);
    }
    if let Some(active) = input.active {
        change.active = Set(active);
    }
    if let Some(position) = input.position {
        change.position = Set(position);
    }
    change.updated_at = Set(time::now());
    let saved = change.update(&txn).await?;
    audit_rule(
        &txn,
        actor,
        AuditAction::IntegrationRuleUpdate,
        Some(&before),
        Some(&saved),
    )
    .await?;
    txn.commit().await?;
    Ok(saved.into())
}

/// Deletes a rule.
pub async fn delete(db: &Db, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let rule = integration_rule::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    audit_rule(
        &txn,
        actor,
        AuditAction::IntegrationRuleDelete,
        Some(&rule),
        None,
    )
    .await?;
    integration_rule::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The checked values of the fields that were sent.
#[derive(Default)]
struct Checked {
    name: Option<String>,
    event_type: Option<String>,
    action: Option<RuleAction>,
    template_id: Patch<Uuid>,
}

async fn check(
    db: &Db,
    input: &RuleInput,
    errors: &mut FieldErrors,
) -> Result<Checked, ServiceError> {
    let mut checked = Checked::default();
    if let Some(name) = &input.name {
        let name = name.trim();
        if (1..=100).contains(&name.chars().count()) {
            checked.name = Some(name.to_string());
        } else {
            errors.add("name", "name must be 1 to 100 characters");
        }
    }
    if let Some(event_type) = &input.event_type {
        let event_type = event_type.trim();
        if (1..=100).contains(&event_type.chars().count())
            && !event_type.chars().any(char::is_whitespace)
        {
            checked.event_type = Some(event_type.to_string());
        } else {
            errors.add(
                "eventType",
                "eventType must be 1 to 100 characters without spaces",
            );
        }
    }
    if let Some(action) = &input.action {
        match action.parse::<RuleAction>() {
            Ok(action) => checked.action = Some(action),
            Err(problem) => errors.add("action", problem),
        }
    }
    if let Some(config) = &input.config
        && let Err(problem) = parse_conditions(config)
    {
        errors.add("config", problem);
    }
    match &input.template_id {
        None => {}
        Some(None) => checked.template_id = Some(None),
        Some(Some(raw)) => match Uuid::parse_str(raw.trim()) {
            Ok(id)
                if template::Entity::find_by_id(id)
                    .one(db.conn())
                    .await?
                    .is_some() =>
            {
                checked.template_id = Some(Some(id));
            }
            _ => errors.add("templateId", "no template has this id"),
        },
    }
    Ok(checked)
}

async fn audit_rule(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    before: Option<&integration_rule::Model>,
    after: Option<&integration_rule::Model>,
) -> Result<(), ServiceError> {
    let snapshot = |rule: &integration_rule::Model| {
        json!({"name": rule.name, "eventType": rule.event_type, "action": rule.action,
            "templateId": rule.template_id, "config": rule.config, "active": rule.active,
            "position": rule.position})
    };
    let rule = after.or(before).expect("a rule before or after");
    audit::record(
        conn,
        actor,
        AuditEntry {
            action,
            entity_type: "integration_rule",
            entity_id: Some(rule.id),
            work_item_id: None,
            summary: Some(rule.name.clone()),
            before: before.map(snapshot),
            after: after.map(snapshot),
        },
    )
    .await
}
