//! Sessions: the cookie, fixation, idle and absolute expiry, sign-out, "sign out
//! everywhere", and revocation when a person is deactivated or changes role.

use chrono::TimeDelta;
use ops_desktop::{
    db::entities::{audit_log, session},
    services::audit,
};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        personas::{self, PASSWORD, new_client, sign_in_with},
    },
};

fn set_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains("ops_session="))
        .expect("a session cookie is set")
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::Entity::find()
        .all(app.db().conn())
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect()
}

async fn password_sign_in_sets_a_safe_cookie_and_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    let client = new_client();

    let wrong = sign_in_with(&app, &client, "ana@example.com", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_text = wrong.text().await.unwrap();
    let unknown = sign_in_with(&app, &client, "nobody@example.com", "not the password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("do not match an active account")
    );
    assert!(wrong_text.contains("do not match an active account"));

    let good = sign_in_with(&app, &client, "ANA@example.com", PASSWORD).await;
    assert_eq!(good.status(), StatusCode::FOUND);
    let cookie = set_cookie(&good);
    assert!(cookie.starts_with("ops_session="));
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http in development");
    let token = cookie
        .trim_start_matches("ops_session=")
        .split(';')
        .next()
        .unwrap();
    assert_eq!(token.len(), 64, "256 bits, hex");
    let stored = session::Entity::find()
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, token, "only the hash is stored");

    let me: Value = client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["email"], "ana@example.com");
    let actions = audit_actions(&app).await;
    assert_eq!(actions.iter().filter(|a| *a == "signin.failure").count(), 2);
    assert_eq!(actions.iter().filter(|a| *a == "signin.success").count(), 1);
    app.stop().await;
}

async fn over_https_the_cookie_is_host_prefixed_and_secure(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("AUTH_URL".into(), "https://ops.example.com".into())],
            ..TestOptions::default()
        },
    )
    .await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    let client = new_client();
    // The test speaks plain http to the port; the cookie is built for the public https URL.
    let page = client.get(app.url("/auth/signin")).send().await.unwrap();
    let csrf_cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    let csrf = csrf_cookie
        .trim_start_matches("__Host-ops_csrf=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/auth/signin/password"))
        .header("cookie", format!("__Host-ops_csrf={csrf}"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "ana@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cookie.contains("__Host-ops_session="), "{cookie}");
    assert!(cookie.contains("Secure"));
    app.stop().await;
}

async fn a_token_planted_before_sign_in_is_useless_after_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let attacker = personas::persona(&app, "mallory@example.com", "STAFF").await;
    personas::create_user(&app, "victim@example.com", "Victim", "STAFF").await;
    // The attacker's own valid session token, planted in the victim's browser.
    let planted = session::Entity::find()
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let _ = attacker;
    let victim = new_client();
    let planted_token = "f".repeat(64);
    victim
        .get(app.url("/auth/signin"))
        .header("cookie", format!("ops_session={planted_token}"))
        .send()
        .await
        .unwrap();
    let signed_in = sign_in_with(&app, &victim, "victim@example.com", PASSWORD).await;
    let cookie = set_cookie(&signed_in);
    assert!(!cookie.contains(&planted_token), "a new token is issued");
    let fixed = reqwest::Client::new()
        .get(app.url("/api/me"))
        .header("cookie", format!("ops_session={planted_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(fixed.status(), StatusCode::UNAUTHORIZED);
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.ne(planted.user_id))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1, "exactly the victim's new session");
    app.stop().await;
}

async fn idle_and_absolute_expiry_end_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let idle = personas::persona(&app, "idle@example.com", "STAFF").await;
    let old = personas::persona(&app, "old@example.com", "STAFF").await;
    let now = ops_desktop::db::time::now();
    for (persona, change) in [(&idle, "idle"), (&old, "absolute")] {
        let mut row: session::ActiveModel = session::Entity::find()
            .filter(session::Column::UserId.eq(persona.user.id))
            .one(app.db().conn())
            .await
            .unwrap()
            .unwrap()
            .into();
        if change == "idle" {
            row.last_seen_at = Set(now - TimeDelta::days(7) - TimeDelta::minutes(1));
        } else {
            row.expires_at = Set(now - TimeDelta::minutes(1));
        }
        row.update(app.db().conn()).await.unwrap();
    }
    for persona in [&idle, &old] {
        let page = persona
            .client
            .get(app.url("/profile"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::FOUND);
        assert_eq!(page.headers()["location"], "/auth/signin?next=%2Fprofile");
        let api = persona.client.get(app.url("/api/me")).send().await.unwrap();
        assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        session::Entity::find()
            .all(app.db().conn())
            .await
            .unwrap()
            .len(),
        0,
        "expired sessions are deleted"
    );
    app.stop().await;
}

async fn sign_out_and_sign_out_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let laptop = personas::persona(&app, "ana@example.com", "STAFF").await;
    let phone = personas::sign_in(&app, "ana@example.com", PASSWORD).await;
    let tablet = personas::sign_in(&app, "ana@example.com", PASSWORD).await;

    let listed: Value = laptop
        .client
        .get(app.url("/api/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sessions = listed["data"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);

    // Sign-out needs the CSRF token; without it nothing happens.
    let forged = tablet
        .post(app.url("/auth/signout"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        tablet
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let me: Value = tablet
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["data"]["csrfToken"].as_str().unwrap();
    let out = tablet
        .post(app.url("/auth/signout"))
        .form(&[("_csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::FOUND);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
            || out
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().contains("ops_session=;"))
    );
    assert_eq!(
        tablet
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        phone.get(app.url("/api/me")).send().await.unwrap().status(),
        StatusCode::OK
    );

    let everywhere = laptop
        .api(&app, reqwest::Method::POST, "/api/sessions/revoke-all")
        .send()
        .await
        .unwrap();
    assert_eq!(everywhere.status(), StatusCode::OK);
    for client in [&laptop.client, &phone] {
        assert_eq!(
            client
                .get(app.url("/api/me"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert!(audit_actions(&app).await.contains(&"signout".to_string()));
    app.stop().await;
}

async fn deactivation_and_role_changes_end_sessions_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let token_response: Value = staff
        .api(&app, reqwest::Method::POST, "/api/tokens")
        .json(&json!({"name": "script"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token_response["data"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let bearer = |t: &str| {
        reqwest::Client::new()
            .get(app.url("/api/me"))
            .bearer_auth(t.to_string())
            .send()
    };
    assert_eq!(bearer(&token).await.unwrap().status(), StatusCode::OK);

    let promoted = admin
        .api(
            &app,
            reqwest::Method::PATCH,
            &format!("/api/admin/users/{}", staff.user.id),
        )
        .json(&json!({"role": "ADMIN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.status(), StatusCode::OK);
    assert_eq!(
        staff
            .client
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let again = personas::sign_in(&app, &staff.user.email, PASSWORD).await;
    let deactivated = admin
        .api(
            &app,
            reqwest::Method::PATCH,
            &format!("/api/admin/users/{}", staff.user.id),
        )
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), StatusCode::OK);
    assert_eq!(
        again.get(app.url("/api/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bearer(&token).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "tokens stop too"
    );
    let refused = sign_in_with(&app, &new_client(), &staff.user.email, PASSWORD).await;
    assert_eq!(
        refused.status(),
        StatusCode::UNAUTHORIZED,
        "a deactivated person cannot sign in"
    );

    let recent = audit::recent_by_action(app.db().conn(), "user.deactivate", 5)
        .await
        .unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].before, Some(json!({"active": true})));
    assert_eq!(
        audit::recent_by_action(app.db().conn(), "user.role_change", 5)
            .await
            .unwrap()
            .len(),
        1
    );
    app.stop().await;
}

on_both_backends!(
    password_sign_in_sets_a_safe_cookie_and_is_audited,
    over_https_the_cookie_is_host_prefixed_and_secure,
    a_token_planted_before_sign_in_is_useless_after_it,
    idle_and_absolute_expiry_end_sessions,
    sign_out_and_sign_out_everywhere,
    deactivation_and_role_changes_end_sessions_at_once,
);
