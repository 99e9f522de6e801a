//! The mining stage: the [`WeaknessMiner`](crate::WeaknessMiner) trait, and
//! [`StoreMiner`](crate::StoreMiner), the default over any `TraceStore`.
//!
//! `StoreMiner` lists the trials its scope admits (held-in by default; the test split cannot
//! be named), reads their traces a few at a time, turns each into a [`TrialView`], computes
//! the signature of each failed trial and the traits of each passing one, clusters the
//! failures, attributes each cluster and fits the report to its budget. Only one trial's
//! trace is in memory per reader at a time; what is kept per failed trial is its signature
//! with bounded excerpts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, StreamExt};
use harness_trace::{OutcomeClass, TraceStore, TrialFilter, TrialSummary};
use harness_types::ContentHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::MinerError;
use crate::attribution::{Attribution, PassTraits, attribution_for, shared_behaviours};
use crate::clean::Cleaner;
use crate::cluster::{Cluster, ClusterConfig, cluster_failures};
use crate::detect::{Detector, DetectorConfig, builtin_detectors};
use crate::render::fit_to_budget;
use crate::report::{ClusterReport, Exemplar, WeaknessReport};
use crate::scope::MineScope;
use crate::signature::FailureSignature;
use crate::tokens::DEFAULT_BUDGET_TOKENS;
use crate::trial::{TrialView, first_user_message, first_user_message_in};

/// Exemplars per cluster before budget fitting.
const EXEMPLARS: usize = 2;
/// Trial references per cluster before budget fitting.
const TRIAL_REFS: usize = 8;
/// Task names per cluster before budget fitting.
const TASK_NAMES: usize = 10;

/// Replaceable mining stage: from a trace store to a weakness report.
#[async_trait]
pub trait WeaknessMiner: Send + Sync {
    /// Mine the trials of `store` this miner's scope admits.
    async fn mine(&self, store: &dyn TraceStore) -> Result<WeaknessReport, MinerError>;
}

/// How the default miner works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
#[non_exhaustive]
pub struct MinerConfig {
    /// The splits mined (held-in by default; never test).
    pub scope: MineScope,
    /// Budget of the report, in estimated tokens.
    pub budget_tokens: usize,
    /// Clustering thresholds.
    pub cluster: ClusterConfig,
    /// Thresholds of the built-in detectors.
    pub detectors: DetectorConfig,
    /// Excerpt sizes.
    #[schemars(skip)]
    pub cleaner: Cleaner,
    /// Only this run, when set.
    pub run_id: Option<String>,
    /// Only this harness, when set.
    #[schemars(skip)]
    pub harness_hash: Option<ContentHash>,
    /// Attributions of behaviour tags the built-in table does not know (user detectors),
    /// or replacements for its entries.
    pub attributions: BTreeMap<String, Vec<Attribution>>,
    /// Traces read at once.
    pub readers: usize,
}

impl Default for MinerConfig {
    fn default() -> Self {
        Self {
            scope: MineScope::default(),
            budget_tokens: DEFAULT_BUDGET_TOKENS,
            cluster: ClusterConfig::default(),
            detectors: DetectorConfig::default(),
            cleaner: Cleaner::default(),
            run_id: None,
            harness_hash: None,
            attributions: BTreeMap::new(),
            readers: 8,
        }
    }
}

impl MinerConfig {
    /// The default configuration over `scope`.
    pub fn new(scope: MineScope) -> Self {
        Self {
            scope,
            ..Self::default()
        }
    }

    /// The same with another budget.
    pub fn with_budget(mut self, tokens: usize) -> Self {
        self.budget_tokens = tokens;
        self
    }

    /// The same with other clustering thresholds.
    pub fn with_cluster(mut self, cluster: ClusterConfig) -> Self {
        self.cluster = cluster;
        self
    }
}

/// A report with what it was made from: the markdown, and every member of each reported
/// cluster (the report itself lists a few).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Mined {
    /// The report, fitted to its budget.
    pub report: WeaknessReport,
    /// Its markdown.
    pub markdown: String,
    /// For each failed trial (by trial id), the reported clusters holding it.
    pub membership: BTreeMap<String, Vec<String>>,
    /// The signatures of the failed trials, by trial id.
    pub signatures: Vec<FailureSignature>,
}

/// The default miner: built-in (and added) detectors over any trace store.
#[derive(Clone)]
pub struct StoreMiner {
    config: MinerConfig,
    detectors: Vec<Arc<dyn Detector>>,
}

impl std::fmt::Debug for StoreMiner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tags: Vec<&str> = self.detectors.iter().map(|d| d.tag()).collect();
        f.debug_struct("StoreMiner")
            .field("config", &self.config)
            .field("detectors", &tags)
            .finish()
    }
}

impl StoreMiner {
    /// A miner with the built-in detectors.
    pub fn new(config: MinerConfig) -> Self {
        let detectors = builtin_detectors(&config.detectors);
        Self { config, detectors }
    }

    /// Add a detector after the others.
    pub fn with_detector(mut self, detector: Arc<dyn Detector>) -> Self {
        self.detectors.push(detector);
        self
    }

    /// Replace the detectors.
    pub fn with_detectors(mut self, detectors: Vec<Arc<dyn Detector>>) -> Self {
        self.detectors = detectors;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &MinerConfig {
        &self.config
    }

    /// Mine `store`, keeping the cluster membership of every failed trial.
    pub async fn mine_detailed(&self, store: &dyn TraceStore) -> Result<Mined, MinerError> {
        self.config.cluster.validate()?;
        let mut filter = TrialFilter::new().splits(self.config.scope.split_scope());
        if let Some(run) = &self.config.run_id {
            filter = filter.run(run.clone());
        }
        if let Some(hash) = self.config.harness_hash {
            filter = filter.harness(hash);
        }
        let listed = store.list(&filter).await?;
        let mut accumulator = Accumulator::new(self);
        let mut views = stream::iter(
            listed
                .into_iter()
                .filter(|s| self.config.scope.admits(s.split)),
        )
        .map(|summary| self.read_view(store, summary))
        .buffer_unordered(self.config.readers.max(1));
        while let Some(view) = views.next().await {
            accumulator.add(view?);
        }
        Ok(accumulator.finish())
    }

    /// Mine trials already in memory (the scope still applies).
    pub fn mine_views(
        &self,
        views: impl IntoIterator<Item = TrialView>,
    ) -> Result<Mined, MinerError> {
        self.config.cluster.validate()?;
        let mut accumulator = Accumulator::new(self);
        for view in views {
            accumulator.add(view);
        }
        Ok(accumulator.finish())
    }

    async fn read_view(
        &self,
        store: &dyn TraceStore,
        summary: TrialSummary,
    ) -> Result<TrialView, MinerError> {
        let trace = store.get(&summary.trial_id).await?;
        let failed = matches!(
            summary.outcome,
            Some(OutcomeClass::Fail | OutcomeClass::Partial | OutcomeClass::NoReward)
        );
        // The instruction is read for failed trials only (the artifact detector needs it).
        let instruction = match first_user_message(&trace) {
            Some(Ok(text)) => Some(text),
            Some(Err(blob)) if failed => match store.get_blob(&blob).await {
                Ok(bytes) => first_user_message_in(&bytes),
                Err(_) => None,
            },
            _ => None,
        };
        Ok(TrialView::from_trace(
            &trace,
            instruction,
            &self.config.cleaner,
        ))
    }
}

#[async_trait]
impl WeaknessMiner for StoreMiner {
    async fn mine(&self, store: &dyn TraceStore) -> Result<WeaknessReport, MinerError> {
        Ok(self.mine_detailed(store).await?.report)
    }
}

/// What is kept while trials stream in.
struct Accumulator<'a> {
    miner: &'a StoreMiner,
    signatures: Vec<FailureSignature>,
    passing: BTreeMap<String, Vec<PassTraits>>,
    tasks: BTreeSet<String>,
    trials: usize,
    passed: usize,
    excluded: usize,
}

impl<'a> Accumulator<'a> {
    fn new(miner: &'a StoreMiner) -> Self {
        Self {
            miner,
            signatures: Vec::new(),
            passing: BTreeMap::new(),
            tasks: BTreeSet::new(),
            trials: 0,
            passed: 0,
            excluded: 0,
        }
    }

    fn add(&mut self, view: TrialView) {
        // The leakage guard, again: a store that ignored the filter still cannot feed the
        // miner a trial of a split outside the scope.
        if !self.miner.config.scope.admits(view.split) {
            return;
        }
        self.trials += 1;
        self.tasks.insert(view.task_id.clone());
        if view.is_pass() {
            self.passed += 1;
            let mut traits = PassTraits::of(&view);
            traits.tags = self
                .miner
                .detectors
                .iter()
                .flat_map(|d| d.detect(&view))
                .map(|f| f.tag.to_string())
                .collect();
            self.passing
                .entry(view.task_id.clone())
                .or_default()
                .push(traits);
        } else if view.is_failure() {
            self.signatures
                .push(FailureSignature::of(&view, &self.miner.detectors));
        } else {
            self.excluded += 1;
        }
    }

    fn finish(mut self) -> Mined {
        let config = &self.miner.config;
        self.signatures.sort_by(|a, b| a.trial.cmp(&b.trial));
        let clusters = cluster_failures(&self.signatures, &config.cluster);
        let mut report = WeaknessReport::empty(config.scope.clone(), config.budget_tokens);
        report.trials = self.trials;
        report.tasks = self.tasks.len();
        report.passed = self.passed;
        report.failed = self.signatures.len();
        report.excluded = self.excluded;
        for signature in &self.signatures {
            for tag in &signature.tags {
                *report.behaviours.entry(tag.to_string()).or_default() += 1;
            }
        }
        for traits in self.passing.values().flatten() {
            for tag in &traits.tags {
                *report.passing_behaviours.entry(tag.clone()).or_default() += 1;
            }
        }
        report.clusters = clusters
            .iter()
            .enumerate()
            .map(|(i, c)| self.cluster_report(i + 1, c))
            .collect();
        report.clustered = clusters
            .iter()
            .flat_map(|c| c.members.iter().copied())
            .collect::<BTreeSet<usize>>()
            .len();
        let markdown = fit_to_budget(&mut report);
        let mut membership: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for cluster in clusters.iter().take(report.clusters.len()) {
            for &i in &cluster.members {
                let trial = self.signatures[i].trial.trial_id.clone();
                membership
                    .entry(trial)
                    .or_default()
                    .push(cluster.id.clone());
            }
        }
        Mined {
            report,
            markdown,
            membership,
            signatures: self.signatures,
        }
    }

    fn cluster_report(&self, rank: usize, cluster: &Cluster) -> ClusterReport {
        let config = &self.miner.config;
        let members: Vec<&FailureSignature> = cluster
            .members
            .iter()
            .map(|&i| &self.signatures[i])
            .collect();
        let mut outcomes = BTreeMap::new();
        let mut terminals = BTreeMap::new();
        for m in &members {
            *outcomes.entry(m.outcome.as_str().to_owned()).or_default() += 1;
            *terminals.entry(m.terminal.as_str().to_owned()).or_default() += 1;
        }
        let components = config
            .attributions
            .get(cluster.tag.as_str())
            .cloned()
            .unwrap_or_else(|| attribution_for(cluster.tag.as_str()));
        let passing: Vec<&PassTraits> = cluster
            .tasks
            .iter()
            .filter_map(|t| self.passing.get(t))
            .flatten()
            .collect();
        // Exemplars from distinct tasks, in trial order.
        let mut exemplars: Vec<Exemplar> = Vec::new();
        let mut shown_tasks: BTreeSet<&str> = BTreeSet::new();
        for m in &members {
            if exemplars.len() >= EXEMPLARS {
                break;
            }
            if !shown_tasks.insert(m.trial.task_id.as_str()) {
                continue;
            }
            if let Some(evidence) = m.evidence_for(&cluster.tag) {
                exemplars.push(Exemplar {
                    trial: m.trial.clone(),
                    detail: evidence.finding.detail.clone(),
                    steps: evidence.excerpts.clone(),
                });
            }
        }
        ClusterReport {
            id: cluster.id.clone(),
            rank,
            tag: cluster.tag.clone(),
            error: cluster.error.clone(),
            failures: members.len(),
            tasks_affected: cluster.tasks.len(),
            severity: round3(cluster.severity),
            score: round3(cluster.score),
            tasks: cluster.tasks.iter().take(TASK_NAMES).cloned().collect(),
            outcomes,
            terminals,
            components,
            passing_with_behaviour: passing
                .iter()
                .filter(|t| t.tags.contains(cluster.tag.as_str()))
                .count(),
            passing_trials: passing.len(),
            preserve: {
                let mut preserve = installed_alternatives(cluster, &passing);
                preserve.extend(shared_behaviours(&passing));
                preserve
            },
            exemplars,
            trials: members
                .iter()
                .take(TRIAL_REFS)
                .map(|m| m.trial.clone())
                .collect(),
            analysis: None,
        }
    }
}

/// For a cluster of one missing program, the programs passing trials of the same tasks ran
/// that look like its installed alternative (one name inside the other: `awk` for `gawk`,
/// `python3` for `python`): the environment fact a memory note could carry.
fn installed_alternatives(cluster: &Cluster, passing: &[&PassTraits]) -> Vec<String> {
    let Some(missing) = cluster
        .error
        .as_deref()
        .and_then(|e| e.strip_prefix(crate::detect::MISSING_PROGRAM_PREFIX))
    else {
        return Vec::new();
    };
    let alternatives: BTreeSet<&str> = passing
        .iter()
        .flat_map(|t| t.programs.iter())
        .map(String::as_str)
        .filter(|p| *p != missing && p.len() >= 2 && (missing.contains(p) || p.contains(missing)))
        .collect();
    if alternatives.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = alternatives.iter().map(|p| format!("`{p}`")).collect();
    vec![format!(
        "uses {} where failures called the missing `{missing}`",
        names.join(", ")
    )]
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
