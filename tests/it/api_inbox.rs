//! The inbox and notifications over HTTP: items waiting on me (open ones, oldest wait first,
//! with how long), items for me to proof, my unread notifications and their count; paging
//! notifications and marking them read, one's own only.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    api_subtasks::{assert_invalid, create_item, send},
    on_both_backends,
    support::{Backend, TestApp, personas},
};

fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

async fn the_inbox_returns_waiting_items(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let waiting = |title: &str, who: uuid::Uuid, status: &str| json!({"title": title, "status": status, "waitingOnUserId": who, "waitingReason": "needs your sign-off"});
    create_item(
        &app,
        &admin,
        waiting("first wait", staff.user.id, "IN_PROGRESS"),
    )
    .await;
    create_item(
        &app,
        &admin,
        waiting("second wait", staff.user.id, "BACKLOG"),
    )
    .await;
    create_item(&app, &admin, waiting("closed wait", staff.user.id, "DONE")).await;
    create_item(
        &app,
        &staff,
        waiting("someone else's", admin.user.id, "PLANNED"),
    )
    .await;
    create_item(&app, &admin, json!({"title": "not waiting"})).await;

    let (status, inbox) = send(&app, &staff, Method::GET, "/api/inbox", None).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let inbox = &inbox["data"];
    assert_eq!(
        titles(&inbox["waitingOnMe"]),
        ["first wait", "second wait"],
        "open items waiting on me, oldest wait first"
    );
    let first = &inbox["waitingOnMe"][0];
    assert_eq!(first["waitingReason"], "needs your sign-off");
    assert_eq!(first["waitingOnUserId"], staff.user.id.to_string());
    assert!(first["waitingForSeconds"].as_i64().unwrap() >= 0, "{first}");
    assert!(
        first["version"].is_number(),
        "a whole WorkItemView: {first}"
    );
    assert_eq!(inbox["toProof"], json!([]));
    // Each wait told me (three, the closed one too); all unread.
    assert_eq!(inbox["unreadCount"], 3);
    let kinds: Vec<&str> = inbox["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["WAITING", "WAITING", "WAITING"]);
    assert!(
        inbox["notifications"][0]["body"]
            .as_str()
            .unwrap()
            .contains("closed wait"),
        "newest first"
    );

    let (_, theirs) = send(&app, &admin, Method::GET, "/api/inbox", None).await;
    assert_eq!(titles(&theirs["data"]["waitingOnMe"]), ["someone else's"]);
    app.stop().await;
}

async fn the_inbox_returns_items_to_proof(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let proof = |title: &str, status: &str, extra: Value| {
        let mut body = json!({"title": title, "status": status, "needsProofing": true});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    create_item(
        &app,
        &admin,
        proof(
            "mine to proof",
            "IN_REVIEW",
            json!({"prooferId": staff.user.id}),
        ),
    )
    .await;
    create_item(
        &app,
        &admin,
        proof("anyone's to proof", "IN_REVIEW", json!({})),
    )
    .await;
    create_item(
        &app,
        &admin,
        proof(
            "admin proofs",
            "IN_REVIEW",
            json!({"prooferId": admin.user.id}),
        ),
    )
    .await;
    create_item(
        &app,
        &admin,
        proof(
            "in progress",
            "IN_PROGRESS",
            json!({"prooferId": staff.user.id}),
        ),
    )
    .await;
    create_item(
        &app,
        &admin,
        proof(
            "my own item",
            "IN_REVIEW",
            json!({"ownerId": staff.user.id}),
        ),
    )
    .await;
    create_item(
        &app,
        &admin,
        json!({"title": "no proofing", "status": "IN_REVIEW"}),
    )
    .await;
    let approved = create_item(&app, &admin, proof("approved", "IN_REVIEW", json!({}))).await;
    let (status, decided) = send(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/work-items/{}/qc", approved["id"].as_str().unwrap()),
        Some(json!({"proofStatus": "APPROVED"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");

    let (_, inbox) = send(&app, &staff, Method::GET, "/api/inbox", None).await;
    let mut to_proof = titles(&inbox["data"]["toProof"]);
    to_proof.sort();
    // Awaiting proofing means open, needs proofing, pending: not only In review.
    assert_eq!(
        to_proof,
        ["anyone's to proof", "in progress", "mine to proof"]
    );
    assert_eq!(inbox["data"]["toProof"][0]["proofStatus"], "PENDING");
    assert_eq!(
        inbox["data"]["toProofCount"], 3,
        "the count follows the same rule"
    );
    let (_, inbox) = send(&app, &admin, Method::GET, "/api/inbox", None).await;
    let mut to_proof = titles(&inbox["data"]["toProof"]);
    to_proof.sort();
    assert_eq!(
        to_proof,
        ["admin proofs", "anyone's to proof", "my own item"]
    );
    app.stop().await;
}

/// Each list shows its first ten and counts them all; everything waiting on me is the work
/// list filtered by `waitingOn=me`, which the inbox page links to.
async fn the_inbox_shows_the_first_ten_and_counts_the_rest(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let names: Vec<String> = (1..=12).map(|n| format!("wait {n:02}")).collect();
    for name in &names {
        create_item(
            &app,
            &admin,
            json!({"title": name, "status": "PLANNED", "waitingOnUserId": staff.user.id, "waitingReason": "sign-off"}),
        )
        .await;
    }
    create_item(
        &app,
        &staff,
        json!({"title": "not on me", "waitingOnUserId": admin.user.id, "waitingReason": "sign-off"}),
    )
    .await;

    let (status, inbox) = send(&app, &staff, Method::GET, "/api/inbox", None).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert_eq!(
        titles(&inbox["data"]["waitingOnMe"]),
        names[..10],
        "the oldest ten waits"
    );
    assert_eq!(inbox["data"]["waitingOnMeCount"], 12);
    assert_eq!(inbox["data"]["toProofCount"], 0);

    let (status, all) = send(
        &app,
        &staff,
        Method::GET,
        "/api/work-items?waitingOn=me",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let mut listed = titles(&all["data"]);
    listed.sort();
    assert_eq!(listed, names);
    let by_id = format!("/api/work-items?waitingOn={}", admin.user.id);
    let (_, theirs) = send(&app, &staff, Method::GET, &by_id, None).await;
    assert_eq!(titles(&theirs["data"]), ["not on me"]);
    let (status, bad) = send(
        &app,
        &staff,
        Method::GET,
        "/api/work-items?waitingOn=nobody",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(bad.to_string().contains("waitingOn"), "{bad}");

    let page = staff
        .client
        .get(app.url("/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<span class="badge">12</span>"#), "{page}");
    assert!(page.contains(r#"href="/work?waitingOn=me""#), "{page}");
    assert!(page.contains("</span> wait 10</a>"), "{page}");
    assert!(
        !page.contains("</span> wait 11</a>"),
        "only the first ten are listed"
    );
    app.stop().await;
}

async fn notifications_are_paged_and_marked_read_one_s_own_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    for title in ["one", "two", "three"] {
        create_item(
            &app,
            &admin,
            json!({"title": title, "ownerId": staff.user.id}),
        )
        .await;
    }
    create_item(
        &app,
        &staff,
        json!({"title": "yours", "ownerId": admin.user.id}),
    )
    .await;

    let (status, page) = send(
        &app,
        &staff,
        Method::GET,
        "/api/notifications?limit=2",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert_eq!(page["data"][0]["kind"], "ASSIGNED");
    assert!(
        page["data"][0]["body"].as_str().unwrap().contains("three"),
        "newest first"
    );
    let cursor = page["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let (_, rest) = send(
        &app,
        &staff,
        Method::GET,
        &format!("/api/notifications?limit=2&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert!(rest["data"][0]["body"].as_str().unwrap().contains("one"));
    assert!(rest["nextCursor"].is_null());

    let first_id = page["data"][0]["id"].as_str().unwrap().to_string();
    let read = |body: Value| {
        send(
            &app,
            &staff,
            Method::POST,
            "/api/notifications/read",
            Some(body),
        )
    };
    let (status, marked) = read(json!({"ids": [first_id]})).await;
    assert_eq!(status, StatusCode::OK, "{marked}");
    assert_eq!(marked, json!({"data": {"marked": 1}}));
    let (_, marked) = read(json!({"ids": [first_id]})).await;
    assert_eq!(marked["data"]["marked"], 0, "already read");
    let (_, unread) = send(
        &app,
        &staff,
        Method::GET,
        "/api/notifications?unread=true",
        None,
    )
    .await;
    assert_eq!(unread["data"].as_array().unwrap().len(), 2);
    let (_, all) = send(
        &app,
        &staff,
        Method::GET,
        "/api/notifications?unread=false",
        None,
    )
    .await;
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    assert!(all["data"][0]["readAt"].is_string());

    // Someone else's notification is not mine to mark.
    let (_, admins) = send(&app, &admin, Method::GET, "/api/notifications", None).await;
    let admins_id = admins["data"][0]["id"].as_str().unwrap().to_string();
    let (_, marked) = read(json!({"ids": [admins_id]})).await;
    assert_eq!(marked["data"]["marked"], 0);
    let (_, marked) = read(json!({"all": true})).await;
    assert_eq!(marked["data"]["marked"], 2);
    let (_, inbox) = send(&app, &staff, Method::GET, "/api/inbox", None).await;
    assert_eq!(inbox["data"]["unreadCount"], 0);
    assert_eq!(inbox["data"]["notifications"], json!([]));
    let (_, inbox) = send(&app, &admin, Method::GET, "/api/inbox", None).await;
    assert_eq!(inbox["data"]["unreadCount"], 1, "the admin's stays unread");

    // Bad requests name what is wrong.
    for (body, field) in [
        (json!({}), "ids"),
        (json!({"ids": ["not-an-id"]}), "ids"),
        (json!({"ids": [], "all": true}), "all"),
        (json!({"all": false}), "all"),
        (json!({"all": true, "everything": true}), "body"),
    ] {
        let (status, answer) = read(body).await;
        assert_invalid(status, &answer, field);
    }
    for (query, field) in [
        ("unread=yes", "unread"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=abc", "cursor"),
        ("sort=new", "sort"),
    ] {
        let (status, answer) = send(
            &app,
            &staff,
            Method::GET,
            &format!("/api/notifications?{query}"),
            None,
        )
        .await;
        assert_invalid(status, &answer, field);
    }
    app.stop().await;
}

on_both_backends!(
    the_inbox_returns_waiting_items,
    the_inbox_returns_items_to_proof,
    the_inbox_shows_the_first_ten_and_counts_the_rest,
    notifications_are_paged_and_marked_read_one_s_own_only,
);
