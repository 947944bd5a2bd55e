//! Templates (everyone reads, admins edit), the audit log (admins), the friendly error pages
//! and the restyled sign-in, profile and people pages.

use chrono::Utc;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use super::{assert_csp_clean, location, page, section};
use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions, personas,
        work::{call, create_item},
    },
};

async fn templates_are_shown_to_everyone_and_edited_by_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let (_, empty) = page(&app, &staff, "/templates").await;
    assert!(empty.contains("There are no templates yet"));

    let created = admin
        .post_form(
            &app,
            "/templates",
            &[
                ("name", "Weekly newsletter"),
                ("type", "DELIVERABLE"),
                ("deliverable_type", "NEWSLETTER"),
                ("priority", "HIGH"),
                ("tags", "weekly, email"),
                ("needs_proofing", "on"),
                ("qc_checklist", "Links work\nSpelling"),
                ("default_owner_id", &staff.user.id.to_string()),
                ("duration_days", "3"),
                ("description", "The **weekly** issue."),
                ("subtasks", "Write draft | -3\nSend"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::FOUND);
    assert_eq!(location(&created), "/templates");
    let (_, listed) = call(&app, &admin, reqwest::Method::GET, "/api/templates", None).await;
    let template = &listed["data"][0];
    let id = template["id"].as_str().unwrap().to_string();
    assert_eq!(template["subtasks"][0]["dueOffsetDays"], -3);
    assert_eq!(template["qcChecklist"][1]["label"], "Spelling");
    assert_eq!(template["needsProofing"], true);

    let (status, html) = page(&app, &staff, "/templates").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Weekly newsletter") && html.contains("3 days before the due date"));
    assert!(
        html.contains("<strong>weekly</strong>"),
        "the description is rendered Markdown"
    );
    assert!(html.contains(&format!("/work/new?template={id}")));
    assert!(
        !html.contains("/templates/new") && !html.contains(&format!("/templates/{id}/edit")),
        "no admin forms for staff"
    );
    let (_, admin_view) = page(&app, &admin, "/templates").await;
    assert!(
        admin_view.contains(&format!("/templates/{id}/edit"))
            && admin_view.contains("Created the template")
    );

    for path in [
        "/templates/new".to_string(),
        format!("/templates/{id}/edit"),
        format!("/templates/{id}/delete"),
    ] {
        let refused = staff.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(
            (refused.status(), location(&refused)),
            (StatusCode::FOUND, "/".to_string()),
            "{path}"
        );
    }
    let refused = staff
        .post_form(&app, &format!("/templates/{id}/delete"), &[])
        .await;
    assert_eq!(location(&refused), "/");

    let (status, form) = page(&app, &admin, &format!("/templates/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Write draft | -3") && form.contains("value=\"weekly, email\""));
    let invalid = admin
        .post_form(
            &app,
            &format!("/templates/{id}"),
            &[
                ("name", " "),
                ("type", "DELIVERABLE"),
                ("subtasks", "Draft | soon"),
            ],
        )
        .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let invalid = invalid.text().await.unwrap();
    assert!(
        invalid.contains("after | give a whole number") && invalid.contains("Draft | soon"),
        "the typed values stay"
    );
    let invalid = admin
        .post_form(
            &app,
            &format!("/templates/{id}"),
            &[("name", " "), ("type", "DELIVERABLE")],
        )
        .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        invalid
            .text()
            .await
            .unwrap()
            .contains("name must be 1 to 200 characters")
    );
    let saved = admin
        .post_form(
            &app,
            &format!("/templates/{id}"),
            &[
                ("name", "Monthly newsletter"),
                ("type", "DELIVERABLE"),
                ("subtasks", "Send"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::FOUND);
    let (_, one) = call(
        &app,
        &admin,
        reqwest::Method::GET,
        &format!("/api/templates/{id}"),
        None,
    )
    .await;
    assert_eq!(one["data"]["name"], "Monthly newsletter");
    assert_eq!(one["data"]["subtasks"].as_array().unwrap().len(), 1);
    assert_eq!(
        one["data"]["needsProofing"], false,
        "an unticked box turns proofing off"
    );

    let (status, confirm) = page(&app, &admin, &format!("/templates/{id}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("Yes, delete it") && confirm.contains("Monthly newsletter"));
    let deleted = admin
        .post_form(&app, &format!("/templates/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status(), StatusCode::FOUND);
    let (_, after) = page(&app, &admin, "/templates").await;
    assert!(after.contains("Deleted the template “Monthly newsletter”."));
    let (_, listed) = call(&app, &admin, reqwest::Method::GET, "/api/templates", None).await;
    assert_eq!(listed["data"], json!([]));
    app.stop().await;
}

async fn the_audit_log_filters_and_pages_for_admins_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    for name in ["Alpha", "Beta", "Gamma"] {
        let (status, _) = call(
            &app,
            &admin,
            reqwest::Method::POST,
            "/api/templates",
            Some(json!({"name": name, "type": "TASK"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let item = create_item(&app, &staff, json!({"title": "Audited item"})).await;

    let refused = staff
        .client
        .get(app.url("/admin/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (refused.status(), location(&refused)),
        (StatusCode::FOUND, "/".to_string())
    );

    let (status, html) = page(&app, &admin, "/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    let table = section(&html, "<table class=\"audit stack\">", "</table>");
    assert!(table.contains("Audited item") && table.contains("Gamma"));
    assert!(
        table.find("Audited item").unwrap() < table.find("Gamma").unwrap(),
        "newest first"
    );

    let (_, filtered) = page(&app, &admin, "/admin/audit?action=template.create&limit=2").await;
    let table = section(&filtered, "<table class=\"audit stack\">", "</table>");
    assert!(
        table.contains("Gamma")
            && table.contains("Beta")
            && !table.contains("Alpha")
            && !table.contains("Audited item")
    );
    let older_link = section(
        &filtered,
        "href=\"/admin/audit?action=template.create",
        "\"",
    );
    assert!(
        older_link.contains("limit=2"),
        "the older link keeps the filters: {older_link}"
    );
    let older = section(older_link, "cursor=", "&");
    let (_, second) = page(
        &app,
        &admin,
        &format!("/admin/audit?action=template.create&limit=2&cursor={older}"),
    )
    .await;
    let table = section(&second, "<table class=\"audit stack\">", "</table>");
    assert!(table.contains("Alpha") && !table.contains("Gamma"));
    assert!(
        !second.contains("Older entries →"),
        "the last page has no older link"
    );

    let item_id = item["id"].as_str().unwrap();
    let (_, by_item) = page(
        &app,
        &admin,
        &format!(
            "/admin/audit?item=%2Fwork%2F{item_id}&actor={}",
            staff.user.id
        ),
    )
    .await;
    let table = section(&by_item, "<table class=\"audit stack\">", "</table>");
    assert!(table.contains("Audited item") && !table.contains("Gamma"));

    // People's words: actions, field labels, statuses, names and local times, never codes.
    let (status, _) = call(
        &app,
        &staff,
        reqwest::Method::PATCH,
        &format!("/api/work-items/{item_id}"),
        Some(json!({"status": "IN_REVIEW", "ownerId": admin.user.id,
            "dueAt": "2026-12-08T17:30:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, worded) = page(&app, &admin, &format!("/admin/audit?item={item_id}")).await;
    let table = section(&worded, "<table class=\"audit stack\">", "</table>");
    for words in [
        "Created an item",
        "Changed the status",
        "<strong>Status</strong>: <span class=\"break\">Backlog</span> → <span class=\"break\">In review</span>",
        "Changed the owner",
        &format!(
            "<strong>Owner</strong>: <span class=\"break\">—</span> → <span class=\"break\">{}</span>",
            admin.user.name
        ),
        "<strong>Due</strong>",
        "8 Dec 2026, ",
    ] {
        assert!(table.contains(words), "{words}: {table}");
    }
    for code in [
        "work_item.",
        "IN_REVIEW",
        "ownerId",
        "dueAt",
        "2026-12-08T",
        "<code>work",
    ] {
        assert!(!table.contains(code), "{code}: {table}");
    }
    assert!(
        worded.contains("<option value=\"work_item.status\">Changed the status</option>")
            && !worded.contains("datalist")
            && !worded.contains("e.g. work_item"),
        "the action filter offers words"
    );
    let today = Utc::now().date_naive();
    let (_, by_day) = page(
        &app,
        &admin,
        &format!("/admin/audit?from={today}&to={today}"),
    )
    .await;
    assert!(by_day.contains("Gamma"));

    let (status, bad) = page(&app, &admin, "/admin/audit?from=July&actor=someone").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("from must be a date") && bad.contains("actorId must be an id"));
    app.stop().await;
}

async fn errors_are_friendly_pages(backend: Backend) {
    let options = TestOptions {
        extra_routes: axum::Router::new().route(
            "/test/page-panic",
            axum::routing::get(|| async {
                if true {
                    panic!("secret page detail");
                }
                "unreachable"
            }),
        ),
        ..TestOptions::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;

    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        missing.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = missing.text().await.unwrap();
    assert!(text.contains("Page not found") && text.contains("href=\"/\""));
    let (status, signed_in) = page(&app, &staff, "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        signed_in.contains("Page not found") && signed_in.contains("Sign out"),
        "in the signed-in frame"
    );
    let (status, unknown) = page(
        &app,
        &admin,
        &format!("/templates/{}/edit", uuid::Uuid::now_v7()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(unknown.contains("Page not found"));
    let api: Value = app.get("/api/no-such-thing").await.json().await.unwrap();
    assert_eq!(api, json!({"error": "not found"}), "the API keeps JSON");

    let crashed = app.get("/test/page-panic").await;
    assert_eq!(crashed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = crashed.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let text = crashed.text().await.unwrap();
    assert!(
        text.contains("Something went wrong") && text.contains(&request_id),
        "{text}"
    );
    assert!(!text.contains("secret page detail"));
    app.stop().await;
}

async fn the_restyled_pages_still_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    for (who, path) in [
        (&staff, "/profile"),
        (&admin, "/admin/users"),
        (&admin, "/profile"),
    ] {
        let (status, _) = page(&app, who, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let anonymous = personas::new_client();
    let html = anonymous
        .get(app.url("/auth/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_csp_clean("/auth/signin", &html);
    for id in ["link-email", "pw-email", "pw-password"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let refused = staff
        .client
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&refused), "/");
    let (_, home) = page(&app, &staff, "/").await;
    assert!(home.contains("That page is for admins only."));
    app.stop().await;
}

on_both_backends!(
    templates_are_shown_to_everyone_and_edited_by_admins,
    the_audit_log_filters_and_pages_for_admins_only,
    errors_are_friendly_pages,
    the_restyled_pages_still_work,
);
