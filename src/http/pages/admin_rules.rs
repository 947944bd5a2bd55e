//! `/admin/rules`: the integration rules as forms (the API is `/api/admin/integration-rules`).

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Chrome, error_page, redirect_with_flash, render};
use crate::{
    app::App,
    http::{
        api::path_id::IdPath,
        extract::{CsrfForm, RequireAdmin},
    },
    services::{
        ServiceError,
        events::rules::{self, RuleInput},
        signin::ClientInfo,
        templates,
    },
};

/// A rule as its form shows it.
struct RuleRow {
    id: String,
    name: String,
    event_type: String,
    action: String,
    template_id: Option<String>,
    when: String,
    position: i32,
    active: bool,
}

const ACTIONS: &[(&str, &str)] = &[
    ("CREATE_FROM_TEMPLATE", "Create items from a template"),
    ("UPSERT_EVENT_ITEM", "Create or move an event item"),
    (
        "ATTACH_MESSAGE",
        "Attach a client message to their open item",
    ),
    ("TRIAGE", "Wait in triage"),
];

#[derive(Template)]
#[template(path = "admin_rules.html")]
struct RulesPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    rules: Vec<RuleRow>,
    blank: Vec<RuleRow>,
    actions: Vec<(&'static str, &'static str)>,
    templates: Vec<(String, String)>,
}

/// `GET /admin/rules`
pub async fn get_rules(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    headers: HeaderMap,
) -> Response {
    let chrome = Chrome::load(&app, &admin, &headers, "rules").await;
    let loaded = async {
        Ok::<_, ServiceError>((rules::list(&app.db).await?, templates::list(&app.db).await?))
    }
    .await;
    let (rule_list, template_list) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let next_position = rule_list.iter().map(|r| r.position).max().unwrap_or(0) + 10;
    let page = RulesPage {
        chrome: &chrome,
        csrf: admin.csrf_token(),
        rules: rule_list
            .into_iter()
            .map(|r| RuleRow {
                id: r.id.to_string(),
                when: r
                    .config
                    .get("when")
                    .map(Value::to_string)
                    .unwrap_or_default(),
                name: r.name,
                event_type: r.event_type,
                action: r.action,
                template_id: r.template_id.map(|id| id.to_string()),
                position: r.position,
                active: r.active,
            })
            .collect(),
        blank: vec![RuleRow {
            id: "new".into(),
            name: String::new(),
            event_type: String::new(),
            action: "TRIAGE".into(),
            template_id: None,
            when: String::new(),
            position: next_position,
            active: true,
        }],
        actions: ACTIONS.to_vec(),
        templates: template_list
            .into_iter()
            .map(|t| (t.id.to_string(), t.name))
            .collect(),
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct RuleForm {
    name: Option<String>,
    event_type: Option<String>,
    action: Option<String>,
    template_id: Option<String>,
    when: Option<String>,
    position: Option<String>,
    active: Option<String>,
}

/// The form as the service's input; a malformed "only when" is reported, not ignored.
fn input(form: RuleForm) -> Result<RuleInput, String> {
    let when = form.when.unwrap_or_default();
    let config = if when.trim().is_empty() {
        json!({})
    } else {
        let parsed: Value = serde_json::from_str(&when).map_err(|_| {
            "“Only when” must be a JSON object such as {\"status\": \"won\"}".to_string()
        })?;
        json!({"when": parsed})
    };
    let position = match form
        .position
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(raw) => Some(
            raw.parse::<i32>()
                .map_err(|_| "position must be a whole number".to_string())?,
        ),
        None => None,
    };
    Ok(RuleInput {
        name: form.name,
        event_type: form.event_type,
        action: form.action,
        template_id: Some(form.template_id.filter(|t| !t.is_empty())),
        config: Some(config),
        active: Some(form.active.as_deref() == Some("true")),
        position,
    })
}

fn outcome(app: &App, result: Result<(), ServiceError>, done: &str) -> Response {
    match result {
        Ok(()) => redirect_with_flash(&app.settings, "/admin/rules", done),
        Err(ServiceError::Invalid(fields)) => {
            let text = super::field_words::problems(&fields);
            super::redirect_with_error(&app.settings, "/admin/rules", &format!("Not saved: {text}"))
        }
        Err(ServiceError::Conflict(reason)) => super::redirect_with_error(
            &app.settings,
            "/admin/rules",
            &format!("Not saved: {reason}"),
        ),
        Err(ServiceError::NotFound) => {
            super::redirect_with_error(&app.settings, "/admin/rules", "That rule no longer exists.")
        }
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(None, &HeaderMap::new()),
            error.into(),
        ),
    }
}

/// `POST /admin/rules`
pub async fn post_rule(
    State(app): State<App>,
    RequireAdmin(_admin): RequireAdmin,
    client: ClientInfo,
    CsrfForm { user, form }: CsrfForm<RuleForm>,
) -> Response {
    let result = match input(form) {
        Ok(input) => rules::create(&app.db, &client.actor_for(&user), input)
            .await
            .map(|_| ()),
        Err(problem) => Err(ServiceError::invalid("when", problem)),
    };
    outcome(&app, result, "Rule added.")
}

/// `POST /admin/rules/{id}`
pub async fn post_rule_update(
    State(app): State<App>,
    RequireAdmin(_admin): RequireAdmin,
    IdPath(id): IdPath,
    client: ClientInfo,
    CsrfForm { user, form }: CsrfForm<RuleForm>,
) -> Response {
    let result = match input(form) {
        Ok(input) => rules::update(&app.db, &client.actor_for(&user), id, input)
            .await
            .map(|_| ()),
        Err(problem) => Err(ServiceError::invalid("when", problem)),
    };
    outcome(&app, result, "Rule saved.")
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    confirm: Option<String>,
}

/// `POST /admin/rules/{id}/delete`: only with the confirmation box ticked.
pub async fn post_rule_delete(
    State(app): State<App>,
    RequireAdmin(_admin): RequireAdmin,
    IdPath(id): IdPath,
    client: ClientInfo,
    CsrfForm { user, form }: CsrfForm<ConfirmForm>,
) -> Response {
    if form.confirm.as_deref() != Some("yes") {
        return redirect_with_flash(
            &app.settings,
            "/admin/rules",
            "Tick the confirmation box to delete.",
        );
    }
    outcome(
        &app,
        rules::delete(&app.db, &client.actor_for(&user), id).await,
        "Rule deleted.",
    )
}
