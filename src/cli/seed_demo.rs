//! `ops-desktop seed-demo`: load the demo data (idempotent).

use crate::{
    config::Settings,
    db::Db,
    services::demo::{self, SeedOutcome},
};

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    let outcome = demo::seed(&db).await?;
    print_outcome(&outcome, &settings);
    db.close().await?;
    Ok(())
}

/// Tells a person what was loaded and how to sign in with it.
pub fn print_outcome(outcome: &SeedOutcome, settings: &Settings) {
    match outcome {
        SeedOutcome::Seeded {
            users,
            items,
            subtasks,
            templates,
        } => println!(
            "Loaded the demo data: {users} people, {items} work items, {subtasks} subtasks, {templates} templates."
        ),
        SeedOutcome::AlreadySeeded => println!("The demo data is already loaded; nothing changed."),
    }
    println!("Sign in at {}auth/signin with one of:", settings.auth_url);
    for (email, name, role) in demo::demo_accounts() {
        println!("  {email:<32} {name} ({role})");
    }
    println!("Every demo account's password is: {}", demo::DEMO_PASSWORD);
}
