//! Migration `m0009_default_rules`: the default integration rules of docs/PRODUCT.md §7, as rows that
//! admins see and edit like any other:
//!
//! - a won opportunity (`OpportunityStatusUpdate` with `status: won`) creates an item from the
//!   rule's template. It starts without a template (no template exists yet on a new
//!   installation), and while it has none those events wait in triage with that reason;
//! - `AppointmentCreate` and `AppointmentUpdate` create or move the appointment's `EVENT` item;
//! - `InboundMessage` attaches the message to the client's open item.
//!
//! Everything else has no rule and waits in triage. The rows have fixed ids so that `down`
//! removes exactly these; once seeded they belong to the admins, and no later migration should
//! rewrite them.

use chrono::{DateTime, Utc};
use sea_orm_migration::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// Seeds the default rules.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(id, name, event type, action, config, position)`; the ids are fixed UUIDv7 values.
const DEFAULTS: &[(&str, &str, &str, &str, &str, i32)] = &[
    (
        "01970000-0000-7000-8000-000000000001",
        "Won opportunity → items from a template",
        "OpportunityStatusUpdate",
        "CREATE_FROM_TEMPLATE",
        r#"{"when": {"status": "won"}}"#,
        10,
    ),
    (
        "01970000-0000-7000-8000-000000000002",
        "New appointment → event item",
        "AppointmentCreate",
        "UPSERT_EVENT_ITEM",
        "{}",
        20,
    ),
    (
        "01970000-0000-7000-8000-000000000003",
        "Changed appointment → move its event item",
        "AppointmentUpdate",
        "UPSERT_EVENT_ITEM",
        "{}",
        30,
    ),
    (
        "01970000-0000-7000-8000-000000000004",
        "Client message → the client's open item",
        "InboundMessage",
        "ATTACH_MESSAGE",
        "{}",
        40,
    ),
];

fn ids() -> Vec<Uuid> {
    DEFAULTS
        .iter()
        .map(|row| Uuid::parse_str(row.0).expect("a fixed id"))
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Set in Rust and truncated to microseconds, like every timestamp the application writes.
        let now: DateTime<Utc> = crate::db::time::now();
        let mut insert = Query::insert();
        insert.into_table("integration_rules").columns([
            "id",
            "name",
            "event_type",
            "action",
            "template_id",
            "config",
            "active",
            "position",
            "created_at",
            "updated_at",
        ]);
        for (id, (_, name, event_type, action, config, position)) in ids().into_iter().zip(DEFAULTS)
        {
            let config: serde_json::Value =
                serde_json::from_str(config).unwrap_or_else(|_| json!({}));
            insert.values_panic([
                id.into(),
                (*name).into(),
                (*event_type).into(),
                (*action).into(),
                Option::<Uuid>::None.into(),
                config.into(),
                true.into(),
                (*position).into(),
                now.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::delete()
                    .from_table("integration_rules")
                    .and_where(Expr::col("id").is_in(ids()))
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
