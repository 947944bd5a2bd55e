//! Every route of the application, in one place, so a grep finds any path.

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer,
};

use super::{
    MAX_BODY_BYTES,
    api::health,
    error::AppError,
    middleware::{self as mw, security_headers},
};
use crate::app::App;

/// Builds the router with its middleware, ready to serve.
pub fn build(app: App, extra_routes: Router<App>) -> Router {
    let https = app.settings.serves_https();
    let routes = Router::new()
        .route("/healthz", get(health::get_healthz))
        .route("/readyz", get(health::get_readyz))
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
    router.layer(ServiceBuilder::new().layer(middleware::from_fn(mw::observe)))
}

/// Unknown paths: JSON 404 under `/api`, a plain page elsewhere.
async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/api") {
        AppError::NotFound.into_response()
    } else {
        (
            axum::http::StatusCode::NOT_FOUND,
            "Not found: there is no page at this address.",
        )
            .into_response()
    }
}
