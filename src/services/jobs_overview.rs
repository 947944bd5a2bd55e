//! How the job queue stands: counts by state, for metrics and the operations view.

use sea_orm::{
    EntityTrait, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::ServiceError;
use crate::db::{Db, entities::job};

/// `(state, count)` for every state with at least one job.
pub async fn count_by_state(db: &Db) -> Result<Vec<(String, i64)>, ServiceError> {
    Ok(job::Entity::find()
        .select_only()
        .column(job::Column::State)
        .column_as(Expr::col(job::Column::Id).count(), "n")
        .group_by(job::Column::State)
        .into_tuple::<(String, i64)>()
        .all(db.conn())
        .await?)
}
