//! Processing one inbound event, exactly once: in a single transaction the event is claimed
//! (`RECEIVED` → in progress), the first matching rule's action makes its changes, and the
//! event is marked `PROCESSED` or `TRIAGE`. A crash anywhere before the commit leaves nothing
//! behind and the job runs again; a job that runs again after the commit finds nothing to
//! claim. On PostgreSQL the claim's row lock makes a second worker wait and then find nothing.

use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::{
    direction,
    effects::{self, Outcome},
    find, rules, state,
};
use crate::{
    db::{Db, entities::integration_event, time},
    integrations::rules::RuleAction,
    services::ServiceError,
};

/// Processes the event if it is still waiting; does nothing when it was already handled
/// (processed, dismissed, or claimed by a transaction that committed first).
pub async fn process(db: &Db, tz: Tz, event_id: Uuid, attempt: u32) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let claimed = integration_event::Entity::update_many()
        .col_expr(
            integration_event::Column::State,
            Expr::value(state::PROCESSING),
        )
        .filter(integration_event::Column::Id.eq(event_id))
        .filter(integration_event::Column::Direction.eq(direction::INBOUND))
        .filter(integration_event::Column::State.eq(state::RECEIVED))
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Ok(());
    }
    let event = find(&txn, event_id).await?;
    let outcome = decide(&txn, tz, &event).await?;
    finish(&txn, event_id, attempt, &outcome).await?;
    txn.commit().await?;
    Ok(())
}

/// Applies the first matching rule (or sends the event to triage).
async fn decide(
    conn: &impl ConnectionTrait,
    tz: Tz,
    event: &integration_event::Model,
) -> Result<Outcome, ServiceError> {
    let Some(rule) = rules::matching_rule(conn, &event.event_type, &event.payload).await? else {
        return Ok(Outcome::Triage {
            reason: format!("no rule covers {} events", event.event_type),
        });
    };
    match rule.action {
        RuleAction::CreateFromTemplate => effects::create_from_template(conn, &rule, event).await,
        RuleAction::UpsertEventItem => effects::upsert_event_item(conn, tz, event).await,
        RuleAction::AttachMessage => effects::attach_message(conn, event).await,
        RuleAction::Triage => Ok(Outcome::Triage {
            reason: format!("the rule “{}” sends these to triage", rule.name),
        }),
    }
}

async fn finish(
    conn: &impl ConnectionTrait,
    event_id: Uuid,
    attempt: u32,
    outcome: &Outcome,
) -> Result<(), ServiceError> {
    let now = time::now();
    let (new_state, note, item, processed_at) = match outcome {
        Outcome::Processed { work_item_id, note } => {
            (state::PROCESSED, note.clone(), *work_item_id, Some(now))
        }
        Outcome::Triage { reason } => (state::TRIAGE, reason.clone(), None, None),
    };
    integration_event::Entity::update_many()
        .col_expr(integration_event::Column::State, Expr::value(new_state))
        .col_expr(
            integration_event::Column::Attempts,
            Expr::value(attempt as i32),
        )
        .col_expr(
            integration_event::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(integration_event::Column::Response, Expr::value(note))
        .col_expr(integration_event::Column::WorkItemId, Expr::value(item))
        .col_expr(
            integration_event::Column::ProcessedAt,
            Expr::value(processed_at),
        )
        .col_expr(integration_event::Column::UpdatedAt, Expr::value(now))
        .filter(integration_event::Column::Id.eq(event_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a failed attempt on a waiting event: its count and error.
pub async fn record_failure(
    db: &Db,
    event_id: Uuid,
    attempt: u32,
    error: &str,
) -> Result<(), ServiceError> {
    integration_event::Entity::update_many()
        .col_expr(
            integration_event::Column::Attempts,
            Expr::value(attempt as i32),
        )
        .col_expr(integration_event::Column::LastError, Expr::value(error))
        .col_expr(
            integration_event::Column::UpdatedAt,
            Expr::value(time::now()),
        )
        .filter(integration_event::Column::Id.eq(event_id))
        .filter(integration_event::Column::State.eq(state::RECEIVED))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Its job gave up: a still-waiting event becomes `FAILED` with `error`, where a person can
/// retry it. An event handled meanwhile is left alone, so running this twice is harmless.
pub async fn give_up(db: &Db, event_id: Uuid, error: &str) -> Result<(), ServiceError> {
    integration_event::Entity::update_many()
        .col_expr(integration_event::Column::State, Expr::value(state::FAILED))
        .col_expr(integration_event::Column::LastError, Expr::value(error))
        .col_expr(
            integration_event::Column::UpdatedAt,
            Expr::value(time::now()),
        )
        .filter(integration_event::Column::Id.eq(event_id))
        .filter(integration_event::Column::Direction.eq(direction::INBOUND))
        .filter(integration_event::Column::State.eq(state::RECEIVED))
        .exec(db.conn())
        .await?;
    Ok(())
}
