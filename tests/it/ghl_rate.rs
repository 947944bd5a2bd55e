//! The rate ceiling: 150 actions queued at once reach HighLevel at no more than 100 in any
//! 10 seconds, the rest following as the window moves on.

use std::time::Duration;

use ops_desktop::services::{
    audit::Actor,
    events::outbound::{self, GhlActionInput},
};

use crate::{
    on_both_backends,
    support::{Backend, TestApp, TestOptions, ghl::api_env, ghl_mock, wait_until},
};

async fn no_more_than_100_requests_reach_highlevel_in_any_10_seconds(backend: Backend) {
    let (server, seen) = ghl_mock::start(vec![], ghl_mock::ok()).await;
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: api_env(&server.uri()),
            ..TestOptions::default()
        },
    )
    .await;
    for n in 0..150 {
        let action = GhlActionInput {
            action: Some("addNote".into()),
            contact_id: Some(format!("c{n}")),
            body: Some("note".into()),
            ..GhlActionInput::default()
        };
        outbound::queue_action(app.db(), &Actor::system(), action)
            .await
            .unwrap();
    }
    wait_until(30, "150 deliveries", || async { seen.count() >= 150 }).await;
    let arrivals: Vec<_> = seen.all().into_iter().map(|r| r.at).collect();
    for (i, start) in arrivals.iter().enumerate() {
        let within = arrivals[i..]
            .iter()
            .take_while(|at| at.duration_since(*start) < Duration::from_secs(10))
            .count();
        assert!(
            within <= 100,
            "{within} requests within 10 s of request {i}"
        );
    }
    let spread = arrivals[100].duration_since(arrivals[0]);
    assert!(
        spread >= Duration::from_secs(10),
        "the 101st waited for the window: {spread:?}"
    );
    assert_eq!(seen.count(), 150, "each delivered once");
    app.stop().await;
}

on_both_backends!(no_more_than_100_requests_reach_highlevel_in_any_10_seconds);
