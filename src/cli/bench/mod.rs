//! `ops-desktop bench`: seeds a database with `N` items, starts this binary's server on it, and
//! measures every scenario over real HTTP at each concurrency, beside its in-process ceiling;
//! prints the query plans, writes JSON and optionally appends a table to `BENCHMARKS.md`.

use std::{
    io::Write as _,
    path::{Path, PathBuf},
    sync::{Arc, atomic::AtomicU64},
    time::{Duration, Instant},
};

use crate::{
    config::{DatabaseUrl, Settings},
    db::Db,
    services::bench::{
        self,
        ceiling::{self, CeilingContext, Scenario},
        plans, seed,
    },
};

mod load;
mod report;
mod requests;
mod server;

/// Which database the benchmark runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The `bench` command's options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The database to run on.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: Backend,
    /// How many work items to seed (1,000 to 1,000,000 are sensible).
    #[arg(long, default_value_t = 2_000)]
    pub items: u64,
    /// The PostgreSQL server (the benchmark creates its own database on it).
    #[arg(
        long,
        env = "OPS_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres_url: String,
    /// Where the SQLite file, the server log and the JSON results go.
    #[arg(long, default_value = "target/bench")]
    pub dir: PathBuf,
    /// The concurrencies to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "8,32")]
    pub connections: Vec<usize>,
    /// How long each scenario runs at each concurrency (and its ceiling as long again).
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Keep the seeded database, and reuse it on the next run with the same `--items`.
    #[arg(long)]
    pub keep: bool,
    /// Run only these scenarios (comma-separated names, as in the table).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip the in-process ceiling runs (halves the time).
    #[arg(long)]
    pub no_ceiling: bool,
    /// Append the Markdown table to this file (e.g. BENCHMARKS.md).
    #[arg(long)]
    pub append: Option<PathBuf>,
    /// Fail (exit non-zero) when any request fails.
    #[arg(long)]
    pub fail_on_errors: bool,
}

/// The secret the server checks webhook signatures with during the run.
const WEBHOOK_SECRET: &str = "bench-webhook-secret";

struct Database {
    url: String,
    postgres_name: Option<String>,
    sqlite_path: Option<PathBuf>,
}

async fn prepare(args: &BenchArgs) -> anyhow::Result<Database> {
    std::fs::create_dir_all(&args.dir)?;
    let suffix = if args.keep {
        args.items.to_string()
    } else {
        format!("{}_{}", args.items, std::process::id())
    };
    match args.backend {
        Backend::Sqlite => {
            let path = args.dir.join(format!("bench_{suffix}.db"));
            if !args.keep {
                remove_sqlite(&path);
            }
            Ok(Database {
                url: format!("sqlite://{}", path.display()),
                postgres_name: None,
                sqlite_path: Some(path),
            })
        }
        Backend::Postgres => {
            let name = format!("ops_bench_{suffix}");
            let url = bench::prepare_postgres(&args.postgres_url, &name, !args.keep).await?;
            Ok(Database {
                url,
                postgres_name: Some(name),
                sqlite_path: None,
            })
        }
    }
}

fn remove_sqlite(path: &Path) {
    for extension in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{extension}", path.display()));
    }
}

fn selected(args: &BenchArgs) -> Vec<Scenario> {
    Scenario::ALL
        .iter()
        .copied()
        .filter(|s| args.only.is_empty() || args.only.iter().any(|name| name == s.name()))
        .collect()
}

pub async fn run(settings: Settings, args: BenchArgs) -> anyhow::Result<()> {
    let database = prepare(&args).await?;
    let url = match &database.sqlite_path {
        Some(path) => DatabaseUrl::Sqlite {
            url: database.url.clone(),
            path: path.clone(),
        },
        None => DatabaseUrl::Postgres {
            url: secrecy::SecretString::from(database.url.clone()),
        },
    };
    let db = Db::connect(&url).await?;
    db.migrate().await?;

    let existing = bench::item_count(&db).await?;
    let (seeded, seed_seconds) = if existing >= args.items {
        eprintln!("reusing {existing} items in {}", url.describe());
        (None, None)
    } else {
        let people = bench::people(&db).await?;
        let started = Instant::now();
        let total = args.items - existing;
        let counts = seed::seed(&db, &people, total, |done| {
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprint!("\rseeding {done}/{total} items ({rate:.0}/s)   ");
            let _ = std::io::stderr().flush();
        })
        .await?;
        eprintln!();
        (Some(counts), Some(started.elapsed().as_secs_f64()))
    };
    let credentials = bench::credentials(&db, &settings).await?;
    let (open_ids, any_ids) = bench::sample_ids(&db, 5_000).await?;
    let plans = plans::hot_plans(
        &db,
        settings.timezone,
        credentials.people.me,
        &credentials.people.staff,
    )
    .await?;
    println!("{}", report::plans_text(&plans));

    let env = vec![
        ("DATABASE_URL".to_string(), database.url.clone()),
        ("OPS_ENV".to_string(), "development".to_string()),
        (
            "RATE_LIMIT_API_PER_MINUTE".to_string(),
            "100000000".to_string(),
        ),
        ("GHL_WEBHOOK_SECRET".to_string(), WEBHOOK_SECRET.to_string()),
        ("LOG_LEVEL".to_string(), "warn".to_string()),
    ];
    let binary = std::env::current_exe()?;
    let server = server::Server::start(&binary, &env, args.dir.join("server.log")).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss_mb = server.rss_mb();
    eprintln!(
        "server ready in {:.0} ms, {idle_rss_mb:.1} MB resident",
        server.start_to_ready.as_secs_f64() * 1000.0
    );

    let max_connections = args.connections.iter().copied().max().unwrap_or(8);
    let target = Arc::new(requests::Target {
        base: server.base.clone(),
        clients: requests::Target::clients(max_connections)?,
        api_token: credentials.api_token.clone(),
        session_cookie: credentials.session_token.clone(),
        webhook_secret: WEBHOOK_SECRET.to_string(),
        staff: credentials.people.staff.clone(),
        open_ids: open_ids.clone(),
        any_ids: any_ids.clone(),
    });
    let ceiling_context = Arc::new(CeilingContext {
        db: db.clone(),
        tz: settings.timezone,
        me: credentials.people.me,
        staff: credentials.people.staff.clone(),
        open_ids,
        any_ids,
        turn: AtomicU64::new(0),
    });
    let duration = Duration::from_secs_f64(args.seconds.max(0.05));
    let mut rows = Vec::new();
    for &connections in &args.connections {
        for scenario in selected(&args) {
            let row = measure(
                &server,
                &target,
                &ceiling_context,
                scenario,
                connections,
                duration,
                args.no_ceiling,
            )
            .await;
            eprintln!(
                "{:<18} c={connections:<3} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}{}",
                row.scenario,
                row.http.per_second,
                row.http.p50_ms,
                row.http.p99_ms,
                row.http.errors,
                row.http
                    .first_error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default(),
            );
            rows.push(row);
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss_after_mb = server.rss_mb();
    let start_to_ready_ms = server.start_to_ready.as_secs_f64() * 1000.0;
    server.stop().await;

    let backend = match args.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let report = report::Report {
        machine: report::machine(),
        commit: report::commit(),
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        backend: backend.to_string(),
        items: args.items.max(existing),
        seeded,
        seed_seconds,
        start_to_ready_ms,
        idle_rss_mb,
        idle_rss_after_mb,
        seconds_per_scenario: args.seconds,
        rows,
        plans,
    };
    let markdown = report::markdown(&report);
    println!("{markdown}");
    let label = match args.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let json_path = args
        .dir
        .join(format!("bench-{label}-{}.json", report.items));
    std::fs::write(&json_path, serde_json::to_vec_pretty(&report)?)?;
    eprintln!("results written to {}", json_path.display());
    if let Some(path) = &args.append {
        report::append(path, &markdown)?;
        eprintln!("table appended to {}", path.display());
    }

    db.close().await?;
    if !args.keep {
        if let Some(path) = &database.sqlite_path {
            remove_sqlite(path);
        }
        if let Some(name) = &database.postgres_name {
            bench::drop_postgres(&args.postgres_url, name).await?;
        }
    }
    let errors: u64 = report.rows.iter().map(|row| row.http.errors).sum();
    if args.fail_on_errors && errors > 0 {
        anyhow::bail!("{errors} request(s) failed");
    }
    Ok(())
}

/// One scenario at one concurrency: the HTTP run with the server's peak memory, then the
/// ceiling run.
async fn measure(
    server: &server::Server,
    target: &Arc<requests::Target>,
    ceiling_context: &Arc<CeilingContext>,
    scenario: Scenario,
    connections: usize,
    duration: Duration,
    no_ceiling: bool,
) -> report::Row {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sampler = server.sample_peak(stop_rx);
    let http_target = target.clone();
    let http = load::run(connections, duration, move |worker, turn| {
        requests::send(http_target.clone(), scenario, worker, turn)
    })
    .await;
    let _ = stop_tx.send(true);
    let peak_rss_mb = sampler.await.unwrap_or(0.0);
    let ceiling = if no_ceiling {
        None
    } else {
        let context = ceiling_context.clone();
        Some(
            load::run(connections, duration, move |_, _| {
                let context = context.clone();
                async move {
                    ceiling::run_once(scenario, &context)
                        .await
                        .map_err(|error| format!("{error:#}"))
                }
            })
            .await,
        )
    };
    let app_to_ceiling = ceiling
        .as_ref()
        .filter(|c| c.per_second > 0.0)
        .map(|c| (http.per_second / c.per_second * 100.0).round() / 100.0);
    report::Row {
        scenario: scenario.name().to_string(),
        connections,
        http,
        peak_rss_mb,
        ceiling,
        app_to_ceiling,
    }
}
