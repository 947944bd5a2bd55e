//! The numbers of the stats page (docs/PRODUCT.md §8), each counted by the database with GROUP BY,
//! COUNT and aggregates — item rows are never loaded into Rust to be counted.
//!
//! Time bounds (now, a week's start) are computed in Rust and bound as `DateTime<Utc>`
//! values, which both backends compare correctly against their stored timestamps; this keeps
//! date arithmetic out of SQL, where SQLite and PostgreSQL differ. Only the median needs
//! backend-specific SQL, in [`median_cycle_time_hours`].

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait, Select, Statement,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use super::ServiceError;
use crate::{
    db::{
        Db,
        entities::{user, work_item},
    },
    domain::{
        local_day_start,
        work_item::{ItemType, Status},
    },
};

/// How many weeks `completedPerWeek` covers, the current one included.
pub const WEEKS: usize = 12;
/// The window of the median cycle time, in days.
pub const CYCLE_TIME_DAYS: i64 = 30;

/// Open items of one owner (`ownerId` and `name` are null for items nobody owns).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OwnerCount {
    pub owner_id: Option<Uuid>,
    pub name: Option<String>,
    pub count: i64,
}

/// Open items waiting on someone, and since when the longest wait has lasted.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitingStats {
    pub count: i64,
    pub oldest_since: Option<DateTime<Utc>>,
}

/// Items completed in one week (weeks start on Monday in `OPS_TIMEZONE`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WeekCount {
    pub week_start: NaiveDate,
    pub count: i64,
}

/// `GET /api/stats`. "Open" means any status but `DONE` and `CANCELLED`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Every open status, with zero where there are none.
    pub open_by_status: BTreeMap<String, i64>,
    /// Most items first.
    pub open_by_owner: Vec<OwnerCount>,
    /// Every type, with zero where there are none.
    pub open_by_type: BTreeMap<String, i64>,
    /// Open items due before now.
    pub overdue: i64,
    /// Open items due from now to seven days from now.
    pub due_next7_days: i64,
    pub waiting: WaitingStats,
    /// Open items that need proofing and whose proofing is pending.
    pub awaiting_proofing: i64,
    /// The last 12 weeks, oldest first, the current week last.
    pub completed_per_week: Vec<WeekCount>,
    /// The median hours from creation to completion of items completed in the last 30 days.
    pub median_cycle_time_hours: Option<f64>,
}

/// `COUNT(*)`: every row has an id, and counting rows lets an index that lacks `id` answer.
fn count_ids() -> Expr {
    Expr::cust("COUNT(*)")
}

/// Open items, named by their statuses (`IN`) rather than by the closed ones (`NOT IN`), so
/// the `(status, ...)` indexes can seek to them instead of scanning every item.
fn open_items() -> Select<work_item::Entity> {
    work_item::Entity::find().filter(work_item::Column::Status.is_in(Status::open()))
}

async fn count(db: &Db, select: Select<work_item::Entity>) -> Result<i64, ServiceError> {
    let counted: Option<i64> = select
        .select_only()
        .column_as(count_ids(), "n")
        .into_tuple()
        .one(db.conn())
        .await?;
    Ok(counted.unwrap_or(0))
}

/// Open items counted per value of `column`, with every value of `all` present.
async fn open_by(
    db: &Db,
    column: work_item::Column,
    all: impl Iterator<Item = &'static str>,
) -> Result<BTreeMap<String, i64>, ServiceError> {
    let mut counts: BTreeMap<String, i64> = all.map(|name| (name.to_string(), 0)).collect();
    let rows: Vec<(String, i64)> = open_items()
        .select_only()
        .column(column)
        .column_as(count_ids(), "n")
        .group_by(column)
        .into_tuple()
        .all(db.conn())
        .await?;
    counts.extend(rows);
    Ok(counts)
}

async fn open_by_owner(db: &Db) -> Result<Vec<OwnerCount>, ServiceError> {
    let rows: Vec<(Option<Uuid>, Option<String>, i64)> = open_items()
        .select_only()
        .column(work_item::Column::OwnerId)
        .column_as(user::Column::Name, "name")
        .column_as(count_ids(), "n")
        .join(JoinType::LeftJoin, work_item::Relation::Owner.def())
        .group_by(work_item::Column::OwnerId)
        .group_by(user::Column::Name)
        .into_tuple()
        .all(db.conn())
        .await?;
    let mut owners: Vec<OwnerCount> = rows
        .into_iter()
        .map(|(owner_id, name, count)| OwnerCount {
            owner_id,
            name,
            count,
        })
        .collect();
    // One row per owner, so sorting here is cheap; it also puts "nobody" last among equals
    // on both backends (they disagree on where NULL sorts).
    owners.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.name.is_none().cmp(&b.name.is_none()))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(owners)
}

async fn waiting(db: &Db) -> Result<WaitingStats, ServiceError> {
    let row: Option<(i64, Option<DateTime<Utc>>)> = open_items()
        .filter(work_item::Column::WaitingOnUserId.is_not_null())
        .select_only()
        .column_as(count_ids(), "n")
        .column_as(Expr::col(work_item::Column::WaitingSince).min(), "oldest")
        .into_tuple()
        .one(db.conn())
        .await?;
    let (count, oldest_since) = row.unwrap_or((0, None));
    Ok(WaitingStats {
        count,
        oldest_since,
    })
}

/// The Mondays that start the last [`WEEKS`] weeks in `tz`, oldest first, plus the Monday
/// after the current week (the end bound).
pub fn week_starts(today: NaiveDate) -> Vec<NaiveDate> {
    let this_monday = today - Duration::days(today.weekday().num_days_from_monday().into());
    (0..=WEEKS as i64)
        .map(|week| this_monday + Duration::weeks(week - (WEEKS as i64 - 1)))
        .collect()
}

/// Completed items per week, in one query: a CASE puts each completion in its week by
/// comparing against the weeks' start instants, computed in Rust in the organisation's zone.
async fn completed_per_week(
    db: &Db,
    tz: Tz,
    today: NaiveDate,
) -> Result<Vec<WeekCount>, ServiceError> {
    let mondays = week_starts(today);
    let bounds: Vec<DateTime<Utc>> = mondays
        .iter()
        .map(|monday| {
            local_day_start(*monday, tz).ok_or_else(|| {
                ServiceError::Internal(anyhow::anyhow!("no start instant for {monday}"))
            })
        })
        .collect::<Result<_, _>>()?;
    let completed = work_item::Column::CompletedAt;
    // Literal bucket numbers (not bound values) so PostgreSQL types the CASE as an integer.
    let mut bucket = Expr::case(Expr::col(completed).lt(bounds[1]), Expr::cust("0"));
    for (week, bound) in bounds.iter().enumerate().take(WEEKS).skip(2) {
        bucket = bucket.case(
            Expr::col(completed).lt(*bound),
            Expr::cust((week - 1).to_string()),
        );
    }
    let bucket: Expr = bucket.finally(Expr::cust((WEEKS - 1).to_string())).into();
    let rows: Vec<(i32, i64)> = work_item::Entity::find()
        .filter(work_item::Column::Status.eq(Status::Done.as_str()))
        .filter(completed.gte(bounds[0]))
        .filter(completed.lt(bounds[WEEKS]))
        .select_only()
        .column_as(bucket, "week")
        .column_as(count_ids(), "n")
        .group_by(Expr::cust("week"))
        .into_tuple()
        .all(db.conn())
        .await?;
    let mut weeks: Vec<WeekCount> = mondays[..WEEKS]
        .iter()
        .map(|monday| WeekCount {
            week_start: *monday,
            count: 0,
        })
        .collect();
    for (week, count) in rows {
        if let Some(slot) = usize::try_from(week).ok().and_then(|w| weeks.get_mut(w)) {
            slot.count = count;
        }
    }
    Ok(weeks)
}

/// The median of (completed − created) in hours over items completed since `since`.
/// PostgreSQL has `percentile_cont`; SQLite has no median, so the middle one or two values
/// are picked with window functions and averaged.
async fn median_cycle_time_hours(
    db: &Db,
    since: DateTime<Utc>,
) -> Result<Option<f64>, ServiceError> {
    let backend = db.backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT percentile_cont(0.5) WITHIN GROUP \
               (ORDER BY EXTRACT(EPOCH FROM (completed_at - created_at))::float8 / 3600.0) AS median \
             FROM work_items WHERE status = 'DONE' AND completed_at >= $1"
        }
        _ => {
            "SELECT AVG(hours) AS median FROM ( \
               SELECT hours, ROW_NUMBER() OVER (ORDER BY hours) AS position, COUNT(*) OVER () AS total \
               FROM (SELECT (julianday(completed_at) - julianday(created_at)) * 24.0 AS hours \
                     FROM work_items WHERE status = 'DONE' AND completed_at >= ?) \
             ) WHERE position IN ((total + 1) / 2, (total + 2) / 2)"
        }
    };
    let row = db
        .conn()
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [since.into()]))
        .await?;
    let median: Option<f64> = match row {
        Some(row) => row.try_get("", "median")?,
        None => None,
    };
    // Two decimals are plenty for hours, and keep the two backends' float noise out.
    Ok(median.map(|hours| (hours * 100.0).round() / 100.0))
}

/// Every number of the stats page at `now`; weeks are counted in `tz`.
pub async fn stats(db: &Db, tz: Tz, now: DateTime<Utc>) -> Result<Stats, ServiceError> {
    let today = now.with_timezone(&tz).date_naive();
    let open_statuses = Status::open().into_iter().map(Status::as_str);
    let due = work_item::Column::DueAt;
    Ok(Stats {
        open_by_status: open_by(db, work_item::Column::Status, open_statuses).await?,
        open_by_owner: open_by_owner(db).await?,
        open_by_type: open_by(
            db,
            work_item::Column::ItemType,
            ItemType::ALL.iter().map(|t| t.as_str()),
        )
        .await?,
        overdue: count(db, open_items().filter(due.lt(now))).await?,
        due_next7_days: count(
            db,
            open_items()
                .filter(due.gte(now))
                .filter(due.lt(now + Duration::days(7))),
        )
        .await?,
        waiting: waiting(db).await?,
        awaiting_proofing: count(
            db,
            work_item::Entity::find().filter(super::work_items::proofing::awaiting_proofing()),
        )
        .await?,
        completed_per_week: completed_per_week(db, tz, today).await?,
        median_cycle_time_hours: median_cycle_time_hours(db, now - Duration::days(CYCLE_TIME_DAYS))
            .await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_end_with_the_current_one() {
        // 2026-11-26 is a Thursday.
        let starts = week_starts("2026-11-26".parse().unwrap());
        assert_eq!(starts.len(), WEEKS + 1);
        assert_eq!(
            starts[WEEKS - 1],
            "2026-11-23".parse::<NaiveDate>().unwrap()
        );
        assert_eq!(starts[WEEKS], "2026-11-30".parse::<NaiveDate>().unwrap());
        assert_eq!(starts[0], "2026-09-07".parse::<NaiveDate>().unwrap());
        // On a Monday, that Monday starts the current week.
        let starts = week_starts("2026-11-23".parse().unwrap());
        assert_eq!(
            starts[WEEKS - 1],
            "2026-11-23".parse::<NaiveDate>().unwrap()
        );
    }
}
