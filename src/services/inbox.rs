//! The inbox (docs/PRODUCT.md §4): "what needs me now?" — items waiting on me, items for me to proof,
//! and my notifications, with the reading and marking of notifications. One query per list.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, SelectStatement},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    db::{Db, entities::work_item},
    domain::{FieldErrors, ids::UserId, work_item::Status},
    services::{
        ServiceError,
        notifications::{self, NotificationView},
        work_items::{
            WorkItemView,
            view::{WorkItemRow, select_views},
        },
    },
};

/// Each inbox list shows its first this many items, and counts the rest: waiting on me in full
/// at `/api/work-items?waitingOn=me`, the proofing queue at `/qc`.
pub const INBOX_SHOWN: u64 = 10;

/// The inbox's counts stop here: a count of this many means this many or more.
pub const INBOX_COUNT_CAP: u64 = 1000;

/// How many unread notifications the inbox shows.
pub const INBOX_NOTIFICATIONS: u64 = 20;

/// The largest page of `GET /api/notifications`.
pub const MAX_NOTIFICATIONS_PAGE: u64 = 200;

/// The most ids one `POST /api/notifications/read` may name.
pub const MAX_MARK_IDS: usize = 1000;

/// An item waiting on me, with how long it has waited.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitingItem {
    #[serde(flatten)]
    pub item: WorkItemView,
    pub waiting_for_seconds: i64,
}

/// `GET /api/inbox`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Inbox {
    /// The first 10 open items whose `waitingOnUserId` is me, oldest wait first.
    #[schema(max_items = 10)]
    pub waiting_on_me: Vec<WaitingItem>,
    /// How many open items wait on me, counting up to 1,000 (1,000 means 1,000 or more).
    #[schema(maximum = 1000)]
    pub waiting_on_me_count: u64,
    /// The first 10 items awaiting proofing whose proofer is me, or nobody (and which I do not
    /// own: an owner cannot approve their own item), longest unchanged first.
    #[schema(max_items = 10)]
    pub to_proof: Vec<WorkItemView>,
    /// How many such items there are, counting up to 1,000.
    #[schema(maximum = 1000)]
    pub to_proof_count: u64,
    /// My newest unread notifications.
    pub notifications: Vec<NotificationView>,
    pub unread_count: u64,
}

/// What `me` should look at now.
pub async fn inbox(db: &Db, me: UserId) -> Result<Inbox, ServiceError> {
    let now = Utc::now();
    let waiting_on_me = select_views(db.backend())
        .filter(work_item::Column::WaitingOnUserId.eq(me.0))
        .filter(
            // Named open statuses (not `NOT IN` the closed ones) let an index seek them.
            work_item::Column::Status.is_in(Status::open()),
        )
        .order_by_asc(work_item::Column::WaitingSince)
        .order_by_asc(work_item::Column::Id)
        .limit(INBOX_SHOWN)
        .into_model::<WorkItemRow>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|row| {
            let item = WorkItemView::from(row);
            let waiting_for_seconds = item
                .waiting_since
                .map(|since| (now - since).num_seconds().max(0))
                .unwrap_or(0);
            WaitingItem {
                item,
                waiting_for_seconds,
            }
        })
        .collect();
    let to_proof = select_views(db.backend())
        .filter(to_proof_by(me))
        .order_by_asc(work_item::Column::UpdatedAt)
        .order_by_asc(work_item::Column::Id)
        .limit(INBOX_SHOWN)
        .into_model::<WorkItemRow>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let waiting_on_me_count = capped_count(db, waiting_on(me)).await?;
    let to_proof_count =
        capped_count(db, work_item::Entity::find().filter(to_proof_by(me))).await?;
    let notifications = notifications::list(db.conn(), me, true, None, INBOX_NOTIFICATIONS).await?;
    let unread_count = notifications::unread_count(db.conn(), me).await?;
    Ok(Inbox {
        waiting_on_me,
        waiting_on_me_count,
        to_proof,
        to_proof_count,
        notifications,
        unread_count,
    })
}

/// Items awaiting proofing that `me` may proof: mine to proof, or nobody's and not mine.
fn to_proof_by(me: UserId) -> Condition {
    let mine_or_unassigned = Condition::any()
        .add(work_item::Column::ProoferId.eq(me.0))
        .add(
            Condition::all()
                .add(work_item::Column::ProoferId.is_null())
                .add(
                    Condition::any()
                        .add(work_item::Column::OwnerId.is_null())
                        .add(work_item::Column::OwnerId.ne(me.0)),
                ),
        );
    Condition::all()
        .add(super::work_items::proofing::awaiting_proofing())
        .add(mine_or_unassigned)
}

/// How many items `select` finds, counting up to [`INBOX_COUNT_CAP`]: `SELECT COUNT(*) FROM
/// (SELECT id ... LIMIT cap)`, so a long list costs at most the cap's index entries.
async fn capped_count(
    db: &Db,
    select: sea_orm::Select<work_item::Entity>,
) -> Result<u64, ServiceError> {
    let ids = select
        .select_only()
        .column(work_item::Column::Id)
        .limit(INBOX_COUNT_CAP)
        .into_query();
    let statement = SelectStatement::new()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(ids, Alias::new("capped"))
        .to_owned();
    let n: i64 = match db.conn().query_one(&statement).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(n.max(0) as u64)
}

/// The open items waiting on `me` (public so the benchmark can explain the same SQL). Open
/// statuses are named (`IN`), so the `(status, waiting_on_user_id, ...)` index counts them
/// alone, where `NOT IN` the closed ones read every item that ever waited on `me`.
pub fn waiting_on(me: UserId) -> sea_orm::Select<work_item::Entity> {
    work_item::Entity::find()
        .filter(work_item::Column::WaitingOnUserId.eq(me.0))
        .filter(work_item::Column::Status.is_in(Status::open()))
}

/// How many open items wait on `me`: the sidebar's count beside the inbox, on every page.
pub async fn waiting_count(db: &Db, me: UserId) -> Result<u64, ServiceError> {
    Ok(waiting_on(me).count(db.conn()).await?)
}

/// The parameters of `GET /api/notifications`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationQuery {
    pub unread_only: bool,
    pub limit: u64,
    /// The id of the last notification of the previous page.
    pub cursor: Option<Uuid>,
}

impl NotificationQuery {
    /// Parses `unread`, `limit` (1–200, default 50) and `cursor`; anything else, or a value
    /// given twice, is a problem named after the parameter.
    pub fn parse(pairs: &[(String, String)]) -> Result<NotificationQuery, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut query = NotificationQuery {
            unread_only: false,
            limit: 50,
            cursor: None,
        };
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            if seen.contains(&name.as_str()) {
                errors.add(name, format!("give {name} once"));
                continue;
            }
            seen.push(name);
            match name.as_str() {
                "unread" => match value.as_str() {
                    "true" => query.unread_only = true,
                    "false" => query.unread_only = false,
                    _ => errors.add("unread", "unread must be true or false"),
                },
                "limit" => match value.parse::<u64>() {
                    Ok(limit) if (1..=MAX_NOTIFICATIONS_PAGE).contains(&limit) => {
                        query.limit = limit
                    }
                    _ => errors.add(
                        "limit",
                        format!("limit must be a number from 1 to {MAX_NOTIFICATIONS_PAGE}"),
                    ),
                },
                "cursor" => match Uuid::parse_str(value) {
                    Ok(id) => query.cursor = Some(id),
                    Err(_) => errors.add("cursor", "cursor must be a nextCursor from a page"),
                },
                other => errors.add(other, "unknown parameter"),
            }
        }
        errors.into_result().map(|()| query)
    }
}

/// A page of one's notifications, newest first, and the cursor of the next page.
pub async fn list_notifications(
    db: &Db,
    me: UserId,
    query: &NotificationQuery,
) -> Result<(Vec<NotificationView>, Option<String>), ServiceError> {
    // One more than asked tells whether there is a next page without a second query.
    let mut page = notifications::list(
        db.conn(),
        me,
        query.unread_only,
        query.cursor,
        query.limit + 1,
    )
    .await?;
    let more = page.len() as u64 > query.limit;
    page.truncate(query.limit as usize);
    let next = more
        .then(|| page.last().map(|n| n.id.to_string()))
        .flatten();
    Ok((page, next))
}

/// `POST /api/notifications/read`: `{"ids": [...]}` or `{"all": true}`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarkRead {
    /// Notifications to mark read (others' ids are ignored). Send `ids` or `all`, not both.
    #[schema(max_items = 1000, value_type = Option<Vec<uuid::Uuid>>)]
    pub ids: Option<Vec<String>>,
    /// `true` marks every unread notification of mine.
    #[schema(value_type = Option<bool>)]
    pub all: Option<bool>,
}

/// Marks one's own notifications read; returns how many changed from unread to read.
pub async fn mark_read(db: &Db, me: UserId, request: MarkRead) -> Result<u64, ServiceError> {
    let mut errors = FieldErrors::default();
    let ids = match (&request.ids, request.all) {
        (Some(_), Some(_)) => {
            errors.add("all", "send either ids or all: true, not both");
            None
        }
        (None, Some(true)) => None,
        (None, Some(false)) => {
            errors.add("all", "all must be true (or send ids)");
            None
        }
        (None, None) => {
            errors.add("ids", "send ids, or all: true");
            None
        }
        (Some(raw), None) if raw.len() > MAX_MARK_IDS => {
            errors.add("ids", format!("at most {MAX_MARK_IDS} ids at once"));
            None
        }
        (Some(raw), None) => {
            let parsed: Result<Vec<Uuid>, _> =
                raw.iter().map(|id| Uuid::parse_str(id.trim())).collect();
            match parsed {
                Ok(ids) => Some(ids),
                Err(_) => {
                    errors.add("ids", "every entry of ids must be an id");
                    None
                }
            }
        }
    };
    errors.into_result()?;
    match ids {
        Some(ids) if ids.is_empty() => Ok(0),
        Some(ids) => notifications::mark_read(db.conn(), me, Some(&ids)).await,
        None => notifications::mark_read(db.conn(), me, None).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_parse_with_defaults() {
        let query = NotificationQuery::parse(&[]).unwrap();
        assert_eq!(
            (query.unread_only, query.limit, query.cursor),
            (false, 50, None)
        );
        let query =
            NotificationQuery::parse(&pairs(&[("unread", "true"), ("limit", "5")])).unwrap();
        assert!(query.unread_only);
        assert_eq!(query.limit, 5);
    }

    #[test]
    fn bad_unknown_and_repeated_parameters_are_named() {
        let errors = NotificationQuery::parse(&pairs(&[
            ("unread", "yes"),
            ("limit", "0"),
            ("cursor", "x"),
            ("sort", "new"),
        ]))
        .unwrap_err();
        for field in ["unread", "limit", "cursor", "sort"] {
            assert!(errors.0.contains_key(field), "{field}: {errors:?}");
        }
        let errors =
            NotificationQuery::parse(&pairs(&[("limit", "5"), ("limit", "6")])).unwrap_err();
        assert!(errors.0.contains_key("limit"));
    }
}
