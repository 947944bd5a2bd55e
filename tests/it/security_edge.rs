//! What every answer carries at the edge: `no-store` for signed-in people, the `__Host-`
//! CSRF cookie over https, an audit entry for refusals, and the client address in the
//! request's log line.

use std::{
    io::Read,
    process::Stdio,
    time::{Duration, Instant},
};

use ops_desktop::services::audit;
use reqwest::{Method, StatusCode};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestDatabase, TestOptions,
        personas::{self, PASSWORD, new_client},
        process,
    },
};

fn cache_control(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn signed_in_answers_are_never_cached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for path in ["/", "/profile", "/board", "/api/me", "/api/work-items"] {
        let response = staff.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(cache_control(&response), "no-store", "{path}");
    }
    // The page that shows a new token once, and the API answer that carries one.
    let page = staff
        .post_form(&app, "/profile/tokens", &[("name", "laptop")])
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(cache_control(&page), "no-store");
    let api = staff
        .api(&app, Method::POST, "/api/tokens")
        .json(&serde_json::json!({"name": "script"}))
        .send()
        .await
        .unwrap();
    assert!(api.status().is_success());
    assert_eq!(cache_control(&api), "no-store");
    // A sign-in answer sets the session cookie: not cached either.
    let signed_in = personas::sign_in_with(&app, &new_client(), &staff.user.email, PASSWORD).await;
    assert_eq!(cache_control(&signed_in), "no-store");
    // Static assets keep their long cache headers.
    let home = staff
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let css = home
        .split("href=\"/static/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page links its stylesheet");
    let asset = staff
        .client
        .get(app.url(&format!("/static/{css}")))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert_ne!(cache_control(&asset), "no-store");
    app.stop().await;
}

async fn over_https_the_csrf_cookie_is_host_prefixed(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("AUTH_URL".into(), "https://ops.example.com".into())],
            ..TestOptions::default()
        },
    )
    .await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    let page = reqwest::Client::new()
        .get(app.url("/auth/signin"))
        .send()
        .await
        .unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-ops_csrf="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    let token = cookie
        .trim_start_matches("__Host-ops_csrf=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let post = |cookie_name: &'static str| {
        let token = token.clone();
        let url = app.url("/auth/signin/password");
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .post(url)
                .header("cookie", format!("{cookie_name}={token}"))
                .form(&[
                    ("_csrf", token.as_str()),
                    ("email", "ana@example.com"),
                    ("password", PASSWORD),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // A cookie without the prefix (which a sibling subdomain could plant) is not accepted.
    assert_eq!(post("ops_csrf").await, StatusCode::BAD_REQUEST);
    assert_eq!(post("__Host-ops_csrf").await, StatusCode::FOUND);
    app.stop().await;
}

async fn refusals_are_audited_once_per_window(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for _ in 0..5 {
        let refused = staff
            .client
            .get(app.url("/api/audit"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
    // A cookie write from a foreign origin, and an admin page: refused too, same window.
    let foreign = staff
        .client
        .post(app.url("/api/work-items"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let page = staff
        .client
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FOUND);
    let rows = audit::recent_by_action(app.db().conn(), "access.denied", 10)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one entry per person per window");
    assert_eq!(rows[0].actor_id, Some(staff.user.id));
    assert_eq!(rows[0].ip.as_deref(), Some("127.0.0.1"));
    assert!(
        rows[0]
            .summary
            .as_deref()
            .unwrap()
            .contains("GET /api/audit"),
        "{:?}",
        rows[0].summary
    );
    // Someone else's refusal is recorded on its own.
    let other = personas::persona(&app, "kim@example.com", "STAFF").await;
    let refused = other
        .client
        .get(app.url("/api/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let rows = audit::recent_by_action(app.db().conn(), "access.denied", 10)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    app.stop().await;
}

/// Runs the real binary with JSON logs behind a trusted proxy and reads its request line.
async fn the_request_log_line_names_the_client_address(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = process::command(
        dir.path(),
        &[
            ("DATABASE_URL", database.url.as_str()),
            ("BIND_ADDR", bind.as_str()),
            ("LOG_FORMAT", "json"),
            ("LOG_LEVEL", "info"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .arg("serve")
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("the binary starts");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = client
            .get(format!("http://{bind}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server starts"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answered = client
        .get(format!("http://{bind}/readyz"))
        .header("x-forwarded-for", "198.51.100.23")
        .send()
        .await
        .unwrap();
    assert!(answered.status().is_success());
    process::signal(&child, "TERM");
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut output = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut output)
        .unwrap();
    let line = output
        .lines()
        .find(|line| line.contains("\"route\":\"/readyz\""))
        .unwrap_or_else(|| panic!("a request line for /readyz in:\n{output}"));
    let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(parsed["client_ip"], "198.51.100.23", "{line}");
}

on_both_backends!(
    signed_in_answers_are_never_cached,
    over_https_the_csrf_cookie_is_host_prefixed,
    refusals_are_audited_once_per_window,
    the_request_log_line_names_the_client_address,
);
