//! The board: a column per status, cards in rank order. Each column is one query for its
//! first cards and one count, so a board of 10,000 open items reads no more rows than one of
//! 100 (docs/PRODUCT.md §3).

use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{
    ServiceError,
    work_items::view::{WorkItemRow, WorkItemView, select_views},
};
use crate::{
    db::{Db, entities::work_item},
    domain::{ids::UserId, work_item::Status},
};

/// How many cards a column shows before "show more".
pub const COLUMN_CARDS: u64 = 50;
/// The most a column shows when expanded.
pub const EXPANDED_CARDS: u64 = 500;

/// One column of the board.
pub struct Column {
    pub status: Status,
    pub cards: Vec<WorkItemView>,
    pub total: u64,
}

/// Optional narrowing of the board.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub owner: Option<UserId>,
    pub tag: Option<String>,
}

/// Every column, the `expanded` one showing more cards.
pub async fn columns(
    db: &Db,
    filter: &BoardFilter,
    expanded: Option<Status>,
) -> Result<Vec<Column>, ServiceError> {
    let mut columns = Vec::with_capacity(Status::ALL.len());
    for status in Status::ALL {
        let limit = if Some(*status) == expanded {
            EXPANDED_CARDS
        } else {
            COLUMN_CARDS
        };
        let cards = column_cards(db.backend(), filter, *status, limit)
            .into_model::<WorkItemRow>()
            .all(db.conn())
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let total = narrowed(sea_orm::EntityTrait::find(), db.backend(), filter, *status)
            .count(db.conn())
            .await?;
        columns.push(Column {
            status: *status,
            cards,
            total,
        });
    }
    Ok(columns)
}

/// The first `limit` cards of one column, in rank order (public so the benchmark can explain
/// the same SQL).
pub fn column_cards(
    backend: sea_orm::DbBackend,
    filter: &BoardFilter,
    status: Status,
    limit: u64,
) -> sea_orm::Select<work_item::Entity> {
    narrowed(select_views(backend), backend, filter, status)
        .order_by_asc(work_item::Column::Rank)
        .order_by_asc(work_item::Column::Id)
        .limit(limit)
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
        select = select.filter(sea_orm::sea_query::Expr::cust_with_values(
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
