//! Fills a fresh database with a team's history for the benchmark: `N` work items shaped like
//! years of real use (nine in ten closed, due dates over several years, owners, tags, subtasks,
//! comments, audit rows, some items waiting or in proofing), written in batched multi-row
//! inserts, one transaction per batch, so a million items take minutes rather than hours.

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    EntityTrait, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    db::{
        Db,
        entities::{audit_log, comment, notification, subtask, work_item, work_item_tag},
        time,
    },
    domain::{
        ids::new_uuid,
        work_item::{DeliverableType, ItemType, Priority, ProofStatus, Status},
    },
    services::ServiceError,
};

/// Items per transaction: large enough to amortise the commit, small enough that one batch's
/// bound values stay under SQLite's and PostgreSQL's limits per statement (see [`ROWS_PER_INSERT`]).
const BATCH_ITEMS: usize = 2_000;
/// Rows per `INSERT`: a work item has 33 columns, and 33 × 500 values fit both backends' limits.
const ROWS_PER_INSERT: usize = 500;
/// How many years of history the items cover.
const YEARS: i64 = 4;

const TAGS: &[&str] = &[
    "newsletter",
    "social",
    "print",
    "urgent-client",
    "evergreen",
    "sponsor",
    "launch",
    "events",
    "seo",
    "video",
    "photo",
    "recap",
];
const CLIENTS: &[&str] = &[
    "Acme Foods",
    "Birch Dental",
    "Cobalt Gym",
    "Delta Realty",
    "Elm Street Bakery",
    "Fjord Travel",
    "Granite Law",
    "Harbor Clinic",
];
const WORDS: &[&str] = &[
    "weekly",
    "digest",
    "spring",
    "launch",
    "interview",
    "recap",
    "guide",
    "offer",
    "podcast",
    "feature",
    "photo",
    "story",
    "update",
    "review",
    "brief",
    "plan",
    "gallery",
    "event",
];
const TYPES: &[ItemType] = ItemType::ALL;
const PRIORITIES: &[Priority] = &[
    Priority::Low,
    Priority::Normal,
    Priority::Normal,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];
const OPEN: &[Status] = &[
    Status::Backlog,
    Status::Planned,
    Status::InProgress,
    Status::InReview,
];

/// Who the seeded items belong to: `me` is the person the benchmark signs in as (some items
/// wait on them, some notifications are theirs); `staff` own the rest.
pub struct SeedPeople {
    pub me: Uuid,
    pub staff: Vec<Uuid>,
}

/// What was written.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct SeedCounts {
    pub items: u64,
    pub tags: u64,
    pub subtasks: u64,
    pub comments: u64,
    pub audit_rows: u64,
    pub notifications: u64,
}

/// One batch of rows of every table, built in memory and then inserted.
#[derive(Default)]
struct Batch {
    items: Vec<work_item::ActiveModel>,
    tags: Vec<work_item_tag::ActiveModel>,
    subtasks: Vec<subtask::ActiveModel>,
    comments: Vec<comment::ActiveModel>,
    audit: Vec<audit_log::ActiveModel>,
    notifications: Vec<notification::ActiveModel>,
}

/// A base-36 rank that sorts in sequence order (fixed width, never ending in `0`).
fn rank_for(sequence: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = [b'0'; 6];
    let mut rest = sequence;
    for slot in digits.iter_mut().rev() {
        *slot = DIGITS[(rest % 36) as usize];
        rest /= 36;
    }
    format!("{}i", String::from_utf8_lossy(&digits))
}

fn pick<T: Copy>(rng: &mut StdRng, from: &[T]) -> T {
    from[rng.random_range(0..from.len())]
}

fn words(rng: &mut StdRng, count: usize) -> String {
    (0..count)
        .map(|_| pick(rng, WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds item number `sequence` and its parts to `batch`.
fn add_item(
    batch: &mut Batch,
    rng: &mut StdRng,
    people: &SeedPeople,
    sequence: u64,
    now: DateTime<Utc>,
) {
    let id = new_uuid();
    let history = Duration::days(YEARS * 365);
    let closed = rng.random_bool(0.9);
    let created_at = if closed {
        now - Duration::seconds(rng.random_range(3_600..history.num_seconds()))
    } else {
        now - Duration::seconds(rng.random_range(3_600..90 * 86_400))
    };
    let created_at = time::truncate(created_at);
    let due_at = if closed {
        created_at + Duration::hours(rng.random_range(2..30 * 24))
    } else {
        now + Duration::hours(rng.random_range(-30 * 24..60 * 24))
    };
    let status = if !closed {
        pick(rng, OPEN)
    } else if rng.random_bool(0.95) {
        Status::Done
    } else {
        Status::Cancelled
    };
    let completed_at =
        closed.then(|| (created_at + Duration::hours(rng.random_range(1..40 * 24))).min(now));
    let owner = rng
        .random_bool(0.9)
        .then(|| people.staff[rng.random_range(0..people.staff.len())]);
    let item_type = pick(rng, TYPES);
    let waiting = !closed && rng.random_bool(0.15);
    let waiting_on = waiting.then(|| {
        if rng.random_bool(0.3) {
            people.me
        } else {
            people.staff[rng.random_range(0..people.staff.len())]
        }
    });
    let needs_proofing = rng.random_bool(0.3);
    let proof_status = if needs_proofing && status == Status::InReview {
        Some(ProofStatus::Pending)
    } else if needs_proofing && closed {
        Some(ProofStatus::Approved)
    } else {
        None
    };
    let updated_at = completed_at.unwrap_or(created_at);
    // Drawn in the order the fields used to draw them, so a seed gives the same items.
    let title = format!("{} #{sequence}", words(rng, 3));
    let description = words(rng, 12);
    let priority = pick(rng, PRIORITIES);
    let due = rng.random_bool(0.95).then_some(due_at);
    if let (false, Some(owner), Some(due)) = (closed, owner, due)
        && due < now
    {
        // A server that ran all along has announced its overdue work already; without this,
        // the measured server's first overdue sweep would mail hundreds of owners mid-run.
        let announced = (due + Duration::minutes(15)).min(now);
        batch.notifications.push(notification::ActiveModel {
            id: Set(new_uuid()),
            user_id: Set(owner),
            kind: Set("OVERDUE".to_string()),
            work_item_id: Set(Some(id)),
            actor_id: Set(None),
            body: Set(format!("“{title}” is overdue")),
            created_at: Set(announced),
            read_at: Set(Some(announced)),
            emailed_at: Set(Some(announced)),
        });
    }
    batch.items.push(work_item::ActiveModel {
        id: Set(id),
        // Drawn for the whole batch when it is written.
        number: NotSet,
        title: Set(title),
        description: Set(description),
        item_type: Set(item_type),
        status: Set(status),
        priority: Set(priority),
        owner_id: Set(owner),
        created_by_id: Set(owner),
        start_at: Set((item_type == ItemType::Event).then_some(due_at - Duration::hours(2))),
        due_at: Set(due),
        completed_at: Set(completed_at),
        deliverable_type: Set(
            (item_type == ItemType::Deliverable).then_some(DeliverableType::Article)
        ),
        cadence_key: Set(None),
        template_id: Set(None),
        client: Set(rng.random_bool(0.6).then(|| pick(rng, CLIENTS).to_string())),
        ghl_contact_id: Set(None),
        ghl_opportunity_id: Set(None),
        waiting_on_user_id: Set(waiting_on),
        waiting_reason: Set(waiting.then(|| "copy from the client".to_string())),
        waiting_since: Set(waiting.then_some(created_at)),
        needs_proofing: Set(needs_proofing),
        proof_status: Set(proof_status),
        proofer_id: Set(None),
        proofed_at: Set(None),
        proofed_by_id: Set(None),
        tbp_graphics_location: Set(None),
        qc_notes: Set(None),
        rank: Set(rank_for(sequence)),
        version: Set(1),
        created_at: Set(created_at),
        updated_at: Set(updated_at),
    });
    let tag_count = rng.random_range(0..=3);
    let first_tag = rng.random_range(0..TAGS.len());
    for offset in 0..tag_count {
        batch.tags.push(work_item_tag::ActiveModel {
            work_item_id: Set(id),
            tag: Set(TAGS[(first_tag + offset) % TAGS.len()].to_string()),
        });
    }
    for position in 0..rng.random_range(0..=3) {
        batch.subtasks.push(subtask::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(id),
            title: Set(words(rng, 3)),
            done: Set(closed || rng.random_bool(0.4)),
            assignee_id: Set(owner),
            due_at: Set(None),
            position: Set(position),
            created_at: Set(created_at),
            updated_at: Set(created_at),
        });
    }
    for _ in 0..rng.random_range(0..=2) {
        batch.comments.push(comment::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(id),
            author_id: Set(owner),
            body: Set(words(rng, 10)),
            created_at: Set(created_at),
            updated_at: Set(created_at),
        });
    }
    let audit = |action: &str, at: DateTime<Utc>| audit_log::ActiveModel {
        id: Set(new_uuid()),
        actor_id: Set(owner),
        action: Set(action.to_string()),
        entity_type: Set("work_item".to_string()),
        entity_id: Set(Some(id)),
        work_item_id: Set(Some(id)),
        summary: Set(None),
        before: Set(None),
        after: Set(Some(serde_json::json!({ "status": status }))),
        ip: Set(None),
        request_id: Set(None),
        created_at: Set(at),
    };
    batch.audit.push(audit("work_item.create", created_at));
    if let Some(done) = completed_at {
        batch.audit.push(audit("work_item.update", done));
    }
}

async fn insert_chunks<A>(
    txn: &sea_orm::DatabaseTransaction,
    rows: Vec<A>,
) -> Result<(), ServiceError>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

async fn write(db: &Db, batch: Batch, counts: &mut SeedCounts) -> Result<(), ServiceError> {
    counts.items += batch.items.len() as u64;
    counts.tags += batch.tags.len() as u64;
    counts.subtasks += batch.subtasks.len() as u64;
    counts.comments += batch.comments.len() as u64;
    counts.audit_rows += batch.audit.len() as u64;
    counts.notifications += batch.notifications.len() as u64;
    let txn = db.begin_write().await?;
    let mut items = batch.items;
    let numbers = crate::db::item_numbers::reserve(&txn, items.len() as u32).await?;
    for (item, number) in items.iter_mut().zip(numbers) {
        item.number = Set(number);
    }
    insert_chunks(&txn, items).await?;
    insert_chunks(&txn, batch.tags).await?;
    insert_chunks(&txn, batch.subtasks).await?;
    insert_chunks(&txn, batch.comments).await?;
    insert_chunks(&txn, batch.audit).await?;
    insert_chunks(&txn, batch.notifications).await?;
    txn.commit().await?;
    Ok(())
}

/// Writes `items` items (and their parts, overdue notices already sent for open overdue work)
/// and 50 unread notifications for `people.me`;
/// `progress` hears the running count after each batch.
pub async fn seed(
    db: &Db,
    people: &SeedPeople,
    items: u64,
    mut progress: impl FnMut(u64),
) -> Result<SeedCounts, ServiceError> {
    let mut rng = StdRng::seed_from_u64(items);
    let now = time::now();
    let mut counts = SeedCounts::default();
    let mut batch = Batch::default();
    for sequence in 0..items {
        add_item(&mut batch, &mut rng, people, sequence, now);
        if batch.items.len() == BATCH_ITEMS {
            write(db, std::mem::take(&mut batch), &mut counts).await?;
            progress(counts.items);
        }
    }
    if !batch.items.is_empty() {
        write(db, batch, &mut counts).await?;
        progress(counts.items);
    }
    let notifications: Vec<notification::ActiveModel> = (0..50)
        .map(|n| notification::ActiveModel {
            id: Set(new_uuid()),
            user_id: Set(people.me),
            kind: Set("MENTION".to_string()),
            work_item_id: Set(None),
            actor_id: Set(people.staff.first().copied()),
            body: Set(format!("You were mentioned ({n})")),
            created_at: Set(now - Duration::minutes(n)),
            read_at: Set(None),
            emailed_at: Set(None),
        })
        .collect();
    counts.notifications += notifications.len() as u64;
    let txn = db.conn().begin().await?;
    insert_chunks(&txn, notifications).await?;
    txn.commit().await?;
    // A database that grew over years has planner statistics and a visibility map (which
    // lets counts read an index alone); one filled in a minute has neither until autovacuum
    // gets to it, and plans chosen blind would measure the seeding, not the application.
    // (SQLite plans without statistics, as it does in production.)
    if db.backend() == sea_orm::DbBackend::Postgres {
        use sea_orm::ConnectionTrait;
        db.conn().execute_unprepared("VACUUM ANALYZE").await?;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::rank_for;

    #[test]
    fn ranks_sort_in_sequence_order_and_are_valid() {
        let ranks: Vec<String> = [0, 1, 35, 36, 1_000_000]
            .iter()
            .map(|n| rank_for(*n))
            .collect();
        assert!(ranks.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            ranks
                .iter()
                .all(|r| crate::domain::rank::validate(r).is_ok())
        );
    }
}
