//! Drawing work-item numbers (the `12` of `OPS-12`; see migration `m0016_item_numbers`). Call
//! inside the transaction that inserts the items: on SQLite that transaction holds the write
//! lock, so no two inserts draw the same number; on PostgreSQL the sequence guarantees it.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// Draws `count` numbers, in increasing order.
pub async fn reserve<C: ConnectionTrait>(conn: &C, count: u32) -> Result<Vec<i64>, DbErr> {
    let backend = conn.get_database_backend();
    if count == 0 {
        return Ok(Vec::new());
    }
    if backend == DbBackend::Postgres {
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                "SELECT nextval('work_items_number_seq') AS n FROM generate_series(1, $1)",
                [i64::from(count).into()],
            ))
            .await?;
        let mut numbers = rows
            .iter()
            .map(|row| row.try_get::<i64>("", "n"))
            .collect::<Result<Vec<_>, _>>()?;
        numbers.sort_unstable();
        return Ok(numbers);
    }
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE work_item_numbers SET last = last + ? WHERE id = 1 RETURNING last",
            [i64::from(count).into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the work item counter".into()))?;
    let last: i64 = row.try_get("", "last")?;
    Ok((last - i64::from(count) + 1..=last).collect())
}

/// The next number, for one new item.
pub async fn next<C: ConnectionTrait>(conn: &C) -> Result<i64, DbErr> {
    let numbers = reserve(conn, 1).await?;
    numbers
        .first()
        .copied()
        .ok_or_else(|| DbErr::RecordNotFound("a work item number".into()))
}
