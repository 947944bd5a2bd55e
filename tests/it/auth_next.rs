//! After sign-in, people land where they were going — but only on this site.

use reqwest::StatusCode;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        personas::{self, PASSWORD, new_client},
    },
};

async fn only_same_site_next_paths_are_followed_after_sign_in(backend: Backend) {
    // Every variant signs in once: the sign-in limit must not get in the way.
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("RATE_LIMIT_SIGNIN_PER_MINUTE".into(), "1000".into())],
            ..TestOptions::default()
        },
    )
    .await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    let anonymous = new_client()
        .get(app.url("/profile?tab=tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.headers()["location"],
        "/auth/signin?next=%2Fprofile%3Ftab%3Dtokens"
    );
    for (next, expected) in [
        ("/profile?tab=tokens", "/profile?tab=tokens"),
        ("/work?q=caf%C3%A9", "/work?q=caf%C3%A9"),
        ("//evil.example/x", "/"),
        ("///evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("http:evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        // Browsers drop tabs and line breaks from URLs: these would become `//evil.example`.
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\r\n/evil.example", "/"),
        ("\t//evil.example", "/"),
        (" /evil.example", "/"),
        // Encoded variants, once, twice and three times.
        ("/%09/evil.example", "/"),
        ("/%0d%0a/evil.example", "/"),
        ("/%2f/evil.example", "/"),
        ("/%2F%2Fevil.example", "/"),
        ("/%5c/evil.example", "/"),
        ("/%252f/evil.example", "/"),
        ("/%25252f%25252fevil.example", "/"),
        // Characters outside printable ASCII never appear in a link we made.
        ("/\u{3000}/evil.example", "/"),
    ] {
        let client = new_client();
        let page = client
            .get(app.url("/auth/signin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = personas::hidden_csrf(&page);
        let response = client
            .post(app.url("/auth/signin/password"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("email", "ana@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(response.headers()["location"], expected, "next={next:?}");
    }
    // A signed-in visitor of the sign-in page is sent on by the same rule.
    let signed_in = personas::sign_in(&app, "ana@example.com", PASSWORD).await;
    for (query, expected) in [
        ("next=%2Fboard", "/board"),
        ("next=%2F%09%2Fevil.example", "/"),
        ("next=%2F%5Cevil.example", "/"),
        ("next=%2F%252f%2Fevil.example", "/"),
    ] {
        let response = signed_in
            .get(app.url(&format!("/auth/signin?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(response.headers()["location"], expected, "{query}");
    }
    app.stop().await;
}

on_both_backends!(only_same_site_next_paths_are_followed_after_sign_in);
