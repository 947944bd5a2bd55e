//! The binary, configured as the container image configures it (the Dockerfile's final `ENV`),
//! serves, creates the first admin, answers its own health check and takes a backup with every
//! mount of the root filesystem read-only except its data folder, and a fresh tmpfs on /tmp —
//! what `docker run --read-only --tmpfs /tmp -v …:/var/lib/ops-desktop/data` gives it. The
//! read-only view is a private mount namespace (`unshare --mount`, as root), so nothing here
//! needs a Docker daemon.

use std::{
    path::Path,
    process::{Command, Output, Stdio},
    time::Duration,
};

use crate::support::process;

/// The data volume inside the image.
const IMAGE_DATA: &str = "/var/lib/ops-desktop/data";

/// Makes every mount read-only except `$1` (bind-mounted onto itself first), mounts a tmpfs
/// on /tmp, refuses to go on if the root is still writable, then runs the rest of the
/// arguments.
const READ_ONLY: &str = r#"set -eu
data="$1"; shift
mount --make-rprivate /
mount --bind "$data" "$data"
findmnt -rno TARGET | sort -r | while read -r target; do
  case "$target" in /proc*|/sys*|/dev*|"$data") continue ;; esac
  mount -o remount,bind,ro "$target" 2>/dev/null || echo "left writable: $target" >&2
done
# A tmpfs on /tmp, as the image's recipes give it, unless this checkout itself lives under /tmp
# (a tmpfs there would hide the binary and the data folder; /tmp is then read-only with the rest).
case "$data" in /tmp|/tmp/*) ;; *) mount -t tmpfs -o size=64m tmpfs /tmp ;; esac
if touch /.ops-desktop-probe 2>/dev/null; then echo "the root is still writable" >&2; exit 97; fi
exec "$@""#;

/// `NAME=value` pairs of the image's `ENV`, its data folder moved to `data`.
fn image_env(data: &Path) -> Vec<(String, String)> {
    let dockerfile = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile"))
        .unwrap()
        .replace("\\\n", " ");
    let image = &dockerfile[dockerfile.rfind("\nFROM ").unwrap()..];
    image
        .lines()
        .filter_map(|line| line.trim().strip_prefix("ENV "))
        .flat_map(|pairs| {
            pairs
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("ENV NAME=value");
            let value = value.replace(IMAGE_DATA, data.to_str().unwrap());
            (name.to_string(), value)
        })
        .collect()
}

fn read_only_command(
    workdir: &Path,
    data: &Path,
    env: &[(String, String)],
    args: &[&str],
) -> Command {
    let mut command = Command::new("unshare");
    command
        .args(["--mount", "sh", "-c", READ_ONLY, "sh"])
        .arg(data)
        .arg(process::binary())
        .args(args)
        .current_dir(workdir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

fn run_read_only(
    workdir: &Path,
    data: &Path,
    env: &[(String, String)],
    args: &[&str],
    stdin: &str,
) -> Output {
    use std::io::Write;
    let mut child = read_only_command(workdir, data, env, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unshare runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{args:?} on a read-only root: {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_configuration_runs_on_a_read_only_root() {
    let namespaces = Command::new("unshare").args(["--mount", "true"]).status();
    assert!(
        namespaces.is_ok_and(|status| status.success()),
        "this test needs `unshare --mount` (util-linux, run as root, as CI and scripts/test are)"
    );
    // Not under /tmp: the tmpfs the command mounts there would hide it.
    let root = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let port = process::free_port();
    let mut env = image_env(&data);
    assert!(
        env.iter().any(|(name, _)| name == "OPS_ENV"),
        "the image sets OPS_ENV"
    );
    env.retain(|(name, _)| name != "BIND_ADDR");
    for (name, value) in [
        ("BIND_ADDR", format!("127.0.0.1:{port}")),
        ("AUTH_URL", "https://ops.example.com".to_string()),
        ("EMAIL_FROM", "ops@example.com".to_string()),
        ("EMAIL_SERVER_HOST", "127.0.0.1".to_string()),
        (
            "METRICS_TOKEN",
            "a-read-only-root-test-token-of-40-bytes!".to_string(),
        ),
    ] {
        env.push((name.to_string(), value));
    }

    let mut server = read_only_command(root.path(), &data, &env, &["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("unshare runs");
    process::wait_until_ready(
        &format!("http://127.0.0.1:{port}/readyz"),
        Duration::from_secs(60),
    )
    .await;

    let (root_dir, data_dir, env_for_tools) = (root.path().to_owned(), data.clone(), env.clone());
    tokio::task::spawn_blocking(move || {
        let (root, data, env) = (&root_dir, &data_dir, &env_for_tools);
        run_read_only(root, data, env, &["healthcheck"], "");
        run_read_only(
            root,
            data,
            env,
            &[
                "user",
                "create",
                "--email",
                "admin@example.com",
                "--name",
                "Admin",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "a long passphrase for the first admin",
        );
        let backup = data.join("by-hand.db");
        run_read_only(
            root,
            data,
            env,
            &["backup", "--out", backup.to_str().unwrap()],
            "",
        );
        assert!(
            backup.metadata().unwrap().len() > 0,
            "the backup was written"
        );
    })
    .await
    .unwrap();
    let signin = reqwest::get(format!("http://127.0.0.1:{port}/auth/signin"))
        .await
        .unwrap();
    assert_eq!(signin.status(), 200);

    process::signal(&server, "TERM");
    let status = process::wait_with_limit(&mut server, Duration::from_secs(20))
        .expect("the server stops on SIGTERM");
    assert!(status.success(), "a clean stop: {status}");
    assert!(
        data.join("ops-desktop.db").exists(),
        "the database lives in the data folder"
    );
}
