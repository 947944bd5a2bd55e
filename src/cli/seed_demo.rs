//! `ops-desktop seed-demo`: load the demo data (idempotent). Demo people get a random
//! password, printed once; production refuses, and so does a server reachable from other
//! machines unless `DEMO_MODE=true` says that is meant.

use crate::{
    config::Settings,
    db::Db,
    services::demo::{self, SeedOutcome},
};

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    if settings.is_production() {
        anyhow::bail!("demo data is refused in production (OPS_ENV=production)");
    }
    if !demo_allowed(&settings) {
        anyhow::bail!(
            "demo data on a server others can reach ({}) needs DEMO_MODE=true",
            settings.bind_addr
        );
    }
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    let password = demo::random_password();
    let outcome = demo::seed(&db, &password).await?;
    print_outcome(&outcome, &settings, &password);
    db.close().await?;
    Ok(())
}

/// Demo people (with a password someone was shown) belong on a development machine: a
/// loopback address, or any address when `DEMO_MODE=true` asks for a demo server.
pub fn demo_allowed(settings: &Settings) -> bool {
    !settings.is_production() && (settings.bind_addr.ip().is_loopback() || settings.demo_mode)
}

/// Tells a person what was loaded and how to sign in with it; the password only when it was
/// just given to the demo people.
pub fn print_outcome(outcome: &SeedOutcome, settings: &Settings, password: &str) {
    match outcome {
        SeedOutcome::Seeded {
            users,
            items,
            subtasks,
            templates,
        } => println!(
            "Loaded the demo data: {users} people, {items} work items, {subtasks} subtasks, {templates} templates."
        ),
        SeedOutcome::AlreadySeeded => {
            println!("The demo data is already loaded; nothing changed.");
            return;
        }
    }
    println!("Sign in at {}auth/signin with one of:", settings.auth_url);
    for (email, name, role) in demo::demo_accounts() {
        println!("  {email:<32} {name} ({role})");
    }
    println!("Every demo account's password is: {password}");
    println!("It is shown only this once.");
}
