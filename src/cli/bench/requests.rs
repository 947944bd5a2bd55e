//! The HTTP request of each scenario, as a signed-in person (pages: the session cookie; the
//! API: a bearer token) or HighLevel (a webhook signed with the shared secret) would send it.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::services::bench::ceiling::{Scenario, drag_rank, drag_status, webhook_payload};

/// Everything a request needs; one client per worker so each worker holds one connection.
pub struct Target {
    pub base: String,
    pub clients: Vec<reqwest::Client>,
    pub api_token: String,
    pub session_cookie: String,
    pub webhook_secret: String,
    pub staff: Vec<Uuid>,
    pub open_ids: Vec<Uuid>,
    pub any_ids: Vec<Uuid>,
}

impl Target {
    /// `connections` clients that keep one connection each and never follow redirects (a
    /// redirect to the sign-in page must count as an error, not as a fast page).
    pub fn clients(connections: usize) -> anyhow::Result<Vec<reqwest::Client>> {
        (0..connections)
            .map(|_| {
                reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(std::time::Duration::from_secs(30))
                    .build()
                    .map_err(Into::into)
            })
            .collect()
    }
}

fn pick(ids: &[Uuid], turn: u64) -> Uuid {
    ids.get(turn as usize % ids.len().max(1))
        .copied()
        .unwrap_or_default()
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends `scenario`'s request from `worker` and reads the whole answer; non-2xx is an error.
pub async fn send(
    target: Arc<Target>,
    scenario: Scenario,
    worker: usize,
    turn: u64,
) -> Result<(), String> {
    let client = &target.clients[worker % target.clients.len()];
    let base = &target.base;
    let page = |path: String| {
        client
            .get(format!("{base}{path}"))
            .header("cookie", format!("ops_session={}", target.session_cookie))
    };
    let api = |method: reqwest::Method, path: String| {
        client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&target.api_token)
    };
    let request = match scenario {
        Scenario::Board => page("/board".to_string()),
        Scenario::WorkList => page("/work".to_string()),
        Scenario::ItemPage => page(format!("/work/{}", pick(&target.any_ids, turn))),
        Scenario::ListPlain
        | Scenario::ListFiltered
        | Scenario::ListSorted
        | Scenario::ListSearch => {
            let query = scenario.list_query(&target.staff).unwrap_or_default();
            api(reqwest::Method::GET, format!("/api/work-items?{query}"))
        }
        Scenario::Inbox => api(reqwest::Method::GET, "/api/inbox".to_string()),
        Scenario::Calendar => api(reqwest::Method::GET, "/api/calendar".to_string()),
        Scenario::Stats => api(reqwest::Method::GET, "/api/stats".to_string()),
        Scenario::Drag => api(
            reqwest::Method::PATCH,
            format!("/api/work-items/{}", pick(&target.open_ids, turn)),
        )
        .json(&serde_json::json!({"status": drag_status(turn), "rank": drag_rank(turn)})),
        Scenario::Create => api(reqwest::Method::POST, "/api/work-items".to_string())
            .json(&serde_json::json!({"title": format!("Benchmark item {worker}-{turn}")})),
        Scenario::Webhook => {
            let body = webhook_payload(&Uuid::now_v7().to_string());
            client
                .post(format!("{base}/api/webhooks/ghl"))
                .header("content-type", "application/json")
                .header("x-ops-signature", sign(&target.webhook_secret, &body))
                .body(body)
        }
    };
    let response = request.send().await.map_err(|error| error.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|error| error.to_string())?;
    if status.is_success() {
        Ok(())
    } else {
        let text = String::from_utf8_lossy(&body);
        Err(format!(
            "{status}: {}",
            text.chars().take(200).collect::<String>()
        ))
    }
}
