//! Rate limits, password rules, demo mode and people administration.

use ops_desktop::services::audit;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        personas::{self, PASSWORD, hidden_csrf, new_client, sign_in_with},
    },
};

async fn sign_in_attempts_are_rate_limited_without_locking_anyone_out(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("RATE_LIMIT_SIGNIN_PER_MINUTE".into(), "3".into())],
            ..TestOptions::default()
        },
    )
    .await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    let client = new_client();
    for _ in 0..3 {
        let response = sign_in_with(&app, &client, "ana@example.com", "wrong password!").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = sign_in_with(&app, &client, "ana@example.com", PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let hits = audit::recent_by_action(app.db().conn(), "ratelimit.hit", 10)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);

    // Email-link requests have their own limit.
    let page = client
        .get(app.url("/auth/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_csrf(&page);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = client
            .post(app.url("/auth/signin/email"))
            .form(&[("_csrf", csrf.as_str()), ("email", "ana@example.com")])
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert_eq!(statuses[..3], [StatusCode::OK; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

async fn password_rules_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for (current, new, problem) in [
        (PASSWORD, "short", "8 to 128"),
        (PASSWORD, "password123", "commonly used"),
        (PASSWORD, &"x".repeat(129), "8 to 128"),
        (
            "not my password",
            "a perfectly fine passphrase",
            "current password",
        ),
    ] {
        let response = staff
            .post_form(
                &app,
                "/profile/password",
                &[("current_password", current), ("new_password", new)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(
            response.text().await.unwrap().contains(problem),
            "{problem}"
        );
    }
    let changed = staff
        .post_form(
            &app,
            "/profile/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a perfectly fine passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::FOUND);
    let old = sign_in_with(&app, &new_client(), &staff.user.email, PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = sign_in_with(
        &app,
        &new_client(),
        &staff.user.email,
        "a perfectly fine passphrase",
    )
    .await;
    assert_eq!(new.status(), StatusCode::FOUND);
    let stored = ops_desktop::services::users::find_by_id(
        app.db().conn(),
        ops_desktop::domain::ids::UserId(staff.user.id),
    )
    .await
    .unwrap()
    .unwrap()
    .password_hash
    .unwrap();
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    app.stop().await;
}

async fn demo_mode_lists_the_demo_accounts(backend: Backend) {
    let plain = TestApp::spawn(backend).await;
    let page = plain.get("/auth/signin").await.text().await.unwrap();
    assert!(!page.contains("demo-users"));
    plain.stop().await;

    let demo = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("DEMO_MODE".into(), "true".into())],
            ..TestOptions::default()
        },
    )
    .await;
    ops_desktop::services::demo::seed(demo.db(), crate::support::personas::PASSWORD)
        .await
        .unwrap();
    let page = demo.get("/auth/signin").await.text().await.unwrap();
    assert!(page.contains("demo-users") && page.contains("morgan@demo.opsdesktop.app"));
    let signed_in = sign_in_with(
        &demo,
        &new_client(),
        "priya@demo.opsdesktop.app",
        crate::support::personas::PASSWORD,
    )
    .await;
    assert_eq!(signed_in.status(), StatusCode::FOUND);
    demo.stop().await;
}

async fn people_admin_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;

    // Staff are kept out of the admin API and pages.
    let refused = staff
        .api(
            &app,
            Method::PATCH,
            &format!("/api/admin/users/{}", staff.user.id),
        )
        .json(&json!({"role": "ADMIN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let page = staff
        .client
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(page.headers()["location"], "/");
    let home = staff
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("That page is for admins only."),
        "the message is shown"
    );

    // Pickers see active people; only admins may ask for inactive ones.
    let deactivate = admin
        .api(
            &app,
            Method::PATCH,
            &format!("/api/admin/users/{}", staff.user.id),
        )
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(deactivate.status(), StatusCode::OK);
    let active: Value = admin
        .client
        .get(app.url("/api/users"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(active["data"].as_array().unwrap().len(), 1);
    let everyone: Value = admin
        .client
        .get(app.url("/api/users?includeInactive=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(everyone["data"].as_array().unwrap().len(), 2);
    let reactivate = admin
        .api(
            &app,
            Method::PATCH,
            &format!("/api/admin/users/{}", staff.user.id),
        )
        .json(&json!({"active": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(reactivate.status(), StatusCode::OK);
    let staff_again = personas::sign_in(&app, &staff.user.email, PASSWORD).await;
    let forbidden = staff_again
        .get(app.url("/api/users?includeInactive=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    // The last active admin can be neither demoted nor deactivated.
    for change in [json!({"role": "STAFF"}), json!({"active": false})] {
        let response = admin
            .api(
                &app,
                Method::PATCH,
                &format!("/api/admin/users/{}", admin.user.id),
            )
            .json(&change)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT, "{change}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("last active admin")
        );
    }
    // Bad input is refused whole and changes nothing.
    let bad = admin
        .api(
            &app,
            Method::PATCH,
            &format!("/api/admin/users/{}", staff.user.id),
        )
        .json(&json!({"role": "OWNER", "name": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    assert!(body["details"]["role"].is_array() && body["details"]["name"].is_array());
    let unknown = admin
        .api(
            &app,
            Method::PATCH,
            &format!("/api/admin/users/{}", uuid::Uuid::now_v7()),
        )
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let duplicate = admin
        .api(&app, Method::POST, "/api/admin/users")
        .json(&json!({"email": staff.user.email, "name": "Dup", "role": "STAFF"}))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    app.stop().await;
}

on_both_backends!(
    sign_in_attempts_are_rate_limited_without_locking_anyone_out,
    password_rules_are_enforced,
    demo_mode_lists_the_demo_accounts,
    people_admin_rules,
);
