//! Dashboard, inbox, calendar, QC queue and stats pages.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;

use super::{in_two_days, location, page, section};
use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        work::{call, create_item},
    },
};

async fn the_dashboard_shows_what_needs_me(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let me = staff.user.id.to_string();
    let waiting = create_item(&app, &admin, json!({"title": "Sign off the brochure", "waitingOnUserId": me, "waitingReason": "needs your sign-off"})).await;
    create_item(
        &app,
        &staff,
        json!({"title": "My newsletter", "ownerId": me, "dueAt": in_two_days()}),
    )
    .await;
    create_item(&app, &staff, json!({"title": "Someone's leaflet", "ownerId": admin.user.id.to_string(), "dueAt": in_two_days()})).await;
    create_item(&app, &admin, json!({"title": "Proof the poster", "ownerId": admin.user.id.to_string(), "status": "IN_REVIEW", "needsProofing": true})).await;

    let (status, html) = page(&app, &staff, "/").await;
    assert_eq!(status, StatusCode::OK);
    let waiting_list = section(&html, "id=\"waiting-on-me\"", "</section>");
    assert!(
        waiting_list.contains("Sign off the brochure")
            && waiting_list.contains("needs your sign-off")
    );
    assert!(waiting_list.contains(&format!(
        "href=\"/work/{}\"",
        waiting["key"].as_str().unwrap()
    )));
    assert!(waiting_list.contains("data-nav-item"));
    let due = section(&html, "id=\"due-soon\"", "</section>");
    assert!(
        due.contains("My newsletter") && !due.contains("Someone's leaflet"),
        "mine only: {due}"
    );
    assert!(
        due.contains("/work?owner=me"),
        "a link to the same list in Work"
    );
    let proof = section(&html, "id=\"to-proof\"", "</section>");
    assert!(proof.contains("Proof the poster"));
    assert!(section(&html, "id=\"count-open\">", "<").starts_with('4'));
    assert!(section(&html, "id=\"count-waiting\">", "<").starts_with('1'));
    assert!(section(&html, "id=\"count-proofing\">", "<").starts_with('1'));
    assert!(html.contains("aria-current=\"page\">Home"));
    assert!(
        section(&html, "id=\"nav-waiting\"", " waiting on you") == " title=\"1",
        "the sidebar counts what waits on me"
    );

    let (_, quiet) = page(&app, &admin, "/").await;
    assert!(
        quiet.contains("Nobody is waiting on you"),
        "a helpful empty state"
    );
    app.stop().await;
}

async fn the_inbox_lists_my_work_and_marks_notifications_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let me = staff.user.id.to_string();
    for title in ["First wait", "Second wait"] {
        create_item(
            &app,
            &admin,
            json!({"title": title, "waitingOnUserId": me, "waitingReason": "your answer"}),
        )
        .await;
    }
    create_item(&app, &admin, json!({"title": "Check the flyer", "status": "IN_REVIEW", "needsProofing": true, "prooferId": me})).await;

    let (status, html) = page(&app, &staff, "/inbox").await;
    assert_eq!(status, StatusCode::OK);
    let waiting = section(&html, "id=\"waiting-on-me\"", "</section>");
    let (first, second) = (
        waiting.find("First wait").unwrap(),
        waiting.find("Second wait").unwrap(),
    );
    assert!(first < second, "oldest wait first");
    assert!(section(&html, "id=\"to-proof\"", "</section>").contains("Check the flyer"));
    let notifications = section(&html, "id=\"notifications\"", "</section>");
    assert!(notifications.contains("Waiting on you") && notifications.contains("Mark all read"));
    let (_, inbox) = call(&app, &staff, reqwest::Method::GET, "/api/inbox", None).await;
    let unread = inbox["data"]["unreadCount"].as_u64().unwrap();
    assert!(unread >= 2, "each wait told me: {inbox}");
    assert!(
        html.contains(&format!("{unread} unread")),
        "the frame's unread count"
    );

    let (_, listed) = call(
        &app,
        &staff,
        reqwest::Method::GET,
        "/api/notifications?unread=true",
        None,
    )
    .await;
    let one = listed["data"][0]["id"].as_str().unwrap().to_string();
    let marked = staff.post_form(&app, "/inbox/read", &[("id", &one)]).await;
    assert_eq!(marked.status(), StatusCode::FOUND);
    assert_eq!(location(&marked), "/inbox");
    let (_, html) = page(&app, &staff, "/inbox").await;
    assert!(html.contains("Marked as read."), "the flash is shown");
    assert!(!html.contains(&one), "the read one is gone");

    let all = staff.post_form(&app, "/inbox/read", &[]).await;
    assert_eq!(all.status(), StatusCode::FOUND);
    let (_, html) = page(&app, &staff, "/inbox").await;
    let remaining = unread - 1;
    let said = if remaining == 1 {
        "Marked 1 notification as read.".to_string()
    } else {
        format!("Marked {remaining} notifications as read.")
    };
    assert!(
        html.contains(&said) && html.contains("all caught up"),
        "{said}"
    );
    let (_, inbox) = call(&app, &staff, reqwest::Method::GET, "/api/inbox", None).await;
    assert_eq!(inbox["data"]["unreadCount"], 0);

    let forged = staff
        .client
        .post(app.url("/inbox/read"))
        .form(&[("_csrf", "not-the-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::BAD_REQUEST,
        "the CSRF token is checked"
    );
    app.stop().await;
}

async fn the_calendar_shows_fourteen_days_and_moves_by_a_week(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let today = Utc::now().date_naive();
    let tomorrow = today + Duration::days(1);
    let due = format!("{tomorrow}T12:30:00Z");
    create_item(
        &app,
        &staff,
        json!({"title": "Launch post", "dueAt": due, "ownerId": staff.user.id.to_string()}),
    )
    .await;
    create_item(
        &app,
        &staff,
        json!({"title": "Cancelled thing", "dueAt": due, "status": "CANCELLED"}),
    )
    .await;

    let (status, html) = page(&app, &staff, "/calendar").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("class=\"card day").count(), 14);
    assert!(html.contains(&format!("class=\"card day today\" data-date=\"{today}\"")));
    let day = section(&html, &format!("data-date=\"{tomorrow}\""), "</section>");
    assert!(day.contains("Launch post") && day.contains("12:30") && day.contains("/work/"));
    assert!(!html.contains("Cancelled thing"));
    assert!(
        section(&html, &format!("data-date=\"{today}\""), "</section>").contains("Nothing due")
    );
    let next_week = today + Duration::days(7);
    assert!(html.contains(&format!("/calendar?from={next_week}")));

    let (status, later) = page(&app, &staff, &format!("/calendar?from={next_week}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(later.contains(&format!("data-date=\"{next_week}\"")));
    assert!(!later.contains(&format!("data-date=\"{today}\"")));
    assert!(
        later.contains(&format!("/calendar?from={today}")),
        "a week back"
    );
    assert!(
        later.contains("href=\"/calendar\">Today</a>"),
        "back to today"
    );

    let (status, bad) = page(&app, &staff, "/calendar?from=next-tuesday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("From: must be a date"), "the problem is named");
    app.stop().await;
}

async fn the_qc_queue_lists_what_awaits_proofing_oldest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let proof = |title: &str, graphics: &str| json!({"title": title, "status": "IN_REVIEW", "needsProofing": true, "ownerId": staff.user.id.to_string(), "prooferId": admin.user.id.to_string(), "tbpGraphicsLocation": graphics});
    create_item(
        &app,
        &staff,
        proof("Older poster", "https://drive.example.com/poster"),
    )
    .await;
    create_item(&app, &staff, proof("Newer flyer", "javascript:alert(1)")).await;
    create_item(
        &app,
        &staff,
        json!({"title": "No proofing needed", "status": "IN_REVIEW"}),
    )
    .await;

    let (status, html) = page(&app, &staff, "/qc").await;
    assert_eq!(status, StatusCode::OK);
    let (older, newer) = (
        html.find("Older poster").unwrap(),
        html.find("Newer flyer").unwrap(),
    );
    assert!(older < newer, "oldest first");
    assert!(!html.contains("No proofing needed"));
    assert!(html.contains("href=\"https://drive.example.com/poster\""));
    assert!(
        !html.contains("href=\"javascript:"),
        "only web addresses are links"
    );
    assert!(html.contains("<th scope=\"col\">Proofer</th>") && html.contains("ada.admin"));
    assert_eq!(html.matches("<tr data-nav-item>").count(), 2);

    let (_, empty) = page(&app, &admin, "/qc").await;
    assert!(empty.contains("Older poster"), "the queue is everyone's");
    app.stop().await;
}

async fn the_stats_page_draws_its_charts_with_text_alternatives(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let mine = staff.user.id.to_string();
    for n in 0..2 {
        create_item(
            &app,
            &staff,
            json!({"title": format!("Open {n}"), "ownerId": mine, "status": "IN_PROGRESS"}),
        )
        .await;
    }
    create_item(&app, &admin, json!({"title": "Finished", "status": "DONE"})).await;

    let (status, html) = page(&app, &staff, "/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        html.matches("<svg class=\"chart ").count(),
        3,
        "three charts"
    );
    assert_eq!(html.matches("role=\"img\"").count(), 3);
    assert!(html.contains("aria-label=\"Open items per owner: sam.staff 2.\""));
    assert!(html.contains(
        "aria-label=\"Open items by status: Backlog 0, Planned 0, In progress 2, In review 0.\""
    ));
    let weekly = section(&html, "aria-label=\"Items completed per week:", "\"");
    assert!(
        weekly.trim_end_matches('.').ends_with(" 1"),
        "this week's completion: {weekly}"
    );
    assert!(html.contains("<rect class=\"bar\""));
    assert!(
        html.contains("<th scope=\"row\">In progress</th><td>2</td>"),
        "the numbers as a table"
    );
    assert!(section(&html, "id=\"stat-open\">", "<").starts_with('2'));
    app.stop().await;
}

on_both_backends!(
    the_dashboard_shows_what_needs_me,
    the_inbox_lists_my_work_and_marks_notifications_read,
    the_calendar_shows_fourteen_days_and_moves_by_a_week,
    the_qc_queue_lists_what_awaits_proofing_oldest_first,
    the_stats_page_draws_its_charts_with_text_alternatives,
);
