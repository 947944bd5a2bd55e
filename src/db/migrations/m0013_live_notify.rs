//! Migration `m0013_live_notify`: on PostgreSQL, every insert of a work item and every update
//! that moves its `updated_at` sends `NOTIFY ops_item_changes` with the item's id, so each
//! instance's live-update listener hears changes made by any instance (docs/ARCHITECTURE.md,
//! "Live updates"). A trigger rather than application code, so that no write path can forget
//! it; the notification is sent at commit, so a rolled-back change is never announced.
//! SQLite has no LISTEN/NOTIFY and keeps polling: nothing to do there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: &str = r#"
CREATE FUNCTION ops_notify_item_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.updated_at IS NOT DISTINCT FROM NEW.updated_at THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('ops_item_changes', NEW.id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER work_items_notify_change
    AFTER INSERT OR UPDATE ON work_items
    FOR EACH ROW EXECUTE FUNCTION ops_notify_item_change();
"#;

const DROP: &str = r#"
DROP TRIGGER IF EXISTS work_items_notify_change ON work_items;
DROP FUNCTION IF EXISTS ops_notify_item_change();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(CREATE).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(DROP).await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
