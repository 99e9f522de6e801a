//! harness-sim: a simulated model for offline runs.
//!
//! A **documented test double**, not a model. Its competence comes from each task's oracle
//! solution (`solution/solve.sh`, parsed into steps and handed over out of band, never through
//! the sandbox); its failures are named pathologies modelled on those published for real
//! models, each fired with a per-trial probability from a YAML profile. It acts only through
//! the harness's real tools, so every command really runs and the verifier really decides.
//! It reacts to what the harness's interventions *do* (a block of its repeat, a refused finish,
//! a note while it explores, a substitution it can apply, a usage note naming the parameter it
//! got wrong), whichever layer produced them, never to prompt wording: a prompt-only edit has
//! no effect on it. Interventions it does not need cost it (a distracting note, reading cut
//! short, a persistent shell for a model that `cd`s into subfolders, a blocked legitimate step,
//! facts lost to compaction), so a blanket checklist is not free. Results obtained with it say
//! how a harness treats these pathologies; they say nothing about real models. See
//! `docs/sim.md`.
//!
//! Contents:
//! - [`Profile`]: the YAML profile (with its [`Exploration`] and [`Costs`]), [`shipped`]
//!   profiles and [`Profile::resolve`].
//! - [`Pathology`]: the seven named behaviours.
//! - [`Plan`]: the solution parsed into steps.
//! - [`TrialDraw`]: every random choice of a trial, drawn up front from [`SimRng`] streams.
//! - [`Episode`]: the per-trial plan executor that reads the conversation and decides.
//! - [`SimClient`] and [`SimProvider`]: the `ModelClient` per trial and the `ModelProvider`.
//! - [`SimBackend`] and [`register`]: the `sim` scheme of a `harness_model::ModelRegistry`.
//! - [`GroundTruth`]: the side file of what fired and what interventions [`Cost`], for scoring
//!   failure miners.

mod client;
mod draw;
mod episode;
mod error;
mod explore;
mod ground_truth;
mod observe;
mod pathology;
mod plan;
mod profile;
mod provider;
mod rewrite;
mod rng;

pub use client::{SIM_PROVIDER, SimClient};
pub use draw::{BlindTarget, TrialDraw};
pub use episode::{Encoding, Episode, Move, MoveKind};
pub use error::SimError;
pub use ground_truth::{Cost, GroundTruth, Remedy, TruthEvent, ground_truth_file};
pub use observe::{CallResult, Note, Observation, observe};
pub use pathology::Pathology;
pub use plan::{Plan, Step, StepKind};
pub use profile::{
    BlindRetry, Chance, Costs, EnvFactBlindness, Exploration, Habit, OutputFlood, OverExplore,
    Pathologies, Profile, ToolMisuse, shipped, shipped_names,
};
pub use provider::{GROUND_TRUTH_DIR, SimBackend, SimProvider, register};
pub use rewrite::Substitution;
pub use rng::{SimRng, trial_seed};
