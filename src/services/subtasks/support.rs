//! The pieces the subtask use cases share: reading positions, locking the item, checking the
//! assignee, renumbering, saving, auditing and notifying.

use super::*;

/// A position from the request: 0 or more (the caller clamps it to the list's end).
pub(super) fn position_field(errors: &mut FieldErrors, raw: i64) -> Option<usize> {
    match usize::try_from(raw) {
        Ok(position) => Some(position),
        Err(_) => {
            errors.add("position", "position must be 0 or more");
            None
        }
    }
}

/// The subtask's item (locked), the subtask, and its siblings in order without it. The
/// subtask is read again under the lock: before it, it may have been moved or deleted.
pub(super) async fn load_locked(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> Result<(work_item::Model, subtask::Model, Vec<subtask::Model>), ServiceError> {
    let seen = subtask::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let parent = lock_item(txn, seen.work_item_id).await?;
    let (current, others): (Vec<_>, Vec<_>) = siblings(txn, parent.id)
        .await?
        .into_iter()
        .partition(|s| s.id == id);
    let current = current.into_iter().next().ok_or(ServiceError::NotFound)?;
    Ok((parent, current, others))
}

/// The item, its row locked until the transaction ends (`FOR UPDATE`; a no-op on SQLite).
pub(super) async fn lock_item(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> Result<work_item::Model, ServiceError> {
    work_item::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// An item's subtasks in position order (id breaks ties left by older data).
pub(super) async fn siblings(
    conn: &impl ConnectionTrait,
    item: Uuid,
) -> Result<Vec<subtask::Model>, ServiceError> {
    Ok(subtask::Entity::find()
        .filter(subtask::Column::WorkItemId.eq(item))
        .order_by_asc(subtask::Column::Position)
        .order_by_asc(subtask::Column::Id)
        .all(conn)
        .await?)
}

/// Records a problem unless `person` is an active user.
pub(super) async fn check_assignee(
    conn: &impl ConnectionTrait,
    errors: &mut FieldErrors,
    person: Option<Uuid>,
) -> Result<(), ServiceError> {
    let Some(person) = person else {
        return Ok(());
    };
    let active = user::Entity::find()
        .filter(user::Column::Id.eq(person))
        .filter(user::Column::Active.eq(true))
        .count(conn)
        .await?;
    if active == 0 {
        errors.add("assigneeId", "no active person has this id");
    }
    Ok(())
}

/// Gives `order` the positions `0..n-1`, writing only rows whose position changes. `skip`
/// is the row the caller saved itself.
pub(super) async fn renumber(
    txn: &DatabaseTransaction,
    order: &[subtask::Model],
    skip: Uuid,
) -> Result<(), ServiceError> {
    for (index, row) in order.iter().enumerate() {
        let index = index as i32;
        if row.id == skip || row.position == index {
            continue;
        }
        subtask::Entity::update_many()
            .col_expr(subtask::Column::Position, Expr::value(index))
            .filter(subtask::Column::Id.eq(row.id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

pub(super) async fn save(
    txn: &DatabaseTransaction,
    current: &subtask::Model,
    next: &subtask::Model,
) -> Result<subtask::Model, ServiceError> {
    let mut model: subtask::ActiveModel = current.clone().into();
    model.title = Set(next.title.clone());
    model.done = Set(next.done);
    model.assignee_id = Set(next.assignee_id);
    model.due_at = Set(next.due_at);
    model.position = Set(next.position);
    model.updated_at = Set(next.updated_at);
    Ok(model.update(txn).await?)
}

pub(super) fn snapshot(row: &subtask::Model) -> Value {
    json!({
        "title": row.title, "done": row.done, "assigneeId": row.assignee_id,
        "dueAt": row.due_at, "position": row.position,
    })
}

/// An audit entry in the item's history.
pub(super) async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: AuditAction,
    before: Option<&subtask::Model>,
    after: Option<&subtask::Model>,
) -> Result<(), ServiceError> {
    let Some(row) = after.or(before) else {
        return Ok(());
    };
    audit::record(
        txn,
        actor,
        AuditEntry {
            action,
            entity_type: "subtask",
            entity_id: Some(row.id),
            work_item_id: Some(row.work_item_id),
            summary: Some(row.title.clone()),
            before: before.map(snapshot),
            after: after.map(snapshot),
        },
    )
    .await
}

pub(super) async fn notify_assignee(
    txn: &DatabaseTransaction,
    actor: &Actor,
    person: Uuid,
    row: &subtask::Model,
    item: &work_item::Model,
) -> Result<(), ServiceError> {
    notifications::notify(
        txn,
        person,
        NotificationKind::Assigned,
        Some(item.id),
        actor.user_id,
        format!("You have the subtask “{}” on “{}”", row.title, item.title),
    )
    .await
}
