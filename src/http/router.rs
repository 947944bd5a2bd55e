//! The application's routes and the middleware around them. Pages are listed here; the JSON
//! API's routes are declared resource by resource beside their handlers (`api/*.rs`, each
//! file's `routes()`), where one line gives a handler its access rule and its OpenAPI entry.
//! Every route goes through [`Routes`], which records who may use it (see `routes.rs`).

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request},
    middleware,
    response::{IntoResponse, Response},
};
use tower_http::{
    catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer,
};

use super::{
    MAX_BODY_BYTES,
    api::{self, health},
    edge,
    error::AppError,
    middleware::{self as mw, security_headers},
    pages::{admin_users, auth, profile, static_files},
    routes::{Access::*, ApiOperations, RouteInfo, Routes},
};
use crate::app::App;

/// Every route with its declared access.
fn routes() -> Routes {
    Routes::new()
        .merge(api::routes())
        // Operations and assets
        .get("/healthz", Public, health::get_healthz)
        .get("/readyz", Public, health::get_readyz)
        .get("/metrics", OwnAuth, super::api::metrics::get_metrics)
        .get("/static/{file}", Public, static_files::get_static)
        // Sign-in pages
        .get("/auth/signin", Public, auth::get_signin)
        .post("/auth/signin/email", Public, auth::post_signin_email)
        .post("/auth/signin/password", Public, auth::post_signin_password)
        .get("/auth/verify", Public, auth::get_verify)
        .post("/auth/verify", Public, auth::post_verify)
        .post("/auth/signout", SignedIn, auth::post_signout)
        .get(
            "/auth/confirm",
            SignedIn,
            super::pages::confirm::get_confirm,
        )
        .post(
            "/auth/confirm",
            SignedIn,
            super::pages::confirm::post_confirm,
        )
        // Pages
        .get("/", SignedIn, super::pages::dashboard::get_dashboard)
        .get("/profile", SignedIn, profile::get_profile)
        .post(
            "/profile/password",
            SignedIn,
            profile::post_profile_password,
        )
        .post("/profile/tokens", SignedIn, profile::post_profile_token)
        .post(
            "/profile/time-zone",
            SignedIn,
            super::pages::time_zone::post_time_zone,
        )
        .post(
            "/profile/tokens/{id}/revoke",
            SignedIn,
            profile::post_profile_token_revoke,
        )
        .post(
            "/profile/sessions/{id}/revoke",
            SignedIn,
            profile::post_profile_session_revoke,
        )
        .post(
            "/profile/sessions/revoke-all",
            SignedIn,
            profile::post_profile_sessions_revoke_all,
        )
        // Pages: work list, board, item, new item
        .get("/work", SignedIn, super::pages::work_list::get_work_list)
        .get("/work/new", SignedIn, super::pages::new_item::get_new_item)
        .post("/work/new", SignedIn, super::pages::new_item::post_new_item)
        .get("/work/{id}", SignedIn, super::pages::item::get_item)
        .post("/work/{id}", SignedIn, super::pages::item_save::post_item)
        .post(
            "/work/{id}/qc",
            SignedIn,
            super::pages::item_save::post_item,
        )
        .post(
            "/work/{id}/subtasks",
            SignedIn,
            super::pages::item_forms::post_item_subtask,
        )
        .post(
            "/work/{id}/comments",
            SignedIn,
            super::pages::item_forms::post_item_comment,
        )
        .post(
            "/work/{id}/messages",
            SignedIn,
            super::pages::item_forms::post_item_message,
        )
        .post(
            "/work/{id}/delete",
            Admin,
            super::pages::item_forms::post_item_delete,
        )
        .post(
            "/subtasks/{id}/toggle",
            SignedIn,
            super::pages::item_forms::post_subtask_toggle,
        )
        .post(
            "/subtasks/{id}/delete",
            SignedIn,
            super::pages::item_forms::post_subtask_delete,
        )
        .post(
            "/comments/{id}/delete",
            SignedIn,
            super::pages::item_forms::post_comment_delete,
        )
        .get("/board", SignedIn, super::pages::board::get_board)
        .post("/board/cards", SignedIn, super::pages::board::post_add_card)
        .get(
            "/board/cards/{id}",
            SignedIn,
            super::pages::board::get_board_card,
        )
        .post(
            "/board/cards/{id}/move",
            SignedIn,
            super::pages::board::post_move_card,
        )
        .get("/admin/rules", Admin, super::pages::admin_rules::get_rules)
        .post("/admin/rules", Admin, super::pages::admin_rules::post_rule)
        .post(
            "/admin/rules/{id}",
            Admin,
            super::pages::admin_rules::post_rule_update,
        )
        .post(
            "/admin/rules/{id}/delete",
            Admin,
            super::pages::admin_rules::post_rule_delete,
        )
        .get("/admin/users", Admin, admin_users::get_admin_users)
        .post("/admin/users", Admin, admin_users::post_admin_users)
        .post("/admin/users/{id}", Admin, admin_users::post_admin_user)
        .post(
            "/admin/users/{id}/sessions/revoke",
            Admin,
            admin_users::post_admin_user_sessions_revoke,
        )
        // Pages: dashboard, inbox, calendar, QC, stats, templates, audit
        .get("/inbox", SignedIn, super::pages::inbox::get_inbox)
        .post(
            "/inbox/read",
            SignedIn,
            super::pages::inbox::post_inbox_read,
        )
        .get("/calendar", SignedIn, super::pages::calendar::get_calendar)
        .get("/qc", SignedIn, super::pages::qc::get_qc_queue)
        .get("/stats", SignedIn, super::pages::stats::get_stats)
        .get(
            "/templates",
            SignedIn,
            super::pages::templates::get_templates,
        )
        .post("/templates", Admin, super::pages::templates::post_templates)
        .get(
            "/templates/new",
            Admin,
            super::pages::templates::get_template_new,
        )
        .get(
            "/templates/{id}/edit",
            Admin,
            super::pages::templates::get_template_edit,
        )
        .post(
            "/templates/{id}",
            Admin,
            super::pages::templates::post_template,
        )
        .get(
            "/templates/{id}/delete",
            Admin,
            super::pages::templates::get_template_delete,
        )
        .post(
            "/templates/{id}/delete",
            Admin,
            super::pages::templates::post_template_delete,
        )
        .get("/admin/audit", Admin, super::pages::audit::get_audit)
        // Cadences, calendar feeds
        .get("/cadences", SignedIn, super::pages::cadences::get_cadences)
        .post("/cadences", Admin, super::pages::cadences::post_cadences)
        .get(
            "/cadences/{id}",
            SignedIn,
            super::pages::cadences::get_cadence,
        )
        .post(
            "/cadences/{id}",
            Admin,
            super::pages::cadences::post_cadence,
        )
        .post(
            "/cadences/{id}/active",
            Admin,
            super::pages::cadences::post_cadence_active,
        )
        .post(
            "/cadences/{id}/delete",
            Admin,
            super::pages::cadences::post_cadence_delete,
        )
        .post(
            "/profile/notifications",
            SignedIn,
            profile::post_profile_notifications,
        )
        .post(
            "/profile/calendar-feeds",
            SignedIn,
            profile::post_profile_calendar_feed,
        )
        .post(
            "/profile/calendar-feeds/{id}/revoke",
            SignedIn,
            profile::post_profile_calendar_feed_revoke,
        )
        // The ICS feed: `/calendar/<token>.ics` (the router cannot match a suffix after a
        // parameter, so the handler strips `.ics`).
        .get(
            "/calendar/{token}",
            OwnAuth,
            super::api::calendar_feeds::get_calendar_feed,
        )
        // Events and HighLevel
        .get("/events", SignedIn, super::pages::events::get_events)
        .get(
            "/events/{id}",
            SignedIn,
            super::pages::event_detail::get_event,
        )
        .post(
            "/events/{id}/convert",
            SignedIn,
            super::pages::events::post_event_convert,
        )
        .post(
            "/events/{id}/dismiss",
            SignedIn,
            super::pages::events::post_event_dismiss,
        )
        .post(
            "/events/{id}/retry",
            SignedIn,
            super::pages::events::post_event_retry,
        )
}

/// The declared routes, for the route-matrix test and documentation.
pub fn route_table() -> Vec<RouteInfo> {
    routes().into_parts().1
}

/// The API's OpenAPI operations, as its routes declare them (for [`api::openapi::document`]).
pub fn api_operations() -> ApiOperations {
    routes().into_parts().2
}

/// Builds the router with its middleware, ready to serve.
pub fn build(app: App, extra_routes: Router<App>) -> Router {
    let https = app.settings.serves_https();
    let trusted_proxies = std::sync::Arc::new(app.settings.trusted_proxies.clone());
    let auditing = app.clone();
    let request_limit = app.settings.timeouts.request;
    let (declared, _, _) = routes().into_parts();
    let routes = declared
        .merge(extra_routes)
        .route_layer(middleware::from_fn(mw::record_matched_route))
        .fallback(not_found)
        .with_state(app);

    let mut router = routes
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Inside the body limit, so it never buffers more than the limit allows.
        .layer(middleware::from_fn(edge::reject_control_characters))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(edge::count_refused_webhooks))
        .layer(CatchPanicLayer::custom(mw::panic_response))
        .layer(middleware::from_fn_with_state(
            request_limit,
            mw::time_limit,
        ))
        .layer(middleware::from_fn(mw::json_errors_for_api))
        .layer(middleware::from_fn(mw::html_errors_for_pages))
        .layer(middleware::from_fn(edge::no_store_when_signed_in))
        .layer(middleware::from_fn_with_state(
            auditing,
            edge::audit_refusals,
        ));
    for (name, value) in security_headers(https) {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    router.layer(middleware::from_fn_with_state(trusted_proxies, mw::observe))
}

/// Unknown paths: JSON 404 under `/api`, a friendly page elsewhere (in the signed-in frame
/// when the visitor is signed in; a failed session lookup just shows the anonymous frame).
async fn not_found(
    axum::extract::State(app): axum::extract::State<App>,
    user: Result<super::extract::MaybeUser, Response>,
    request: Request,
) -> Response {
    if super::extract::is_api_path(request.uri().path()) {
        return AppError::NotFound.into_response();
    }
    let headers = request.headers();
    let chrome = match user {
        Ok(super::extract::MaybeUser(Some(user))) => {
            super::pages::Chrome::load(&app, &user, headers, "").await
        }
        _ => super::pages::Chrome::new(None, headers),
    };
    super::pages::errors::not_found_page(&app.settings, &chrome)
}
