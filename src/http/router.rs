//! Every route of the application, in one place, so a grep finds any path. Routes are added
//! through [`Routes`], which records who may use each one (see `routes.rs`).

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
    api::{health, me, openapi, users, work_items},
    error::AppError,
    middleware::{self as mw, security_headers},
    pages::{admin_users, auth, home, profile, static_files},
    routes::{Access::*, RouteInfo, Routes},
};
use crate::app::App;

/// Every route with its declared access.
fn routes() -> Routes {
    Routes::new()
        // Operations and assets
        .get("/healthz", Public, health::get_healthz)
        .get("/readyz", Public, health::get_readyz)
        .get("/static/{file}", Public, static_files::get_static)
        // Sign-in pages
        .get("/auth/signin", Public, auth::get_signin)
        .post("/auth/signin/email", Public, auth::post_signin_email)
        .post("/auth/signin/password", Public, auth::post_signin_password)
        .get("/auth/verify", Public, auth::get_verify)
        .post("/auth/verify", Public, auth::post_verify)
        .post("/auth/signout", SignedIn, auth::post_signout)
        // Pages
        .get("/", SignedIn, home::get_home)
        .get("/profile", SignedIn, profile::get_profile)
        .post(
            "/profile/password",
            SignedIn,
            profile::post_profile_password,
        )
        .post("/profile/tokens", SignedIn, profile::post_profile_token)
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
        // Pages: work list, board, item, new item (issue 5)
        .get("/work", SignedIn, super::pages::work_list::get_work_list)
        .get("/work/new", SignedIn, super::pages::new_item::get_new_item)
        .post("/work/new", SignedIn, super::pages::new_item::post_new_item)
        .get("/work/{id}", SignedIn, super::pages::item::get_item)
        .post(
            "/work/{id}",
            SignedIn,
            super::pages::item_forms::post_item_fields,
        )
        .post(
            "/work/{id}/qc",
            SignedIn,
            super::pages::item_forms::post_item_qc,
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
        .get("/api/stream", SignedIn, super::api::stream::get_stream)
        .get("/admin/users", Admin, admin_users::get_admin_users)
        .post("/admin/users", Admin, admin_users::post_admin_users)
        .post("/admin/users/{id}", Admin, admin_users::post_admin_user)
        // API: me and access
        .get("/api/me", SignedIn, me::get_me)
        .get("/api/tokens", SignedIn, me::list_tokens)
        .post("/api/tokens", SignedIn, me::create_token)
        .delete("/api/tokens/{id}", SignedIn, me::delete_token)
        .get("/api/sessions", SignedIn, me::list_sessions)
        .delete("/api/sessions/{id}", SignedIn, me::delete_session)
        .post(
            "/api/sessions/revoke-all",
            SignedIn,
            me::revoke_all_sessions,
        )
        // API: people
        .get("/api/users", SignedIn, users::list_users)
        .post("/api/admin/users", Admin, users::create_user)
        .patch("/api/admin/users/{id}", Admin, users::patch_user)
        // API: documentation (signed in, like the rest of the API)
        .get("/api/openapi.json", SignedIn, openapi::get_openapi)
        // API: work items
        .get("/api/work-items", SignedIn, work_items::list_work_items)
        .post("/api/work-items", SignedIn, work_items::create_work_item)
        .get(
            "/api/work-items.csv",
            SignedIn,
            work_items::export_work_items_csv,
        )
        .get("/api/work-items/{id}", SignedIn, work_items::get_work_item)
        .patch(
            "/api/work-items/{id}",
            SignedIn,
            work_items::patch_work_item,
        )
        .delete("/api/work-items/{id}", Admin, work_items::delete_work_item)
        .get(
            "/api/work-items/{id}/history",
            SignedIn,
            work_items::get_work_item_history,
        )
        .get(
            "/api/work-items/{id}/qc",
            SignedIn,
            work_items::get_work_item_qc,
        )
        .patch(
            "/api/work-items/{id}/qc",
            SignedIn,
            work_items::patch_work_item_qc,
        )
        // API: subtasks, comments, messages, notifications, inbox (area B)
        .get(
            "/api/work-items/{id}/subtasks",
            SignedIn,
            super::api::subtasks::list_subtasks,
        )
        .post(
            "/api/work-items/{id}/subtasks",
            SignedIn,
            super::api::subtasks::create_subtask,
        )
        .patch(
            "/api/subtasks/{id}",
            SignedIn,
            super::api::subtasks::patch_subtask,
        )
        .delete(
            "/api/subtasks/{id}",
            SignedIn,
            super::api::subtasks::delete_subtask,
        )
        .get(
            "/api/work-items/{id}/comments",
            SignedIn,
            super::api::comments::list_comments,
        )
        .post(
            "/api/work-items/{id}/comments",
            SignedIn,
            super::api::comments::create_comment,
        )
        .patch(
            "/api/comments/{id}",
            SignedIn,
            super::api::comments::patch_comment,
        )
        .delete(
            "/api/comments/{id}",
            SignedIn,
            super::api::comments::delete_comment,
        )
        .get(
            "/api/work-items/{id}/messages",
            SignedIn,
            super::api::messages::list_messages,
        )
        .post(
            "/api/work-items/{id}/messages",
            SignedIn,
            super::api::messages::create_message,
        )
        .get(
            "/api/notifications",
            SignedIn,
            super::api::inbox::list_notifications,
        )
        .post(
            "/api/notifications/read",
            SignedIn,
            super::api::inbox::mark_notifications_read,
        )
        .get("/api/inbox", SignedIn, super::api::inbox::get_inbox)
        // API: calendar, stats, audit, templates (area C)
        .get(
            "/api/calendar",
            SignedIn,
            super::api::calendar::get_calendar,
        )
        .get("/api/stats", SignedIn, super::api::stats::get_stats)
        .get("/api/audit", Admin, super::api::audit::list_audit)
        .get(
            "/api/templates",
            SignedIn,
            super::api::templates::list_templates,
        )
        .post(
            "/api/templates",
            Admin,
            super::api::templates::create_template,
        )
        .get(
            "/api/templates/{id}",
            SignedIn,
            super::api::templates::get_template,
        )
        .patch(
            "/api/templates/{id}",
            Admin,
            super::api::templates::patch_template,
        )
        .delete(
            "/api/templates/{id}",
            Admin,
            super::api::templates::delete_template,
        )
}

/// The declared routes, for the route-matrix test and documentation.
pub fn route_table() -> Vec<RouteInfo> {
    routes().into_parts().1
}

/// Builds the router with its middleware, ready to serve.
pub fn build(app: App, extra_routes: Router<App>) -> Router {
    let https = app.settings.serves_https();
    let (declared, _) = routes().into_parts();
    let routes = declared
        .merge(extra_routes)
        .route_layer(middleware::from_fn(mw::record_matched_route))
        .fallback(not_found)
        .with_state(app);

    let mut router = routes
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(mw::panic_response))
        .layer(middleware::from_fn(mw::json_errors_for_api));
    for (name, value) in security_headers(https) {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    router.layer(middleware::from_fn(mw::observe))
}

/// Unknown paths: JSON 404 under `/api`, a plain page elsewhere.
async fn not_found(request: Request) -> Response {
    if super::extract::is_api_path(request.uri().path()) {
        AppError::NotFound.into_response()
    } else {
        (
            axum::http::StatusCode::NOT_FOUND,
            "Not found: there is no page at this address.",
        )
            .into_response()
    }
}
