//! [`LlmProposer`]: the tool-using proposer, its parts and how it is configured.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use harness_model::ModelClient;

use crate::context::ProposalContext;
use crate::error::ProposerError;
use crate::guard::ProposalGuard;
use crate::llm::config::LlmProposerConfig;
use crate::llm::run::{NAME, Setup, run};
use crate::llm::sections;
use crate::llm::template::InstructionTemplate;
use crate::proposer::{ProposalBatch, Proposer, SpendMeter, Unmetered};

/// A proposer that lets a model study the report, the harness and the visible traces through
/// read-only tools, consult an optional advisor, and submit change lists that the guards
/// check at once (see the [module documentation](crate::llm)).
pub struct LlmProposer {
    client: Arc<dyn ModelClient>,
    config: LlmProposerConfig,
    advisor: Option<Arc<dyn ModelClient>>,
    meter: Arc<dyn SpendMeter>,
    guard: ProposalGuard,
    template: InstructionTemplate,
}

impl std::fmt::Debug for LlmProposer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmProposer")
            .field("client", &self.client)
            .field("advisor", &self.advisor)
            .field("config", &self.config)
            .field("guard", &self.guard)
            .field("template", &self.template.file())
            .finish_non_exhaustive()
    }
}

impl LlmProposer {
    /// A proposer asking `client`, with the shipped template, default guards, no advisor and
    /// no meter.
    pub fn new(client: Arc<dyn ModelClient>, config: LlmProposerConfig) -> Self {
        Self {
            client,
            config,
            advisor: None,
            meter: Arc::new(Unmetered),
            guard: ProposalGuard::default(),
            template: InstructionTemplate::builtin(),
        }
    }

    /// The same with an advisor the model may consult through `ask_advisor`.
    pub fn with_advisor(mut self, advisor: Arc<dyn ModelClient>) -> Self {
        self.advisor = Some(advisor);
        self
    }

    /// The same charging its tokens to `meter` (headings `proposer` and `advisor`).
    pub fn with_meter(mut self, meter: Arc<dyn SpendMeter>) -> Self {
        self.meter = meter;
        self
    }

    /// The same with other guards.
    pub fn with_guard(mut self, guard: ProposalGuard) -> Self {
        self.guard = guard;
        self
    }

    /// The same with the instructions in `text` (an error names an unknown or unclosed
    /// placeholder).
    pub fn with_template(self, text: &str) -> Result<Self, ProposerError> {
        Ok(self.with_instructions(InstructionTemplate::parse("template", text)?))
    }

    /// The same with the instructions of a template file (an error names the file).
    pub fn with_template_file(self, path: &Path) -> Result<Self, ProposerError> {
        Ok(self.with_instructions(InstructionTemplate::load(path)?))
    }

    /// The same with a template checked already.
    pub fn with_instructions(mut self, template: InstructionTemplate) -> Self {
        self.template = template;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &LlmProposerConfig {
        &self.config
    }

    /// The instruction template.
    pub fn template(&self) -> &InstructionTemplate {
        &self.template
    }

    /// The instructions (the system message) the model gets for `context` and `k`.
    pub fn instructions(&self, context: &ProposalContext, k: usize) -> String {
        let values = sections::values(
            context,
            k,
            self.guard.config(),
            &self.config,
            self.advisor.is_some(),
        );
        self.template.render(&values)
    }
}

#[async_trait]
impl Proposer for LlmProposer {
    fn name(&self) -> &str {
        NAME
    }

    async fn propose(
        &self,
        context: &ProposalContext,
        k: usize,
    ) -> Result<ProposalBatch, ProposerError> {
        if k == 0 {
            let mut batch = ProposalBatch::new(NAME);
            batch.note = Some("no proposals were asked for".to_owned());
            return Ok(batch);
        }
        let setup = Setup {
            client: self.client.as_ref(),
            advisor: self.advisor.as_deref(),
            meter: self.meter.as_ref(),
            config: &self.config,
            guard: &self.guard,
        };
        run(&setup, context, k, self.instructions(context, k)).await
    }
}
