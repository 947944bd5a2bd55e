//! The benchmark's scenarios, and for each the database work behind it run in-process: the
//! ceiling an HTTP figure is compared with. The list API's ceiling is its exact SQL statement
//! with the rows fetched raw; the other views call the services their handlers call (the same
//! SQL, without HTTP, authentication or rendering).

use std::sync::atomic::{AtomicU64, Ordering};

use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, QueryTrait};
use uuid::Uuid;

use crate::{
    db::{Db, time},
    domain::ids::{UserId, WorkItemId},
    services::{
        ServiceError,
        audit::Actor,
        board, calendar, comments,
        events::intake,
        inbox, messages, stats, subtasks,
        work_items::{
            self,
            input::{NewWorkItem, WorkItemChanges},
            list, list_query,
        },
    },
};

/// One thing a user does, measured over HTTP and against the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Board,
    WorkList,
    ItemPage,
    ListPlain,
    ListFiltered,
    ListSorted,
    ListSearch,
    Inbox,
    Calendar,
    Stats,
    Drag,
    Create,
    Webhook,
}

impl Scenario {
    pub const ALL: &'static [Scenario] = &[
        Scenario::Board,
        Scenario::WorkList,
        Scenario::ItemPage,
        Scenario::ListPlain,
        Scenario::ListFiltered,
        Scenario::ListSorted,
        Scenario::ListSearch,
        Scenario::Inbox,
        Scenario::Calendar,
        Scenario::Stats,
        Scenario::Drag,
        Scenario::Create,
        Scenario::Webhook,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Board => "board",
            Scenario::WorkList => "work_list_page",
            Scenario::ItemPage => "item_page",
            Scenario::ListPlain => "list_api",
            Scenario::ListFiltered => "list_api_filtered",
            Scenario::ListSorted => "list_api_sorted",
            Scenario::ListSearch => "list_api_search",
            Scenario::Inbox => "inbox",
            Scenario::Calendar => "calendar",
            Scenario::Stats => "stats",
            Scenario::Drag => "drag",
            Scenario::Create => "create_item",
            Scenario::Webhook => "webhook_intake",
        }
    }

    /// The query string of a list scenario (`None` for the others).
    pub fn list_query(self, staff: &[Uuid]) -> Option<String> {
        let owner = staff.first().map(Uuid::to_string).unwrap_or_default();
        match self {
            Scenario::ListPlain => Some("limit=50".to_string()),
            Scenario::ListFiltered => {
                Some(format!("status=PLANNED,IN_PROGRESS&owner={owner}&tag=seo"))
            }
            Scenario::ListSorted => Some("sort=-updatedAt&limit=50".to_string()),
            Scenario::ListSearch => Some("q=interview&limit=50".to_string()),
            _ => None,
        }
    }
}

/// What the ceiling runs need: the database and the ids to act on.
pub struct CeilingContext {
    pub db: Db,
    pub tz: Tz,
    pub me: Uuid,
    pub staff: Vec<Uuid>,
    pub open_ids: Vec<Uuid>,
    pub any_ids: Vec<Uuid>,
    pub turn: AtomicU64,
}

impl CeilingContext {
    fn next<'a>(&self, ids: &'a [Uuid]) -> Option<&'a Uuid> {
        let turn = self.turn.fetch_add(1, Ordering::Relaxed) as usize;
        ids.get(turn % ids.len().max(1))
    }
}

/// The parsed list request of a list scenario.
pub fn parsed_list_query(
    scenario: Scenario,
    staff: &[Uuid],
    me: Uuid,
    tz: Tz,
) -> Option<list_query::ListQuery> {
    let raw = scenario.list_query(staff)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&raw).ok()?;
    list_query::parse(&pairs, UserId(me), tz).ok()
}

/// Runs `scenario`'s database work once.
pub async fn run_once(scenario: Scenario, ctx: &CeilingContext) -> Result<(), ServiceError> {
    let db = &ctx.db;
    let actor = Actor {
        user_id: Some(UserId(ctx.me)),
        ..Actor::default()
    };
    match scenario {
        Scenario::Board => {
            board::columns(
                db,
                &board::BoardFilter::default(),
                None,
                &[crate::domain::work_item::Status::Cancelled],
            )
            .await?;
        }
        Scenario::WorkList => {
            list::list(db, &list_query::ListQuery::default()).await?;
        }
        Scenario::ItemPage => {
            let id = WorkItemId(*ctx.next(&ctx.any_ids).ok_or(ServiceError::NotFound)?);
            work_items::get(db, id).await?;
            subtasks::list(db, id).await?;
            comments::list(db, id).await?;
            messages::list(db, id).await?;
            work_items::history(db, id).await?;
        }
        Scenario::ListPlain
        | Scenario::ListFiltered
        | Scenario::ListSorted
        | Scenario::ListSearch => {
            let query =
                parsed_list_query(scenario, &ctx.staff, ctx.me, ctx.tz).ok_or_else(|| {
                    ServiceError::invalid("query", "the scenario's query does not parse")
                })?;
            let statement = list::page_select(db.backend(), &query).build(db.backend());
            db.conn().query_all_raw(statement).await?;
        }
        Scenario::Inbox => {
            inbox::inbox(db, UserId(ctx.me)).await?;
        }
        Scenario::Calendar => {
            let today = calendar::local_date(time::now(), ctx.tz);
            let range = calendar::parse_range(&[], today).map_err(ServiceError::Invalid)?;
            calendar::calendar(db, ctx.tz, range).await?;
        }
        Scenario::Stats => {
            stats::stats(db, ctx.tz, time::now()).await?;
        }
        Scenario::Drag => {
            let id = WorkItemId(*ctx.next(&ctx.open_ids).ok_or(ServiceError::NotFound)?);
            let turn = ctx.turn.load(Ordering::Relaxed);
            let changes = WorkItemChanges {
                status: Some(drag_status(turn).to_string()),
                rank: Some(drag_rank(turn)),
                ..WorkItemChanges::default()
            };
            work_items::update(db, &actor, id, None, changes).await?;
        }
        Scenario::Create => {
            let input = NewWorkItem {
                title: Some(format!(
                    "Ceiling item {}",
                    ctx.turn.fetch_add(1, Ordering::Relaxed)
                )),
                ..NewWorkItem::default()
            };
            work_items::create(db, &actor, input).await?;
        }
        Scenario::Webhook => {
            let payload = webhook_payload(&Uuid::now_v7().to_string());
            let body: serde_json::Value = serde_json::from_slice(&payload)
                .map_err(|error| ServiceError::Internal(error.into()))?;
            let identity = crate::integrations::ghl::payload::Identity::of(&body);
            intake::store(
                db,
                intake::InboundEvent {
                    source: "ghl".to_string(),
                    dedupe_key: identity.dedupe_key("ghl"),
                    earlier_key: None,
                    event_type: identity.event_type,
                    external_id: identity.entity_id,
                    payload: body,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The column a drag moves a card to (open columns that need no proofing step).
pub fn drag_status(turn: u64) -> &'static str {
    ["BACKLOG", "PLANNED", "IN_PROGRESS"][(turn % 3) as usize]
}

/// A valid board rank that varies with `turn`.
pub fn drag_rank(turn: u64) -> String {
    format!("h{:x}1", turn % 0xffff_ffff)
}

/// A HighLevel-style webhook body with a unique `webhookId`.
pub fn webhook_payload(webhook_id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": "ContactTagUpdate",
        "webhookId": webhook_id,
        "locationId": "bench-location",
        "id": format!("contact-{webhook_id}"),
        "tags": ["bench"],
    }))
    .unwrap_or_default()
}
