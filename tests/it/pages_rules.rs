//! The integration rules page: admins see, add, change and delete rules through forms.

use reqwest::StatusCode;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, personas},
};

async fn admins_manage_rules_through_forms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let page = admin
        .client
        .get(app.url("/admin/rules"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("OpportunityStatusUpdate"),
        "the default rules are listed"
    );

    let added = admin
        .post_form(
            &app,
            "/admin/rules",
            &[
                ("name", "Contacts to triage"),
                ("event_type", "ContactCreate"),
                ("action", "TRIAGE"),
                ("when", ""),
                ("position", "500"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::FOUND);
    let html = admin
        .client
        .get(app.url("/admin/rules"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Rule added.") && html.contains("Contacts to triage"));
    let marker = "action=\"/admin/rules/";
    let id = html
        .split(marker)
        .filter(|chunk| !chunk.starts_with("{"))
        .map(|chunk| &chunk[..36])
        .last()
        .unwrap()
        .to_string();

    let bad = admin
        .post_form(
            &app,
            &format!("/admin/rules/{id}"),
            &[
                ("name", "Contacts"),
                ("event_type", "ContactCreate"),
                ("action", "TRIAGE"),
                ("when", "{not json"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::FOUND);
    let html = admin
        .client
        .get(app.url("/admin/rules"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Not saved"),
        "a malformed condition is reported"
    );

    let unconfirmed = admin
        .post_form(&app, &format!("/admin/rules/{id}/delete"), &[])
        .await;
    assert_eq!(unconfirmed.status(), StatusCode::FOUND);
    assert!(
        admin
            .client
            .get(app.url("/admin/rules"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Contacts to triage")
    );
    admin
        .post_form(
            &app,
            &format!("/admin/rules/{id}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert!(
        !admin
            .client
            .get(app.url("/admin/rules"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Contacts to triage")
    );

    let refused = staff
        .client
        .get(app.url("/admin/rules"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FOUND);
    assert_eq!(refused.headers()["location"], "/");
    app.stop().await;
}

on_both_backends!(admins_manage_rules_through_forms);
