//! The `harness` command.
//!
//! Exit codes: 0 success, 2 bad input, 1 internal failure.

mod commands;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    init_logging(cli.verbose());
    commands::dispatch(cli)
}

/// Send `tracing` events (retries, lost verdicts, failed kills ...) to stderr. `RUST_LOG`
/// decides what is shown when it is set and valid; otherwise `-v` counts: none shows warnings
/// and errors, `-v` info, `-vv` debug, `-vvv` trace.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Fails only when a subscriber is already set, and then events have somewhere to go.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
