//! Live updates: what changed since a moment, read by polling the `updated_at` index (SQLite,
//! and PostgreSQL while its listener is away), or pushed by PostgreSQL's `LISTEN/NOTIFY` to
//! every instance ([`hub`]). Never an in-process broadcast of this instance's own writes alone,
//! which another instance's changes would miss.

pub mod hub;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::ServiceError;
use crate::db::{Db, entities::work_item};

/// A change to one item, as the stream sends it.
#[derive(Debug, Clone, Serialize, sea_orm::FromQueryResult)]
#[serde(rename_all = "camelCase")]
pub struct ItemChange {
    pub id: Uuid,
    pub version: i32,
    pub status: String,
    pub rank: String,
    pub title: String,
    pub updated_at: DateTime<Utc>,
}

/// The current state of the items `ids` (those that still exist), oldest change first.
pub async fn changes_of(db: &Db, ids: Vec<Uuid>) -> Result<Vec<ItemChange>, ServiceError> {
    Ok(columns()
        .filter(work_item::Column::Id.is_in(ids))
        .order_by_asc(work_item::Column::UpdatedAt)
        .into_model::<ItemChange>()
        .all(db.conn())
        .await?)
}

fn columns() -> sea_orm::Select<work_item::Entity> {
    work_item::Entity::find().select_only().columns([
        work_item::Column::Id,
        work_item::Column::Version,
        work_item::Column::Status,
        work_item::Column::Rank,
        work_item::Column::Title,
        work_item::Column::UpdatedAt,
    ])
}

/// Items changed after `since`, oldest change first (at most 200 per call).
pub async fn changes_since(db: &Db, since: DateTime<Utc>) -> Result<Vec<ItemChange>, ServiceError> {
    Ok(columns()
        .filter(work_item::Column::UpdatedAt.gt(since))
        .order_by_asc(work_item::Column::UpdatedAt)
        .limit(200)
        .into_model::<ItemChange>()
        .all(db.conn())
        .await?)
}
