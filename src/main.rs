//! The `ops-desktop` binary: parse the command line, run one command, exit with its code.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = ops_desktop::cli::Cli::parse();
    ops_desktop::cli::run(cli)
}
