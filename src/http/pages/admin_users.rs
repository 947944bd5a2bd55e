//! The people admin page: invite, change role, deactivate and reactivate, sign out everywhere.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;

use super::{Chrome, error_page, redirect_with_flash, render};
use crate::http::api::path_id::IdPath;
use crate::{
    app::App,
    db::entities::user,
    domain::user::Role,
    http::{extract::RequireAdmin, reauth::ConfirmableForm},
    services::{
        people::{self, PersonChanges},
        signin::ClientInfo,
        users::NewUser,
    },
};

#[derive(Template)]
#[template(path = "admin_users.html")]
struct PeoplePage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    people: Vec<user::Model>,
}

/// `GET /admin/users`
pub async fn get_admin_users(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    headers: HeaderMap,
) -> Response {
    // The full frame: the People entry highlighted and the unread count shown.
    let chrome = Chrome::load(&app, &admin, &headers, "people").await;
    match people::list(app.db.conn(), true).await {
        Ok(people) => {
            let page = PeoplePage {
                chrome: &chrome,
                csrf: admin.csrf_token(),
                people,
            };
            render(&app.settings, &chrome, StatusCode::OK, &page)
        }
        Err(error) => error_page(&app.settings, &chrome, error.into()),
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
    name: String,
    role: String,
}

/// `POST /admin/users`: creates the person and emails them a sign-in link.
pub async fn post_admin_users(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    headers: HeaderMap,
    mut sent: ConfirmableForm<InviteForm>,
) -> Response {
    // Making someone an admin hands out authority: it needs a recent sign-in.
    if sent.form.role == Role::Admin.as_str()
        && let Err(page) = sent.confirmed(&app).await
    {
        return page;
    }
    let form = sent.form;
    let new_user = NewUser {
        email: form.email,
        name: form.name,
        role: form.role,
        password: None,
    };
    match people::invite(
        &app.db,
        app.mailer.clone(),
        &app.settings,
        admin.id,
        &client,
        new_user,
    )
    .await
    {
        Ok(created) => redirect_with_flash(
            &app.settings,
            "/admin/users",
            &format!("Invitation sent to {}.", created.email),
        ),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&admin), &headers),
            error.into(),
        ),
    }
}

#[derive(Deserialize)]
pub struct PersonForm {
    name: Option<String>,
    role: Option<String>,
    active: Option<String>,
}

/// `POST /admin/users/{id}`
pub async fn post_admin_user(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    mut sent: ConfirmableForm<PersonForm>,
) -> Response {
    let changes = PersonChanges {
        name: sent.form.name.clone(),
        role: sent.form.role.clone(),
        active: sent.form.active.as_deref().map(|v| v == "true"),
    };
    // A rename goes straight through; a change of role or activation needs a recent sign-in.
    match people::changes_authority(app.db.conn(), id, &changes).await {
        Ok(true) => {
            if let Err(page) = sent.confirmed(&app).await {
                return page;
            }
        }
        Ok(false) => {}
        Err(error) => {
            let chrome = Chrome::new(Some(&admin), &headers);
            return error_page(&app.settings, &chrome, error.into());
        }
    }
    let recent = sent.user.signed_in_recently();
    match people::update(&app.db, admin.id, &client, id, changes, recent).await {
        Ok(updated) => redirect_with_flash(
            &app.settings,
            "/admin/users",
            &format!("Saved {}.", updated.name),
        ),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&admin), &headers),
            error.into(),
        ),
    }
}

#[derive(Deserialize)]
pub struct EndSessionsForm {
    /// The confirmation checkbox: signing someone out is not undone by a second click.
    confirm: Option<String>,
}

/// `POST /admin/users/{id}/sessions/revoke`: signs the person out everywhere, once confirmed.
pub async fn post_admin_user_sessions_revoke(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    mut sent: ConfirmableForm<EndSessionsForm>,
) -> Response {
    if let Err(page) = sent.confirmed(&app).await {
        return page;
    }
    let form = sent.form;
    if form.confirm.as_deref() != Some("yes") {
        return redirect_with_flash(
            &app.settings,
            "/admin/users",
            "Nothing changed: tick the confirmation to sign someone out everywhere.",
        );
    }
    match people::end_sessions(&app.db, admin.id, &client, id).await {
        Ok(ended) => redirect_with_flash(
            &app.settings,
            "/admin/users",
            &format!("Signed out everywhere: {ended} session(s) ended."),
        ),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&admin), &headers),
            error.into(),
        ),
    }
}
