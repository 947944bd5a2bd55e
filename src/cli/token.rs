//! `ops-desktop token create`: a personal API token for automation, printed once.

use clap::Subcommand;

use crate::{
    auth::api_tokens,
    config::Settings,
    db::Db,
    domain::{ids::UserId, user::Email},
    services::{audit::Actor, users},
};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; the token alone is printed on the last line.
    Create {
        /// Whose token it is.
        #[arg(long)]
        email: String,
        /// What it is for, e.g. "nightly export".
        #[arg(long)]
        name: String,
    },
}

pub async fn run(settings: Settings, command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create { email, name } = command;
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = users::find_by_email(db.conn(), &email)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .filter(|user| user.active)
        .ok_or_else(|| anyhow::anyhow!("no active user has the email {email}"))?;
    let (token, _) = api_tokens::create(&db, &Actor::system(), UserId(user.id), &name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    db.close().await?;
    println!(
        "Created API token \"{}\" for {}. It is shown only once:",
        name.trim(),
        user.email
    );
    println!("{token}");
    Ok(())
}
