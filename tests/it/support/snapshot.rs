//! Every row of every table, as text, for comparing two databases "in meaning": SQLite rows
//! through `quote()` of each column, PostgreSQL rows through `row_to_json`. Rows are sorted so
//! the physical order a copy happens to use does not matter.

use std::collections::BTreeMap;

use ops_desktop::db::Db;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Table name → its rows, each rendered as one string, sorted.
pub type Snapshot = BTreeMap<String, Vec<String>>;

async fn strings(db: &Db, sql: String) -> Vec<String> {
    db.conn()
        .query_all_raw(Statement::from_string(db.backend(), sql))
        .await
        .expect("snapshot query")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a text column"))
        .collect()
}

/// Reads the whole database.
pub async fn every_row(db: &Db) -> Snapshot {
    let mut snapshot = Snapshot::new();
    match db.backend() {
        DbBackend::Postgres => {
            let tables = strings(
                db,
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'".into(),
            )
            .await;
            for table in tables {
                let mut rows = strings(
                    db,
                    format!("SELECT row_to_json(t)::text FROM \"{table}\" t"),
                )
                .await;
                rows.sort();
                snapshot.insert(table, rows);
            }
        }
        _ => {
            // Real tables only: FTS5's virtual table is rebuilt from its shadow tables, which
            // are compared like any other.
            let tables = strings(
                db,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
                    .into(),
            )
            .await;
            for table in tables {
                let columns =
                    strings(db, format!("SELECT name FROM pragma_table_info('{table}')")).await;
                let row = columns
                    .iter()
                    .map(|column| format!("quote(\"{column}\")"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let mut rows = strings(db, format!("SELECT {row} FROM \"{table}\"")).await;
                rows.sort();
                snapshot.insert(table, rows);
            }
        }
    }
    snapshot
}

/// Panics naming the first table that differs, so a failure says where.
pub fn assert_same(actual: &Snapshot, expected: &Snapshot, what: &str) {
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}: the same tables"
    );
    for (table, rows) in expected {
        assert_eq!(&actual[table], rows, "{what}: the rows of {table}");
    }
}
