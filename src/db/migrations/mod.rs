//! The database schema as numbered, forward-only migrations, written once with the sea-query
//! builder for both SQLite and PostgreSQL. A migration is never edited once it is on `main`; change
//! the schema with a new one.

use sea_orm_migration::prelude::*;

mod helpers;
mod m0001_people;
mod m0002_templates;
mod m0003_work_items;
mod m0004_collaboration;
mod m0005_schedules;
mod m0006_integrations;
mod m0007_audit_and_jobs;
mod m0008_search;
mod m0009_default_rules;
mod m0010_notification_preferences;
mod m0011_rate_limits;
mod m0013_live_notify;
mod m0014_person_time_zone;
mod m0015_view_indexes;
mod m0016_item_numbers;
mod m0017_session_confirmation;
mod m0018_search_by_number;
mod m0019_due_order_carries_number;
mod m0020_calendar_placement;

/// Every migration, in the order it is applied. Applied ones are recorded in the `seaql_migrations`
/// table under their file names (`m0001_people`, ...).
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_people::Migration),
            Box::new(m0002_templates::Migration),
            Box::new(m0003_work_items::Migration),
            Box::new(m0004_collaboration::Migration),
            Box::new(m0005_schedules::Migration),
            Box::new(m0006_integrations::Migration),
            Box::new(m0007_audit_and_jobs::Migration),
            Box::new(m0008_search::Migration),
            Box::new(m0009_default_rules::Migration),
            Box::new(m0010_notification_preferences::Migration),
            Box::new(m0011_rate_limits::Migration),
            Box::new(m0013_live_notify::Migration),
            Box::new(m0015_view_indexes::Migration),
            // Landed after m0015: listed in the order databases receive them.
            Box::new(m0014_person_time_zone::Migration),
            Box::new(m0016_item_numbers::Migration),
            Box::new(m0017_session_confirmation::Migration),
            Box::new(m0018_search_by_number::Migration),
            Box::new(m0019_due_order_carries_number::Migration),
            Box::new(m0020_calendar_placement::Migration),
        ]
    }
}
