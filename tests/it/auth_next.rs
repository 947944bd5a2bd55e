//! After sign-in, people land where they were going — but only on this site.

use reqwest::StatusCode;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp,
        personas::{self, PASSWORD, new_client},
    },
};

async fn only_same_site_next_paths_are_followed_after_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
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
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
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
        assert_eq!(response.headers()["location"], expected, "next={next}");
    }
    app.stop().await;
}

on_both_backends!(only_same_site_next_paths_are_followed_after_sign_in);
