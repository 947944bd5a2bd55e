//! `ops-desktop user ...`: create people and set passwords from a shell.

use std::io::Read;

use clap::{Subcommand, ValueEnum};

use crate::{
    config::Settings,
    db::Db,
    services::{
        ServiceError,
        users::{self, NewUser},
    },
};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an active user.
    Create {
        /// Their email address (sign-in links go there).
        #[arg(long)]
        email: String,
        /// Their display name.
        #[arg(long)]
        name: String,
        /// What they may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read a password from standard input (otherwise they sign in by email link).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password, read from standard input.
    SetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Staff,
}

pub async fn run(settings: Settings, command: UserCommand) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    let result = match command {
        UserCommand::Create {
            email,
            name,
            role,
            password_stdin,
        } => {
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let role = match role {
                RoleArg::Admin => "ADMIN",
                RoleArg::Staff => "STAFF",
            };
            let new_user = NewUser {
                email,
                name,
                role: role.to_string(),
                password,
            };
            users::create_user(&db, new_user).await.map(|user| {
                println!(
                    "Created {} <{}> as {} (id {}).",
                    user.name, user.email, user.role, user.id
                );
            })
        }
        UserCommand::SetPassword { email } => {
            let password = read_password()?;
            users::set_password(&db, &email, &password)
                .await
                .map(|()| println!("Password set for {email}."))
        }
    };
    db.close().await?;
    result.map_err(describe)
}

/// One line from standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    Ok(input.trim_end_matches(['\r', '\n']).to_string())
}

/// Turns a service refusal into a sentence for the terminal.
fn describe(error: ServiceError) -> anyhow::Error {
    match error {
        ServiceError::Invalid(fields) => {
            let lines: Vec<String> = fields
                .0
                .iter()
                .map(|(field, problems)| format!("{field}: {}", problems.join("; ")))
                .collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        }
        ServiceError::NotFound => anyhow::anyhow!("no user has that email address"),
        other => anyhow::anyhow!("{other}"),
    }
}
