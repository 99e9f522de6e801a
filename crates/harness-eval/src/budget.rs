//! [`BudgetLedger`]: what evaluations may spend and what they spent, charged centrally for every
//! trial (failed and errored ones included) and kept in a synced journal, so a resumed run
//! starts from what was spent before it.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use harness_types::ScoreRecord;
use serde::{Deserialize, Serialize};

use crate::error::EvalError;
use crate::journal;

/// File name of the ledger's journal.
pub const LEDGER_FILE: &str = "ledger.jsonl";

/// Limits; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Budget {
    /// Trials run (each attempt counts).
    pub rollouts: Option<u64>,
    /// Prompt plus completion tokens.
    pub tokens: Option<u64>,
    /// US dollars.
    pub usd: Option<f64>,
    /// Wall time of the trials, summed, in seconds.
    pub wall_sec: Option<f64>,
}

impl Budget {
    /// No limits.
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// At most `n` trials.
    pub fn with_rollouts(mut self, n: u64) -> Self {
        self.rollouts = Some(n);
        self
    }

    /// At most `n` tokens.
    pub fn with_tokens(mut self, n: u64) -> Self {
        self.tokens = Some(n);
        self
    }

    /// At most `usd` dollars.
    pub fn with_usd(mut self, usd: f64) -> Self {
        self.usd = Some(usd);
        self
    }

    /// At most `sec` seconds of trial wall time.
    pub fn with_wall_sec(mut self, sec: f64) -> Self {
        self.wall_sec = Some(sec);
        self
    }
}

/// Dollars per million tokens of one model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Per million prompt tokens.
    pub input_per_mtok: f64,
    /// Per million completion tokens.
    pub output_per_mtok: f64,
}

/// Prices by model id (`openai:gpt-4o-mini`), for backends that report no cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    prices: BTreeMap<String, Price>,
}

impl PriceTable {
    /// An empty table (trials cost what their backend reported).
    pub fn new() -> Self {
        Self::default()
    }

    /// The same table with a price for `model`.
    pub fn with(mut self, model: impl Into<String>, price: Price) -> Self {
        self.prices.insert(model.into(), price);
        self
    }

    /// The cost of a record: what the backend reported, or its tokens at the table's price.
    pub fn cost(&self, record: &ScoreRecord) -> f64 {
        if record.usage.cost_usd > 0.0 {
            return record.usage.cost_usd;
        }
        self.prices
            .get(record.key.model.as_str())
            .map(|p| {
                (record.usage.input_tokens as f64 * p.input_per_mtok
                    + record.usage.output_tokens as f64 * p.output_per_mtok)
                    / 1e6
            })
            .unwrap_or(0.0)
    }
}

/// What was spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Spent {
    /// Trials run.
    pub rollouts: u64,
    /// Tokens.
    pub tokens: u64,
    /// Dollars.
    pub usd: f64,
    /// Seconds of trial wall time.
    pub wall_sec: f64,
}

/// One charge, as the journal holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Charge {
    trial: String,
    tokens: u64,
    usd: f64,
    wall_sec: f64,
    /// Rollouts this charge stands for: 1 for a trial, 0 for model calls outside trials
    /// (the miner's question answering). Absent in journals written before it existed.
    #[serde(default = "one_rollout", skip_serializing_if = "is_one_rollout")]
    rollouts: u64,
}

fn one_rollout() -> u64 {
    1
}

fn is_one_rollout(n: &u64) -> bool {
    *n == 1
}

/// The budget and what was charged against it.
#[derive(Debug)]
pub struct BudgetLedger {
    path: PathBuf,
    budget: Budget,
    prices: PriceTable,
    inner: Mutex<(File, Spent)>,
    /// Rollouts set aside for a later plan (the loop's final sealed evaluation).
    reserved: std::sync::atomic::AtomicU64,
}

impl BudgetLedger {
    /// Open (or create) the ledger `<dir>/ledger.jsonl`, summing what it holds. A torn last
    /// line is skipped; any other bad line is an error naming it.
    pub fn open(dir: &Path, budget: Budget, prices: PriceTable) -> Result<Self, EvalError> {
        std::fs::create_dir_all(dir).map_err(|e| EvalError::io(dir, e))?;
        let path = dir.join(LEDGER_FILE);
        let (charges, file) = journal::open::<Charge>(&path)?;
        let mut spent = Spent::default();
        for c in charges {
            spent.rollouts += c.rollouts;
            spent.tokens += c.tokens;
            spent.usd += c.usd;
            spent.wall_sec += c.wall_sec;
        }
        Ok(Self {
            path,
            budget,
            prices,
            inner: Mutex::new((file, spent)),
            reserved: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, (File, Spent)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What was spent so far.
    pub fn spent(&self) -> Spent {
        self.lock().1
    }

    /// Set `rollouts` aside: [`BudgetLedger::check_plan`] refuses plans that would leave less
    /// than that (and, for tokens, dollars and time, less than that many average trials)
    /// until [`BudgetLedger::release`]. Held in memory: the caller sets it again after a
    /// restart.
    pub fn reserve(&self, rollouts: u64) {
        self.reserved
            .store(rollouts, std::sync::atomic::Ordering::SeqCst);
    }

    /// Give back what [`BudgetLedger::reserve`] set aside, for the plan it was kept for.
    pub fn release(&self) {
        self.reserve(0);
    }

    /// Rollouts set aside.
    pub fn reserved(&self) -> u64 {
        self.reserved.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The limits.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Charge one finished trial, whatever its outcome, durably.
    pub fn charge(&self, record: &ScoreRecord) -> Result<Spent, EvalError> {
        let charge = Charge {
            trial: record.source.trial_id.to_string(),
            tokens: record.usage.total_tokens(),
            usd: self.prices.cost(record),
            wall_sec: record.timings.total_sec,
            rollouts: 1,
        };
        self.append(charge)
    }

    /// Charge model calls made outside any trial (the miner's question answering, say) as
    /// `what`: tokens and dollars, no rollout, durably.
    pub fn charge_tokens(&self, what: &str, tokens: u64, usd: f64) -> Result<Spent, EvalError> {
        self.append(Charge {
            trial: what.to_owned(),
            tokens,
            usd: if usd.is_finite() { usd.max(0.0) } else { 0.0 },
            wall_sec: 0.0,
            rollouts: 0,
        })
    }

    fn append(&self, charge: Charge) -> Result<Spent, EvalError> {
        let mut inner = self.lock();
        journal::append(&mut inner.0, &self.path, &charge)?;
        inner.1.rollouts += charge.rollouts;
        inner.1.tokens += charge.tokens;
        inner.1.usd += charge.usd;
        inner.1.wall_sec += charge.wall_sec;
        Ok(inner.1)
    }

    /// The first limit `spent` reached, in words.
    pub fn exhausted(&self) -> Option<String> {
        let s = self.spent();
        let b = self.budget;
        if let Some(n) = b.rollouts
            && s.rollouts >= n
        {
            return Some(format!("rollout budget spent ({} of {n})", s.rollouts));
        }
        if let Some(n) = b.tokens
            && s.tokens >= n
        {
            return Some(format!("token budget spent ({} of {n})", s.tokens));
        }
        if let Some(usd) = b.usd
            && s.usd >= usd
        {
            return Some(format!("dollar budget spent (${:.4} of ${usd:.4})", s.usd));
        }
        if let Some(sec) = b.wall_sec
            && s.wall_sec >= sec
        {
            return Some(format!(
                "wall-time budget spent ({:.0} s of {sec:.0} s)",
                s.wall_sec
            ));
        }
        None
    }

    /// Refuse a plan of `n_trials` that would exceed a limit, judged by the plan's size for
    /// rollouts and by the average trial so far for tokens, dollars and time, with the
    /// reserved rollouts counted as part of the plan. The error holds the estimate.
    pub fn check_plan(&self, n_trials: u64) -> Result<(), EvalError> {
        let n_trials = n_trials + self.reserved();
        let s = self.spent();
        let b = self.budget;
        let refuse = |what: &str, estimate: String, left: String| {
            Err(EvalError::OverBudget {
                what: what.to_owned(),
                estimate,
                left,
            })
        };
        if let Some(n) = b.rollouts
            && s.rollouts + n_trials > n
        {
            return refuse(
                "rollouts",
                format!("{n_trials} trials"),
                format!("{} of {n}", n.saturating_sub(s.rollouts)),
            );
        }
        if s.rollouts > 0 {
            let per = |total: f64| total / s.rollouts as f64 * n_trials as f64;
            if let Some(n) = b.tokens
                && s.tokens as f64 + per(s.tokens as f64) > n as f64
            {
                return refuse(
                    "tokens",
                    format!("~{:.0} tokens", per(s.tokens as f64)),
                    format!("{} of {n}", n.saturating_sub(s.tokens)),
                );
            }
            if let Some(usd) = b.usd
                && s.usd + per(s.usd) > usd
            {
                return refuse(
                    "dollars",
                    format!("~${:.4}", per(s.usd)),
                    format!("${:.4} of ${usd:.4}", (usd - s.usd).max(0.0)),
                );
            }
            if let Some(sec) = b.wall_sec
                && s.wall_sec + per(s.wall_sec) > sec
            {
                return refuse(
                    "wall time",
                    format!("~{:.0} s", per(s.wall_sec)),
                    format!("{:.0} s of {sec:.0} s", (sec - s.wall_sec).max(0.0)),
                );
            }
        } else if let Some(reason) = self.exhausted() {
            return refuse("budget", format!("{n_trials} trials"), reason);
        }
        Ok(())
    }
}
