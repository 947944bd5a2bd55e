//! What the `bench` command needs from the database: the people and credentials it signs in
//! with, the seeded history ([`seed`]), the ceiling each HTTP figure is compared with
//! ([`ceiling`]) and the query plans it prints ([`plans`]).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::{api_tokens, sessions},
    config::Settings,
    db::{
        Db,
        entities::{user, work_item},
        time,
    },
    domain::ids::{UserId, new_uuid},
    services::{ServiceError, audit::Actor},
};

pub mod ceiling;
pub mod plans;
pub mod seed;

/// How the load generator signs in: an API token for `/api`, a session cookie for pages.
pub struct Credentials {
    pub api_token: String,
    pub session_token: String,
    pub people: seed::SeedPeople,
}

/// How many staff own the seeded items.
const STAFF: usize = 12;

async fn add_user(db: &Db, email: String, name: String, role: &str) -> Result<Uuid, ServiceError> {
    let now = time::now();
    let model = user::ActiveModel {
        id: Set(new_uuid()),
        email: Set(email),
        name: Set(name),
        role: Set(role.to_string()),
        active: Set(true),
        password_hash: Set(None),
        ghl_user_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_sign_in_at: Set(None),
        time_zone: Set(None),
    }
    .insert(db.conn())
    .await?;
    Ok(model.id)
}

/// The benchmark's people: an admin it acts as, and the staff who own the items. Written
/// once; a reused database finds them again.
pub async fn people(db: &Db) -> Result<seed::SeedPeople, ServiceError> {
    let existing: Vec<(Uuid, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Email)
        .filter(user::Column::Email.like("%@bench.example"))
        .into_tuple()
        .all(db.conn())
        .await?;
    let me = match existing
        .iter()
        .find(|(_, email)| email == "me@bench.example")
    {
        Some((id, _)) => *id,
        None => add_user(db, "me@bench.example".into(), "Bench Admin".into(), "ADMIN").await?,
    };
    let mut staff: Vec<Uuid> = existing
        .iter()
        .filter(|(_, email)| email.starts_with("staff"))
        .map(|(id, _)| *id)
        .collect();
    for n in staff.len()..STAFF {
        let id = add_user(
            db,
            format!("staff{n}@bench.example"),
            format!("Staff {n}"),
            "STAFF",
        )
        .await?;
        staff.push(id);
    }
    staff.sort();
    Ok(seed::SeedPeople { me, staff })
}

/// A fresh API token and session for the benchmark's admin.
pub async fn credentials(db: &Db, settings: &Settings) -> Result<Credentials, ServiceError> {
    let people = people(db).await?;
    let actor = Actor {
        user_id: Some(UserId(people.me)),
        ..Actor::default()
    };
    let (api_token, _) = api_tokens::create(db, &actor, UserId(people.me), "benchmark").await?;
    let session = sessions::start(
        db.conn(),
        UserId(people.me),
        sessions::SessionPolicy::from_settings(settings),
        None,
        Some("ops-desktop bench".to_string()),
    )
    .await?;
    Ok(Credentials {
        api_token,
        session_token: session.token,
        people,
    })
}

/// How many work items the database holds.
pub async fn item_count(db: &Db) -> Result<u64, ServiceError> {
    use sea_orm::PaginatorTrait;
    Ok(work_item::Entity::find().count(db.conn()).await?)
}

/// Ids the scenarios pick from: `open` items (for drags) and items of any status (for the
/// item page), at most `limit` of each.
pub async fn sample_ids(db: &Db, limit: u64) -> Result<(Vec<Uuid>, Vec<Uuid>), ServiceError> {
    let open: Vec<Uuid> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Id)
        .filter(work_item::Column::Status.is_in(["BACKLOG", "PLANNED", "IN_PROGRESS"]))
        .limit(limit)
        .into_tuple()
        .all(db.conn())
        .await?;
    let any: Vec<Uuid> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok((open, any))
}

/// Makes sure the PostgreSQL database `name` exists on the server of `admin_url` (dropping it
/// first when `fresh`), and returns its URL.
pub async fn prepare_postgres(admin_url: &str, name: &str, fresh: bool) -> anyhow::Result<String> {
    use sea_orm::ConnectionTrait;
    anyhow::ensure!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "database names are lowercase letters, digits and _"
    );
    let admin = sea_orm::Database::connect(admin_url).await?;
    if fresh {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT 1 AS found FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await?
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
    }
    admin.close().await?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(name);
    Ok(url.to_string())
}

/// Drops the PostgreSQL database `name` (the end of a run that keeps nothing).
pub async fn drop_postgres(admin_url: &str, name: &str) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    let admin = sea_orm::Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin.close().await?;
    Ok(())
}
