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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use harness_model::{ChatResponse, ScriptedClient};

    use super::*;
    use crate::detect::BehaviourTag;
    use crate::report::ClusterReport;
    use crate::scope::MineScope;

    /// A meter with a fixed allowance.
    struct Allowance {
        left: AtomicU64,
        charged: AtomicU64,
    }

    impl TokenMeter for Allowance {
        fn allows(&self, tokens: u64) -> bool {
            self.left.load(Ordering::SeqCst) >= tokens
        }
        fn charge(&self, tokens: u64) -> Result<(), String> {
            self.left.fetch_sub(
                tokens.min(self.left.load(Ordering::SeqCst)),
                Ordering::SeqCst,
            );
            self.charged.fetch_add(tokens, Ordering::SeqCst);
            Ok(())
        }
    }

    fn report(clusters: usize) -> WeaknessReport {
        let mut report = WeaknessReport::empty(MineScope::default(), 10_000);
        for rank in 1..=clusters {
            report.clusters.push(ClusterReport {
                id: format!("tag{rank}"),
                rank,
                tag: BehaviourTag::new(format!("tag{rank}")),
                error: None,
                failures: 2,
                tasks_affected: 2,
                severity: 1.0,
                score: 2.0,
                tasks: vec!["a".into(), "b".into()],
                outcomes: Default::default(),
                terminals: Default::default(),
                components: Vec::new(),
                passing_with_behaviour: 0,
                passing_trials: 0,
                preserve: Vec::new(),
                exemplars: Vec::new(),
                trials: Vec::new(),
                analysis: None,
            });
        }
        report
    }

    fn answer(text: &str) -> ChatResponse {
        let mut response = ChatResponse::text(text);
        response.usage = harness_model::Usage::new(300, 40);
        response
    }

    #[tokio::test]
    async fn answers_each_cluster_and_charges_the_meter() {
        let client = Arc::new(ScriptedClient::new([
            answer("cause one"),
            answer("cause two"),
        ]));
        let meter = Arc::new(Allowance {
            left: AtomicU64::new(1_000_000),
            charged: AtomicU64::new(0),
        });
        let qa = QuestionAnswerer::new(client.clone(), meter.clone(), QaConfig::default());
        let mut r = report(2);
        let spent = qa.answer(&mut r).await.unwrap();
        assert_eq!(spent, 680);
        assert_eq!(meter.charged.load(Ordering::SeqCst), 680);
        assert_eq!(r.clusters[0].analysis.as_deref(), Some("cause one"));
        assert_eq!(r.clusters[1].analysis.as_deref(), Some("cause two"));
        // The model saw one cluster's section per question, never a raw trace.
        let requests = client.requests();
        assert_eq!(requests.len(), 2);
        let prompt = format!("{:?}", requests[1].messages);
        assert!(
            prompt.contains("tag2") && !prompt.contains("tag1 "),
            "{prompt}"
        );
    }

    #[tokio::test]
    async fn stops_when_the_meter_refuses() {
        let client = Arc::new(ScriptedClient::new([answer("x")]));
        let meter = Arc::new(Allowance {
            left: AtomicU64::new(10),
            charged: AtomicU64::new(0),
        });
        let qa = QuestionAnswerer::new(client.clone(), meter, QaConfig::default());
        let mut r = report(1);
        assert_eq!(qa.answer(&mut r).await.unwrap(), 0);
        assert!(r.clusters[0].analysis.is_none());
        assert!(client.requests().is_empty());
    }
}
