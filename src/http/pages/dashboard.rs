//! The dashboard (`/`): what needs me now — items waiting on me, my items due soon, items
//! for me to proof — and the counts of the whole team's work at a glance.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use chrono::{DateTime, Duration, Utc};

use super::{
    Chrome, error_page,
    item_rows::{ItemRow, Names},
    render,
};
use crate::{
    app::App,
    db::time,
    domain::work_item::Status,
    http::extract::CurrentUser,
    services::{
        ServiceError, inbox,
        stats::{self, Stats},
        work_items::{
            list::{self, Page},
            list_query::{ListQuery, OwnerFilter},
        },
    },
};

/// Each list on the dashboard shows at most this many items; the rest are a link away.
const SHOWN: usize = 8;
/// "Due soon" means due within this many days (overdue ones included).
const DUE_SOON_DAYS: i64 = 7;

/// The team-wide counts at the top of the page.
struct Counts {
    open: i64,
    overdue: i64,
    waiting: i64,
    awaiting_proofing: i64,
    due_soon: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    chrome: &'a Chrome,
    name: &'a str,
    counts: Counts,
    waiting: Vec<ItemRow>,
    waiting_more: usize,
    due_soon: Vec<ItemRow>,
    due_soon_more: bool,
    due_soon_link: String,
    due_week_link: String,
    to_proof: Vec<ItemRow>,
    to_proof_more: usize,
}

fn open_statuses() -> Vec<Status> {
    Status::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect()
}

/// My open items due before `now` + 7 days (overdue ones first), earliest due first.
async fn my_due_soon(
    app: &App,
    user: &CurrentUser,
    now: DateTime<Utc>,
) -> Result<Page, ServiceError> {
    let query = ListQuery {
        statuses: open_statuses(),
        owner: Some(OwnerFilter::User(user.id.0)),
        due_to: Some(now + Duration::days(DUE_SOON_DAYS)),
        limit: SHOWN as u64,
        ..ListQuery::default()
    };
    list::list(&app.db, &query).await
}

/// A list of open work on the work page, where it can be refined and bookmarked: due up to
/// seven days from now, `mine` or everyone's, and from today on unless overdue ones count.
fn due_link(tz: chrono_tz::Tz, now: DateTime<Utc>, mine: bool) -> String {
    let last_day = (now + Duration::days(DUE_SOON_DAYS))
        .with_timezone(&tz)
        .date_naive();
    let statuses: Vec<&str> = open_statuses().iter().map(|s| s.as_str()).collect();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if mine {
        query.append_pair("owner", "me");
    } else {
        // The team count is of items due from now on (overdue ones have their own count).
        query.append_pair("dueFrom", &now.with_timezone(&tz).date_naive().to_string());
    }
    query
        .append_pair("status", &statuses.join(","))
        .append_pair("dueTo", &last_day.to_string())
        .append_pair("sort", "dueAt");
    format!("/work?{}", query.finish())
}

fn counts(numbers: &Stats) -> Counts {
    Counts {
        open: numbers.open_by_status.values().sum(),
        overdue: numbers.overdue,
        waiting: numbers.waiting.count,
        awaiting_proofing: numbers.awaiting_proofing,
        due_soon: numbers.due_next7_days,
    }
}

async fn dashboard(
    app: &App,
    user: &CurrentUser,
    chrome: &Chrome,
) -> Result<Response, ServiceError> {
    let now = time::now();
    let tz = super::zone(app, user);
    let mine = inbox::inbox(&app.db, user.id).await?;
    let numbers = stats::stats(&app.db, tz, now).await?;
    let due = my_due_soon(app, user, now).await?;
    let names = Names::load(app).await?;
    let rows = |items: &mut dyn Iterator<Item = &crate::services::work_items::WorkItemView>| {
        items
            .take(SHOWN)
            .map(|item| ItemRow::new(item, &names, tz, now))
            .collect::<Vec<_>>()
    };
    let page = DashboardPage {
        chrome,
        name: &user.name,
        counts: counts(&numbers),
        waiting: rows(&mut mine.waiting_on_me.iter().map(|w| &w.item)),
        waiting_more: (mine.waiting_on_me_count as usize).saturating_sub(SHOWN),
        due_soon: rows(&mut due.items.iter()),
        due_soon_more: due.next_cursor.is_some(),
        due_soon_link: due_link(tz, now, true),
        due_week_link: due_link(tz, now, false),
        to_proof: rows(&mut mine.to_proof.iter()),
        to_proof_more: (mine.to_proof_count as usize).saturating_sub(SHOWN),
    };
    Ok(render(&app.settings, chrome, StatusCode::OK, &page))
}

/// `GET /`
pub async fn get_dashboard(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "home").await;
    dashboard(&app, &user, &chrome)
        .await
        .unwrap_or_else(|error| error_page(&app.settings, &chrome, error.into()))
}
