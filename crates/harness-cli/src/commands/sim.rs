//! `harness sim profiles` and `harness sim show PROFILE`: the simulated model's profiles.

use std::process::ExitCode;

use super::output::{BAD_INPUT, INTERNAL, OK};

/// Subcommands of `harness sim`.
#[derive(Debug, clap::Subcommand)]
pub enum SimCommand {
    /// Print the names of the shipped profiles, one per line (use as `--model sim:NAME`).
    Profiles,
    /// Print a profile (a shipped name or a YAML file) as it is read, with every default.
    Show {
        /// Profile name or file.
        profile: String,
    },
}

/// Run a `harness sim` subcommand.
pub fn run(command: SimCommand) -> ExitCode {
    match command {
        SimCommand::Profiles => {
            for name in harness_sim::shipped_names() {
                println!("{name}");
            }
            ExitCode::from(OK)
        }
        SimCommand::Show { profile } => match harness_sim::Profile::resolve(&profile) {
            Ok(profile) => match serde_yaml::to_string(&profile) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::from(OK)
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(INTERNAL)
                }
            },
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(BAD_INPUT)
            }
        },
    }
}
