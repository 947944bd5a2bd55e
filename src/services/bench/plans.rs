//! The query plans of the hot read queries, as each backend chooses them on the benchmark's
//! data: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL. Printed and stored with the
//! figures, so a slow view can be traced to a scan or a sort.

use chrono::Duration;
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbBackend, QuerySelect, QueryTrait, Statement};
use uuid::Uuid;

use super::ceiling::{Scenario, parsed_list_query};
use crate::{
    db::{Db, time},
    domain::{ids::UserId, local_day_start, work_item::Status},
    services::{ServiceError, board, calendar, inbox, work_items::list},
};

/// One query and its plan, a line per step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Plan {
    pub query: String,
    pub plan: Vec<String>,
}

async fn explain(db: &Db, query: &str, statement: Statement) -> Result<Plan, ServiceError> {
    let backend = db.backend();
    let prefix = match backend {
        DbBackend::Postgres => "EXPLAIN ",
        _ => "EXPLAIN QUERY PLAN ",
    };
    let explained = Statement {
        sql: format!("{prefix}{}", statement.sql),
        ..statement
    };
    let rows = db.conn().query_all_raw(explained).await?;
    let mut plan = Vec::with_capacity(rows.len());
    // SQLite names each step's parent; a step is indented two spaces deeper than its parent,
    // so a sort inside a subquery reads apart from one over the final rows.
    let mut depths: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for row in rows {
        let line: String = match backend {
            DbBackend::Postgres => row.try_get("", "QUERY PLAN")?,
            _ => {
                let id: i64 = row.try_get("", "id")?;
                let parent: i64 = row.try_get("", "parent")?;
                let detail: String = row.try_get("", "detail")?;
                let depth = depths.get(&parent).map_or(0, |d| d + 1);
                depths.insert(id, depth);
                format!("{}{detail}", "  ".repeat(depth))
            }
        };
        plan.push(line);
    }
    Ok(Plan {
        query: query.to_string(),
        plan,
    })
}

/// The plans of the board's largest column, the calendar's two weeks and each list scenario.
pub async fn hot_plans(
    db: &Db,
    tz: Tz,
    me: Uuid,
    staff: &[Uuid],
) -> Result<Vec<Plan>, ServiceError> {
    let backend = db.backend();
    let mut plans = Vec::new();
    let column = board::column_cards(
        backend,
        &board::BoardFilter::default(),
        Status::Done,
        board::COLUMN_CARDS,
    );
    plans.push(explain(db, "board column (DONE)", column.build(backend)).await?);
    let today = calendar::local_date(time::now(), tz);
    if let (Some(start), Some(end)) = (
        local_day_start(today, tz),
        local_day_start(today + Duration::days(calendar::DEFAULT_DAYS), tz),
    ) {
        let range = calendar::range_select(start, end).into_statement(backend);
        plans.push(explain(db, "calendar (14 days)", range).await?);
    }
    let waiting = inbox::waiting_on(UserId(me))
        .select_only()
        .column_as(sea_orm::sea_query::Expr::cust("COUNT(*)"), "n")
        .build(backend);
    plans.push(explain(db, "sidebar: open items waiting on me", waiting).await?);
    for scenario in Scenario::ALL {
        if let Some(query) = parsed_list_query(*scenario, staff, me, tz) {
            let statement = list::page_select(backend, &query).build(backend);
            let label = format!(
                "{} ({})",
                scenario.name(),
                scenario.list_query(staff).unwrap_or_default()
            );
            plans.push(explain(db, &label, statement).await?);
        }
    }
    Ok(plans)
}
