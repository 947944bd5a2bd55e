//! Per-request facts that every log line and every error needs: the request id, the matched
//! route and the signed-in user. Held in a task-local so deep code can reach them without
//! threading them through every call.

use std::{
    net::IpAddr,
    sync::{Arc, Mutex},
};

tokio::task_local! {
    static REQUEST: Arc<RequestContext>;
}

/// What is known about the request being served.
#[derive(Debug, Default)]
pub struct RequestContext {
    pub request_id: String,
    /// The request's path, so code without the request (the panic guard) can tell a page
    /// from an API call.
    pub path: String,
    /// The client's address (see `client_address`): what the log, limits and audit use.
    pub client_ip: Option<IpAddr>,
    route: Mutex<Option<String>>,
    user_id: Mutex<Option<String>>,
}

impl RequestContext {
    pub fn new(request_id: String) -> Arc<RequestContext> {
        Arc::new(RequestContext {
            request_id,
            ..Default::default()
        })
    }

    /// The context of a request for `path` from `client_ip`.
    pub fn for_request(
        request_id: String,
        path: String,
        client_ip: Option<IpAddr>,
    ) -> Arc<RequestContext> {
        Arc::new(RequestContext {
            request_id,
            path,
            client_ip,
            ..Default::default()
        })
    }

    pub fn route(&self) -> Option<String> {
        self.route.lock().ok().and_then(|r| r.clone())
    }

    pub fn user_id(&self) -> Option<String> {
        self.user_id.lock().ok().and_then(|u| u.clone())
    }
}

/// Runs `future` with `context` as the current request.
pub async fn scope<F: Future>(context: Arc<RequestContext>, future: F) -> F::Output {
    REQUEST.scope(context, future).await
}

/// The id of the request being served, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST.try_with(|r| r.request_id.clone()).ok()
}

/// The path of the request being served, if any.
pub fn current_request_path() -> Option<String> {
    REQUEST.try_with(|r| r.path.clone()).ok()
}

/// The client's address of the request being served, if known.
pub fn current_client_ip() -> Option<IpAddr> {
    REQUEST.try_with(|r| r.client_ip).ok().flatten()
}

/// The signed-in person of the request being served, if any.
pub fn current_user_id() -> Option<String> {
    REQUEST.try_with(|r| r.user_id()).ok().flatten()
}

/// The route template that matched the request being served, if any.
pub fn current_route() -> Option<String> {
    REQUEST.try_with(|r| r.route()).ok().flatten()
}

/// Notes the route template (`/api/work-items/{id}`) that matched.
pub fn record_route(route: &str) {
    let _ = REQUEST.try_with(|r| {
        if let Ok(mut slot) = r.route.lock() {
            *slot = Some(route.to_string());
        }
    });
}

/// Notes who is signed in, for the request's log line.
pub fn record_user(user_id: &str) {
    let _ = REQUEST.try_with(|r| {
        if let Ok(mut slot) = r.user_id.lock() {
            *slot = Some(user_id.to_string());
        }
    });
}
