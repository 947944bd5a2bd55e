//! Claiming, finishing and failing jobs. The claim is the one backend-specific statement:
//! PostgreSQL skips rows other workers hold (`FOR UPDATE SKIP LOCKED`); SQLite runs the
//! single `UPDATE ... RETURNING` atomically because it has one writer at a time.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
    sea_query::Expr,
};
use uuid::Uuid;

use super::state;
use crate::{db::entities::job, domain::ids::JobId};

/// A job this worker now holds until `locked_until`.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Which attempt this is, counting from 1.
    pub attempt: u32,
    pub max_attempts: u32,
}

const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, \
     locked_by = ?, locked_until = ?, updated_at = ? \
     WHERE id = (SELECT id FROM jobs \
        WHERE (state = 'QUEUED' AND run_at <= ?) OR (state = 'RUNNING' AND locked_until < ?) \
        ORDER BY run_at, id LIMIT 1) \
     RETURNING id, kind, payload, attempts, max_attempts";

const CLAIM_POSTGRES: &str = "UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, \
     locked_by = $1, locked_until = $2, updated_at = $3 \
     WHERE id = (SELECT id FROM jobs \
        WHERE (state = 'QUEUED' AND run_at <= $4) OR (state = 'RUNNING' AND locked_until < $5) \
        ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, payload, attempts, max_attempts";

/// Takes the oldest due job (or one whose lease expired), or `None` when there is nothing to do.
pub(super) async fn claim_next(
    conn: &impl ConnectionTrait,
    worker_id: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<ClaimedJob>, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => CLAIM_POSTGRES,
        _ => CLAIM_SQLITE,
    };
    let values: [sea_orm::Value; 5] = [
        worker_id.into(),
        lease_until.into(),
        now.into(),
        now.into(),
        now.into(),
    ];
    let Some(row) = conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(ClaimedJob {
        id: JobId(row.try_get::<Uuid>("", "id")?),
        kind: row.try_get("", "kind")?,
        payload: row.try_get("", "payload")?,
        attempt: row.try_get::<i32>("", "attempts")?.max(0) as u32,
        max_attempts: row.try_get::<i32>("", "max_attempts")?.max(1) as u32,
    }))
}

/// Marks a job done, if this worker still holds it.
pub(super) async fn mark_done(
    conn: &impl ConnectionTrait,
    id: JobId,
    worker_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state::DONE))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id.0))
        .filter(job::Column::LockedBy.eq(worker_id))
        .filter(job::Column::State.eq(state::RUNNING))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// What happens to a job after a failed attempt.
pub(super) enum AfterFailure {
    RetryAt(DateTime<Utc>),
    GiveUp,
}

/// Records a failed attempt: back to `QUEUED` for a later retry, or `FAILED` for good.
pub(super) async fn mark_failed(
    conn: &impl ConnectionTrait,
    id: JobId,
    worker_id: &str,
    error: &str,
    next: AfterFailure,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::LastError, Expr::value(error))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now));
    update = match next {
        AfterFailure::RetryAt(run_at) => update
            .col_expr(job::Column::State, Expr::value(state::QUEUED))
            .col_expr(job::Column::RunAt, Expr::value(run_at)),
        AfterFailure::GiveUp => update
            .col_expr(job::Column::State, Expr::value(state::FAILED))
            .col_expr(job::Column::FinishedAt, Expr::value(now)),
    };
    let result = update
        .filter(job::Column::Id.eq(id.0))
        .filter(job::Column::LockedBy.eq(worker_id))
        .filter(job::Column::State.eq(state::RUNNING))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Extends this worker's lease on a long-running job.
pub(super) async fn extend_lease(
    conn: &impl ConnectionTrait,
    id: JobId,
    worker_id: &str,
    lease_until: DateTime<Utc>,
) -> Result<(), DbErr> {
    job::Entity::update_many()
        .col_expr(job::Column::LockedUntil, Expr::value(lease_until))
        .filter(job::Column::Id.eq(id.0))
        .filter(job::Column::LockedBy.eq(worker_id))
        .filter(job::Column::State.eq(state::RUNNING))
        .exec(conn)
        .await?;
    Ok(())
}

/// Hands a job this worker holds back to the queue, due now, as if this attempt had not
/// started: the process is stopping and cut the attempt short, which says nothing about the
/// job, so it does not count against the job's attempts.
pub(super) async fn release(
    conn: &impl ConnectionTrait,
    id: JobId,
    worker_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state::QUEUED))
        .col_expr(
            job::Column::Attempts,
            sea_orm::sea_query::ExprTrait::sub(Expr::col(job::Column::Attempts), 1),
        )
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id.0))
        .filter(job::Column::LockedBy.eq(worker_id))
        .filter(job::Column::State.eq(state::RUNNING))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
