//! The reverse-proxy configurations shipped in `deploy/` are accepted by the programs they are
//! for: `nginx -t` with Debian's nginx and `caddy validate` (scripts/test installs both, and
//! openssl, when missing). Nothing is started and nothing listens.

use std::{path::Path, process::Command};

fn repo_file(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{full}: {error}"))
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what} runs (scripts/test installs it): {error}"));
    assert!(
        output.status.success(),
        "{what}: {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_nginx_site_is_accepted_by_nginx() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // A throwaway certificate where the site expects the ACME client's.
    run(
        Command::new("openssl").args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=ops.example.com",
            "-keyout",
            &at("key.pem"),
            "-out",
            &at("cert.pem"),
        ]),
        "openssl",
    );
    let site = repo_file("deploy/nginx.conf")
        .replace(
            "/etc/letsencrypt/live/ops.example.com/fullchain.pem",
            &at("cert.pem"),
        )
        .replace(
            "/etc/letsencrypt/live/ops.example.com/privkey.pem",
            &at("key.pem"),
        );
    std::fs::write(at("site.conf"), site).unwrap();
    // What /etc/nginx/nginx.conf gives a site, with every file it writes kept in the folder.
    let scratch = at("");
    let main = format!(
        "pid {scratch}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n  access_log off;\n  \
         client_body_temp_path {scratch}; proxy_temp_path {scratch}; fastcgi_temp_path {scratch};\n  \
         uwsgi_temp_path {scratch}; scgi_temp_path {scratch};\n  include {};\n}}\n",
        at("site.conf")
    );
    std::fs::write(at("nginx.conf"), main).unwrap();
    run(
        Command::new("nginx").args(["-t", "-p", &scratch, "-c", &at("nginx.conf")]),
        "nginx -t",
    );
}

#[test]
fn the_caddyfile_is_accepted_by_caddy() {
    let dir = tempfile::tempdir().unwrap();
    let caddyfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/Caddyfile");
    // Caddy keeps its state under the home folder; a scratch one keeps the machine's untouched.
    run(
        Command::new("caddy")
            .args(["validate", "--adapter", "caddyfile", "--config"])
            .arg(&caddyfile)
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path()),
        "caddy validate",
    );
}
