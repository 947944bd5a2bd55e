//! Listing work items: every filter of docs/PRODUCT.md §3 in one query with keyset pagination, and
//! full-text search through FTS5 (SQLite) or `tsvector` (PostgreSQL).

use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};

use super::{
    list_query::{Cursor, ListQuery, OwnerFilter, SortKey},
    view::{WorkItemRow, WorkItemView, select_views},
};
use crate::{
    db::{Db, entities::work_item, time},
    domain::{item_key::ItemKey, work_item::Status},
    services::ServiceError,
};

/// A page of items and the cursor of the next one (if any).
pub struct Page {
    pub items: Vec<WorkItemView>,
    pub next_cursor: Option<String>,
}

/// `URGENT` first: the order people mean by "sort by priority".
fn priority_rank() -> SimpleExpr {
    Expr::cust(
        "(CASE work_items.priority WHEN 'URGENT' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'NORMAL' THEN 2 ELSE 3 END)",
    )
}

/// The search terms of `q`, letters and digits only, lowercased.
fn search_terms(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(12)
        .map(str::to_lowercase)
        .collect()
}

/// Matches items containing every term (as a word prefix) in title, description or client.
fn search_condition(backend: DbBackend, terms: &[String]) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => {
            let query = terms
                .iter()
                .map(|t| format!("{t}:*"))
                .collect::<Vec<_>>()
                .join(" & ");
            Expr::cust_with_values("work_items.search @@ to_tsquery('simple', $1)", [query])
        }
        _ => {
            let query = terms
                .iter()
                .map(|t| format!("\"{t}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            Expr::cust_with_values(
                // The FTS rows are keyed by the item's number, so the matches are read from the
                // index's doclists alone. `+` keeps the number index out of it: a common word
                // matches most items, and seeking each of them costs far more than walking the
                // order's index and testing each entry against the matches.
                "+work_items.number IN (SELECT rowid FROM work_items_fts WHERE work_items_fts MATCH ?)",
                [query],
            )
        }
    }
}

/// Items carrying `tag`: one probe of the tags' primary key per candidate item, so the cost
/// follows the items the other filters leave, not how many items carry the tag.
fn tag_condition(backend: DbBackend, tag: &str) -> SimpleExpr {
    let placeholder = match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    Expr::cust_with_values(
        format!(
            "EXISTS (SELECT 1 FROM work_item_tags t \
             WHERE t.work_item_id = work_items.id AND t.tag = {placeholder})"
        ),
        [tag.to_string()],
    )
}

/// `select` narrowed by every filter of `query`.
fn filtered(
    mut select: Select<work_item::Entity>,
    backend: DbBackend,
    query: &ListQuery,
) -> Select<work_item::Entity> {
    if !query.statuses.is_empty() {
        select = select
            .filter(work_item::Column::Status.is_in(query.statuses.iter().map(|s| s.as_str())));
    }
    if !query.types.is_empty() {
        select = select
            .filter(work_item::Column::ItemType.is_in(query.types.iter().map(|t| t.as_str())));
    }
    if !query.deliverable_types.is_empty() {
        select = select.filter(
            work_item::Column::DeliverableType
                .is_in(query.deliverable_types.iter().map(|d| d.as_str())),
        );
    }
    match query.owner {
        Some(OwnerFilter::User(id)) => select = select.filter(work_item::Column::OwnerId.eq(id)),
        Some(OwnerFilter::Nobody) => select = select.filter(work_item::Column::OwnerId.is_null()),
        None => {}
    }
    for tag in &query.tags {
        select = select.filter(tag_condition(backend, tag));
    }
    if let Some(client) = &query.client {
        select = select
            .filter(Expr::expr(Expr::cust("LOWER(work_items.client)")).eq(client.to_lowercase()));
    }
    if let Some(from) = query.due_from {
        select = select.filter(work_item::Column::DueAt.gte(from));
    }
    if let Some(to) = query.due_to {
        select = select.filter(work_item::Column::DueAt.lt(to));
    }
    if query.overdue {
        select = select
            .filter(work_item::Column::DueAt.lt(time::now()))
            .filter(
                work_item::Column::Status
                    .is_not_in([Status::Done.as_str(), Status::Cancelled.as_str()]),
            );
    }
    if query.waiting {
        select = select.filter(work_item::Column::WaitingOnUserId.is_not_null());
    }
    if let Some(person) = query.waiting_on {
        select = select.filter(work_item::Column::WaitingOnUserId.eq(person));
    }
    if query.needs_proofing {
        select = select.filter(work_item::Column::NeedsProofing.eq(true));
    }
    if let Some(q) = &query.q {
        let terms = search_terms(q);
        // A key (`OPS-12`) finds its item, and the items that mention it.
        let by_key = ItemKey::parse(q.trim()).map(|key| work_item::Column::Number.eq(key.number()));
        match (by_key, terms.is_empty()) {
            (Some(by_key), _) => {
                select = select.filter(
                    Condition::any()
                        .add(by_key)
                        .add(search_condition(backend, &terms)),
                );
            }
            (None, false) => select = select.filter(search_condition(backend, &terms)),
            (None, true) => {}
        }
    }
    select
}

/// Orders by the chosen key, then id, so every row has one place in the order.
fn ordered(select: Select<work_item::Entity>, query: &ListQuery) -> Select<work_item::Entity> {
    let direction = if query.sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let select = match query.sort.key {
        // Items without a due date come last either way.
        SortKey::DueAt => select
            .order_by(
                Expr::col((work_item::Entity, work_item::Column::DueAt)).is_null(),
                Order::Asc,
            )
            .order_by(work_item::Column::DueAt, direction.clone()),
        SortKey::Priority => select.order_by(priority_rank(), direction.clone()),
        SortKey::UpdatedAt => select.order_by(work_item::Column::UpdatedAt, direction.clone()),
        SortKey::CreatedAt => select.order_by(work_item::Column::CreatedAt, direction.clone()),
    };
    select.order_by(work_item::Column::Id, direction)
}

/// Rows strictly after `cursor` in the order of [`ordered`].
fn after(cursor: &Cursor, query: &ListQuery) -> Condition {
    let desc = query.sort.descending;
    let id_after = if desc {
        work_item::Column::Id.lt(cursor.id)
    } else {
        work_item::Column::Id.gt(cursor.id)
    };
    let beyond = |column: work_item::Column, value: chrono::DateTime<chrono::Utc>| {
        if desc {
            column.lt(value)
        } else {
            column.gt(value)
        }
    };
    match query.sort.key {
        SortKey::DueAt => match cursor.time {
            Some(due) => Condition::any()
                .add(
                    Condition::all()
                        .add(work_item::Column::DueAt.is_not_null())
                        .add(
                            Condition::any()
                                .add(beyond(work_item::Column::DueAt, due))
                                .add(
                                    Condition::all()
                                        .add(work_item::Column::DueAt.eq(due))
                                        .add(id_after),
                                ),
                        ),
                )
                .add(work_item::Column::DueAt.is_null()),
            None => Condition::all()
                .add(work_item::Column::DueAt.is_null())
                .add(id_after),
        },
        SortKey::Priority => {
            let rank = cursor.number.unwrap_or(0);
            let past = if desc {
                Expr::expr(priority_rank()).lt(rank)
            } else {
                Expr::expr(priority_rank()).gt(rank)
            };
            Condition::any().add(past).add(
                Condition::all()
                    .add(Expr::expr(priority_rank()).eq(rank))
                    .add(id_after),
            )
        }
        SortKey::UpdatedAt | SortKey::CreatedAt => {
            let column = if query.sort.key == SortKey::UpdatedAt {
                work_item::Column::UpdatedAt
            } else {
                work_item::Column::CreatedAt
            };
            let at = cursor.time.unwrap_or_default();
            Condition::any()
                .add(beyond(column, at))
                .add(Condition::all().add(column.eq(at)).add(id_after))
        }
    }
}

fn cursor_for(item: &WorkItemView, query: &ListQuery) -> Cursor {
    let (time, number) = match query.sort.key {
        SortKey::DueAt => (item.due_at, None),
        SortKey::UpdatedAt => (Some(item.updated_at), None),
        SortKey::CreatedAt => (Some(item.created_at), None),
        SortKey::Priority => (
            None,
            Some(match item.priority.as_str() {
                "URGENT" => 0,
                "HIGH" => 1,
                "NORMAL" => 2,
                _ => 3,
            }),
        ),
    };
    Cursor {
        sort: query.sort.name(),
        time,
        number,
        id: item.id,
    }
}

/// The query of one page: filtered, after the cursor, ordered, one row more than the page
/// (to know if another follows). Public so the benchmark can run and explain the same SQL.
///
/// The page's ids are picked first from the item columns alone, and only those rows are read
/// in full: gathering tags and checklist is a subquery per row, and a sort evaluates it for
/// every row it sorts, so a search matching 30,000 items would gather 30,000 tag lists for a
/// page of 50.
pub fn page_select(backend: DbBackend, query: &ListQuery) -> Select<work_item::Entity> {
    let mut ids = filtered(work_item::Entity::find(), backend, query);
    if let Some(cursor) = &query.cursor {
        ids = ids.filter(after(cursor, query));
    }
    let ids = ordered(ids, query)
        .select_only()
        .column(work_item::Column::Id)
        .limit(query.limit + 1);
    ordered(
        select_views(backend).filter(work_item::Column::Id.in_subquery(ids.into_query())),
        query,
    )
}

/// One page, in a single query.
pub async fn list(db: &Db, query: &ListQuery) -> Result<Page, ServiceError> {
    let mut items: Vec<WorkItemView> = page_select(db.backend(), query)
        .into_model::<WorkItemRow>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let more = items.len() as u64 > query.limit;
    items.truncate(query.limit as usize);
    let next_cursor = more
        .then(|| items.last().map(|last| cursor_for(last, query).encode()))
        .flatten();
    Ok(Page { items, next_cursor })
}

/// The next page of every matching item, in order, moving `query.cursor` along; `None`
/// once there is nothing more (the CSV export streams these pages).
pub async fn next_page(
    db: &Db,
    query: &mut ListQuery,
) -> Result<Option<Vec<WorkItemView>>, ServiceError> {
    let page = list(db, query).await?;
    if page.items.is_empty() {
        return Ok(None);
    }
    query.cursor = page.next_cursor.as_deref().and_then(Cursor::decode);
    Ok(Some(page.items))
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    #[test]
    fn search_terms_drop_operators_and_quotes() {
        assert_eq!(
            search_terms("Acme \"blog\" OR-post*"),
            ["acme", "blog", "or", "post"]
        );
        assert!(search_terms("\"*()").is_empty());
    }
}
