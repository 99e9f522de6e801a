//! [`CatalogProposer`]: diverse remedies for the top clusters, no model needed.

use std::collections::BTreeSet;

use async_trait::async_trait;
use harness_core::{HarnessPath, SurfaceMatcher};
use harness_miner::ClusterReport;

use crate::catalog::build::{Skip, build};
use crate::catalog::derive::Evidence;
use crate::catalog::remedy::{Catalog, Remedy};
use crate::context::ProposalContext;
use crate::error::ProposerError;
use crate::guard::{GuardViolation, ProposalGuard};
use crate::proposal::ChangeList;
use crate::proposer::{ProposalBatch, Proposer};

/// Trace references kept as a change list's evidence.
const EVIDENCE_REFS: usize = 6;

/// The model-free proposer: for the mined clusters, best first, the remedies of the catalog
/// that answer their behaviours, taken round-robin (each cluster's first choice, then each
/// one's second, ...) so that k proposals spread over clusters and surfaces. A remedy already
/// present, lacking evidence, or repeating a change the gate rejected is passed over, and the
/// batch says so when nothing is left.
#[derive(Debug, Clone)]
pub struct CatalogProposer {
    catalog: Catalog,
    guard: ProposalGuard,
}

impl CatalogProposer {
    /// A proposer over `catalog`, with default guards.
    pub fn new(catalog: Catalog) -> Self {
        Self {
            catalog,
            guard: ProposalGuard::default(),
        }
    }

    /// A proposer over the shipped catalog.
    pub fn builtin() -> Result<Self, ProposerError> {
        Ok(Self::new(Catalog::builtin()?))
    }

    /// The same with other guards.
    pub fn with_guard(mut self, guard: ProposalGuard) -> Self {
        self.guard = guard;
        self
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The remedies in the order they are tried, each with the clusters it answers.
    fn candidates<'a>(
        &'a self,
        context: &'a ProposalContext,
    ) -> Vec<(&'a Remedy, Vec<&'a ClusterReport>)> {
        let mut clusters: Vec<&ClusterReport> = context.report.clusters.iter().collect();
        clusters.sort_by_key(|c| c.rank);
        let mut tags: Vec<&str> = Vec::new();
        for c in &clusters {
            if !tags.contains(&c.tag.as_str()) {
                tags.push(c.tag.as_str());
            }
        }
        let per_tag: Vec<Vec<&Remedy>> = tags
            .iter()
            .map(|t| self.catalog.for_tag(t).collect())
            .collect();
        let depth = per_tag.iter().map(Vec::len).max().unwrap_or(0);
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut out = Vec::new();
        for level in 0..depth {
            for remedies in &per_tag {
                let Some(remedy) = remedies.get(level) else {
                    continue;
                };
                if !seen.insert(remedy.id.as_str()) {
                    continue;
                }
                let answered: Vec<&ClusterReport> = clusters
                    .iter()
                    .copied()
                    .filter(|c| remedy.addresses.iter().any(|a| a == c.tag.as_str()))
                    .collect();
                out.push((*remedy, answered));
            }
        }
        out
    }
}

#[async_trait]
impl Proposer for CatalogProposer {
    fn name(&self) -> &str {
        "catalog"
    }

    async fn propose(
        &self,
        context: &ProposalContext,
        k: usize,
    ) -> Result<ProposalBatch, ProposerError> {
        let mut batch = ProposalBatch::new(self.name());
        let matcher = SurfaceMatcher::new(&context.harness.manifest().surfaces).map_err(|d| {
            ProposerError::Harness(harness_core::CoreError::Invalid { diagnostics: d })
        })?;
        let mut passed_over: Vec<String> = Vec::new();
        let candidates = self.candidates(context);
        for (remedy, clusters) in &candidates {
            if batch.proposals.len() >= k {
                break;
            }
            let evidence = Evidence {
                report: &context.report,
                clusters,
                harness: &context.harness,
            };
            let built = match build(remedy, &evidence) {
                Ok(built) => built,
                Err(Skip::AlreadyPresent) => {
                    passed_over.push(format!("{}: already in the harness", remedy.id));
                    continue;
                }
                Err(skip) => {
                    passed_over.push(format!("{}: {skip}", remedy.id));
                    continue;
                }
            };
            let surface = HarnessPath::parse(&built.path)
                .ok()
                .and_then(|p| matcher.check(&p).ok())
                .and_then(|names| names.into_iter().next());
            let Some(surface) = surface else {
                passed_over.push(format!(
                    "{}: `{}` is not on an editable surface of this harness",
                    remedy.id, built.path
                ));
                continue;
            };
            let mut predicted: Vec<String> = Vec::new();
            for task in clusters.iter().flat_map(|c| c.tasks.iter()) {
                if !predicted.contains(task) {
                    predicted.push(task.clone());
                }
            }
            let target = clusters.first().map(|c| c.id.clone()).unwrap_or_default();
            let change = ChangeList {
                cluster: target,
                evidence: clusters
                    .iter()
                    .flat_map(|c| c.trials.iter().cloned())
                    .take(EVIDENCE_REFS)
                    .collect(),
                root_cause: one_line(&remedy.root_cause),
                surface,
                why_this_component: one_line(&remedy.why),
                edits: built.edits,
                predicted_fixes: predicted,
                at_risk: Vec::new(),
                rationale: if remedy.risk.is_empty() {
                    one_line(&remedy.rationale)
                } else {
                    format!(
                        "{} Risk: {}",
                        one_line(&remedy.rationale),
                        one_line(&remedy.risk)
                    )
                },
            };
            match self.guard.check(
                context,
                change,
                self.name(),
                Some(&remedy.id),
                &batch.proposals,
            ) {
                Ok(proposal) => batch.proposals.push(proposal),
                Err(rejected) if rejected.violations == [GuardViolation::NoChange] => {
                    passed_over.push(format!("{}: already in the harness", remedy.id));
                }
                Err(rejected) => {
                    passed_over.push(format!(
                        "{}: {}",
                        remedy.id,
                        rejected
                            .violations
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                    batch.rejected.push(*rejected);
                }
            }
        }
        if batch.proposals.len() < k {
            let mut note = if candidates.is_empty() {
                "nothing left to propose: the catalog has no remedy for the mined behaviours"
                    .to_owned()
            } else {
                format!(
                    "nothing left to propose after {} of {k}: the other remedies for the mined \
                     behaviours were passed over",
                    batch.proposals.len()
                )
            };
            if !passed_over.is_empty() {
                note.push_str(&format!(" ({})", passed_over.join("; ")));
            }
            batch.note = Some(note);
        }
        Ok(batch)
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
