//! `/work/new`: create an item, blank or from a template.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;

use super::{Chrome, error_page, item_forms::local_time, present, redirect_with_flash, render};
use crate::{
    app::App,
    domain::work_item::{DeliverableType, ItemType, Priority},
    http::extract::{CsrfForm, CurrentUser},
    services::{
        ServiceError,
        signin::ClientInfo,
        templates,
        work_items::{self, input::NewWorkItem},
    },
};

#[derive(Template)]
#[template(path = "new_item.html")]
struct NewItemPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    templates: Vec<(String, String)>,
    chosen_template: Option<String>,
    title: String,
    people: Vec<(String, String)>,
    types: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    deliverables: Vec<(&'static str, &'static str)>,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NewItemQuery {
    template: Option<String>,
}

async fn page(
    app: &App,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    chosen: Option<String>,
    title: String,
    problem: Option<String>,
) -> Response {
    let chrome = Chrome::load(app, user, headers, "work").await;
    let loaded = async {
        let templates = templates::list(&app.db).await?;
        let names = present::names(app).await?;
        Ok::<_, ServiceError>((templates, names))
    }
    .await;
    let (template_list, names) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let mut people: Vec<(String, String)> = names
        .into_iter()
        .map(|(id, n)| (id.to_string(), n))
        .collect();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    let view = NewItemPage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        templates: template_list
            .into_iter()
            .map(|t| (t.id.to_string(), t.name))
            .collect(),
        chosen_template: chosen,
        title,
        people,
        types: ItemType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
        priorities: Priority::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        deliverables: DeliverableType::ALL
            .iter()
            .map(|d| (d.as_str(), d.label()))
            .collect(),
        problem,
    };
    render(&app.settings, &chrome, status, &view)
}

/// `GET /work/new`
pub async fn get_new_item(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<NewItemQuery>,
) -> Response {
    page(
        &app,
        &user,
        &headers,
        StatusCode::OK,
        query.template,
        String::new(),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct NewItemForm {
    template_id: Option<String>,
    title: Option<String>,
    #[serde(rename = "type")]
    item_type: Option<String>,
    priority: Option<String>,
    owner_id: Option<String>,
    start_at: Option<String>,
    due_at: Option<String>,
    client: Option<String>,
    deliverable_type: Option<String>,
    tags: Option<String>,
    description: Option<String>,
}

fn filled(raw: Option<String>) -> Option<String> {
    raw.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// `POST /work/new`
pub async fn post_new_item(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<NewItemForm>,
) -> Response {
    let tz = super::zone(&app, &user);
    let chosen = filled(form.template_id.clone());
    let title_echo = form.title.clone().unwrap_or_default();
    let mut skipped = crate::domain::FieldErrors::default();
    let mut time = |field: &str, raw: Option<&str>| {
        local_time(raw, tz)
            .map_err(|problem| skipped.add(field, problem))
            .unwrap_or_default()
    };
    let (start_at, due_at) = (
        time("startAt", form.start_at.as_deref()),
        time("dueAt", form.due_at.as_deref()),
    );
    if !skipped.is_empty() {
        let text = super::field_words::problems(&skipped);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(
            &app,
            &user,
            &headers,
            status,
            chosen,
            title_echo,
            Some(text),
        )
        .await;
    }
    let input = NewWorkItem {
        template_id: chosen.clone(),
        title: filled(form.title),
        item_type: filled(form.item_type),
        priority: filled(form.priority),
        owner_id: filled(form.owner_id),
        start_at,
        due_at,
        client: filled(form.client),
        deliverable_type: filled(form.deliverable_type),
        tags: filled(form.tags).map(|t| {
            t.split([' ', ','])
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        }),
        description: filled(form.description),
        ..Default::default()
    };
    match work_items::create(&app.db, &client.actor_for(&user), input).await {
        Ok(item) => redirect_with_flash(
            &app.settings,
            &format!("/work/{}", item.id),
            "Item created.",
        ),
        Err(ServiceError::Invalid(fields)) => {
            let text = super::field_words::problems(&fields);
            page(
                &app,
                &user,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                chosen,
                title_echo,
                Some(text),
            )
            .await
        }
        Err(ServiceError::Conflict(reason)) => {
            page(
                &app,
                &user,
                &headers,
                StatusCode::CONFLICT,
                chosen,
                title_echo,
                Some(reason),
            )
            .await
        }
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}
