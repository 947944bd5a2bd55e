//! An attacker's walk over the running server: injection text is data, and every public form
//! answers oversized, malformed and disguised input with a clear 4xx that changes nothing.

use ops_desktop::db::entities::{audit_log, job, user};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        ghl::{self, WebhookSigner},
        personas::{self, hidden_csrf, new_client},
        work::call,
    },
};

const NASTY: &str = "Robert'); DROP TABLE work_items;-- <script>alert(1)</script> %_ \"x\"";

async fn sql_and_markup_in_input_stay_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let (status, created) = call(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": NASTY, "client": "O'Brien & <b>Sons</b>"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_string();
    let (_, read) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/work-items/{id}"),
        None,
    )
    .await;
    assert_eq!(read["data"]["title"], NASTY, "stored exactly as given");

    let (_, plain) = call(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": "Plain job"})),
    )
    .await;
    // Quotes and comment markers in filters never widen them to the whole table.
    for query in [
        "q=%27%20OR%201%3D1%20--",
        "q=%27)%20OR%20(%271%27%3D%271",
        "client=%27%20OR%20%271%27%3D%271",
    ] {
        let (status, list) = call(
            &app,
            &staff,
            Method::GET,
            &format!("/api/work-items?{query}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{query}: {list}");
        let ids: Vec<&Value> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["id"])
            .collect();
        assert!(
            !ids.contains(&&plain["data"]["id"]),
            "{query} matched everything"
        );
    }
    let (_, all) = call(&app, &staff, Method::GET, "/api/work-items", None).await;
    assert_eq!(
        all["data"].as_array().unwrap().len(),
        2,
        "the table is still there"
    );

    let page = staff
        .client
        .get(app.url(&format!("/work/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "the title is escaped");
    assert!(!html.contains("<b>Sons</b>"), "the client is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)") || html.contains("&#60;script&#62;"));
    app.stop().await;
}

async fn sign_in_audit_rows(app: &TestApp) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.starts_with("signin"))
        .count(app.db().conn())
        .await
        .unwrap()
}

async fn link_jobs(app: &TestApp) -> u64 {
    job::Entity::find()
        .filter(job::Column::Kind.eq("signin.link"))
        .count(app.db().conn())
        .await
        .unwrap()
}

/// What is sent, the form fields, and the status wanted.
type Case = (&'static str, Vec<(&'static str, String)>, u16);

async fn every_public_form_refuses_oversized_and_malformed_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let people_before = user::Entity::find().count(app.db().conn()).await.unwrap();
    let browser = new_client();
    let page = browser.get(app.url("/auth/signin")).send().await.unwrap();
    let csrf = hidden_csrf(&page.text().await.unwrap());
    let huge = "a".repeat(200_000);
    let disguised = [
        "ann\u{202e}@example.com",
        "ann\u{200b}@example.com",
        "ann@exam\u{feff}ple.com",
        "ann@example.com\r\nBcc: x@example.com",
    ];
    let mut cases: Vec<Case> = vec![
        ("no email", vec![], 400),
        (
            "a huge email",
            vec![("email", format!("{huge}@x.com"))],
            422,
        ),
        ("an email of bytes", vec![("email", "%FF%FE".into())], 422),
    ];
    for address in &disguised {
        cases.push((
            "a disguised address",
            vec![("email", address.to_string())],
            422,
        ));
    }
    let jobs_before = link_jobs(&app).await;
    let audit_before = sign_in_audit_rows(&app).await;
    for form in ["/auth/signin/email", "/auth/signin/password"] {
        for (what, fields, wanted) in &cases {
            let mut all = vec![("_csrf", csrf.clone()), ("password", huge.clone())];
            all.extend(fields.iter().cloned());
            let response = browser.post(app.url(form)).form(&all).send().await.unwrap();
            assert_eq!(
                response.status().as_u16(),
                *wanted,
                "{form}: {what} {fields:?}"
            );
            let html = response.text().await.unwrap();
            assert!(
                !html.contains(&huge[..1000]),
                "{form}: {what} is not echoed"
            );
        }
    }
    assert_eq!(
        link_jobs(&app).await,
        jobs_before,
        "no link was queued for any of them"
    );
    assert_eq!(
        sign_in_audit_rows(&app).await,
        audit_before,
        "nothing reached the audit log"
    );

    // Not a form at all, and a form without its CSRF token.
    for (what, content_type, body) in [
        (
            "JSON",
            "application/json",
            "{\"email\":\"a@b.co\"}".to_string(),
        ),
        ("no content type", "", "email=a%40b.co".to_string()),
        (
            "no CSRF token",
            "application/x-www-form-urlencoded",
            "email=a%40b.co".to_string(),
        ),
    ] {
        let response = browser
            .post(app.url("/auth/signin/email"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{what}: {}",
            response.status()
        );
    }
    // The link confirmation page does not reflect what is not a link token.
    let page = browser
        .get(app.url(&format!("/auth/verify?token={}", &huge[..5000])))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(!page.text().await.unwrap().contains(&huge[..1000]));
    let confirmed = browser
        .post(app.url("/auth/verify"))
        .form(&[("_csrf", csrf.as_str()), ("token", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        user::Entity::find().count(app.db().conn()).await.unwrap(),
        people_before
    );
    app.stop().await;
}

async fn an_admin_cannot_invite_a_disguised_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let before = user::Entity::find().count(app.db().conn()).await.unwrap();
    for address in ["morgan\u{200b}@example.com", "\u{202e}moc.elpmaxe@ann"] {
        let (status, answer): (StatusCode, Value) = call(
            &app,
            &admin,
            Method::POST,
            "/api/admin/users",
            Some(json!({"email": address, "name": "Look Alike", "role": "STAFF"})),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{address:?}: {answer}"
        );
    }
    assert_eq!(
        user::Entity::find().count(app.db().conn()).await.unwrap(),
        before
    );
    app.stop().await;
}

/// The edge refuses a NUL in JSON bodies, but it only reads bodies labelled JSON; the webhook
/// route reads raw bytes whatever their label, and PostgreSQL cannot store a NUL in JSON.
async fn a_webhook_with_a_nul_is_refused_whatever_its_label(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: signer.env(),
            ..TestOptions::default()
        },
    )
    .await;
    let body = br#"{"contact_id": "c1", "note": "a\u0000b"}"#;
    for content_type in ["application/json", "text/plain", ""] {
        let response = reqwest::Client::new()
            .post(app.url("/api/webhooks/ghl"))
            .header("content-type", content_type)
            .header("x-ghl-signature", signer.sign(body))
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type:?}: {text}");
        assert!(text.contains("character"), "{content_type:?}: {text}");
    }
    assert_eq!(ghl::count_events(&app).await, 0);
    app.stop().await;
}

on_both_backends!(
    a_webhook_with_a_nul_is_refused_whatever_its_label,
    sql_and_markup_in_input_stay_data,
    every_public_form_refuses_oversized_and_malformed_input,
    an_admin_cannot_invite_a_disguised_address,
);
