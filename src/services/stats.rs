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
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Select,
    Statement,
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

/// Open items per status and per type, with every open status and every type present, from
/// one walk of the `(status, item_type)` index: grouped in the index's order, the database
/// needs no temporary table, and the two tallies are summed here from a few rows.
async fn open_by_status_and_type(
    db: &Db,
) -> Result<(BTreeMap<String, i64>, BTreeMap<String, i64>), ServiceError> {
    let mut by_status: BTreeMap<String, i64> = Status::open()
        .into_iter()
        .map(|status| (status.as_str().to_string(), 0))
        .collect();
    let mut by_type: BTreeMap<String, i64> = ItemType::ALL
        .iter()
        .map(|item_type| (item_type.as_str().to_string(), 0))
        .collect();
    let rows: Vec<(String, String, i64)> = open_items()
        .select_only()
        .column(work_item::Column::Status)
        .column(work_item::Column::ItemType)
        .column_as(count_ids(), "n")
        .group_by(work_item::Column::Status)
        .group_by(work_item::Column::ItemType)
        .into_tuple()
        .all(db.conn())
        .await?;
    for (status, item_type, n) in rows {
        *by_status.entry(status).or_default() += n;
        *by_type.entry(item_type).or_default() += n;
    }
    Ok((by_status, by_type))
}

/// Open items per owner, most first. Counted by `(status, owner)` in the order of that index
/// (no temporary table, no row read), summed per owner here; the owners' names are one more
/// small read. Joining the names before counting looked a person up for every open item.
async fn open_by_owner(db: &Db) -> Result<Vec<OwnerCount>, ServiceError> {
    let rows: Vec<(Option<Uuid>, i64)> = open_items()
        .select_only()
        .column(work_item::Column::OwnerId)
        .column_as(count_ids(), "n")
        .group_by(work_item::Column::Status)
        .group_by(work_item::Column::OwnerId)
        .into_tuple()
        .all(db.conn())
        .await?;
    let mut counts: BTreeMap<Option<Uuid>, i64> = BTreeMap::new();
    for (owner_id, n) in rows {
        *counts.entry(owner_id).or_default() += n;
    }
    let names: BTreeMap<Uuid, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .filter(user::Column::Id.is_in(counts.keys().flatten().copied()))
        .into_tuple::<(Uuid, String)>()
        .all(db.conn())
        .await?
        .into_iter()
        .collect();
    let mut owners: Vec<OwnerCount> = counts
        .into_iter()
        .map(|(owner_id, count)| OwnerCount {
            owner_id,
            name: owner_id.and_then(|id| names.get(&id).cloned()),
            count,
        })
        .collect();
    // It also puts "nobody" last among equals.
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
/// PostgreSQL has `percentile_cont`. SQLite has no median: the items are counted from the
/// `(status, completed_at)` index, then the middle one or two durations are read with
/// `LIMIT`/`OFFSET` and averaged (numbering every row with window functions cost twice as much).
async fn median_cycle_time_hours(
    db: &Db,
    since: DateTime<Utc>,
) -> Result<Option<f64>, ServiceError> {
    let median = match db.backend() {
        DbBackend::Postgres => {
            let sql = "SELECT percentile_cont(0.5) WITHIN GROUP \
               (ORDER BY EXTRACT(EPOCH FROM (completed_at - created_at))::float8 / 3600.0) AS median \
             FROM work_items WHERE status = 'DONE' AND completed_at >= $1";
            let row = db
                .conn()
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    [since.into()],
                ))
                .await?;
            match row {
                Some(row) => row.try_get("", "median")?,
                None => None,
            }
        }
        _ => sqlite_median_hours(db, since).await?,
    };
    // Two decimals are plenty for hours, and keep the two backends' float noise out.
    Ok(median.map(|hours: f64| (hours * 100.0).round() / 100.0))
}

async fn sqlite_median_hours(db: &Db, since: DateTime<Utc>) -> Result<Option<f64>, ServiceError> {
    let completed = work_item::Entity::find()
        .filter(work_item::Column::Status.eq(Status::Done.as_str()))
        .filter(work_item::Column::CompletedAt.gte(since));
    let total = u64::try_from(count(db, completed).await?).unwrap_or(0);
    if total == 0 {
        return Ok(None);
    }
    // The middle one of an odd count, the middle two of an even one.
    let (offset, middle) = if total % 2 == 1 {
        ((total - 1) / 2, 1)
    } else {
        (total / 2 - 1, 2)
    };
    let sql = "SELECT (julianday(completed_at) - julianday(created_at)) * 24.0 AS hours \
         FROM work_items WHERE status = 'DONE' AND completed_at >= ? \
         ORDER BY hours LIMIT ? OFFSET ?";
    let rows = db
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            [since.into(), middle.into(), offset.into()],
        ))
        .await?;
    let hours: Vec<f64> = rows
        .iter()
        .map(|row| row.try_get::<f64>("", "hours"))
        .collect::<Result<_, _>>()?;
    Ok((!hours.is_empty()).then(|| hours.iter().sum::<f64>() / hours.len() as f64))
}

/// Every number of the stats page at `now`; weeks are counted in `tz`.
pub async fn stats(db: &Db, tz: Tz, now: DateTime<Utc>) -> Result<Stats, ServiceError> {
    let today = now.with_timezone(&tz).date_naive();
    let due = work_item::Column::DueAt;
    let (open_by_status, open_by_type) = open_by_status_and_type(db).await?;
    Ok(Stats {
        open_by_status,
        open_by_owner: open_by_owner(db).await?,
        open_by_type,
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
