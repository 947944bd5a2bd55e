//! The calendar (docs/PRODUCT.md §6): items grouped by their local day in `OPS_TIMEZONE`, over a range
//! of at most 62 days (the next 14 by default), cancelled items left out.
//!
//! The range is turned into the UTC instants of its first local midnight and of the midnight
//! after its last day, so one indexed query finds the items whatever DST does in between; the
//! local day of each item is then worked out in Rust with the zone's own rules.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    ServiceError,
    work_items::{
        WorkItemView,
        view::{self, WorkItemRow},
    },
};
use crate::{
    db::{Db, entities::work_item},
    domain::{FieldErrors, local_day_start, work_item::Status},
};

/// How many days the calendar shows when `to` is not given (today and the 13 after it).
pub const DEFAULT_DAYS: i64 = 14;
/// How many items a day lists in full; a busy day says how many more it has, so a range costs
/// the same however many items fall in it.
pub const DAY_ITEMS: usize = 10;
/// The longest range one request may cover, in days (both ends included).
pub const MAX_DAYS: i64 = 62;

/// The instant that places an item on the calendar: an event's start, otherwise its due time;
/// an item with only one of the two is placed by that one. Written exactly as in the index of
/// migration m0020, so both databases find the range in that index.
pub const PLACED_AT: &str = "(CASE WHEN item_type = 'EVENT' THEN COALESCE(start_at, due_at) \
     ELSE COALESCE(due_at, start_at) END)";

/// A checked range of local days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One local day and its items, in time order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarDay {
    pub date: NaiveDate,
    /// The day's first [`DAY_ITEMS`] items.
    pub items: Vec<WorkItemView>,
    /// How many more items the day has (the work list filtered to the day shows them all).
    pub more: u64,
}

/// `GET /api/calendar`: every day of the range, empty ones included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The IANA zone the days are counted in (`OPS_TIMEZONE`).
    pub timezone: String,
    pub days: Vec<CalendarDay>,
}

fn parse_date(errors: &mut FieldErrors, name: &str, raw: &str) -> Option<NaiveDate> {
    let parsed = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.add(name, format!("{name} must be a date such as 2026-11-26"));
    }
    parsed
}

/// Checks the `from` and `to` query parameters (local dates); `today` is the local date now.
/// Every problem, including unknown or repeated parameters, is reported under its name.
pub fn parse_range(
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<CalendarRange, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut seen = HashSet::new();
    let (mut from, mut to) = (None, None);
    for (name, raw) in pairs {
        if !seen.insert(name.as_str()) {
            errors.add(name, format!("{name} may be given only once"));
            continue;
        }
        match name.as_str() {
            "from" => from = parse_date(&mut errors, "from", raw),
            "to" => to = parse_date(&mut errors, "to", raw),
            other => errors.add(other, format!("unknown parameter `{other}`")),
        }
    }
    errors.clone().into_result()?;
    let from = from.unwrap_or(today);
    let to = match to {
        Some(to) => to,
        None => from
            .checked_add_signed(Duration::days(DEFAULT_DAYS - 1))
            .unwrap_or(from),
    };
    if to < from {
        errors.add("to", "to must not be before from");
    } else if (to - from).num_days() >= MAX_DAYS {
        errors.add("to", format!("the range may cover at most {MAX_DAYS} days"));
    }
    errors.into_result().map(|()| CalendarRange { from, to })
}

/// The local date of `at` in `tz`.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The items placed in `[start, end)`, in time order, as `(id, placed at)`: one walk of the
/// placement index (m0020), which holds every column this reads (public so the benchmark can
/// explain the same SQL).
pub fn range_select(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sea_orm::Selector<sea_orm::SelectGetableTuple<Placement>> {
    work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Id)
        .column_as(Expr::cust(PLACED_AT), "placed_at")
        .filter(Expr::cust(PLACED_AT).gte(start))
        .filter(Expr::cust(PLACED_AT).lt(end))
        .filter(work_item::Column::Status.ne(Status::Cancelled.as_str()))
        .order_by(Expr::cust(PLACED_AT), Order::Asc)
        .order_by_asc(work_item::Column::Id)
        .into_tuple::<Placement>()
}

/// What places an item on a day: its id and the instant that places it.
pub type Placement = (Uuid, DateTime<Utc>);

/// The items of `range`, grouped by local day in `tz`: each day's first [`DAY_ITEMS`] in full
/// and a count of the rest, in two queries whatever the number of items (one for the
/// placements, one for the items shown).
pub async fn calendar(db: &Db, tz: Tz, range: CalendarRange) -> Result<CalendarView, ServiceError> {
    let out_of_range = || ServiceError::invalid("from", "the range is outside the supported dates");
    let start = local_day_start(range.from, tz).ok_or_else(out_of_range)?;
    let end = range
        .to
        .succ_opt()
        .and_then(|after| local_day_start(after, tz))
        .ok_or_else(out_of_range)?;

    let placements = range_select(start, end).all(db.conn()).await?;
    let mut days: Vec<CalendarDay> = range
        .from
        .iter_days()
        .take_while(|day| *day <= range.to)
        .map(|date| CalendarDay {
            date,
            items: Vec::new(),
            more: 0,
        })
        .collect();
    // Which ids each day shows, in time order.
    let mut shown: Vec<Vec<Uuid>> = vec![Vec::new(); days.len()];
    for (id, placed_at) in placements {
        let index = (local_date(placed_at, tz) - range.from).num_days();
        let Some(index) = usize::try_from(index).ok().filter(|i| *i < days.len()) else {
            continue;
        };
        if shown[index].len() < DAY_ITEMS {
            shown[index].push(id);
        } else {
            days[index].more += 1;
        }
    }
    let ids: Vec<Uuid> = shown.iter().flatten().copied().collect();
    let mut items: HashMap<Uuid, WorkItemView> = HashMap::with_capacity(ids.len());
    if !ids.is_empty() {
        let rows = view::select_views(db.backend())
            .filter(work_item::Column::Id.is_in(ids))
            .into_model::<WorkItemRow>()
            .all(db.conn())
            .await?;
        items.extend(
            rows.into_iter()
                .map(|row| (row.id, WorkItemView::from(row))),
        );
    }
    for (day, ids) in days.iter_mut().zip(shown) {
        day.items = ids.iter().filter_map(|id| items.remove(id)).collect();
    }
    Ok(CalendarView {
        from: range.from,
        to: range.to,
        timezone: tz.name().to_string(),
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn date(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn the_default_range_is_today_and_the_next_13_days() {
        let range = parse_range(&[], date("2026-11-26")).unwrap();
        assert_eq!(range.from, date("2026-11-26"));
        assert_eq!(range.to, date("2026-12-09"));
        let range = parse_range(&pairs(&[("from", "2026-01-01")]), date("2026-11-26")).unwrap();
        assert_eq!(range.to, date("2026-01-14"));
    }

    #[test]
    fn bad_ranges_name_the_parameter() {
        let today = date("2026-11-26");
        let problems = |list: &[(&str, &str)]| parse_range(&pairs(list), today).unwrap_err().0;
        assert!(problems(&[("from", "26/11/2026")]).contains_key("from"));
        assert!(problems(&[("to", "2026-11-25")]).contains_key("to"));
        assert!(problems(&[("from", "2026-01-01"), ("to", "2026-03-04")]).contains_key("to"));
        assert!(problems(&[("days", "3")]).contains_key("days"));
        assert!(problems(&[("from", "2026-01-01"), ("from", "2026-01-02")]).contains_key("from"));
        // 62 days, both ends included, is the longest range.
        assert!(
            parse_range(
                &pairs(&[("from", "2026-01-01"), ("to", "2026-03-03")]),
                today
            )
            .is_ok()
        );
    }

    #[test]
    fn a_day_that_starts_in_a_dst_gap_starts_at_the_first_valid_instant() {
        // Chile springs forward at midnight: 2024-09-08 00:00 does not exist in Santiago;
        // the day starts at 01:00 local (-03:00), 04:00 UTC.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let start = local_day_start(date("2024-09-08"), tz).unwrap();
        assert_eq!(
            start,
            "2024-09-08T04:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
