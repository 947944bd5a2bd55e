//! The overdue check: an open item past its due date notifies its owner, once per item and
//! owner. The partial unique index `idx_notifications_overdue_once` makes "once" hold even when
//! two checks run together; the notification and its email job are written in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::enqueue_if_wanted;
use crate::{
    db::{
        Db,
        entities::{notification, user, work_item},
        time,
    },
    domain::{ids::new_uuid, local_time, work_item::Status},
    services::ServiceError,
};

/// Items overdue for longer than this are not announced: on a first run (or after a long
/// outage) people would otherwise get a flood about work everyone already knows is late.
pub const LOOKBACK: TimeDelta = TimeDelta::days(7);
/// The most items one run announces; the next run carries on.
const BATCH: u64 = 500;

/// An item not yet announced: owned, open, and overdue without an OVERDUE notification to its
/// current owner.
const NOT_ANNOUNCED: &str = "NOT EXISTS (SELECT 1 FROM notifications AS announced \
     WHERE announced.work_item_id = work_items.id AND announced.user_id = work_items.owner_id \
     AND announced.kind = 'OVERDUE')";

/// The predicate of `idx_notifications_overdue_once`, written out: SQLite matches a conflict
/// target to a partial index only when it can see the literal, not a bound parameter.
const OVERDUE_INDEX_PREDICATE: &str = "kind = 'OVERDUE'";

/// An item to announce: id, title, owner and due time.
type OverdueRow = (Uuid, String, Option<Uuid>, Option<DateTime<Utc>>);

/// Each owner's zone, by id: the notification says when the item was due in the owner's own
/// time (`fallback`, the organisation's zone, until they choose one).
async fn owner_zones(
    db: &Db,
    items: &[OverdueRow],
    fallback: Tz,
) -> Result<HashMap<Uuid, Tz>, ServiceError> {
    let owners: Vec<Uuid> = items.iter().filter_map(|row| row.2).collect();
    let rows: Vec<(Uuid, Option<String>)> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::TimeZone])
        .filter(user::Column::Id.is_in(owners))
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, zone)| {
            let zone = zone.and_then(|z| z.parse().ok()).unwrap_or(fallback);
            (id, zone)
        })
        .collect())
}

/// Creates the OVERDUE notifications due as of `now`; returns how many were created. `tz` is
/// the organisation's zone, for owners who have not chosen their own.
pub async fn flag_overdue(db: &Db, tz: Tz, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    let items: Vec<OverdueRow> = work_item::Entity::find()
        .select_only()
        .columns([
            work_item::Column::Id,
            work_item::Column::Title,
            work_item::Column::OwnerId,
            work_item::Column::DueAt,
        ])
        .filter(work_item::Column::DueAt.lt(now))
        .filter(work_item::Column::DueAt.gte(now - LOOKBACK))
        .filter(work_item::Column::OwnerId.is_not_null())
        .filter(
            work_item::Column::Status
                .is_not_in([Status::Done.as_str(), Status::Cancelled.as_str()]),
        )
        .filter(Expr::cust(NOT_ANNOUNCED))
        .order_by_asc(work_item::Column::DueAt)
        .limit(BATCH)
        .into_tuple()
        .all(db.conn())
        .await?;
    let zones = owner_zones(db, &items, tz).await?;
    let mut created = 0;
    for (id, title, owner, due_at) in items {
        let (Some(owner), Some(due_at)) = (owner, due_at) else {
            continue;
        };
        let due_local = local_time::when(due_at, zones.get(&owner).copied().unwrap_or(tz));
        let row = notification::ActiveModel {
            id: Set(new_uuid()),
            user_id: Set(owner),
            kind: Set("OVERDUE".to_string()),
            work_item_id: Set(Some(id)),
            actor_id: Set(None),
            body: Set(format!("“{title}” is overdue (it was due {due_local})")),
            created_at: Set(time::now()),
            read_at: Set(None),
            emailed_at: Set(None),
        };
        let txn = db.begin_write().await?;
        let inserted = notification::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    notification::Column::WorkItemId,
                    notification::Column::UserId,
                ])
                .target_and_where(Expr::cust(OVERDUE_INDEX_PREDICATE))
                .do_nothing()
                .to_owned(),
            )
            .exec_with_returning(&txn)
            .await;
        match inserted {
            Ok(model) => {
                enqueue_if_wanted(&txn, &model).await?;
                created += 1;
            }
            // Another check announced it first (DO NOTHING returned no row).
            Err(sea_orm::DbErr::RecordNotInserted | sea_orm::DbErr::RecordNotFound(_)) => {}
            Err(error) => return Err(error.into()),
        }
        txn.commit().await?;
    }
    Ok(created)
}
