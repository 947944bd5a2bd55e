//! `ops-desktop serve` (the default): the web server and the worker in one process.

use crate::{
    app::{Application, shutdown_signal},
    config::Settings,
    services::{demo, users},
};

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(settings).await?;
    let app = application.app().clone();
    // A first start in development gets demo data, so there is something to look at.
    if !app.settings.is_production() && users::count_users(app.db.conn()).await? == 0 {
        let outcome = demo::seed(&app.db).await?;
        super::seed_demo::print_outcome(&outcome, &app.settings);
    }
    tracing::info!(
        address = %application.local_addr(),
        database = %app.settings.database_url.describe(),
        environment = %app.settings.environment,
        "OPS Desktop is serving"
    );
    println!("OPS Desktop is serving at {}", app.settings.auth_url);
    drop(app);
    application.run_until_stopped(shutdown_signal()).await
}
