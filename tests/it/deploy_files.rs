//! The deploy recipes and settings files shipped in the repository (docs/DEPLOY.md), checked
//! against the binary and configuration they drive: every variable they set is one the
//! configuration reads, health checks are the binary's own `healthcheck` or `/readyz`, the
//! systemd unit parses with `systemd-analyze verify`, and `.env.example` lists every setting.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Mutex,
};

use ops_desktop::config::Settings;

fn repo_file(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{full}: {error}"))
}

/// Every variable the configuration reads. The reader records each name it is asked for,
/// once with nothing set, once with everything set (so reads that depend on another
/// variable being present happen too) and once in production.
pub fn settings_read() -> BTreeSet<String> {
    let asked = Mutex::new(BTreeSet::new());
    let record = |name: &str| {
        asked.lock().unwrap().insert(name.to_string());
    };
    let _ = Settings::from_lookup(|name| {
        record(name);
        None
    });
    let _ = Settings::from_lookup(|name| {
        record(name);
        Some("1".to_string())
    });
    let _ = Settings::from_lookup(|name| {
        record(name);
        (name == "OPS_ENV").then(|| "production".to_string())
    });
    asked.into_inner().unwrap()
}

fn assert_all_read(file: &str, names: impl IntoIterator<Item = String>) {
    let known = settings_read();
    let names: Vec<String> = names.into_iter().collect();
    assert!(!names.is_empty(), "{file} sets variables");
    let unknown: Vec<&String> = names.iter().filter(|n| !known.contains(*n)).collect();
    assert!(
        unknown.is_empty(),
        "{file} sets variables the configuration never reads: {unknown:?}"
    );
}

/// The part of the Dockerfile after its last `FROM`: what the shipped image is.
fn final_stage(dockerfile: &str) -> String {
    let joined = dockerfile.replace("\\\n", " ");
    let start = joined.rfind("\nFROM ").expect("a FROM line");
    joined[start..].to_string()
}

#[test]
fn the_image_runs_the_binary_as_a_non_root_user_with_its_own_health_check() {
    let dockerfile = repo_file("Dockerfile");
    let image = final_stage(&dockerfile);
    let instruction = |name: &str| -> Vec<String> {
        image
            .lines()
            .filter_map(|line| line.trim().strip_prefix(name))
            .map(|rest| rest.trim().to_string())
            .collect()
    };
    assert_eq!(instruction("ENTRYPOINT "), [r#"["ops-desktop"]"#]);
    let health = instruction("HEALTHCHECK ");
    assert_eq!(health.len(), 1);
    assert!(
        health[0].ends_with(r#"CMD ["ops-desktop", "healthcheck"]"#),
        "{health:?}"
    );
    let user = instruction("USER ");
    assert!(
        matches!(user.as_slice(), [u] if !u.starts_with("root") && !u.starts_with("0")),
        "the image runs as a non-root user: {user:?}"
    );
    let env: Vec<String> = instruction("ENV ")
        .iter()
        .flat_map(|line| {
            line.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|pair| pair.split('=').next().unwrap().to_string())
        .collect();
    assert_all_read("Dockerfile", env);

    // Dependencies are built in a layer of their own, before the sources are copied in.
    let manifests = dockerfile
        .find("COPY Cargo.toml Cargo.lock")
        .expect("manifests first");
    let build = dockerfile.find("cargo build").expect("a build");
    let sources = dockerfile.find("COPY . .").expect("then the sources");
    assert!(
        manifests < build && build < sources,
        "dependency layer first"
    );
}

/// `key: value` lines indented exactly `indent` spaces under the line `header`, up to the
/// next line indented less.
fn yaml_block(text: &str, header: &str, indent: usize) -> BTreeMap<String, String> {
    let mut lines = text.lines().skip_while(|line| line.trim_end() != header);
    assert!(lines.next().is_some(), "`{header}` is there");
    let mut block = BTreeMap::new();
    for line in lines {
        let depth = line.len() - line.trim_start().len();
        if line.trim().is_empty() || line.trim_start().starts_with('#') || depth > indent {
            continue;
        }
        if depth < indent {
            break;
        }
        let (key, value) = line.trim().split_once(':').expect("key: value");
        block.insert(key.trim().to_string(), value.trim().to_string());
    }
    block
}

#[test]
fn compose_runs_the_image_read_only_beside_postgres() {
    let compose = repo_file("compose.yaml");
    let app = yaml_block(&compose, "  app:", 4);
    assert_eq!(app["read_only"], "true");
    let env = yaml_block(&compose, "    environment:", 6);
    assert!(env["DATABASE_URL"].starts_with("postgres://"));
    assert_all_read("compose.yaml", env.keys().cloned());
    let health = yaml_block(&compose, "    healthcheck:", 6);
    assert_eq!(health["test"], r#"["CMD", "ops-desktop", "healthcheck"]"#);
    assert!(compose.contains("\n  db:\n    image: postgres:"));
}

#[test]
fn fly_checks_readiness_and_stops_gracefully() {
    let fly = repo_file("fly.toml");
    let section = |name: &str| -> BTreeMap<String, String> {
        fly.lines()
            .skip_while(|line| line.trim() != name)
            .skip(1)
            .take_while(|line| !line.trim_start().starts_with('['))
            .filter_map(|line| line.split_once('='))
            .filter(|(key, _)| !key.trim_start().starts_with('#'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect()
    };
    let env = section("[env]");
    assert_all_read("fly.toml", env.keys().cloned());
    assert_eq!(section("[[http_service.checks]]")["path"], "/readyz");
    assert_eq!(
        section("[mounts]")["destination"],
        env["OPS_DATA_DIR"],
        "the volume holds the data folder"
    );
    assert!(env["DATABASE_URL"].starts_with(&format!("sqlite://{}", env["OPS_DATA_DIR"])));
    let top: BTreeMap<String, String> = fly
        .lines()
        .take_while(|line| !line.starts_with('['))
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect();
    assert_eq!(top["kill_signal"], "SIGTERM");
    let timeout: u64 = top["kill_timeout"].trim_end_matches('s').parse().unwrap();
    assert!(
        timeout > 10,
        "Fly waits longer than the server's 10 s shutdown"
    );
}

#[test]
fn render_uses_managed_postgres_and_readiness() {
    let render = repo_file("render.yaml");
    assert!(render.contains("\n    healthCheckPath: /readyz\n"));
    let keys: Vec<String> = render
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- key: "))
        .map(str::to_string)
        .collect();
    assert!(keys.contains(&"DATABASE_URL".to_string()));
    assert!(render.contains(
        "fromDatabase:\n          name: ops-desktop-db\n          property: connectionString"
    ));
    assert!(render.contains("databases:\n  - name: ops-desktop-db\n"));
    assert_all_read("render.yaml", keys);
}

#[test]
fn the_systemd_unit_is_sandboxed_and_parses() {
    let unit = repo_file("deploy/ops-desktop.service");
    let settings: Vec<(&str, &str)> = unit
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    let env = settings
        .iter()
        .filter(|(key, _)| *key == "Environment")
        .map(|(_, value)| value.split('=').next().unwrap().to_string());
    assert_all_read("deploy/ops-desktop.service", env);
    for wanted in [
        ("ExecStart", "/usr/local/bin/ops-desktop serve"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("CapabilityBoundingSet", ""),
        ("KillSignal", "SIGTERM"),
        ("RestartPreventExitStatus", "78"),
        ("RestartPreventExitStatus", "65"),
    ] {
        assert!(settings.contains(&wanted), "{wanted:?} in the unit");
    }

    // `systemd-analyze verify` needs the program to exist: point it at the one Cargo built.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ops-desktop.service");
    let binary = env!("CARGO_BIN_EXE_ops-desktop");
    std::fs::write(&path, unit.replace("/usr/local/bin/ops-desktop", binary)).unwrap();
    let output = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs (scripts/test installs it)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let complaints: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("ops-desktop.service"))
        .collect();
    assert!(
        output.status.success() && complaints.is_empty(),
        "systemd-analyze verify: {}\n{stderr}",
        output.status
    );
}

/// `NAME=value` and `# NAME=value` lines of `.env.example`: (name, value, commented out).
fn env_example() -> Vec<(String, String, bool)> {
    repo_file(".env.example")
        .lines()
        .filter_map(|line| {
            let (commented, rest) = match line.strip_prefix('#') {
                Some(rest) => (true, rest.trim_start()),
                None => (false, line),
            };
            let (name, value) = rest.split_once('=')?;
            let is_name = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            is_name.then(|| (name.to_string(), value.to_string(), commented))
        })
        .collect()
}

#[test]
fn env_example_lists_every_setting_and_is_valid() {
    let entries = env_example();
    let listed: BTreeSet<String> = entries.iter().map(|(name, ..)| name.clone()).collect();
    assert_eq!(listed.len(), entries.len(), "each setting once");
    let read = settings_read();
    assert_eq!(
        listed.iter().collect::<Vec<_>>(),
        read.iter().collect::<Vec<_>>(),
        ".env.example and the settings the configuration reads differ"
    );

    // As shipped, production refuses it until the metrics token is filled in (so nobody runs
    // with a placeholder); then it is valid, with every shown default switched on too (empty
    // values count as unset).
    let active = |with_defaults: bool| -> std::collections::HashMap<String, String> {
        entries
            .iter()
            .filter(|(_, _, commented)| with_defaults || !commented)
            .map(|(name, value, _)| (name.clone(), value.clone()))
            .collect()
    };
    let report = Settings::from_map(&active(false)).expect_err("the token is left to fill in");
    assert!(report.mentions("METRICS_TOKEN"), "{report}");
    for with_defaults in [false, true] {
        let mut vars = active(with_defaults);
        vars.insert("METRICS_TOKEN".into(), "0123456789abcdef".repeat(4));
        if let Err(report) = Settings::from_map(&vars) {
            panic!("defaults shown: {with_defaults}: {report}");
        }
    }
}

#[test]
fn dependency_updates_cover_crates_and_base_images() {
    let dependabot = repo_file(".github/dependabot.yml");
    for ecosystem in ["cargo", "docker"] {
        assert!(
            dependabot.contains(&format!("- package-ecosystem: {ecosystem}\n")),
            "{ecosystem} updates are configured"
        );
    }
    let deny = repo_file("deny.toml");
    for section in ["[licenses]", "[bans]", "[sources]", "[advisories]"] {
        assert!(deny.contains(section), "deny.toml has {section}");
    }
}
