//! Two admins demoting each other at the same moment must not leave the team without one.

use reqwest::Method;
use serde_json::json;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, personas},
};

async fn simultaneous_demotions_keep_an_admin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = personas::persona(&app, "ada@example.com", "ADMIN").await;
    let bob = personas::persona(&app, "bob@example.com", "ADMIN").await;
    let demote = |by: &personas::Persona, whom: uuid::Uuid| {
        by.api(&app, Method::PATCH, &format!("/api/admin/users/{whom}"))
            .json(&json!({"role": "STAFF"}))
            .send()
    };
    let (first, second) = tokio::join!(demote(&ada, bob.user.id), demote(&bob, ada.user.id));
    let statuses = [first.unwrap().status(), second.unwrap().status()];
    let admins = ops_desktop::services::people::list(app.db().conn(), true)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.role == "ADMIN" && p.active)
        .count();
    assert_eq!(admins, 1, "exactly one admin remains: {statuses:?}");
    app.stop().await;
}

on_both_backends!(simultaneous_demotions_keep_an_admin);
