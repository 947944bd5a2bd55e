//! What the command palette (Ctrl/Cmd-K) finds as a person types: items by their words or
//! their key, people by name, tags by their start. Each is one small indexed query with a
//! limit, so the palette stays quick however much the installation holds.

use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use serde::Serialize;
use uuid::Uuid;

use super::{ServiceError, work_items};
use crate::{
    db::{
        Db,
        entities::{user, work_item_tag},
    },
    domain::{ids::UserId, work_item::Status},
};

/// How many of each kind the palette lists.
const ITEMS: u64 = 8;
const PEOPLE: u64 = 5;
const TAGS: u64 = 5;
/// Longer input is cut: nobody types a paragraph into a palette.
const MAX_QUERY_CHARS: usize = 100;

/// What matched, by kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaletteResults {
    pub items: Vec<PaletteItem>,
    pub people: Vec<PalettePerson>,
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaletteItem {
    #[schema(pattern = r"^OPS-[1-9][0-9]{0,14}$")]
    pub key: String,
    pub title: String,
    pub status: Status,
    /// The status as the pages show it ("In review").
    #[serde(rename = "statusLabel")]
    pub status_label: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PalettePerson {
    pub id: Uuid,
    pub name: String,
}

/// `%text%` for LIKE, with the wildcards people might type taken literally.
fn contains_pattern(text: &str) -> LikeExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// Everything that matches `q` (trimmed; empty lists the items due soonest).
pub async fn search(db: &Db, me: UserId, tz: Tz, q: &str) -> Result<PaletteResults, ServiceError> {
    let q: String = q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let mut pairs = vec![("limit".to_string(), ITEMS.to_string())];
    if !q.is_empty() {
        pairs.push(("q".to_string(), q.clone()));
    }
    let query = work_items::list_query::parse(&pairs, me, tz).map_err(ServiceError::Invalid)?;
    let items = work_items::list::list(db, &query)
        .await?
        .items
        .into_iter()
        .map(|item| PaletteItem {
            status_label: item.status.label(),
            key: item.key,
            title: item.title,
            status: item.status,
        })
        .collect();
    if q.is_empty() {
        return Ok(PaletteResults {
            items,
            people: Vec::new(),
            tags: Vec::new(),
        });
    }
    let people = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .filter(user::Column::Active.eq(true))
        .filter(Expr::expr(Func::lower(Expr::col(user::Column::Name))).like(contains_pattern(&q)))
        .order_by_asc(user::Column::Name)
        .limit(PEOPLE)
        .into_tuple::<(Uuid, String)>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|(id, name)| PalettePerson { id, name })
        .collect();
    let tags = work_item_tag::Entity::find()
        .select_only()
        .column(work_item_tag::Column::Tag)
        .distinct()
        .filter(Expr::col(work_item_tag::Column::Tag).like(contains_pattern(&q)))
        .order_by_asc(work_item_tag::Column::Tag)
        .limit(TAGS)
        .into_tuple::<String>()
        .all(db.conn())
        .await?;
    Ok(PaletteResults {
        items,
        people,
        tags,
    })
}
