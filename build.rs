//! Build script: records the git commit the binary was built from, for `ops-desktop --version`
//! and the `ops_build_info` metric, so an operator can tell exactly what is running.
//!
//! `OPS_GIT_COMMIT` in the build environment wins (container builds have no `.git`; pass it as
//! a build argument); otherwise `git rev-parse` is asked; with neither, the commit is
//! `unknown` and the build still succeeds.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=OPS_GIT_COMMIT");
    let commit = std::env::var("OPS_GIT_COMMIT")
        .ok()
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=OPS_GIT_COMMIT={commit}");

    // Release binaries are the ones shipped, so they follow every move of HEAD. Debug builds
    // re-read the commit only when the sources change: following HEAD there would rebuild
    // the whole crate after every commit or rebase, for a value nobody ships.
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        for path in watched_git_files() {
            println!("cargo:rerun-if-changed={path}");
        }
    } else {
        println!("cargo:rerun-if-changed=src");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// What `git` prints for `args`, or `None` when git is missing or this is not a repository.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// HEAD, the branch it points at and `packed-refs`, where they exist (a watched path that
/// does not exist would make Cargo rerun this script on every build).
fn watched_git_files() -> Vec<String> {
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
    }
    names
        .iter()
        .filter_map(|name| git(&["rev-parse", "--git-path", name]))
        .filter(|path| std::path::Path::new(path).exists())
        .collect()
}
