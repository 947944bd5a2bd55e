//! SECURITY.md cannot rot: it lists 29 ASVS requirements, each names at least one test, and
//! every test it names exists as a function in the file it points at.

use std::path::Path;

/// `(file, function)` for every `` `path.rs::name` `` in `text`.
fn named_tests(text: &str) -> Vec<(String, String)> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|span| {
            let (file, name) = span.split_once(".rs::")?;
            let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            (plain && !name.is_empty()).then(|| (format!("{file}.rs"), name.to_string()))
        })
        .collect()
}

/// The `### N. ASVS x.y.z` sections, each with its text.
fn items(text: &str) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            items.push((heading.to_string(), String::new()));
        } else if line.starts_with("## ") {
            items.push((String::new(), String::new()));
        } else if let Some((_, body)) = items.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    items
        .into_iter()
        .filter(|(heading, _)| heading.contains(". ASVS "))
        .collect()
}

#[test]
fn security_md_names_29_requirements_and_only_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("SECURITY.md")).expect("SECURITY.md exists");
    let items = items(&text);
    assert_eq!(
        items.len(),
        29,
        "{:#?}",
        items.iter().map(|i| &i.0).collect::<Vec<_>>()
    );
    let mut numbers: Vec<&str> = items
        .iter()
        .map(|(heading, _)| heading.split_whitespace().nth(2).unwrap_or_default())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 29, "each requirement once: {numbers:?}");
    for (heading, body) in &items {
        assert!(!named_tests(body).is_empty(), "{heading} names no test");
    }
    let named = named_tests(&text);
    assert!(named.len() >= 29);
    for (file, function) in named {
        let source = std::fs::read_to_string(root.join(&file))
            .unwrap_or_else(|_| panic!("SECURITY.md names {file}, which does not exist"));
        let defined = [format!("fn {function}("), format!("fn {function}<")]
            .iter()
            .any(|signature| source.contains(signature.as_str()));
        assert!(
            defined,
            "SECURITY.md names {file}::{function}, which is not there"
        );
    }
}

#[test]
fn the_checks_catch_a_missing_test() {
    let text =
        "## A\n### 1. ASVS 1.1.1 — x\n- `tests/it/nowhere.rs::gone`\n### 2. ASVS 1.1.2 — y\n";
    let items = items(text);
    assert_eq!(items.len(), 2);
    assert_eq!(
        named_tests(&items[0].1),
        vec![("tests/it/nowhere.rs".to_string(), "gone".to_string())]
    );
    assert!(named_tests(&items[1].1).is_empty());
}
