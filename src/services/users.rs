//! People: creating users and setting passwords (the admin screens and invitations build on
//! these in the sign-in work).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    SqlErr,
};

use super::ServiceError;
use crate::{
    auth::passwords,
    db::{Db, entities::user, time},
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
    active.update(db.conn()).await?;
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

/// Changes one's own password; the current one is required when there is one.
pub async fn change_password(
    db: &Db,
    id: UserId,
    current: Option<&str>,
    new_password: &str,
) -> Result<(), ServiceError> {
    let user = find_by_id(db.conn(), id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut errors = FieldErrors::default();
    if let Some(stored) = &user.password_hash {
        let current_ok = current.is_some_and(|c| passwords::verify_password(c, stored));
        if !current_ok {
            errors.add("currentPassword", "the current password is not right");
        }
    }
    errors.check("newPassword", passwords::check_password_rules(new_password));
    errors.into_result()?;
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(Some(passwords::hash_password(new_password)?));
    active.updated_at = Set(time::now());
    active.update(db.conn()).await?;
    Ok(())
}
