//! Recurring jobs on the ordinary queue: one job per *slot* (e.g. each quarter hour), whose id
//! is derived from its kind and slot time. Whoever schedules a slot — the worker at start, the
//! previous slot's run, a second instance doing the same — inserts the same id, and the primary
//! key lets exactly one of them in. So instances never double-schedule, a restart inside a slot
//! does not run it again, and a chain cannot fork.
//!
//! A run first schedules the slot after it (before doing any work, so even a run that fails
//! for good leaves the chain alive), then does its work with the slot's time as its `now`.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;
use sha2::{Digest, Sha256};
use tracing::warn;
use uuid::Uuid;

use super::{ClaimedJob, JobRegistry, JobSpec, state};
use crate::db::{entities::job, time};

/// A kind of job that runs every `every_minutes`, aligned to the clock (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recurring {
    pub spec: JobSpec,
    pub every_minutes: i64,
}

/// How long finished runs of a recurring kind are kept for inspection.
const KEEP_FINISHED: TimeDelta = TimeDelta::days(7);

impl Recurring {
    fn every(&self) -> TimeDelta {
        TimeDelta::minutes(self.every_minutes.max(1))
    }

    /// The start of the slot `at` falls in.
    pub fn slot_of(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let every = self.every().num_seconds();
        let seconds = at.timestamp().div_euclid(every) * every;
        DateTime::from_timestamp(seconds, 0).unwrap_or(at)
    }

    /// The slot after the one `at` falls in.
    pub fn next_slot(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.slot_of(at) + self.every()
    }

    /// The job id of a slot: the same for everyone who schedules it.
    pub fn slot_job_id(&self, slot: DateTime<Utc>) -> Uuid {
        let digest = Sha256::digest(format!("{}@{}", self.spec.kind, slot.timestamp()));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_custom_bytes(bytes).into_uuid()
    }

    /// Queues the run of `slot` unless someone already did; returns whether this call did.
    pub async fn schedule(
        &self,
        conn: &impl ConnectionTrait,
        slot: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let now = time::now();
        let row = job::ActiveModel {
            id: Set(self.slot_job_id(slot)),
            kind: Set(self.spec.kind.to_string()),
            payload: Set(json!({"slot": slot})),
            state: Set(state::QUEUED.to_string()),
            attempts: Set(0),
            max_attempts: Set(self.spec.max_attempts.max(1) as i32),
            run_at: Set(slot),
            locked_until: Set(None),
            locked_by: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            finished_at: Set(None),
        };
        let inserted = job::Entity::insert(row)
            .on_conflict_do_nothing()
            .exec(conn)
            .await?;
        Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(_)))
    }

    /// What a run of this kind does before its work: schedules the next slot, forgets runs
    /// finished long ago, and returns the slot it runs for.
    pub async fn begin_run(
        &self,
        conn: &impl ConnectionTrait,
        job: &ClaimedJob,
    ) -> Result<DateTime<Utc>, DbErr> {
        let now = time::now();
        let slot = job
            .payload
            .get("slot")
            .and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok())
            .unwrap_or(now);
        // After downtime the chain resumes from now, without a burst of missed slots.
        self.schedule(conn, self.next_slot(slot.max(now))).await?;
        job::Entity::delete_many()
            .filter(job::Column::Kind.eq(self.spec.kind))
            .filter(job::Column::State.is_in([state::DONE, state::FAILED]))
            .filter(job::Column::FinishedAt.lt(now - KEEP_FINISHED))
            .exec(conn)
            .await?;
        Ok(slot)
    }
}

/// The recurring kinds the application ships with.
pub const STANDARD: &[Recurring] = &[
    super::generate_cadences::RECURRING,
    super::send_notifications::DIGEST_RECURRING,
    super::check_overdue::RECURRING,
];

/// Makes sure each recurring kind this worker can run has its current slot queued (a no-op
/// when that slot was already scheduled or has run). Called when a worker starts, so a fresh
/// database, or a chain lost with a wiped queue, starts ticking.
pub async fn ensure_scheduled(
    conn: &impl ConnectionTrait,
    registry: &JobRegistry,
    recurring: &[Recurring],
) {
    let now = time::now();
    for kind in recurring {
        if registry.handler(kind.spec.kind).is_none() {
            continue;
        }
        if let Err(error) = kind.schedule(conn, kind.slot_of(now)).await {
            warn!(kind = kind.spec.kind, %error, "could not schedule a recurring job");
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const TICK: Recurring = Recurring {
        spec: JobSpec {
            kind: "test.tick",
            max_attempts: 1,
        },
        every_minutes: 15,
    };

    #[test]
    fn slots_are_aligned_and_ids_are_stable_per_slot() {
        let at = Utc.with_ymd_and_hms(2026, 3, 8, 10, 37, 12).unwrap();
        assert_eq!(
            TICK.slot_of(at),
            Utc.with_ymd_and_hms(2026, 3, 8, 10, 30, 0).unwrap()
        );
        assert_eq!(
            TICK.next_slot(at),
            Utc.with_ymd_and_hms(2026, 3, 8, 10, 45, 0).unwrap()
        );
        let slot = TICK.slot_of(at);
        assert_eq!(TICK.slot_job_id(slot), TICK.slot_job_id(slot));
        assert_ne!(TICK.slot_job_id(slot), TICK.slot_job_id(TICK.next_slot(at)));
        assert_eq!(TICK.slot_job_id(slot).get_version_num(), 8);
    }
}
