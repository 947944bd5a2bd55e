//! A mock HighLevel API (`wiremock`) that answers from a script and records every request it
//! gets, with the moment it arrived, so tests can check headers, bodies, retries and the
//! request rate.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Instant,
};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

/// One request as the mock saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub version: Option<String>,
    pub body: Value,
}

/// What the mock has seen so far.
#[derive(Clone, Default)]
pub struct Recorder {
    requests: Arc<Mutex<Vec<Seen>>>,
}

impl Recorder {
    pub fn all(&self) -> Vec<Seen> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// Answers with the scripted responses in order, then with `then` for ever.
struct Scripted {
    script: Mutex<VecDeque<ResponseTemplate>>,
    then: ResponseTemplate,
    seen: Recorder,
}

impl Respond for Scripted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        self.seen.requests.lock().unwrap().push(Seen {
            at: Instant::now(),
            method: request.method.to_string(),
            path: request.url.path().to_string(),
            authorization: header("authorization"),
            version: header("version"),
            body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
        });
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| self.then.clone())
    }
}

/// A running mock API answering `script` first, then `then`.
pub async fn start(
    script: Vec<ResponseTemplate>,
    then: ResponseTemplate,
) -> (MockServer, Recorder) {
    let server = MockServer::start().await;
    let seen = Recorder::default();
    Mock::given(any())
        .respond_with(Scripted {
            script: Mutex::new(script.into()),
            then,
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    (server, seen)
}

/// HighLevel's usual success answer.
pub fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"succeded": true, "messageId": "ghl-msg-1"}))
}
