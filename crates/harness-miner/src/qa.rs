//! The optional question-answering layer (off by default): for each reported cluster, a
//! model reads the cluster's section of the report (never a raw trace, never verifier
//! output) and answers a question about it, by default the root cause and the smallest
//! harness change that would address it. Its tokens are charged to a [`TokenMeter`], which
//! the caller connects to the evaluation budget; when the meter refuses, answering stops.

use std::sync::Arc;

use harness_model::{Message, ModelClient, ModelSettings};
use serde::{Deserialize, Serialize};

use crate::MinerError;
use crate::render::render_markdown;
use crate::report::WeaknessReport;

/// The default question.
pub const DEFAULT_QUESTION: &str = "From the evidence below, what is the most likely root \
    cause of these failures, and what is the smallest harness change (prompt, tools, \
    middleware, skills or memory) that would address it without breaking what passing \
    trials do? Answer in at most five sentences.";

/// Most characters of an answer kept in the report.
const ANSWER_CHARS: usize = 1_200;

/// Where the layer's tokens are charged.
pub trait TokenMeter: Send + Sync {
    /// Whether `tokens` more may be spent (an estimate made before a call).
    fn allows(&self, tokens: u64) -> bool;

    /// Charge `tokens` spent by one call; an error when the budget refuses it.
    fn charge(&self, tokens: u64) -> Result<(), String>;
}

/// Settings of the layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QaConfig {
    /// The question asked per cluster.
    pub question: String,
    /// At most this many clusters (from the top).
    pub max_clusters: usize,
    /// Sampling settings.
    pub settings: ModelSettings,
}

impl Default for QaConfig {
    fn default() -> Self {
        Self {
            question: DEFAULT_QUESTION.to_owned(),
            max_clusters: 5,
            settings: ModelSettings::default(),
        }
    }
}

/// Asks a model about each cluster of a report.
pub struct QuestionAnswerer {
    client: Arc<dyn ModelClient>,
    meter: Arc<dyn TokenMeter>,
    config: QaConfig,
}

impl std::fmt::Debug for QuestionAnswerer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuestionAnswerer")
            .field("model", &self.client.model_name())
            .field("config", &self.config)
            .finish()
    }
}

impl QuestionAnswerer {
    /// A layer asking `client`, charging `meter`.
    pub fn new(client: Arc<dyn ModelClient>, meter: Arc<dyn TokenMeter>, config: QaConfig) -> Self {
        Self {
            client,
            meter,
            config,
        }
    }

    /// Answer the question for the top clusters of `report`, setting their `analysis`.
    /// Returns the tokens spent. Stops (without error) when the meter allows no more.
    pub async fn answer(&self, report: &mut WeaknessReport) -> Result<u64, MinerError> {
        let mut spent = 0;
        let n = report.clusters.len().min(self.config.max_clusters);
        for i in 0..n {
            let mut single = report.clone();
            single.clusters = vec![report.clusters[i].clone()];
            let evidence = render_markdown(&single);
            let prompt = format!("{}\n\n{evidence}", self.config.question);
            let estimate = crate::tokens::estimate_tokens(&prompt) as u64
                + u64::from(self.config.settings.max_output_tokens);
            if !self.meter.allows(estimate) {
                break;
            }
            let messages = [
                Message::system(
                    "You analyse failure clusters of an agent harness. Be concrete and brief.",
                ),
                Message::user(prompt),
            ];
            let response = self
                .client
                .chat(&messages, &[], &self.config.settings)
                .await
                .map_err(|e| MinerError::Qa(e.to_string()))?;
            let tokens = response.usage.prompt_tokens + response.usage.completion_tokens;
            self.meter.charge(tokens).map_err(MinerError::Qa)?;
            spent += tokens;
            let answer: String = response
                .message
                .text_or_empty()
                .chars()
                .take(ANSWER_CHARS)
                .collect();
            report.clusters[i].analysis = Some(answer);
        }
        crate::render::fit_to_budget(report);
        Ok(spent)
    }
}
