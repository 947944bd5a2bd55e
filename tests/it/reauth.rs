//! "Confirm it's you": a session that signed in more than ten minutes ago is asked for the
//! password again before a sensitive action, over real HTTP; the action then completes with what
//! was typed. The API refuses the same actions to old sessions and to API tokens; confirmations
//! and failures are audited, and wrong passwords meet the sign-in limits.

use chrono::TimeDelta;
use ops_desktop::db::{
    entities::{api_token, audit_log, calendar_feed, session, user},
    time,
};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        personas::{self, PASSWORD, Persona},
    },
};

/// Makes every session of `who` look as if it signed in `minutes` ago.
pub(crate) async fn age_sign_in(app: &TestApp, who: &user::Model, minutes: i64) {
    session::Entity::update_many()
        .col_expr(
            session::Column::AuthenticatedAt,
            Expr::value(time::now() - TimeDelta::minutes(minutes)),
        )
        .filter(session::Column::UserId.eq(who.id))
        .exec(app.db().conn())
        .await
        .unwrap();
}

pub(crate) async fn audited(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(app.db().conn())
        .await
        .unwrap()
}

async fn tokens_of(app: &TestApp, who: &user::Model) -> Vec<api_token::Model> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(who.id))
        .all(app.db().conn())
        .await
        .unwrap()
}

async fn page(response: reqwest::Response) -> (StatusCode, String) {
    (response.status(), response.text().await.unwrap())
}

async fn an_old_sign_in_is_asked_for_the_password_and_the_action_then_completes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;

    // Fresh from signing in, nothing asks.
    let (status, html) = page(
        staff
            .post_form(&app, "/profile/tokens", &[("name", "fresh")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Your new API token"), "{html}");

    // Eleven minutes later the same request is answered with the confirmation step, which keeps
    // what was typed and changes nothing.
    age_sign_in(&app, &staff.user, 11).await;
    let (status, html) = page(
        staff
            .post_form(&app, "/profile/tokens", &[("name", "deploy <script>")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Confirm it"), "{html}");
    assert!(html.contains(r#"action="/profile/tokens""#), "{html}");
    assert!(
        html.contains(r#"name="name" value="deploy &#60;script&#62;""#),
        "the typed name is carried, escaped: {html}"
    );
    assert!(!html.contains("Your new API token"));
    assert_eq!(tokens_of(&app, &staff.user).await.len(), 1);

    // A wrong password: asked again, audited, still nothing made.
    let wrong = staff
        .post_form(
            &app,
            "/profile/tokens",
            &[
                ("name", "deploy <script>"),
                ("_confirm", "password"),
                ("_confirm_password", "not my password"),
            ],
        )
        .await;
    let (status, html) = page(wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("That password is not right"));
    assert_eq!(tokens_of(&app, &staff.user).await.len(), 1);
    assert_eq!(audited(&app, "reauth.failure").await, 1);

    // The right password completes the original action with the original input.
    let right = staff
        .post_form(
            &app,
            "/profile/tokens",
            &[
                ("name", "deploy <script>"),
                ("_confirm", "password"),
                ("_confirm_password", PASSWORD),
            ],
        )
        .await;
    let (status, html) = page(right).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Your new API token"), "{html}");
    let names: Vec<String> = tokens_of(&app, &staff.user)
        .await
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.contains(&"deploy <script>".to_string()), "{names:?}");
    assert_eq!(audited(&app, "reauth.success").await, 1);

    // For the next ten minutes nothing asks again: a calendar feed is made at once.
    let feed = staff
        .post_form(&app, "/profile/calendar-feeds", &[("name", "Phone")])
        .await;
    assert_eq!(feed.status(), StatusCode::OK);
    assert_eq!(
        calendar_feed::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        1
    );
    app.stop().await;
}

async fn api_status(who: &Persona, app: &TestApp, method: Method, path: &str, body: Value) -> u16 {
    who.api(app, method, path)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn bearer_status(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> u16 {
    reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn admins_confirm_before_changing_authority_and_tokens_never_may(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let token = {
        let response = admin
            .api(&app, Method::POST, "/api/tokens")
            .json(&json!({"name": "automation"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["data"]["token"].as_str().unwrap().to_string()
    };
    let person = format!("/admin/users/{}", staff.user.id);
    let api_person = format!("/api/admin/users/{}", staff.user.id);
    age_sign_in(&app, &admin.user, 30).await;

    // A rename is not a change of authority and goes straight through, on the page and by token.
    let renamed = admin
        .post_form(
            &app,
            &person,
            &[("name", "Sam S."), ("role", "STAFF"), ("active", "true")],
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::FOUND);
    let by_token = bearer_status(
        &app,
        &token,
        Method::PATCH,
        &api_person,
        json!({"name": "Sam"}),
    )
    .await;
    assert_eq!(by_token, 200);

    // A role change asks first, and completes once confirmed.
    let promote = [("name", "Sam"), ("role", "ADMIN"), ("active", "true")];
    let (status, html) = page(admin.post_form(&app, &person, &promote).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("_confirm_password"), "{html}");
    let role = |app: &TestApp| {
        let id = staff.user.id;
        let db = app.db().clone();
        async move {
            user::Entity::find_by_id(id)
                .one(db.conn())
                .await
                .unwrap()
                .unwrap()
                .role
        }
    };
    assert_eq!(role(&app).await, "STAFF");
    let mut confirmed: Vec<(&str, &str)> = promote.to_vec();
    confirmed.extend([("_confirm", "password"), ("_confirm_password", PASSWORD)]);
    let done = admin.post_form(&app, &person, &confirmed).await;
    assert_eq!(done.status(), StatusCode::FOUND);
    assert_eq!(role(&app).await, "ADMIN");

    // On the API: an old session and any token are refused authority changes, token minting
    // and feeds, with the reason; nothing changes.
    age_sign_in(&app, &admin.user, 30).await;
    let demote = json!({"role": "STAFF"});
    assert_eq!(
        api_status(&admin, &app, Method::PATCH, &api_person, demote.clone()).await,
        403
    );
    assert_eq!(
        bearer_status(&app, &token, Method::PATCH, &api_person, demote).await,
        403
    );
    let revoke = format!("/api/admin/users/{}/sessions/revoke", staff.user.id);
    assert_eq!(
        bearer_status(&app, &token, Method::POST, &revoke, json!({})).await,
        403
    );
    let invite = json!({"email": "new.admin@example.com", "name": "New", "role": "ADMIN"});
    assert_eq!(
        bearer_status(&app, &token, Method::POST, "/api/admin/users", invite).await,
        403
    );
    let minted = reqwest::Client::new()
        .post(app.url("/api/tokens"))
        .bearer_auth(&token)
        .json(&json!({"name": "another"}))
        .send()
        .await
        .unwrap();
    assert_eq!(minted.status(), StatusCode::FORBIDDEN);
    let reason: Value = minted.json().await.unwrap();
    assert!(
        reason["error"].as_str().unwrap().contains("API token"),
        "{reason}"
    );
    assert_eq!(
        bearer_status(&app, &token, Method::POST, "/api/calendar/feeds", json!({})).await,
        403
    );
    assert_eq!(
        api_status(
            &admin,
            &app,
            Method::POST,
            "/api/tokens",
            json!({"name": "x"})
        )
        .await,
        403
    );
    assert_eq!(role(&app).await, "ADMIN");
    assert_eq!(tokens_of(&app, &admin.user).await.len(), 1);
    // Reads by token are unaffected.
    assert_eq!(
        bearer_status(&app, &token, Method::GET, "/api/users", Value::Null).await,
        200
    );

    // Signing someone out everywhere from the page asks too (the promotion above already ended
    // the person's sessions, so they sign in again first).
    let staff_again = personas::sign_in(&app, &staff.user.email, PASSWORD).await;
    let (status, html) = page(
        admin
            .post_form(
                &app,
                &format!("{person}/sessions/revoke"),
                &[("confirm", "yes")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"name="confirm" value="yes""#), "{html}");
    let still_in = staff_again.get(app.url("/api/me")).send().await.unwrap();
    assert_eq!(still_in.status(), StatusCode::OK, "nothing ended yet");
    app.stop().await;
}

async fn confirmation_passwords_meet_the_sign_in_limits(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("RATE_LIMIT_SIGNIN_PER_MINUTE".into(), "3".into())],
            ..TestOptions::default()
        },
    )
    .await;
    let staff = personas::staff(&app).await;
    age_sign_in(&app, &staff.user, 60).await;
    let guess = async |password: &str| {
        staff
            .post_form(
                &app,
                "/profile/tokens",
                &[
                    ("name", "x"),
                    ("_confirm", "password"),
                    ("_confirm_password", password),
                ],
            )
            .await
    };
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(guess("wrong guess").await.status().as_u16());
    }
    // The sign-in form already used one attempt of this account and address.
    assert_eq!(statuses, [422, 422, 429, 429], "{statuses:?}");
    // Even the right password waits out the window.
    assert_eq!(
        guess(PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(tokens_of(&app, &staff.user).await.len(), 0);
    assert_eq!(audited(&app, "ratelimit.hit").await, 1);
    app.stop().await;
}

async fn token_and_feed_names_cannot_hide_characters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for disguised in ["deploy\u{202e}kcab", "dep\u{200b}loy", "\u{2066}ci"] {
        let token = staff
            .api(&app, Method::POST, "/api/tokens")
            .json(&json!({ "name": disguised }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            token.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{disguised:?}"
        );
        let body: Value = token.json().await.unwrap();
        assert!(body["details"]["name"].is_array(), "{body}");
        let feed = staff
            .api(&app, Method::POST, "/api/calendar/feeds")
            .json(&json!({ "name": disguised }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            feed.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{disguised:?}"
        );
        let form = staff
            .post_form(&app, "/profile/tokens", &[("name", disguised)])
            .await;
        assert_eq!(
            form.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{disguised:?}"
        );
    }
    assert_eq!(tokens_of(&app, &staff.user).await.len(), 0);
    assert_eq!(
        calendar_feed::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        0
    );
    app.stop().await;
}

on_both_backends!(
    an_old_sign_in_is_asked_for_the_password_and_the_action_then_completes,
    admins_confirm_before_changing_authority_and_tokens_never_may,
    confirmation_passwords_meet_the_sign_in_limits,
    token_and_feed_names_cannot_hide_characters,
);
