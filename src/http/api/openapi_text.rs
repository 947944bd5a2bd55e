//! Text in the OpenAPI document as the server takes it. The edge guard (`http::edge`) refuses
//! control characters other than tab and line breaks anywhere in a query string or JSON body,
//! so every free-text string of those the document declares says so with a pattern; a field that must
//! not be blank is written `pattern = "\\S"` in its annotation and spelled out here, because a
//! regular expression's `\s` is not the same set of spaces in every language, while the server
//! trims exactly Unicode's white space. Free-form JSON (an event's payload, a webhook's body)
//! is declared as JSON whose strings and keys hold no control characters either.

use serde_json::{Map, Value, json};

/// The control characters the edge guard refuses (all but tab, line feed and carriage return).
const CONTROL: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";
/// Unicode's white space: what `str::trim` removes.
const SPACE: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// The marker a field's annotation uses for "not blank".
const NOT_BLANK_MARKER: &str = r"\S";

/// Invisible and text-direction characters, refused in credential names
/// (`domain::credential_name`).
const INVISIBLE: &str =
    r"\xad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb";
/// The markers for a credential name: not blank, or blank for the default.
const NAME_MARKER: &str = "(credential-name)";
const NAME_OR_BLANK_MARKER: &str = "(credential-name-or-blank)";

/// A credential name: no control, invisible or text-direction character, not only spaces.
fn name(blank_allowed: bool) -> String {
    let hidden = format!("{CONTROL}{INVISIBLE}");
    if blank_allowed {
        format!("^[^{hidden}]*$")
    } else {
        format!("^[^{hidden}]*[^{hidden}{SPACE}][^{hidden}]*$")
    }
}

/// Any text without control characters.
fn text() -> String {
    format!("^[^{CONTROL}]*$")
}

/// Text without control characters that is not only white space.
fn not_blank() -> String {
    format!("^[^{CONTROL}]*[^{CONTROL}{SPACE}][^{CONTROL}]*$")
}

/// The name of the schema of free-form JSON.
const JSON_VALUE: &str = "JsonValue";

/// Adds the text patterns to every schema of the document (components, parameters, request
/// bodies) and the [`JSON_VALUE`] schema that free-form objects refer to.
pub fn declare_text(document: &mut Value) {
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            walk(schema);
        }
        schemas.insert(JSON_VALUE.to_string(), json_value());
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        if let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        {
            // A header's value is HTTP's business, and the server reads only the headers it
            // knows; the edge guard looks at the path, the query string and the body.
            let readable = parameters.iter_mut().filter(|p| p["in"] != "header");
            for parameter in readable {
                if let Some(schema) = parameter.get_mut("schema") {
                    walk(schema);
                }
            }
        }
        if let Some(contents) = operation
            .pointer_mut("/requestBody/content")
            .and_then(Value::as_object_mut)
        {
            for content in contents.values_mut() {
                if let Some(schema) = content.get_mut("schema") {
                    walk(schema);
                }
            }
        }
    }
}

/// Any JSON whose strings and keys hold no control characters; nested arrays and objects
/// refer back to it.
fn json_value() -> Value {
    let nested = json!({"$ref": format!("#/components/schemas/{JSON_VALUE}")});
    json!({
        "description": "Any JSON value; no string or key holds a control character",
        "anyOf": [
            {"type": "null"},
            {"type": "boolean"},
            {"type": "number"},
            {"type": "string", "pattern": text()},
            {"type": "array", "items": nested},
            free_object(),
        ]
    })
}

/// An object of any fields, each any JSON.
fn free_object() -> Value {
    json!({
        "type": "object",
        "propertyNames": {"pattern": text()},
        "additionalProperties": {"$ref": format!("#/components/schemas/{JSON_VALUE}")},
    })
}

fn has_type(schema: &Map<String, Value>, name: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == name,
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == name),
        _ => false,
    }
}

fn walk(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let constrained = ["enum", "const", "format", "$ref"]
        .iter()
        .any(|key| object.contains_key(*key));
    if has_type(object, "string") && !constrained {
        let pattern = match object.get("pattern").and_then(Value::as_str) {
            None => Some(text()),
            Some(NOT_BLANK_MARKER) => Some(not_blank()),
            Some(NAME_MARKER) => Some(name(false)),
            Some(NAME_OR_BLANK_MARKER) => Some(name(true)),
            Some(_) => None,
        };
        if let Some(pattern) = pattern {
            object.insert("pattern".to_string(), Value::String(pattern));
        }
    }
    let free_form = has_type(object, "object")
        && !object.contains_key("properties")
        && !object.contains_key("additionalProperties");
    if free_form {
        let Value::Object(free) = free_object() else {
            unreachable!("free_object is an object")
        };
        for (key, value) in free {
            if key != "type" {
                object.insert(key, value);
            }
        }
    }
    for key in ["items", "additionalProperties", "propertyNames", "not"] {
        if let Some(inner) = object.get_mut(key) {
            walk(inner);
        }
    }
    for key in ["properties"] {
        if let Some(properties) = object.get_mut(key).and_then(Value::as_object_mut) {
            properties.values_mut().for_each(walk);
        }
    }
    for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        if let Some(list) = object.get_mut(key).and_then(Value::as_array_mut) {
            list.iter_mut().for_each(walk);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn free_text_gets_a_pattern_and_constrained_text_keeps_its_own() {
        let mut doc = json!({
            "components": {"schemas": {"A": {"type": "object", "properties": {
                "free": {"type": ["string", "null"]},
                "title": {"type": "string", "pattern": "\\S"},
                "id": {"type": "string", "format": "uuid"},
                "kind": {"type": "string", "enum": ["X"]},
                "slug": {"type": "string", "pattern": "^[a-z]+$"},
                "payload": {"type": "object"},
            }}}},
            "paths": {"/x": {"get": {"parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "X-Sig", "in": "header", "schema": {"type": "string"}},
            ]}}},
        });
        declare_text(&mut doc);
        let a = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(a["free"]["pattern"], text());
        assert_eq!(a["title"]["pattern"], not_blank());
        assert!(a["id"].get("pattern").is_none() && a["kind"].get("pattern").is_none());
        assert_eq!(a["slug"]["pattern"], "^[a-z]+$");
        assert_eq!(a["payload"]["propertyNames"]["pattern"], text());
        assert_eq!(
            doc["paths"]["/x"]["get"]["parameters"][0]["schema"]["pattern"],
            text()
        );
        assert!(doc["components"]["schemas"][JSON_VALUE]["anyOf"].is_array());
    }
}
