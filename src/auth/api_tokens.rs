//! Personal API tokens: `ops_pat_` + 32 random bytes, shown once, stored hashed, revocable,
//! used as `Authorization: Bearer` on `/api`.

use chrono::TimeDelta;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use super::tokens;
use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        Db,
        entities::{api_token, user},
        time,
    },
    domain::{
        credential_name::CredentialName,
        ids::{UserId, new_uuid},
    },
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
    },
};

pub const TOKEN_PREFIX: &str = "ops_pat_";

/// `last_used_at` is refreshed at most this often.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

/// Creates a token for `user_id`. The returned string is the only time the token is visible.
pub async fn create(
    db: &Db,
    actor: &Actor,
    user_id: UserId,
    name: &str,
) -> Result<(String, api_token::Model), ServiceError> {
    let name = CredentialName::parse(name).map_err(|e| ServiceError::invalid("name", e.0))?;
    let token = tokens::generate(TOKEN_PREFIX);
    let txn = db.begin_write().await?;
    let model = api_token::ActiveModel {
        id: Set(new_uuid()),
        user_id: Set(user_id.0),
        name: Set(name.into_string()),
        token_hash: Set(tokens::hash(&token)),
        created_at: Set(time::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::TokenCreate,
            entity_type: "api_token",
            entity_id: Some(model.id),
            summary: Some(model.name.clone()),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok((token, model))
}

/// A user's tokens that still work, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Vec<api_token::Model>, ServiceError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id.0))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_desc(api_token::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Revokes one of the user's own tokens.
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    user_id: UserId,
    token_id: Uuid,
) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let now = time::now();
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::UserId.eq(user_id.0))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ServiceError::NotFound);
    }
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::TokenRevoke,
            entity_type: "api_token",
            entity_id: Some(token_id),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether a token still works: not revoked, its person still active (see
/// [`super::sessions::is_live`]).
pub async fn is_live(conn: &impl ConnectionTrait, token_id: Uuid) -> Result<bool, ServiceError> {
    let found = api_token::Entity::find_by_id(token_id)
        .filter(api_token::Column::RevokedAt.is_null())
        .find_also_related(user::Entity)
        .one(conn)
        .await?;
    Ok(matches!(found, Some((_, Some(user))) if user.active))
}

/// The active user behind a bearer token, or `None` for an unknown, revoked or
/// deactivated one.
pub async fn authenticate(
    db: &Db,
    token: &str,
) -> Result<Option<(api_token::Model, user::Model)>, ServiceError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(tokens::hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .find_also_related(user::Entity)
        .one(db.conn())
        .await?;
    let Some((api_token, Some(user))) = found else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    let now = time::now();
    if api_token
        .last_used_at
        .is_none_or(|at| now - at >= TOUCH_EVERY)
    {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(api_token.id))
            .exec(db.conn())
            .await?;
    }
    Ok(Some((api_token, user)))
}
