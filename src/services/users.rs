//! People: creating users and setting passwords (the admin screens and invitations build on
//! these in the sign-in work).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    SqlErr, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    ServiceError,
    audit::{self, Actor, AuditEntry},
};
use crate::domain::audit_action::AuditAction;
use crate::{
    auth::passwords,
    db::{
        Db,
        entities::{api_token, session, user},
        time,
    },
    domain::{
        FieldErrors,
        ids::UserId,
        user::{Email, PersonName, Role},
    },
};

/// What is needed to create a person.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: Option<String>,
}

/// Creates an active user after checking every field; an email already in use is a conflict.
pub async fn create_user(db: &Db, input: NewUser) -> Result<user::Model, ServiceError> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&input.email));
    let name = errors.check("name", PersonName::parse(&input.name));
    let role = errors.check("role", input.role.parse::<Role>());
    if let Some(password) = &input.password {
        errors.check("password", passwords::check_password_rules(password));
    }
    errors.into_result()?;
    let (Some(email), Some(name), Some(role)) = (email, name, role) else {
        unreachable!("every field parsed when there are no errors")
    };
    if find_by_email(db.conn(), &email).await?.is_some() {
        return Err(ServiceError::Conflict(format!(
            "a user with the email {email} already exists"
        )));
    }
    let password_hash = input
        .password
        .as_deref()
        .map(passwords::hash_password)
        .transpose()?;
    let now = time::now();
    let model = user::ActiveModel {
        id: Set(UserId::new().0),
        email: Set(email.as_str().to_string()),
        name: Set(name.as_str().to_string()),
        role: Set(role.as_str().to_string()),
        active: Set(true),
        password_hash: Set(password_hash),
        ghl_user_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_sign_in_at: Set(None),
        time_zone: Set(None),
    };
    model
        .insert(db.conn())
        .await
        .map_err(|error| match error.sql_err() {
            // Two requests raced past the check above: the unique index decides.
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                ServiceError::Conflict(format!("a user with the email {email} already exists"))
            }
            _ => error.into(),
        })
}

/// Finds a user by email (case-insensitive: emails are stored lowercased).
pub async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<user::Model>, ServiceError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?)
}

/// Sets or replaces a user's password.
pub async fn set_password(db: &Db, email: &str, password: &str) -> Result<(), ServiceError> {
    let email = Email::parse(email).map_err(|e| ServiceError::invalid("email", e.0))?;
    passwords::check_password_rules(password)
        .map_err(|e| ServiceError::invalid("password", e.0))?;
    let user = find_by_email(db.conn(), &email)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(Some(passwords::hash_password(password)?));
    active.updated_at = Set(time::now());
    let txn = db.begin_write().await?;
    let user = active.update(&txn).await?;
    // A reset (from the command line) ends every session opened with the old password.
    crate::auth::sessions::end_all(&txn, UserId(user.id)).await?;
    txn.commit().await?;
    Ok(())
}

/// How many users exist (first-start detection).
pub async fn count_users(conn: &impl ConnectionTrait) -> Result<u64, ServiceError> {
    Ok(user::Entity::find().count(conn).await?)
}

/// Finds a user by id.
pub async fn find_by_id(
    conn: &impl ConnectionTrait,
    id: UserId,
) -> Result<Option<user::Model>, ServiceError> {
    Ok(user::Entity::find_by_id(id.0).one(conn).await?)
}

/// A change of one's own password, as asked for.
#[derive(Debug, Clone, Copy)]
pub struct PasswordChange<'a> {
    /// Required when the account has a password.
    pub current: Option<&'a str>,
    pub new_password: &'a str,
    /// Also revoke every API token (the person asked, e.g. after a suspected leak).
    pub revoke_tokens: bool,
}

/// What a password change ended besides the old password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordChanged {
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// Changes one's own password. Every other session ends with the old password (whoever knew
/// it may have signed in with it); `keep_session` is the one the change was made from. The
/// change is audited, with what it ended.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    keep_session: Option<Uuid>,
    change: PasswordChange<'_>,
) -> Result<PasswordChanged, ServiceError> {
    let id = actor.user_id.ok_or(ServiceError::Forbidden)?;
    let user = find_by_id(db.conn(), id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut errors = FieldErrors::default();
    if let Some(stored) = &user.password_hash {
        let current_ok = change
            .current
            .is_some_and(|c| passwords::verify_password(c, stored));
        if !current_ok {
            errors.add("currentPassword", "the current password is not right");
        }
    }
    errors.check(
        "newPassword",
        passwords::check_password_rules(change.new_password),
    );
    errors.into_result()?;
    // Hashing is slow: done before the transaction so it does not hold the write lock.
    let hash = passwords::hash_password(change.new_password)?;
    let now = time::now();
    let txn = db.begin_write().await?;
    let mut active: user::ActiveModel = user.clone().into();
    active.password_hash = Set(Some(hash));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let mut others = session::Entity::delete_many().filter(session::Column::UserId.eq(id.0));
    if let Some(keep) = keep_session {
        others = others.filter(session::Column::Id.ne(keep));
    }
    let sessions_ended = others.exec(&txn).await?.rows_affected;
    let tokens_revoked = if change.revoke_tokens {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(now))
            .filter(api_token::Column::UserId.eq(id.0))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
    } else {
        0
    };
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::UserPasswordChange,
            entity_type: "user",
            entity_id: Some(id.0),
            summary: Some(user.email.clone()),
            after: Some(json!({"sessionsEnded": sessions_ended, "tokensRevoked": tokens_revoked})),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(PasswordChanged {
        sessions_ended,
        tokens_revoked,
    })
}
