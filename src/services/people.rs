//! People administration: listing, inviting, changing role and activation. Every change is
//! audited, and changes that alter what someone may do end their sessions at once.

use std::sync::Arc;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    ServiceError,
    audit::{self, AuditEntry},
    signin::{self, ClientInfo},
    users::{self, NewUser},
};
use crate::domain::audit_action::AuditAction;
use crate::{
    auth::sessions,
    config::Settings,
    db::{Db, entities::user, time},
    domain::{
        FieldErrors,
        ids::UserId,
        user::{PersonName, Role},
    },
    email::Mailer,
};

/// People for pickers (active only) or for administration (everyone).
pub async fn list(
    conn: &impl ConnectionTrait,
    include_inactive: bool,
) -> Result<Vec<user::Model>, ServiceError> {
    let mut query = user::Entity::find().order_by_asc(user::Column::Name);
    if !include_inactive {
        query = query.filter(user::Column::Active.eq(true));
    }
    Ok(query.all(conn).await?)
}

/// Creates a person and emails them a sign-in link.
pub async fn invite(
    db: &Db,
    mailer: Arc<dyn Mailer>,
    settings: &Settings,
    admin: UserId,
    client: &ClientInfo,
    new_user: NewUser,
) -> Result<user::Model, ServiceError> {
    let created = users::create_user(db, new_user).await?;
    audit::record(
        db.conn(),
        &actor(admin, client),
        AuditEntry {
            action: AuditAction::UserInvite,
            entity_type: "user",
            entity_id: Some(created.id),
            summary: Some(created.email.clone()),
            after: Some(json!({"role": created.role, "name": created.name})),
            ..AuditEntry::default()
        },
    )
    .await?;
    signin::send_link(db, mailer, settings, &created, client, true).await?;
    Ok(created)
}

/// What an admin may change about a person; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PersonChanges {
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// Whether `changes` would change what `target` may do (their role, or whether they can sign
/// in at all): such changes need an admin who signed in recently. A rename does not.
pub async fn changes_authority(
    conn: &impl ConnectionTrait,
    target: Uuid,
    changes: &PersonChanges,
) -> Result<bool, ServiceError> {
    let current = user::Entity::find_by_id(target)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let role_differs = changes
        .role
        .as_deref()
        .is_some_and(|role| role != current.role);
    let activation_differs = changes
        .active
        .is_some_and(|active| active != current.active);
    Ok(role_differs || activation_differs)
}

/// Applies `changes` to `target`. The last active admin can be neither demoted nor
/// deactivated; a role change or deactivation ends the person's sessions in the same
/// transaction, and is refused unless the admin `recently_signed_in` (checked against the row
/// as read and locked in the write, so a change made meanwhile by someone else cannot slip
/// through).
pub async fn update(
    db: &Db,
    admin: UserId,
    client: &ClientInfo,
    target: Uuid,
    changes: PersonChanges,
    recently_signed_in: bool,
) -> Result<user::Model, ServiceError> {
    let mut errors = FieldErrors::default();
    let name = changes
        .name
        .as_deref()
        .and_then(|raw| errors.check("name", PersonName::parse(raw)));
    let role = changes
        .role
        .as_deref()
        .and_then(|raw| errors.check("role", raw.parse::<Role>()));
    errors.into_result()?;

    let txn = db.begin_write().await?;
    let current = user::Entity::find_by_id(target)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let was_admin = current.role == Role::Admin.as_str();
    let new_role = role
        .map(Role::as_str)
        .unwrap_or(current.role.as_str())
        .to_string();
    let new_active = changes.active.unwrap_or(current.active);
    let loses_admin =
        was_admin && current.active && (new_role != Role::Admin.as_str() || !new_active);
    if loses_admin && active_admins(&txn).await? <= 1 {
        return Err(ServiceError::Conflict(
            "the last active admin cannot be demoted or deactivated".to_string(),
        ));
    }
    let role_changed = new_role != current.role;
    let activation_changed = new_active != current.active;
    if (role_changed || activation_changed) && !recently_signed_in {
        return Err(ServiceError::NotAllowed(
            "confirm it's you first: a change of role or activation needs a recent sign-in"
                .to_string(),
        ));
    }

    let mut model: user::ActiveModel = current.clone().into();
    if let Some(name) = &name {
        model.name = Set(name.as_str().to_string());
    }
    model.role = Set(new_role.clone());
    model.active = Set(new_active);
    model.updated_at = Set(time::now());
    let updated = model.update(&txn).await?;

    let who = actor(admin, client);
    if role_changed {
        audit::record(
            &txn,
            &who,
            AuditEntry {
                action: AuditAction::UserRoleChange,
                entity_type: "user",
                entity_id: Some(target),
                summary: Some(updated.email.clone()),
                before: Some(json!({"role": current.role})),
                after: Some(json!({"role": new_role})),
                ..AuditEntry::default()
            },
        )
        .await?;
    }
    if activation_changed {
        audit::record(
            &txn,
            &who,
            AuditEntry {
                action: if new_active {
                    AuditAction::UserReactivate
                } else {
                    AuditAction::UserDeactivate
                },
                entity_type: "user",
                entity_id: Some(target),
                summary: Some(updated.email.clone()),
                before: Some(json!({"active": current.active})),
                after: Some(json!({"active": new_active})),
                ..AuditEntry::default()
            },
        )
        .await?;
    }
    if role_changed || (activation_changed && !new_active) {
        sessions::end_all(&txn, UserId(target)).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// How many active admins there are. On PostgreSQL their rows are locked for the rest of the
/// transaction, so two admins demoting each other at once cannot both pass the last-admin
/// check (SQLite's `BEGIN IMMEDIATE` already serialises writers).
async fn active_admins(conn: &impl ConnectionTrait) -> Result<u64, ServiceError> {
    let mut query = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true));
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    Ok(query.into_tuple::<uuid::Uuid>().all(conn).await?.len() as u64)
}

fn actor(admin: UserId, client: &ClientInfo) -> audit::Actor {
    audit::Actor {
        user_id: Some(admin),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
    }
}

/// Ends every session of a person (an admin's action, e.g. a lost laptop), audited with how
/// many ended. Their API tokens are theirs to revoke, or end with a deactivation.
pub async fn end_sessions(
    db: &Db,
    admin: UserId,
    client: &ClientInfo,
    target: Uuid,
) -> Result<u64, ServiceError> {
    let txn = db.begin_write().await?;
    let person = user::Entity::find_by_id(target)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let ended = sessions::end_all(&txn, UserId(target)).await?;
    audit::record(
        &txn,
        &actor(admin, client),
        AuditEntry {
            action: AuditAction::UserSessionsEnd,
            entity_type: "user",
            entity_id: Some(target),
            summary: Some(person.email),
            after: Some(json!({"sessionsEnded": ended})),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}
