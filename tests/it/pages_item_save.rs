//! The item page's one save path as its script uses it (JSON answers) and as a plain form post
//! uses it: partial saves, stale saves that say who changed what, refusals with the stored
//! values, and a Save that changes nothing recording nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    browser::item_page::person,
    on_both_backends,
    support::{
        Backend, TestApp,
        personas::Persona,
        work::{call, create_item},
    },
};

/// Posts the item form as the page's script does, asking for JSON.
async fn autosave(
    app: &TestApp,
    who: &Persona,
    id: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut all: Vec<(&str, &str)> = vec![("_csrf", who.csrf.as_str())];
    all.extend_from_slice(fields);
    let response = who
        .client
        .post(app.url(&format!("/work/{id}")))
        .header("accept", "application/json")
        .header("origin", app.base_url.clone())
        .form(&all)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn history_len(app: &TestApp, who: &Persona, id: &str) -> usize {
    let (_, body) = call(
        app,
        who,
        Method::GET,
        &format!("/api/work-items/{id}/history"),
        None,
    )
    .await;
    body["data"].as_array().map(Vec::len).unwrap_or(0)
}

async fn one_save_path_for_every_control(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let priya = person(&app, "priya@example.com", "Priya Shah", "STAFF").await;
    let sam = person(&app, "sam@example.com", "Sam Okafor", "STAFF").await;
    let created = create_item(
        &app,
        &priya,
        json!({"title": "Brochure", "ownerId": priya.user.id.to_string(), "status": "IN_REVIEW",
               "needsProofing": true, "prooferId": sam.user.id.to_string(),
               "qcChecklist": [{"label": "Links"}, {"label": "Alt text"}],
               "dueAt": "2026-12-08T22:50:51.696481Z"}),
    )
    .await;
    let id = created["id"].as_str().unwrap();

    // One group at a time, each on the version the last one left.
    let (status, body) = autosave(&app, &sam, id, &[("version", "1"), ("priority", "HIGH")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
    let (status, body) = autosave(
        &app,
        &sam,
        id,
        &[
            ("version", "2"),
            ("label_0", "Links"),
            ("checked_0", "false"),
            ("checked_0", "true"),
            ("label_1", "Alt text"),
            ("checked_1", "false"),
            ("label_new", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["values"]["checklist"][0]["checked"], true);
    assert_eq!(body["values"]["checklist"][1]["checked"], false);

    // A stale save is not applied; it names who changed what, in words.
    let (status, body) = autosave(&app, &priya, id, &[("version", "1"), ("title", "Mine")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["stale"], true, "{body}");
    let changes = body["changes"].to_string();
    assert!(
        changes.contains("Sam Okafor set the priority to High"),
        "{changes}"
    );
    assert!(changes.contains("Sam Okafor ticked “Links”"), "{changes}");
    assert_eq!(body["values"]["title"], "Brochure");

    // A refusal answers with the stored values and the reason in words.
    let (status, body) = autosave(&app, &priya, id, &[("version", "3"), ("status", "DONE")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["values"]["status"], "IN_REVIEW");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Sam Okafor must approve the proof before this can be Done")
    );

    // Save with nothing changed (the due time shown to the minute) records nothing.
    let before = history_len(&app, &priya, id).await;
    let (status, body) = autosave(
        &app,
        &priya,
        id,
        &[
            ("version", "3"),
            ("title", "Brochure"),
            ("due_at", "2026-12-08T22:50"),
            ("priority", "HIGH"),
            ("description", ""),
            ("tags", ""),
            ("client", ""),
            ("waiting_on_user_id", ""),
            ("waiting_reason", ""),
            ("needs_proofing", "false"),
            ("needs_proofing", "true"),
            ("proofer_id", &sam.user.id.to_string()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 3, "nothing saved");
    assert_eq!(
        history_len(&app, &priya, id).await,
        before,
        "nothing recorded"
    );
    app.stop().await;
}

/// A time the clocks skip is refused in plain words and changes nothing, through the
/// autosave, a plain form post and the new-item form; a time they pass twice is the earlier.
async fn a_skipped_time_is_refused_and_a_repeated_one_is_the_earlier(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let priya = person(&app, "priya@example.com", "Priya Shah", "STAFF").await;
    let zone = [("time_zone", "America/New_York")];
    let chosen = priya.post_form(&app, "/profile/time-zone", &zone).await;
    assert!(chosen.status().is_redirection(), "{}", chosen.status());
    let created = create_item(
        &app,
        &priya,
        json!({"title": "Spring", "dueAt": "2026-03-09T14:00:00Z"}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let gap = "2026-03-08 02:30";

    let (status, body) = autosave(&app, &priya, id, &[("version", "1"), ("due_at", gap)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("Due: 02:30 does not exist on Sun 8 Mar 2026 in America/New York")
            && message.contains("clocks jump from 02:00 to 03:00"),
        "{message}"
    );
    assert_eq!(body["version"], 1);
    let plain = priya
        .post_form(
            &app,
            &format!("/work/{id}"),
            &[("start_at", gap), ("title", "Moved")],
        )
        .await;
    assert!(plain.status().is_redirection(), "{}", plain.status());
    let (_, stored) = call(
        &app,
        &priya,
        Method::GET,
        &format!("/api/work-items/{id}"),
        None,
    )
    .await;
    assert_eq!(stored["data"]["version"], 1, "nothing saved: {stored}");
    assert_eq!(stored["data"]["dueAt"], created["dueAt"]);
    assert_eq!(stored["data"]["title"], "Spring");

    let new = priya
        .post_form(
            &app,
            "/work/new",
            &[("title", "Gap"), ("type", "TASK"), ("due_at", gap)],
        )
        .await;
    assert_eq!(new.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        new.text()
            .await
            .unwrap()
            .contains("clocks jump from 02:00 to 03:00")
    );

    // 01:30 happens twice on 1 November: the first, in daylight time, without a word.
    let (status, body) = autosave(
        &app,
        &priya,
        id,
        &[("version", "1"), ("due_at", "2026-11-01 01:30")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, stored) = call(
        &app,
        &priya,
        Method::GET,
        &format!("/api/work-items/{id}"),
        None,
    )
    .await;
    assert_eq!(stored["data"]["dueAt"], "2026-11-01T05:30:00Z");
    app.stop().await;
}

on_both_backends!(
    one_save_path_for_every_control,
    a_skipped_time_is_refused_and_a_repeated_one_is_the_earlier
);
