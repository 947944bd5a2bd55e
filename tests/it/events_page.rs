//! The events page: both queues with counts, each event's state, attempts and error, the
//! triage actions as form posts, and one event's payload on its own page.

use serde_json::json;
use uuid::Uuid;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, ghl, personas, work::call},
};

async fn the_events_page_shows_both_queues_and_acts_on_triage(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let (_, answer) = call(&app, &staff, reqwest::Method::POST, "/api/events",
        Some(json!({"source": "crm", "type": "LeadArrived", "externalId": "lead-1", "payload": {"name": "Bo <b>Chen</b>"}}))).await;
    let id = Uuid::parse_str(answer["data"]["id"].as_str().unwrap()).unwrap();
    ghl::settled(&app, id, "TRIAGE").await;

    let page = staff.client.get(app.url("/events")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for expected in [
        "Inbound",
        "Outbound",
        "LeadArrived",
        "TRIAGE",
        "no rule covers LeadArrived",
        &format!("/events/{id}/convert"),
        &format!("/events/{id}/dismiss"),
        &format!("href=\"/events/{id}\""),
    ] {
        assert!(html.contains(expected), "the page shows {expected}");
    }
    assert!(!html.contains("Chen"), "the list leaves payloads out");
    assert!(!html.contains("style=\""), "no inline styles");

    let detail = staff
        .client
        .get(app.url(&format!("/events/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);
    let detail = detail.text().await.unwrap();
    assert!(detail.contains("LeadArrived") && detail.contains("TRIAGE"));
    assert!(
        detail.contains("Bo &lt;b&gt;Chen&lt;/b&gt;") || detail.contains("Bo &#60;b&#62;"),
        "the detail shows the payload, escaped"
    );
    assert!(!detail.contains("<b>Chen</b>"));
    assert!(!detail.contains("style=\""), "no inline styles");
    let unknown = staff
        .client
        .get(app.url(&format!("/events/{}", Uuid::now_v7())))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    let filtered = staff
        .client
        .get(app.url("/events?state=DELIVERED"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!filtered.contains(&format!("/events/{id}/convert")));

    let dismissed = staff
        .post_form(&app, &format!("/events/{id}/dismiss"), &[])
        .await;
    assert_eq!(dismissed.status(), 302);
    assert_eq!(ghl::event(&app, id).await.state, "DISMISSED");
    let again = staff
        .post_form(&app, &format!("/events/{id}/dismiss"), &[])
        .await;
    assert_eq!(
        again.status(),
        409,
        "a dismissed event cannot be dismissed again"
    );
    let forged = staff
        .client
        .post(app.url(&format!("/events/{id}/retry")))
        .form(&[("_csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400, "the CSRF token is checked");
    app.stop().await;
}

on_both_backends!(the_events_page_shows_both_queues_and_acts_on_triage);
