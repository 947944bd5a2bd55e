//! The calendar page (`/calendar`, docs/PRODUCT.md §6): 14 local days, one card per day, with the
//! items due (events: starting) that day. `?from=YYYY-MM-DD` moves the window; the page
//! links a week back and a week on.

use askama::Template;
use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use chrono::{Duration, NaiveDate};

use super::{
    Chrome, error_page,
    item_rows::{ItemRow, Names, local_clock},
    render,
};
use crate::{
    app::App,
    db::time,
    domain::work_item::ItemType,
    http::{api::query::query_pairs, error::AppError, extract::CurrentUser},
    services::calendar::{self, CalendarDay},
};

/// An item on its day: the row plus the time that placed it there.
struct Entry {
    time: Option<String>,
    row: ItemRow,
}

/// One day's card.
struct Day {
    date: NaiveDate,
    heading: String,
    today: bool,
    entries: Vec<Entry>,
    /// Items of the day beyond those listed, and where they all are.
    more: u64,
    more_href: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage<'a> {
    chrome: &'a Chrome,
    range: String,
    timezone: String,
    days: Vec<Day>,
    previous: String,
    next: String,
    showing_today: bool,
    total: u64,
}

fn day_heading(date: NaiveDate) -> String {
    date.format("%A %-d %B").to_string()
}

fn range_words(from: NaiveDate, to: NaiveDate) -> String {
    if from.format("%Y-%m").to_string() == to.format("%Y-%m").to_string() {
        format!("{} – {}", from.format("%-d"), to.format("%-d %B %Y"))
    } else if from.format("%Y").to_string() == to.format("%Y").to_string() {
        format!("{} – {}", from.format("%-d %B"), to.format("%-d %B %Y"))
    } else {
        format!("{} – {}", from.format("%-d %B %Y"), to.format("%-d %B %Y"))
    }
}

fn day(tz: chrono_tz::Tz, names: &Names, today: NaiveDate, day: &CalendarDay) -> Day {
    let now = time::now();
    Day {
        date: day.date,
        heading: day_heading(day.date),
        today: day.date == today,
        more: day.more,
        more_href: format!(
            "/work?dueFrom={date}&dueTo={date}&sort=dueAt",
            date = day.date
        ),
        entries: day
            .items
            .iter()
            .map(|item| {
                // Events are placed by their start, everything else by its due time.
                let placed = if item.item_type == ItemType::Event {
                    item.start_at.or(item.due_at)
                } else {
                    item.due_at.or(item.start_at)
                };
                Entry {
                    time: placed.map(|at| local_clock(at, tz)),
                    row: ItemRow::new(item, names, tz, now),
                }
            })
            .collect(),
    }
}

/// `GET /calendar?from=YYYY-MM-DD`
pub async fn get_calendar(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "calendar").await;
    let tz = super::zone(&app, &user);
    let today = calendar::local_date(time::now(), tz);
    let result = async {
        let pairs = query_pairs(raw)?;
        let range = calendar::parse_range(&pairs, today)?;
        let view = calendar::calendar(&app.db, tz, range).await?;
        let names = Names::load(&app).await?;
        let week = Duration::days(7);
        let page = CalendarPage {
            chrome: &chrome,
            range: range_words(view.from, view.to),
            timezone: view.timezone.clone(),
            days: view
                .days
                .iter()
                .map(|d| day(tz, &names, today, d))
                .collect(),
            previous: format!("/calendar?from={}", view.from - week),
            next: format!("/calendar?from={}", view.from + week),
            showing_today: (view.from..=view.to).contains(&today),
            total: view
                .days
                .iter()
                .map(|d| d.items.len() as u64 + d.more)
                .sum(),
        };
        Ok::<_, AppError>(render(&app.settings, &chrome, StatusCode::OK, &page))
    }
    .await;
    result.unwrap_or_else(|error| error_page(&app.settings, &chrome, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn ranges_name_the_month_and_year_once_when_they_can() {
        assert_eq!(
            range_words(date("2026-04-01"), date("2026-04-14")),
            "1 – 14 April 2026"
        );
        assert_eq!(
            range_words(date("2026-04-25"), date("2026-05-08")),
            "25 April – 8 May 2026"
        );
        assert_eq!(
            range_words(date("2026-12-25"), date("2027-01-07")),
            "25 December 2026 – 7 January 2027"
        );
        assert_eq!(day_heading(date("2026-04-14")), "Tuesday 14 April");
    }
}
