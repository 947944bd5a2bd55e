//! The API keeps the contract its OpenAPI document states. Each test here pins a class of
//! mismatch the schema fuzzer (scripts/api-fuzz.sh) found: a body of the wrong JSON kind taken
//! as an object, a NUL in a webhook labelled as text reaching PostgreSQL, limits counted after trimming
//! (so text longer than the declared maximum got in), integers written `2.0` refused, an event
//! payload that was not the object the document promises; and the document itself: envelopes,
//! required fields, enum values, bounds, failures and links.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    api_subtasks::{assert_invalid, create_item, send},
    on_both_backends,
    support::{Backend, TestApp, TestOptions, ghl, personas},
};

async fn count_feeds(app: &TestApp) -> u64 {
    use ops_desktop::db::entities::calendar_feed;
    use sea_orm::{EntityTrait, PaginatorTrait};
    calendar_feed::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

/// Serde reads a struct from a JSON array too; the API takes objects only.
async fn a_body_that_is_not_an_object_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for body in [
        json!([null, null]),
        json!(["Feed", "ALL"]),
        json!("x"),
        json!(3),
    ] {
        let (status, answer) = send(
            &app,
            &staff,
            Method::POST,
            "/api/calendar/feeds",
            Some(body.clone()),
        )
        .await;
        assert_invalid(status, &answer, "body");
        assert!(
            answer["details"]["body"][0]
                .as_str()
                .unwrap()
                .contains("object"),
            "{body}: {answer}"
        );
    }
    assert_eq!(count_feeds(&app).await, 0, "nothing stored");
}

/// PostgreSQL cannot store NUL; a webhook holding one is refused before anything is stored.
async fn a_webhook_holding_nul_is_a_400_and_not_stored(backend: Backend) {
    let signer = ghl::WebhookSigner::new();
    let options = TestOptions {
        env: signer.env(),
        ..TestOptions::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let body = br#"{"type": "ContactCreate", "id": "c1", "name": "a\u0000b"}"#;
    // Read as JSON whatever it is labelled, so checked as JSON whatever it is labelled.
    for content_type in ["application/json", "text/plain"] {
        let response = reqwest::Client::new()
            .post(app.url("/api/webhooks/ghl"))
            .header("content-type", content_type)
            .header("x-ghl-signature", signer.sign(body))
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{content_type}");
    }
    assert_eq!(ghl::count_events(&app).await, 0);
}

/// Limits are on the text as sent: the document's `maxLength` is what the server enforces,
/// and trimming cannot let a longer text in.
async fn text_limits_count_the_text_as_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let long_title = format!("{} ", "t".repeat(200));
    let (status, answer) = send(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": long_title})),
    )
    .await;
    assert_invalid(status, &answer, "title");
    let (status, answer) = send(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": "ok", "ghlContactId": "c".repeat(101)})),
    )
    .await;
    assert_invalid(status, &answer, "ghlContactId");
    // 21 tags are refused even when some repeat: the limit is on the list sent.
    let tags: Vec<String> = (0..21).map(|i| format!("t{}", i % 3)).collect();
    let (status, answer) = send(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": "ok", "tags": tags})),
    )
    .await;
    assert_invalid(status, &answer, "tags");
    let (status, answer) = send(
        &app,
        &staff,
        Method::POST,
        "/api/calendar/feeds",
        Some(json!({"scope": "mine"})),
    )
    .await;
    assert_invalid(status, &answer, "scope");
    let (status, answer) = send(
        &app,
        &staff,
        Method::POST,
        "/api/calendar/feeds",
        Some(json!({"name": format!(" {} ", "n".repeat(99))})),
    )
    .await;
    assert_invalid(status, &answer, "name");
    assert_eq!(count_feeds(&app).await, 0);
    let (status, _) = send(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": format!("  {}  ", "t".repeat(196))})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "200 characters with their spaces fit"
    );
}

/// JSON has one number type: `2.0` is the integer 2, `2.5` is a clear 422.
async fn integers_may_be_written_with_a_zero_fraction(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Steps"})).await;
    let steps = format!("/api/work-items/{}/subtasks", item["id"].as_str().unwrap());
    for title in ["one", "two"] {
        let (status, _) = send(
            &app,
            &staff,
            Method::POST,
            &steps,
            Some(json!({"title": title})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, answer) = send(
        &app,
        &staff,
        Method::POST,
        &steps,
        Some(json!({"title": "first", "position": 0.0})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["data"]["position"], 0);
    let (status, answer) = send(
        &app,
        &staff,
        Method::POST,
        &steps,
        Some(json!({"title": "half", "position": 1.5})),
    )
    .await;
    assert_invalid(status, &answer, "body");
    assert!(
        answer["details"]["body"][0]
            .as_str()
            .unwrap()
            .contains("whole number"),
        "{answer}"
    );
    let path = format!("/api/work-items/{}", item["id"].as_str().unwrap());
    let (status, answer) = send(
        &app,
        &staff,
        Method::PATCH,
        &path,
        Some(json!({"title": "Renamed", "version": 1.0})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (_, list) = send(&app, &staff, Method::GET, &steps, None).await;
    let titles: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["first", "one", "two"],
        "the refused one was not added"
    );
}

/// The document promises an object payload; an array or a number is refused, not stored.
async fn an_event_payload_is_an_object(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for payload in [json!([null, null]), json!(0), json!("text")] {
        let body = json!({"source": "zapier", "type": "form.sent", "payload": payload});
        let (status, answer) = send(&app, &staff, Method::POST, "/api/events", Some(body)).await;
        assert_invalid(status, &answer, "payload");
    }
    assert_eq!(ghl::count_events(&app).await, 0);
}

async fn document(app: &TestApp) -> Value {
    let staff = personas::staff(app).await;
    let (status, doc) = send(app, &staff, Method::GET, "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    doc
}

/// Follows a `$ref` to the schema it names.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn success_schema<'a>(doc: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    let schema =
        &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"];
    resolve(doc, schema)
}

/// The document describes the wire: envelopes, required fields, enums, bounds, failures.
async fn the_document_describes_what_the_server_sends(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = document(&app).await;

    let one = success_schema(&doc, "/api/work-items/{id}", "get", "200");
    assert_eq!(one["required"], json!(["data"]), "{one}");
    let item = resolve(&doc, &one["properties"]["data"]);
    let status = resolve(&doc, &item["properties"]["status"]);
    assert!(status.to_string().contains("IN_PROGRESS"), "{item}");

    let page = success_schema(&doc, "/api/work-items", "get", "200");
    let required: Vec<&str> = page["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        required.contains(&"data") && required.contains(&"nextCursor"),
        "{page}"
    );
    assert_eq!(page["properties"]["data"]["type"], "array");

    let limit = doc["paths"]["/api/work-items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(
        (
            limit["schema"]["minimum"].as_i64(),
            limit["schema"]["maximum"].as_i64()
        ),
        (Some(1), Some(200))
    );

    let new_event = &doc["components"]["schemas"]["NewEvent"];
    let required: Vec<&str> = new_event["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["source", "type"], "{new_event}");
    assert_eq!(new_event["additionalProperties"], false);
    let new_item = &doc["components"]["schemas"]["NewWorkItem"];
    assert_eq!(new_item["properties"]["title"]["maxLength"], 200);
    assert_eq!(new_item["properties"]["ownerId"]["format"], "uuid");

    // Every failure a signed-in operation can meet is listed, with the error body.
    let patch = &doc["paths"]["/api/work-items/{id}"]["patch"]["responses"];
    for code in [
        "400", "401", "403", "404", "409", "413", "415", "422", "429", "503",
    ] {
        let schema = &patch[code]["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(schema, "#/components/schemas/ErrorBody", "{code}: {patch}");
    }
    assert!(patch["429"]["headers"]["Retry-After"].is_object());

    // Creating answers link to the operations on what was created.
    let link =
        &doc["paths"]["/api/templates"]["post"]["responses"]["201"]["links"]["delete_template"];
    assert_eq!(link["operationId"], "delete_template", "{link}");
    assert_eq!(link["parameters"]["id"], "$response.body#/data/id");

    // Text the edge guard would refuse is declared refused: no control characters, and a
    // title that must not be blank says so.
    let text = &new_item["properties"]["description"]["pattern"];
    assert!(
        text.as_str().unwrap().starts_with(r"^[^\x00-\x08"),
        "{text}"
    );
    let title = new_item["properties"]["title"]["pattern"].as_str().unwrap();
    assert!(
        title.contains(r"\u3000") && title.ends_with(r"]*$"),
        "{title}"
    );
    let payload = &new_event["properties"]["payload"];
    assert_eq!(
        payload["additionalProperties"]["$ref"],
        "#/components/schemas/JsonValue"
    );
}

/// Every operation, whoever added it: each failure carries the error body, 503 is listed
/// (a database outage reaches every route), every JSON success is an envelope with `data`,
/// every `limit` is 1–200, and no text a client may send is left without a pattern, an
/// enum or a format.
async fn every_operation_keeps_the_contract(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = document(&app).await;
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("503"), "{name}");
            for (status, response) in responses {
                let json = &response["content"]["application/json"]["schema"];
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        json["$ref"], "#/components/schemas/ErrorBody",
                        "{name} {status}"
                    );
                } else if status.starts_with('2') && !json.is_null() {
                    let body = resolve(&doc, json);
                    assert!(
                        body["required"]
                            .as_array()
                            .is_some_and(|r| r.contains(&json!("data"))),
                        "{name} {status}: {body}"
                    );
                }
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let label = format!("{name} ?{}", parameter["name"]);
                if parameter["name"] == "limit" {
                    assert_eq!(
                        (
                            parameter["schema"]["minimum"].as_i64(),
                            parameter["schema"]["maximum"].as_i64()
                        ),
                        (Some(1), Some(200)),
                        "{label}"
                    );
                }
                if parameter["in"] != "header" {
                    assert_text_declared(&doc, &parameter["schema"], &label, 0);
                }
            }
            for content in operation["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                assert_text_declared(&doc, &content.1["schema"], &format!("{name} body"), 0);
            }
        }
    }
    assert!(
        operations > 50,
        "the document lists the API ({operations} operations)"
    );
}

/// Names of answer fields that hold one of a closed set of values.
const CLOSED_SETS: &[&str] = &[
    "status",
    "state",
    "type",
    "priority",
    "deliverableType",
    "proofStatus",
    "role",
    "direction",
    "channel",
    "action",
    "kind",
    "scope",
];

/// `(schema, field)` pairs among those names that are open text on purpose: an event's type is
/// whatever the other system calls it, and the audit log shows what was written, by this
/// release or an older one.
const OPEN_ON_PURPOSE: &[(&str, &str)] = &[
    ("EventView", "type"),
    ("EventSummary", "type"),
    ("AuditView", "action"),
];

/// Every answer's closed-set field is declared with its values, so a client generated from the
/// document gets a type it can match on rather than any string.
async fn every_closed_set_in_an_answer_is_declared(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = document(&app).await;
    let mut undeclared = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let schema = &response["content"]["application/json"]["schema"];
                if status.starts_with('2') && !schema.is_null() {
                    let place = format!("{method} {path} {status}");
                    closed_sets(&doc, schema, &place, 0, &mut undeclared, &mut checked);
                }
            }
        }
    }
    undeclared.sort();
    undeclared.dedup();
    assert!(undeclared.is_empty(), "no enum declared: {undeclared:#?}");
    assert!(checked > 20, "the walk found the fields ({checked})");
}

fn closed_sets(
    doc: &Value,
    schema: &Value,
    place: &str,
    depth: usize,
    undeclared: &mut Vec<String>,
    checked: &mut usize,
) {
    if depth > 8 {
        return;
    }
    let place = match schema["$ref"].as_str() {
        Some(reference) => reference.rsplit('/').next().unwrap().to_string(),
        None => place.to_string(),
    };
    let schema = resolve(doc, schema);
    for (name, field) in schema["properties"].as_object().into_iter().flatten() {
        let open = OPEN_ON_PURPOSE
            .iter()
            .any(|(owner, open)| name == open && place.contains(owner));
        let spelled = spelled_out(doc, field);
        if CLOSED_SETS.contains(&name.as_str()) && spelled.contains("\"string\"") && !open {
            *checked += 1;
            if !spelled.contains("\"enum\"") {
                undeclared.push(format!("{place}.{name}"));
            }
        }
        closed_sets(
            doc,
            field,
            &format!("{place}.{name}"),
            depth + 1,
            undeclared,
            checked,
        );
    }
    for key in ["items", "additionalProperties"] {
        if schema[key].is_object() {
            closed_sets(doc, &schema[key], &place, depth + 1, undeclared, checked);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for inner in schema[key].as_array().into_iter().flatten() {
            closed_sets(doc, inner, &place, depth + 1, undeclared, checked);
        }
    }
}

/// The schema as text, with the `$ref` at its top and those among its alternatives (how an
/// optional field is written) resolved.
fn spelled_out(doc: &Value, schema: &Value) -> String {
    let schema = resolve(doc, schema);
    let mut text = schema.to_string();
    for key in ["anyOf", "oneOf", "allOf"] {
        for inner in schema[key].as_array().into_iter().flatten() {
            text.push_str(&resolve(doc, inner).to_string());
        }
    }
    text
}

/// Every string under `schema` has a pattern, an enum or a format.
fn assert_text_declared(doc: &Value, schema: &Value, place: &str, depth: usize) {
    if depth > 8 {
        return; // JsonValue refers to itself.
    }
    let schema = resolve(doc, schema);
    let is_string = schema["type"] == "string"
        || schema["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("string")));
    if is_string {
        let declared = ["pattern", "enum", "format", "const"]
            .iter()
            .any(|k| !schema[*k].is_null());
        assert!(declared, "{place}: {schema}");
    }
    for (name, inner) in schema["properties"].as_object().into_iter().flatten() {
        assert_text_declared(doc, inner, &format!("{place}.{name}"), depth + 1);
    }
    for key in ["items", "additionalProperties"] {
        if schema[key].is_object() {
            assert_text_declared(doc, &schema[key], place, depth + 1);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for inner in schema[key].as_array().into_iter().flatten() {
            assert_text_declared(doc, inner, place, depth + 1);
        }
    }
}

on_both_backends!(
    a_body_that_is_not_an_object_is_refused,
    a_webhook_holding_nul_is_a_400_and_not_stored,
    text_limits_count_the_text_as_sent,
    integers_may_be_written_with_a_zero_fraction,
    an_event_payload_is_an_object,
    the_document_describes_what_the_server_sends,
    every_operation_keeps_the_contract,
    every_closed_set_in_an_answer_is_declared,
);
