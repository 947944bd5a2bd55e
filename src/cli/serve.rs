//! `ops-desktop serve` (the default): the web server and the worker in one process.

use crate::{
    app::{Application, shutdown_signal},
    config::Settings,
    services::{demo, users},
};

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(settings).await?;
    let app = application.app().clone();
    // A first start on a development machine gets demo data, so there is something to look
    // at; its people get a fresh random password, shown once here.
    if super::seed_demo::demo_allowed(&app.settings)
        && users::count_users(app.db.conn()).await? == 0
    {
        let password = demo::random_password();
        let outcome = demo::seed(&app.db, &password).await?;
        super::seed_demo::print_outcome(&outcome, &app.settings, &password);
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
