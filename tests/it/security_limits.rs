//! Sign-in limits throttle an attacker without locking the real person out, are shared by
//! every instance on one database, and see the client address through trusted proxies only.

use std::time::Duration;

use ops_desktop::{
    db::entities::job,
    services::{audit, rate_limits},
};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    on_both_backends,
    security_input::{audit_rows, form_csrf},
    support::{
        Backend, TestApp, TestDatabase, TestOptions,
        personas::{self, PASSWORD, new_client},
        wait_until,
    },
};

fn with_env(vars: &[(&str, &str)]) -> TestOptions {
    TestOptions {
        env: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..TestOptions::default()
    }
}

/// A password attempt for `email`, arriving through the proxy from `client_ip`.
async fn attempt_from(
    app: &TestApp,
    client_ip: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let client = new_client();
    let csrf = form_csrf(app, &client).await;
    client
        .post(app.url("/auth/signin/password"))
        .header("x-forwarded-for", client_ip)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn an_attackers_bad_passwords_do_not_lock_out_the_real_person(backend: Backend) {
    // Behind the proxy (the test client is the proxy, at 127.0.0.1).
    let app = TestApp::spawn_with(backend, with_env(&[("TRUSTED_PROXIES", "127.0.0.1")])).await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    for _ in 0..10 {
        let guess = attempt_from(&app, "203.0.113.66", "ana@example.com", "guess guess").await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    let held = attempt_from(&app, "203.0.113.66", "ana@example.com", PASSWORD).await;
    assert_eq!(
        held.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker waits"
    );
    let real = attempt_from(&app, "198.51.100.7", "ana@example.com", PASSWORD).await;
    assert_eq!(
        real.status(),
        StatusCode::FOUND,
        "Ana signs in from her address"
    );
    let hits = audit::recent_by_action(app.db().conn(), "ratelimit.hit", 10)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].ip.as_deref(), Some("203.0.113.66"));
    app.stop().await;
}

async fn many_addresses_meet_the_per_account_ceiling(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        with_env(&[
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("RATE_LIMIT_SIGNIN_PER_MINUTE", "4"),
            ("RATE_LIMIT_SIGNIN_ACCOUNT_PER_MINUTE", "10"),
        ]),
    )
    .await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    let mut statuses = Vec::new();
    for n in 0..4 {
        for _ in 0..3 {
            let address = format!("203.0.113.{n}");
            let response = attempt_from(&app, &address, "ana@example.com", "guess guess").await;
            statuses.push(response.status());
        }
    }
    let allowed = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        allowed, 10,
        "the account ceiling holds across addresses: {statuses:?}"
    );
    assert_eq!(statuses[10..], [StatusCode::TOO_MANY_REQUESTS; 2]);
    let retry: u64 = attempt_from(&app, "203.0.113.200", "ana@example.com", "guess")
        .await
        .headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "a wait, not a lockout: {retry}");
    app.stop().await;
}

async fn sign_in_limits_are_shared_between_instances(backend: Backend) {
    let database = std::sync::Arc::new(TestDatabase::create(backend).await);
    let options = || with_env(&[("RATE_LIMIT_SIGNIN_PER_MINUTE", "4")]);
    let first = TestApp::spawn_on(database.clone(), options()).await;
    let second = TestApp::spawn_on(database.clone(), options()).await;
    personas::create_user(&first, "ana@example.com", "Ana", "STAFF").await;
    let mut statuses = Vec::new();
    for n in 0..8 {
        let instance = if n % 2 == 0 { &first } else { &second };
        let response =
            personas::sign_in_with(instance, &new_client(), "ana@example.com", "guess guess").await;
        statuses.push(response.status());
    }
    assert_eq!(statuses[..4], [StatusCode::UNAUTHORIZED; 4], "{statuses:?}");
    assert_eq!(
        statuses[4..],
        [StatusCode::TOO_MANY_REQUESTS; 4],
        "two instances allow the limit once, not twice"
    );
    first.stop().await;
    second.stop().await;
}

async fn forwarded_headers_count_only_from_trusted_proxies(backend: Backend) {
    // No trusted proxy: a client cannot choose its own address.
    let plain = TestApp::spawn(backend).await;
    let spoofed = attempt_from(&plain, "203.0.113.9", "nobody@example.com", "x").await;
    assert_eq!(spoofed.status(), StatusCode::UNAUTHORIZED);
    let rows = audit::recent_by_action(plain.db().conn(), "signin.failure", 10)
        .await
        .unwrap();
    assert_eq!(rows[0].ip.as_deref(), Some("127.0.0.1"));
    plain.stop().await;

    // A trusted peer's chain is read from the right: the client-written left part is ignored.
    let proxied = TestApp::spawn_with(
        backend,
        with_env(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")]),
    )
    .await;
    let chained = attempt_from(
        &proxied,
        "1.2.3.4, 203.0.113.9, 10.0.0.2",
        "nobody@example.com",
        "x",
    )
    .await;
    assert_eq!(chained.status(), StatusCode::UNAUTHORIZED);
    let client = new_client();
    let csrf = form_csrf(&proxied, &client).await;
    let forwarded = client
        .post(proxied.url("/auth/signin/password"))
        .header("forwarded", "for=\"[2001:db8::7]:4711\";proto=https")
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "nobody@example.com"),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), StatusCode::UNAUTHORIZED);
    let mut ips: Vec<String> = audit::recent_by_action(proxied.db().conn(), "signin.failure", 10)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|row| row.ip)
        .collect();
    ips.sort();
    assert_eq!(ips, ["2001:db8::7", "203.0.113.9"]);
    assert_eq!(audit_rows(&proxied).await, 2);
    proxied.stop().await;
}

async fn the_email_link_form_does_the_same_work_for_known_and_unknown_addresses(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    /// What one request leaves behind: queued link jobs, audit rows, limiter keys.
    async fn footprint(app: &TestApp) -> (u64, u64, u64) {
        let jobs = job::Entity::find()
            .filter(job::Column::Kind.eq("signin.link"))
            .count(app.db().conn())
            .await
            .unwrap();
        let keys = rate_limits::stored_keys(app.db()).await.unwrap();
        (jobs, audit_rows(app).await, keys)
    }
    let mut deltas = Vec::new();
    let mut pages = Vec::new();
    // A first request creates the key of this address, shared by the next two.
    for email in [
        "warm-up@example.com",
        "ana@example.com",
        "nobody@example.com",
    ] {
        let before = footprint(&app).await;
        let client = new_client();
        let csrf = form_csrf(&app, &client).await;
        let response = client
            .post(app.url("/auth/signin/email"))
            .form(&[("_csrf", csrf.as_str()), ("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        pages.push(response.text().await.unwrap());
        let after = footprint(&app).await;
        deltas.push((after.0 - before.0, after.1 - before.1, after.2 - before.2));
    }
    assert_eq!(deltas[1], deltas[2], "the same work either way");
    assert_eq!(
        deltas[1],
        (1, 0, 2),
        "one queued job, two limiter keys (account and account+address), no audit row"
    );
    // Without the request id and CSRF token the two answers are identical.
    let strip = |page: &str| {
        page.lines()
            .filter(|line| !line.contains("_csrf"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&pages[1]), strip(&pages[2]));
    // The job, not the request, finds out which one has an account.
    let outbox = app.data_dir().join("outbox");
    wait_until(15, "the link to be mailed", || {
        let outbox = outbox.clone();
        async move { std::fs::read_dir(&outbox).is_ok_and(|entries| entries.count() == 1) }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mails: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("ana@example.com"));
    app.stop().await;
}

on_both_backends!(
    an_attackers_bad_passwords_do_not_lock_out_the_real_person,
    many_addresses_meet_the_per_account_ceiling,
    sign_in_limits_are_shared_between_instances,
    forwarded_headers_count_only_from_trusted_proxies,
    the_email_link_form_does_the_same_work_for_known_and_unknown_addresses,
);
