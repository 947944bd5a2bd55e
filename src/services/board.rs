//! The board: a column per status. Open columns show their first cards in rank order; the
//! closed ones (Done, Cancelled) show only the most recently finished few, newest first, since
//! they grow without end (tens of thousands of items at scale). Every column is one query for
//! its cards and one count; a closed column's count stops at [`COUNT_CAP`], so no column reads
//! more than a bounded number of index entries however large the table grows
//! (docs/PRODUCT.md §3).

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, SelectStatement},
};

use super::{
    ServiceError,
    audit::Actor,
    work_items::{
        self, Placement,
        input::NewWorkItem,
        view::{WorkItemRow, WorkItemView, select_views},
    },
};
use crate::{
    db::{Db, entities::work_item},
    domain::{ids::UserId, work_item::Status},
};

/// How many cards an open column shows before "show more".
pub const COLUMN_CARDS: u64 = 50;
/// The most an open column shows when expanded.
pub const EXPANDED_CARDS: u64 = 500;
/// How many of the most recently finished cards a closed column shows; the rest are one
/// link away, on the work list.
pub const CLOSED_CARDS: u64 = 8;
/// A closed column counts up to here and then says "more than".
pub const COUNT_CAP: u64 = 999;

/// How many items a column holds: exact, or at least `n` when counting stopped at the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    pub at_least: bool,
}

/// One column of the board. A folded column carries no cards, only its count.
pub struct Column {
    pub status: Status,
    pub cards: Vec<WorkItemView>,
    pub total: Count,
    pub folded: bool,
}

/// Optional narrowing of the board.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub owner: Option<UserId>,
    pub tag: Option<String>,
}

/// Every column: the `expanded` open one showing more cards, the `folded` closed ones none.
pub async fn columns(
    db: &Db,
    filter: &BoardFilter,
    expanded: Option<Status>,
    folded: &[Status],
) -> Result<Vec<Column>, ServiceError> {
    let mut columns = Vec::with_capacity(Status::ALL.len());
    for status in Status::ALL {
        let folded = !status.is_open() && folded.contains(status);
        let limit = if folded {
            0
        } else if !status.is_open() {
            CLOSED_CARDS
        } else if Some(*status) == expanded {
            EXPANDED_CARDS
        } else {
            COLUMN_CARDS
        };
        let cards = if limit == 0 {
            Vec::new()
        } else {
            column_cards(db.backend(), filter, *status, limit)
                .into_model::<WorkItemRow>()
                .all(db.conn())
                .await?
                .into_iter()
                .map(Into::into)
                .collect()
        };
        let total = if status.is_open() {
            let n = narrowed(work_item::Entity::find(), db.backend(), filter, *status)
                .count(db.conn())
                .await?;
            Count { n, at_least: false }
        } else {
            capped_count(db, filter, *status).await?
        };
        columns.push(Column {
            status: *status,
            cards,
            total,
            folded,
        });
    }
    Ok(columns)
}

/// The first `limit` cards of one column: in rank order when open, most recently finished
/// first when closed (public so the benchmark and the plan test can explain the same SQL).
/// Cancelled items keep no completion time, so that column reads newest first; both orders
/// are the `(status, completed_at, created_at)` index read backwards.
pub fn column_cards(
    backend: sea_orm::DbBackend,
    filter: &BoardFilter,
    status: Status,
    limit: u64,
) -> sea_orm::Select<work_item::Entity> {
    let select = narrowed(select_views(backend), backend, filter, status);
    let ordered = if status.is_open() {
        select
            .order_by_asc(work_item::Column::Rank)
            .order_by_asc(work_item::Column::Id)
    } else {
        select
            .order_by_desc(work_item::Column::CompletedAt)
            .order_by_desc(work_item::Column::CreatedAt)
    };
    ordered.limit(limit)
}

/// `SELECT COUNT(*) FROM (SELECT id … LIMIT cap + 1)`: counting stops after the cap, so a
/// closed column of 85,000 items costs a thousand index entries, not 85,000.
pub fn capped_count_statement(
    backend: sea_orm::DbBackend,
    filter: &BoardFilter,
    status: Status,
) -> SelectStatement {
    let ids = narrowed(
        work_item::Entity::find()
            .select_only()
            .column(work_item::Column::Id),
        backend,
        filter,
        status,
    )
    .limit(COUNT_CAP + 1)
    .into_query();
    SelectStatement::new()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(ids, Alias::new("capped"))
        .to_owned()
}

async fn capped_count(
    db: &Db,
    filter: &BoardFilter,
    status: Status,
) -> Result<Count, ServiceError> {
    let statement = capped_count_statement(db.backend(), filter, status);
    let n: i64 = match db.conn().query_one(&statement).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let n = u64::try_from(n).unwrap_or(0);
    Ok(if n > COUNT_CAP {
        Count {
            n: COUNT_CAP,
            at_least: true,
        }
    } else {
        Count { n, at_least: false }
    })
}

/// Adds a card with just a title at the top of `status`'s column. On a board narrowed to
/// one owner or tag, the card gets them, so it shows where it was added.
pub async fn add_card(
    db: &Db,
    actor: &Actor,
    status: Status,
    title: &str,
    filter: &BoardFilter,
) -> Result<WorkItemView, ServiceError> {
    let input = NewWorkItem {
        title: Some(title.to_string()),
        status: Some(status.as_str().to_string()),
        owner_id: filter.owner.map(|owner| owner.0.to_string()),
        tags: filter.tag.clone().map(|tag| vec![tag]),
        ..NewWorkItem::default()
    };
    work_items::create_placed(db, actor, input, Placement::Top).await
}

fn narrowed(
    select: sea_orm::Select<work_item::Entity>,
    backend: sea_orm::DbBackend,
    filter: &BoardFilter,
    status: Status,
) -> sea_orm::Select<work_item::Entity> {
    let mut select = select.filter(work_item::Column::Status.eq(status.as_str()));
    if let Some(owner) = filter.owner {
        select = select.filter(work_item::Column::OwnerId.eq(owner.0));
    }
    if let Some(tag) = &filter.tag {
        select = select.filter(Expr::cust_with_values(
            tag_condition(backend),
            [tag.clone()],
        ));
    }
    select
}

fn tag_condition(backend: sea_orm::DbBackend) -> &'static str {
    match backend {
        sea_orm::DbBackend::Postgres => {
            "work_items.id IN (SELECT work_item_id FROM work_item_tags WHERE tag = $1)"
        }
        _ => "work_items.id IN (SELECT work_item_id FROM work_item_tags WHERE tag = ?)",
    }
}
