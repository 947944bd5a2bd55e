//! Work items (docs/PRODUCT.md §3): the rules live here, in one place, for the API and the pages.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    db::{
        Db,
        entities::{audit_log, work_item},
    },
    domain::{ids::WorkItemId, item_key::ItemRef},
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
    },
};

mod changes;
mod create;
pub mod input;
pub mod list;
pub mod list_query;
pub mod proofing;
pub mod qc;
mod support;
mod update;
pub mod view;

use crate::domain::audit_action::AuditAction;
pub use create::{Placement, create, create_placed};
pub use update::update;
pub use view::WorkItemView;

/// The id of the item a link names, by id or by key. An id is taken as it is (reading the item
/// answers whether it exists); a key no item has is [`ServiceError::NotFound`].
pub async fn resolve(db: &Db, named: ItemRef) -> Result<WorkItemId, ServiceError> {
    let key = match named {
        ItemRef::Id(id) => return Ok(id),
        ItemRef::Key(key) => key,
    };
    work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Id)
        .filter(work_item::Column::Number.eq(key.number()))
        .into_tuple::<uuid::Uuid>()
        .one(db.conn())
        .await?
        .map(WorkItemId)
        .ok_or(ServiceError::NotFound)
}

/// One item with its tags and checklist.
pub async fn get(db: &Db, id: WorkItemId) -> Result<WorkItemView, ServiceError> {
    view::select_views(db.backend())
        .filter(work_item::Column::Id.eq(id.0))
        .into_model::<view::WorkItemRow>()
        .one(db.conn())
        .await?
        .map(Into::into)
        .ok_or(ServiceError::NotFound)
}

/// The stored row (for services that check ownership and the like).
pub async fn find(
    conn: &impl sea_orm::ConnectionTrait,
    id: WorkItemId,
) -> Result<work_item::Model, ServiceError> {
    work_item::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The stored row, locked until the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already serialises writers). Versioned writes read through this, so the
/// version they check cannot change before they write.
pub async fn find_locked(
    txn: &sea_orm::DatabaseTransaction,
    id: WorkItemId,
) -> Result<work_item::Model, ServiceError> {
    work_item::Entity::find_by_id(id.0)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Deletes an item and (by cascade) its subtasks, comments, messages and checklist. The audit
/// entry keeps the title, since the item itself is gone.
pub async fn delete(db: &Db, actor: &Actor, id: WorkItemId) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let item = find(&txn, id).await?;
    audit::record(&txn, actor, AuditEntry {
        action: AuditAction::WorkItemDelete,
        entity_type: "work_item",
        entity_id: Some(item.id),
        work_item_id: Some(item.id),
        summary: Some(item.title.clone()),
        before: Some(serde_json::json!({"title": item.title, "status": item.status, "ownerId": item.owner_id})),
        after: None,
    })
    .await?;
    work_item::Entity::delete_by_id(item.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// An item's own history, oldest first (it outlives the item).
pub async fn history(db: &Db, id: WorkItemId) -> Result<Vec<audit_log::Model>, ServiceError> {
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::WorkItemId.eq(id.0))
        .order_by_asc(audit_log::Column::CreatedAt)
        .order_by_asc(audit_log::Column::Id)
        .all(db.conn())
        .await?;
    if entries.is_empty() {
        find(db.conn(), id).await?;
    }
    Ok(entries)
}
