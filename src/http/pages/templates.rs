//! The templates pages (docs/PRODUCT.md §6): everyone sees every template with its subtasks and
//! checklist; admins create, edit and delete them. Deleting asks for confirmation on its own
//! page first. A refused form is shown again with the typed values and every problem.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use uuid::Uuid;

use super::{
    Chrome, error_page,
    item_rows::Names,
    redirect_with_flash, render,
    template_form::{FormChoices, TemplateForm},
};
use crate::http::api::path_id::IdPath;
use crate::{
    app::App,
    domain::{
        FieldErrors,
        ids::TemplateId,
        markdown,
        work_item::{DeliverableType, ItemType, Priority},
    },
    http::{
        error::AppError,
        extract::{CsrfForm, CurrentUser, RequireAdmin},
        pages::auth::EmptyForm,
    },
    services::{
        ServiceError, people,
        signin::ClientInfo,
        templates::{self, TemplateView},
    },
};

/// A subtask as the list shows it: its title and when it is due relative to the item.
struct Step {
    title: String,
    when: String,
}

/// A template as the list shows it.
struct TemplateCard {
    id: Uuid,
    name: String,
    kind: ItemType,
    deliverable: Option<DeliverableType>,
    priority: Priority,
    tags: Vec<String>,
    needs_proofing: bool,
    checklist: Vec<String>,
    owner: Option<String>,
    duration_days: i32,
    description_html: String,
    steps: Vec<Step>,
}

fn offset_words(days: i32) -> String {
    match days {
        0 => "on the due date".to_string(),
        1 => "1 day after the due date".to_string(),
        -1 => "1 day before the due date".to_string(),
        d if d < 0 => format!("{} days before the due date", -d),
        d => format!("{d} days after the due date"),
    }
}

impl TemplateCard {
    fn new(template: TemplateView, names: &Names) -> TemplateCard {
        TemplateCard {
            id: template.id,
            kind: template.item_type,
            deliverable: template.deliverable_type,
            priority: template.priority,
            owner: names.get(template.default_owner_id),
            description_html: markdown::render(&template.description),
            steps: template
                .subtasks
                .iter()
                .map(|s| Step {
                    title: s.title.clone(),
                    when: offset_words(s.due_offset_days),
                })
                .collect(),
            checklist: template.qc_checklist.into_iter().map(|c| c.label).collect(),
            name: template.name,
            tags: template.tags,
            needs_proofing: template.needs_proofing,
            duration_days: template.duration_days,
        }
    }
}

#[derive(Template)]
#[template(path = "templates.html")]
struct TemplatesPage<'a> {
    chrome: &'a Chrome,
    is_admin: bool,
    templates: Vec<TemplateCard>,
}

#[derive(Template)]
#[template(path = "template_edit.html")]
struct EditPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    /// `None` while creating.
    id: Option<Uuid>,
    form: TemplateForm,
    choices: FormChoices,
    errors: FieldErrors,
}

impl EditPage<'_> {
    /// The problems of `field`, as one sentence (empty when there are none).
    fn error(&self, field: &str) -> String {
        self.errors
            .0
            .get(field)
            .map(|problems| problems.join("; "))
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "template_delete.html")]
struct DeletePage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    id: Uuid,
    name: String,
}

/// `GET /templates`
pub async fn get_templates(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "templates").await;
    let result = async {
        let all = templates::list(&app.db).await?;
        let names = Names::load(&app).await?;
        let page = TemplatesPage {
            chrome: &chrome,
            is_admin: user.is_admin(),
            templates: all
                .into_iter()
                .map(|t| TemplateCard::new(t, &names))
                .collect(),
        };
        Ok::<_, ServiceError>(render(&app.settings, &chrome, StatusCode::OK, &page))
    }
    .await;
    result.unwrap_or_else(|error| error_page(&app.settings, &chrome, error.into()))
}

/// The create or edit form, filled with `form`, showing `errors`.
async fn edit_page(
    app: &App,
    admin: &CurrentUser,
    chrome: &Chrome,
    id: Option<Uuid>,
    form: TemplateForm,
    errors: FieldErrors,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    match people::list(app.db.conn(), false).await {
        Ok(everyone) => {
            let page = EditPage {
                chrome,
                csrf: admin.csrf_token(),
                id,
                choices: FormChoices::new(&form, &everyone),
                form,
                errors,
            };
            render(&app.settings, chrome, status, &page)
        }
        Err(error) => error_page(&app.settings, chrome, error.into()),
    }
}

/// `GET /templates/new` (admins)
pub async fn get_template_new(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    headers: HeaderMap,
) -> Response {
    let chrome = Chrome::load(&app, &admin, &headers, "templates").await;
    edit_page(
        &app,
        &admin,
        &chrome,
        None,
        TemplateForm::blank(),
        FieldErrors::default(),
    )
    .await
}

/// `GET /templates/{id}/edit` (admins)
pub async fn get_template_edit(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    IdPath(id): IdPath,
    headers: HeaderMap,
) -> Response {
    let chrome = Chrome::load(&app, &admin, &headers, "templates").await;
    match templates::get(&app.db, TemplateId(id)).await {
        Ok(template) => {
            let form = TemplateForm::from_view(&template);
            edit_page(
                &app,
                &admin,
                &chrome,
                Some(id),
                form,
                FieldErrors::default(),
            )
            .await
        }
        Err(error) => error_page(&app.settings, &chrome, error.into()),
    }
}

/// After a save: back to the list with a message, or the form again with its problems.
async fn saved_or_form(
    app: &App,
    admin: &CurrentUser,
    headers: &HeaderMap,
    id: Option<Uuid>,
    form: TemplateForm,
    result: Result<TemplateView, ServiceError>,
) -> Response {
    match result {
        Ok(saved) => {
            let verb = if id.is_some() { "Saved" } else { "Created" };
            redirect_with_flash(
                &app.settings,
                "/templates",
                &format!("{verb} the template “{}”.", saved.name),
            )
        }
        Err(ServiceError::Invalid(errors)) => {
            let chrome = Chrome::load(app, admin, headers, "templates").await;
            edit_page(app, admin, &chrome, id, form, errors).await
        }
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(admin), headers),
            error.into(),
        ),
    }
}

/// `POST /templates` (admins): creates a template.
pub async fn post_templates(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<TemplateForm>,
) -> Response {
    let result = match form.to_input() {
        Ok(input) => templates::create(&app.db, &client.actor_for(&admin), input).await,
        Err(errors) => Err(ServiceError::Invalid(errors)),
    };
    saved_or_form(&app, &admin, &headers, None, form, result).await
}

/// `POST /templates/{id}` (admins): saves the edit form (every field; subtasks replaced).
pub async fn post_template(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<TemplateForm>,
) -> Response {
    let result = match form.to_input() {
        Ok(input) => {
            templates::update(&app.db, &client.actor_for(&admin), TemplateId(id), input).await
        }
        Err(errors) => Err(ServiceError::Invalid(errors)),
    };
    saved_or_form(&app, &admin, &headers, Some(id), form, result).await
}

/// `GET /templates/{id}/delete` (admins): asks before deleting.
pub async fn get_template_delete(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    IdPath(id): IdPath,
    headers: HeaderMap,
) -> Response {
    let chrome = Chrome::load(&app, &admin, &headers, "templates").await;
    match templates::get(&app.db, TemplateId(id)).await {
        Ok(template) => {
            let page = DeletePage {
                chrome: &chrome,
                csrf: admin.csrf_token(),
                id,
                name: template.name,
            };
            render(&app.settings, &chrome, StatusCode::OK, &page)
        }
        Err(error) => error_page(&app.settings, &chrome, error.into()),
    }
}

/// `POST /templates/{id}/delete` (admins): deletes, once confirmed on the page above. A
/// template a cadence uses is refused with the reason.
pub async fn post_template_delete(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { .. }: CsrfForm<EmptyForm>,
) -> Response {
    let name = match templates::get(&app.db, TemplateId(id)).await {
        Ok(template) => template.name,
        Err(error) => {
            return error_page(
                &app.settings,
                &Chrome::new(Some(&admin), &headers),
                error.into(),
            );
        }
    };
    match templates::delete(&app.db, &client.actor_for(&admin), TemplateId(id)).await {
        Ok(()) => redirect_with_flash(
            &app.settings,
            "/templates",
            &format!("Deleted the template “{name}”."),
        ),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&admin), &headers),
            AppError::from(error),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::offset_words;

    #[test]
    fn offsets_read_as_sentences() {
        assert_eq!(offset_words(0), "on the due date");
        assert_eq!(offset_words(-1), "1 day before the due date");
        assert_eq!(offset_words(-5), "5 days before the due date");
        assert_eq!(offset_words(2), "2 days after the due date");
    }
}
