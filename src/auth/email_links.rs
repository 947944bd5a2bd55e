//! Single-use sign-in links, valid for 10 minutes (out-of-band sign-in, ASVS 6.5.5), stored hashed.

use chrono::TimeDelta;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use super::tokens;
use crate::{
    db::{
        entities::{email_link, user},
        time,
    },
    domain::ids::{UserId, new_uuid},
    services::ServiceError,
};

/// How long a link works.
pub const LINK_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// Creates a link token for `user_id`; the raw token goes only into the email.
pub async fn issue(conn: &impl ConnectionTrait, user_id: UserId) -> Result<String, ServiceError> {
    let token = tokens::generate("");
    let now = time::now();
    email_link::ActiveModel {
        id: Set(new_uuid()),
        user_id: Set(user_id.0),
        token_hash: Set(tokens::hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + LINK_LIFETIME),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// Uses a link: succeeds once, within its lifetime, for an active user. The single
/// conditional UPDATE makes two simultaneous clicks impossible to both succeed.
pub async fn redeem(
    conn: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<user::Model>, ServiceError> {
    let now = time::now();
    let hash = tokens::hash(token);
    let claimed = email_link::Entity::update_many()
        .col_expr(email_link::Column::UsedAt, Expr::value(now))
        .filter(email_link::Column::TokenHash.eq(hash.as_str()))
        .filter(email_link::Column::UsedAt.is_null())
        .filter(email_link::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    let link = email_link::Entity::find()
        .filter(email_link::Column::TokenHash.eq(hash))
        .find_also_related(user::Entity)
        .one(conn)
        .await?;
    Ok(link.and_then(|(_, user)| user).filter(|user| user.active))
}
