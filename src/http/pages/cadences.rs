//! The cadences pages (docs/PRODUCT.md §6): everyone sees each recurring series and previews its next
//! occurrences; admins create, edit, pause, resume and delete them. A refused form is shown
//! again with the typed values and every problem next to its field.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, error_page, redirect_with_flash, render};
use crate::http::api::path_id::IdPath;
use crate::{
    app::App,
    db::time,
    domain::FieldErrors,
    http::extract::{CsrfForm, CurrentUser, RequireAdmin},
    services::{
        ServiceError,
        cadences::{self, CadenceInput},
        signin::ClientInfo,
    },
};

mod parts;

pub use parts::CadenceForm;
use parts::{CadenceRow, Choice, Lookups, PreviewRow, local_when};

#[derive(Template)]
#[template(path = "cadences.html")]
struct CadencesPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    is_admin: bool,
    timezone: &'a str,
    cadences: Vec<CadenceRow>,
    form: CadenceForm,
    templates: Vec<Choice>,
    owners: Vec<Choice>,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "cadence.html")]
struct CadencePage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    is_admin: bool,
    timezone: &'a str,
    cadence: CadenceRow,
    occurrences: Vec<PreviewRow>,
    form: CadenceForm,
    templates: Vec<Choice>,
    owners: Vec<Choice>,
    errors: FieldErrors,
}

/// The problems of `field`, as one sentence ("" when none).
fn field_error(errors: &FieldErrors, field: &str) -> String {
    errors
        .0
        .get(field)
        .map(|p| p.join("; "))
        .unwrap_or_default()
}

impl CadencesPage<'_> {
    fn error(&self, field: &str) -> String {
        field_error(&self.errors, field)
    }
}

impl CadencePage<'_> {
    fn error(&self, field: &str) -> String {
        field_error(&self.errors, field)
    }
}

async fn list_page(
    app: &App,
    user: &CurrentUser,
    headers: &HeaderMap,
    form: CadenceForm,
    errors: FieldErrors,
) -> Result<Response, ServiceError> {
    let chrome = Chrome::load(app, user, headers, "cadences").await;
    let lookups = Lookups::load(app).await?;
    let tz = app.settings.timezone;
    let now = time::now();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = CadencesPage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        is_admin: user.is_admin(),
        timezone: tz.name(),
        cadences: cadences::list(&app.db)
            .await?
            .iter()
            .map(|view| lookups.row(view, tz, now))
            .collect(),
        templates: lookups.template_choices(&form.template_id),
        owners: lookups.owner_choices(&form.owner_id),
        form,
        errors,
    };
    Ok(render(&app.settings, &chrome, status, &page))
}

async fn detail_page(
    app: &App,
    user: &CurrentUser,
    headers: &HeaderMap,
    id: Uuid,
    typed: Option<(CadenceForm, FieldErrors)>,
) -> Result<Response, ServiceError> {
    let view = cadences::get(&app.db, id).await?;
    let chrome = Chrome::load(app, user, headers, "cadences").await;
    let lookups = Lookups::load(app).await?;
    let tz = app.settings.timezone;
    let now = time::now();
    let preview = cadences::preview(&app.db, tz, id, cadences::DEFAULT_PREVIEW, now).await?;
    let (form, errors) =
        typed.unwrap_or_else(|| (CadenceForm::from_view(&view), FieldErrors::default()));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = CadencePage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        is_admin: user.is_admin(),
        timezone: tz.name(),
        cadence: lookups.row(&view, tz, now),
        occurrences: preview
            .occurrences
            .into_iter()
            .map(|o| PreviewRow {
                when: local_when(o.due_at, tz),
                key: o.cadence_key,
                created: o.created,
            })
            .collect(),
        templates: lookups.template_choices(&form.template_id),
        owners: lookups.owner_choices(&form.owner_id),
        form,
        errors,
    };
    Ok(render(&app.settings, &chrome, status, &page))
}

fn or_error_page(
    app: &App,
    user: &CurrentUser,
    headers: &HeaderMap,
    result: Result<Response, ServiceError>,
) -> Response {
    result.unwrap_or_else(|error| {
        error_page(
            &app.settings,
            &Chrome::new(Some(user), headers),
            error.into(),
        )
    })
}

/// `GET /cadences`
pub async fn get_cadences(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Response {
    let result = list_page(
        &app,
        &user,
        &headers,
        CadenceForm::blank(),
        FieldErrors::default(),
    )
    .await;
    or_error_page(&app, &user, &headers, result)
}

/// `POST /cadences` (admins): creates a cadence and opens it.
pub async fn post_cadences(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { mut form, .. }: CsrfForm<CadenceForm>,
) -> Response {
    let actor = client.actor_for(&admin);
    if let Err(errors) = form.resolve(true) {
        let result = list_page(&app, &admin, &headers, form, errors).await;
        return or_error_page(&app, &admin, &headers, result);
    }
    let result = match cadences::create(&app.db, &actor, app.settings.timezone, form.to_input(true))
        .await
    {
        Ok(created) => Ok(redirect_with_flash(
            &app.settings,
            &format!("/cadences/{}", created.id),
            "The cadence is saved. Its items are created as their dates come within the lead window.",
        )),
        Err(ServiceError::Invalid(errors)) => list_page(&app, &admin, &headers, form, errors).await,
        Err(error) => Err(error),
    };
    or_error_page(&app, &admin, &headers, result)
}

/// `GET /cadences/{id}`: the cadence and its next occurrences (and, for admins, its form).
pub async fn get_cadence(
    State(app): State<App>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
) -> Response {
    let result = detail_page(&app, &user, &headers, id, None).await;
    or_error_page(&app, &user, &headers, result)
}

/// `POST /cadences/{id}` (admins): saves the form; the slug cannot change.
pub async fn post_cadence(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
    headers: HeaderMap,
    CsrfForm { mut form, .. }: CsrfForm<CadenceForm>,
) -> Response {
    let actor = client.actor_for(&admin);
    // Cadences repeat on the organisation's calendar, whoever edits them.
    let tz = app.settings.timezone;
    if let Err(errors) = form.resolve(false) {
        let result = detail_page(&app, &admin, &headers, id, Some((form, errors))).await;
        return or_error_page(&app, &admin, &headers, result);
    }
    let result = match cadences::update(&app.db, &actor, tz, id, form.to_input(false)).await {
        Ok(_) => Ok(redirect_with_flash(
            &app.settings,
            &format!("/cadences/{id}"),
            "Saved. Items already created are unchanged; the next ones follow the new settings.",
        )),
        Err(ServiceError::Invalid(errors)) => {
            detail_page(&app, &admin, &headers, id, Some((form, errors))).await
        }
        Err(error) => Err(error),
    };
    or_error_page(&app, &admin, &headers, result)
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

/// `POST /cadences/{id}/active` (admins): pauses (`active=false`) or resumes a cadence.
pub async fn post_cadence_active(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<ActiveForm>,
) -> Response {
    let active = form.active == "true";
    let input = CadenceInput {
        active: Some(active),
        ..CadenceInput::default()
    };
    let actor = client.actor_for(&admin);
    match cadences::update(&app.db, &actor, app.settings.timezone, id, input).await {
        Ok(_) => redirect_with_flash(
            &app.settings,
            &format!("/cadences/{id}"),
            if active {
                "The cadence is running again."
            } else {
                "The cadence is paused: it creates nothing until resumed."
            },
        ),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&admin), &headers),
            error.into(),
        ),
    }
}

/// `POST /cadences/{id}/delete` (admins): deletes the cadence; its items stay.
pub async fn post_cadence_delete(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
    headers: HeaderMap,
    CsrfForm { .. }: CsrfForm<super::auth::EmptyForm>,
) -> Response {
    match cadences::delete(&app.db, &client.actor_for(&admin), id).await {
        Ok(()) => redirect_with_flash(
            &app.settings,
            "/cadences",
            "The cadence is deleted. The items it created remain.",
        ),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&admin), &headers),
            error.into(),
        ),
    }
}
