//! The route matrix: every route the router declares × {anonymous, staff, admin} gets the
//! answer its declared access promises. Routes come from the router's own table, so a new
//! route is walked here the moment it exists, and it cannot exist without declaring access.

use ops_desktop::{
    auth::sessions,
    domain::ids::UserId,
    http::{
        router::route_table,
        routes::{Access, RouteInfo},
    },
};
use reqwest::{Method, StatusCode, header};

use crate::{
    on_both_backends,
    support::{Backend, TestApp, personas},
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    Staff,
    Admin,
}

/// A client carrying a brand-new session for `user_id` (fast: no password hashing), so routes
/// that sign out or revoke cannot disturb the next case.
pub(crate) async fn session_client(
    app: &TestApp,
    user_id: uuid::Uuid,
) -> (reqwest::Client, String) {
    let started = sessions::start(
        app.db().conn(),
        UserId(user_id),
        app.app.session_policy(),
        None,
        None,
    )
    .await
    .unwrap();
    let mut headers = header::HeaderMap::new();
    headers.insert(
        header::COOKIE,
        format!("ops_session={}", started.token).parse().unwrap(),
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, started.session.csrf_token)
}

async fn call(
    app: &TestApp,
    route: &RouteInfo,
    client: &reqwest::Client,
    csrf: &str,
) -> reqwest::Response {
    let path = route
        .path
        .replace("{id}", &uuid::Uuid::now_v7().to_string());
    let url = app.url(&path);
    let request = client.request(route.method.clone(), &url);
    let request = if route.method == Method::GET || route.method == Method::DELETE {
        request.header(header::ORIGIN, app.base_url.clone())
    } else if path.starts_with("/api/") {
        request
            .header(header::ORIGIN, app.base_url.clone())
            .json(&serde_json::json!({}))
    } else {
        request.form(&[("_csrf", csrf)])
    };
    request.send().await.unwrap()
}

fn check(route: &RouteInfo, who: Who, response: &reqwest::Response) -> Result<(), String> {
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    let api = route.path.starts_with("/api/");
    let to_sign_in = status == StatusCode::FOUND && location.starts_with("/auth/signin?next=");
    let refused =
        status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN || to_sign_in;
    let ok = match (route.access, who) {
        (Access::Public | Access::OwnAuth, _) => status != StatusCode::FORBIDDEN && !to_sign_in,
        (Access::SignedIn | Access::Admin, Who::Anonymous) if api => {
            status == StatusCode::UNAUTHORIZED
        }
        (Access::SignedIn | Access::Admin, Who::Anonymous) => to_sign_in,
        (Access::Admin, Who::Staff) if api => status == StatusCode::FORBIDDEN,
        (Access::Admin, Who::Staff) => status == StatusCode::FOUND && location == "/",
        (Access::SignedIn, _) | (Access::Admin, Who::Admin) => !refused,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} {} as {who:?} ({:?}): got {status} {location}",
            route.method, route.path, route.access
        ))
    }
}

async fn every_route_answers_each_kind_of_visitor_as_declared(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::create_user(&app, "ada.admin@example.com", "Ada", "ADMIN").await;
    let staff = personas::create_user(&app, "sam.staff@example.com", "Sam", "STAFF").await;
    let table = route_table();
    assert!(
        table.len() >= 25,
        "the table lists the routes ({})",
        table.len()
    );

    let mut failures = Vec::new();
    for route in &table {
        for who in [Who::Anonymous, Who::Staff, Who::Admin] {
            let (client, csrf) = match who {
                Who::Anonymous => (personas::new_client(), String::new()),
                Who::Staff => session_client(&app, staff.id).await,
                Who::Admin => session_client(&app, admin.id).await,
            };
            let response = call(&app, route, &client, &csrf).await;
            if let Err(failure) = check(route, who, &response) {
                failures.push(failure);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "routes that broke their promise:\n{}",
        failures.join("\n")
    );
    app.stop().await;
}

on_both_backends!(every_route_answers_each_kind_of_visitor_as_declared);

#[test]
fn every_route_is_declared_once() {
    let table = route_table();
    let mut seen = std::collections::HashSet::new();
    for route in &table {
        assert!(
            seen.insert((route.method.clone(), route.path.clone())),
            "{} {} declared twice",
            route.method,
            route.path
        );
    }
    // The promises of the predecessor's audit, as declarations.
    let access = |method: Method, path: &str| {
        table
            .iter()
            .find(|r| r.method == method && r.path == path)
            .map(|r| r.access)
    };
    assert_eq!(access(Method::GET, "/"), Some(Access::SignedIn));
    assert_eq!(access(Method::GET, "/admin/users"), Some(Access::Admin));
    assert_eq!(
        access(Method::PATCH, "/api/admin/users/{id}"),
        Some(Access::Admin)
    );
    assert_eq!(access(Method::GET, "/healthz"), Some(Access::Public));
}

/// The OpenAPI document is generated from the handlers; every API route the router serves
/// must be in it with its method, so the document cannot fall behind the code.
async fn the_openapi_document_describes_every_api_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let document: serde_json::Value = staff
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "OpenAPI 3.1"
    );
    let mut missing = Vec::new();
    for route in route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/") && r.path != "/api/openapi.json")
    {
        let method = route.method.as_str().to_lowercase();
        if document["paths"][route.path.as_str()][&method].is_null() {
            missing.push(format!("{} {}", route.method, route.path));
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing from /api/openapi.json:\n{}",
        missing.join("\n")
    );
    app.stop().await;
}

on_both_backends!(the_openapi_document_describes_every_api_route);
