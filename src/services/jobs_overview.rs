//! How the job queue stands: counts by state, the wait of the oldest due job and the last
//! success of a kind, for metrics and the operations view.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::ServiceError;
use crate::{
    db::{Db, entities::job},
    jobs,
};

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

/// When a job of `kind` last finished successfully (for "last backup" style metrics; every
/// instance reads the same answer from the database).
pub async fn last_done(db: &Db, kind: &str) -> Result<Option<DateTime<Utc>>, ServiceError> {
    Ok(job::Entity::find()
        .select_only()
        .column_as(Expr::col(job::Column::FinishedAt).max(), "last")
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::State.eq(jobs::state::DONE))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db.conn())
        .await?
        .flatten())
}

/// When the longest-waiting job that is due (queued, its start time passed) became due, or
/// `None` when nothing is waiting. Jobs scheduled for later, such as retries in their
/// backoff, are not waiting yet.
pub async fn oldest_due(
    db: &Db,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ServiceError> {
    Ok(job::Entity::find()
        .select_only()
        .column(job::Column::RunAt)
        .filter(job::Column::State.eq(jobs::state::QUEUED))
        .filter(job::Column::RunAt.lte(now))
        .order_by_asc(job::Column::RunAt)
        .limit(1)
        .into_tuple::<DateTime<Utc>>()
        .one(db.conn())
        .await?)
}
