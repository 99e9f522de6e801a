//! One trial of the simulated model: a plan executor with pathologies, reading the
//! conversation's structure after every call and deciding the next call.
//!
//! The competent path: run the solution's steps in order, carrying `cd`/`export` state into
//! later commands (in a subshell, so it holds with or without a persistent shell), then
//! finish. Pathologies bend that path (see `docs/sim.md`); the harness's interventions bend it
//! back by what they do (a block of a repeat, a refused finish, a note while it explores, a
//! substitution it can apply, a usage note naming the parameter it got wrong), whichever layer
//! produced them, and cost it something when they are not needed.

use crate::draw::{BlindTarget, TrialDraw};
use crate::explore::exploration;
use crate::ground_truth::GroundTruth;
use crate::observe::{CallResult, Note, Observation};
use crate::pathology::Pathology;
use crate::plan::{Plan, StepKind};
use crate::profile::{Costs, Habit, Profile};
use crate::rewrite::{
    Substitution, apply_habits, flood_targets, inputs_used, substitute, with_state,
};
use crate::rng::SimRng;

/// The shell tool's parameter a malformed call gets wrong.
const COMMAND_PARAMETER: &str = "command";
/// Lines that show where a check failed.
const FAILURE_WORDS: [&str; 10] = [
    "fail",
    "error",
    "missing",
    "expected",
    "not ok",
    "wrong",
    "mismatch",
    "traceback",
    "assert",
    "differ",
];

/// What a move does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveKind {
    /// An exploratory read.
    Explore,
    /// The pitfall of step `.0`.
    Pitfall(usize),
    /// The near-miss variant of step `.0`.
    Variant(usize),
    /// An identical repeat of a failed call.
    Retry,
    /// A state-only step sent on its own (amnesia).
    StateBare(usize),
    /// Step `.0`.
    Step(usize),
    /// A flooding model dumping step `.0`'s inputs again.
    Reread(usize),
    /// A look at the result after a refused finish with nothing left to do.
    Recheck,
    /// A look it did not need: a note distracted it, or compaction lost what it had read.
    Wasted,
    /// Step `.0` sent again, rephrased, after a layer blocked it.
    Resend(usize),
    /// Call finish.
    Finish,
}

/// The next call the simulator makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// What it is.
    pub kind: MoveKind,
    /// The shell command (empty for a finish).
    pub command: String,
    /// The text the command was rendered from (a step, pitfall or variant), before state,
    /// habits and substitutions.
    pub source: String,
    /// The visible text of the reply.
    pub thought: String,
}

/// How the call is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    /// Well-formed.
    Valid,
    /// Malformed arguments: the raw argument text.
    Malformed(String),
}

#[derive(Debug, Clone)]
struct Retry {
    command: String,
    left: u32,
}

/// The state of one trial.
#[derive(Debug)]
pub struct Episode {
    plan: Plan,
    draw: TrialDraw,
    habits: Vec<Habit>,
    cursor: usize,
    state_lines: Vec<String>,
    explore: Vec<String>,
    explore_next: usize,
    last: Option<(Move, bool)>,
    deferred: Option<Move>,
    retry: Option<Retry>,
    retry_used: bool,
    misuse_started: bool,
    misuse_done: bool,
    misuse_left: u32,
    misuse_form: usize,
    subs: Vec<Substitution>,
    pitfall_done: Vec<bool>,
    variant_done: bool,
    reread_done: Vec<bool>,
    premature_used: bool,
    skip_fixes: bool,
    finish_refusals: u32,
    rechecked: bool,
    base_seed: u64,
    costs: Costs,
    useful_reads: u32,
    rushed: Option<usize>,
    wasted_pending: u32,
    seen_messages: usize,
    /// Rolls made so far for each cost, so every roll has its own stream index.
    rolls: [u64; 4],
    /// A refused finish is to be met with a trivial look, then a finish.
    trivial_check: bool,
    finish_next: bool,
    /// The ground truth so far.
    pub truth: GroundTruth,
}

/// Which cost a roll is for.
#[derive(Debug, Clone, Copy)]
enum Roll {
    Distraction,
    FalseBlock,
    Compaction,
    TrivialCheck,
}

impl Episode {
    /// Start a trial with its draws.
    pub fn new(
        profile: &Profile,
        plan: Plan,
        draw: TrialDraw,
        base_seed: u64,
        truth: GroundTruth,
    ) -> Self {
        let flood = draw.active.contains(&Pathology::OutputFlood);
        let explore = exploration(
            &plan,
            draw.explore_reads,
            flood,
            profile.exploration.cd_into_dirs,
            &mut SimRng::stream(base_seed, "explore-order", 0),
        );
        let habits = match (
            &profile.pathologies.env_fact_blindness,
            draw.active.contains(&Pathology::EnvFactBlindness),
        ) {
            (Some(blind), true) => blind.habits.clone(),
            _ => Vec::new(),
        };
        let n = plan.steps.len();
        let mut truth = truth;
        truth.drawn = draw.active.iter().copied().collect();
        truth.steps = n;
        truth.fumbled_step = draw.fumble_step;
        Self {
            misuse_left: draw.misuse_attempts,
            plan,
            habits,
            cursor: 0,
            state_lines: Vec::new(),
            explore,
            explore_next: 0,
            last: None,
            deferred: None,
            retry: None,
            retry_used: false,
            misuse_started: false,
            misuse_done: false,
            misuse_form: 0,
            subs: Vec::new(),
            pitfall_done: vec![false; n],
            variant_done: false,
            reread_done: vec![false; n],
            premature_used: false,
            skip_fixes: false,
            finish_refusals: 0,
            rechecked: false,
            base_seed,
            costs: profile.costs.clone(),
            useful_reads: profile.exploration.useful,
            rushed: None,
            wasted_pending: 0,
            seen_messages: 0,
            rolls: [0; 4],
            trivial_check: false,
            finish_next: false,
            truth,
            draw,
        }
    }

    /// Roll for a cost with probability `p`.
    fn roll(&mut self, which: Roll, p: f64) -> bool {
        let (label, slot) = match which {
            Roll::Distraction => ("distraction", 0),
            Roll::FalseBlock => ("false-block", 1),
            Roll::Compaction => ("compaction", 2),
            Roll::TrivialCheck => ("trivial-check", 3),
        };
        let index = self.rolls[slot];
        self.rolls[slot] += 1;
        SimRng::stream(self.base_seed, label, index).chance(p)
    }

    /// Read what happened since the last call, then decide the next one.
    pub fn next(&mut self, observation: &Observation) -> (Move, Encoding) {
        self.react(observation);
        // Events while choosing carry the number of the call being chosen.
        self.truth.calls += 1;
        let mv = self.next_move();
        let encoding = self.encode(&mv);
        self.last = Some((mv.clone(), matches!(encoding, Encoding::Malformed(_))));
        (mv, encoding)
    }

    fn active(&self, pathology: Pathology) -> bool {
        self.draw.active.contains(&pathology)
    }

    fn react(&mut self, obs: &Observation) {
        let last = self.last.clone();
        // The conversation shrank: a layer compacted it, and facts may be lost with it.
        if obs.n_messages < self.seen_messages {
            self.compacted();
        }
        self.seen_messages = obs.n_messages;
        let malformed = last.as_ref().is_some_and(|(_, malformed)| *malformed);
        let last_failed = obs.result.as_ref().is_some_and(|r| r.failed);
        let attached = obs.result.as_ref().map_or(&[][..], |r| &r.attached[..]);
        let mut correction: Option<String> = None;
        for note in obs.notes.iter().chain(attached) {
            if self.exploring() {
                self.stop_exploring(&note.layer);
                continue;
            }
            if let Some(sub) = &note.substitute {
                if !self.subs.contains(sub) {
                    self.consider(sub.clone(), &note.layer, obs.result.as_ref());
                }
                continue;
            }
            if malformed && note.names_parameter(COMMAND_PARAMETER) {
                correction.get_or_insert_with(|| note.layer.clone());
                continue;
            }
            // The task's own first message is not an intervention.
            if last.is_some() && !last_failed && self.on_course() {
                self.distracted(note);
            }
        }
        let (Some((mv, malformed)), Some(result)) = (last, obs.result.as_ref()) else {
            return;
        };
        if malformed {
            if let Some(by) = correction {
                self.correct_usage(&by);
            } else if !self.misuse_done {
                self.misuse_left = self.misuse_left.saturating_sub(1);
                if self.misuse_left == 0 {
                    self.misuse_done = true;
                    self.truth.event(
                        Some(Pathology::ToolMisuse),
                        "corrected its tool usage unaided",
                    );
                }
            }
            return;
        }
        match mv.kind {
            MoveKind::Finish => {
                self.finish_refusals += 1;
                let by = result
                    .blocked_by
                    .clone()
                    .unwrap_or_else(|| "finish error".to_owned());
                if self.premature_used && self.cursor < self.plan.steps.len() {
                    // Some models meet a first refusal with a look that checks nothing, unless
                    // the refusal names a real check of the task.
                    if self.finish_refusals == 1
                        && !self.names_a_check(&result.content)
                        && self.roll(Roll::TrivialCheck, self.costs.trivial_recheck)
                    {
                        self.trivial_check = true;
                        self.truth.cost(
                            "trivial_check",
                            &by,
                            "meets the refused finish with `ls -la` and finishes again",
                        );
                        return;
                    }
                    self.truth.remedied(Pathology::PrematureFinish, &by);
                } else {
                    self.truth.event(None, format!("finish refused by {by}"));
                }
            }
            MoveKind::Retry | MoveKind::Pitfall(_) | MoveKind::Variant(_) => {
                // A block of its repeat, by any layer, makes it change its approach.
                if let Some(layer) = &result.blocked_by {
                    if self.retry.take().is_some() {
                        self.truth.remedied(Pathology::BlindRetry, layer);
                    }
                    return;
                }
                let is_target = match (&self.draw.blind_target, mv.kind) {
                    (Some(BlindTarget::Pitfall { step }), MoveKind::Pitfall(i)) => *step == i,
                    (Some(BlindTarget::Variant { step, .. }), MoveKind::Variant(i)) => *step == i,
                    _ => false,
                };
                if result.failed && is_target && !self.retry_used {
                    self.retry_used = true;
                    self.retry = Some(Retry {
                        command: mv.command.clone(),
                        left: self.draw.retry_repeats,
                    });
                    self.truth.fired(
                        Pathology::BlindRetry,
                        format!(
                            "repeats a failing command up to {} times",
                            self.draw.retry_repeats
                        ),
                    );
                }
            }
            MoveKind::Step(i) | MoveKind::Resend(i) => {
                if let Some(layer) = &result.blocked_by {
                    self.falsely_blocked(&mv, i, layer.clone());
                    return;
                }
                if self.plan.steps[i].kind == StepKind::Diagnose
                    && result.truncated
                    && !shows_failure(result)
                {
                    self.skip_fixes = true;
                    self.truth.hidden_evidence.push(i);
                    self.truth.event(
                        None,
                        format!("check output of step {i} truncated with no failing line visible; skips the fixes"),
                    );
                }
                self.note_blind_failure(&mv, result);
            }
            MoveKind::StateBare(_) => self.note_blind_failure(&mv, result),
            MoveKind::Explore => {
                // Its `cd DIR && ...` look failed to find DIR: an earlier look's `cd` stayed,
                // so the shell keeps state, and its later steps run in the wrong folder.
                if mv.command.starts_with("cd ")
                    && result.failed
                    && result.content.contains("No such file or directory")
                    && !self.truth.costs.iter().any(|c| c.kind == "lost_cwd")
                {
                    self.truth.cost(
                        "lost_cwd",
                        "a shell that keeps state",
                        "its looks `cd` into subfolders and the folder stayed",
                    );
                }
            }
            MoveKind::Reread(_) | MoveKind::Recheck | MoveKind::Wasted => {}
        }
    }

    /// Nothing is going wrong that a note could address: not exploring, not repeating, not
    /// misusing the tool.
    fn on_course(&self) -> bool {
        let misusing = self.misuse_started && !self.misuse_done;
        !self.exploring() && self.retry.is_none() && !misusing
    }

    /// Whether `text` names one of the task's own checks: the first word of a check step
    /// (`./check.sh`, `make`, `pytest` ...).
    fn names_a_check(&self, text: &str) -> bool {
        self.plan
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Diagnose)
            .filter_map(|s| s.command.split_whitespace().next())
            .any(|word| {
                text.split(|c: char| c.is_whitespace() || "`'\"".contains(c))
                    .any(|w| w == word)
            })
    }

    /// A note arrived while exploring: it stops and acts. Stopped before it read what it
    /// needs, it may do one step wrong.
    fn stop_exploring(&mut self, by: &str) {
        let done = u32::try_from(self.explore_next).unwrap_or(u32::MAX);
        self.explore_next = self.explore.len();
        if self.active(Pathology::OverExplore) {
            self.truth.remedied(Pathology::OverExplore, by);
        } else {
            self.truth
                .event(None, format!("stops exploring after {done} reads ({by})"));
        }
        if done < self.useful_reads {
            let what = format!(
                "stopped after {done} of the {} reads it needs",
                self.useful_reads
            );
            match self.draw.rushed_step {
                Some(step) => {
                    self.rushed = Some(step);
                    self.truth
                        .cost("rushed", by, format!("{what}; does step {step} wrong"));
                }
                None => self
                    .truth
                    .cost("rushed", by, format!("{what}; gets away with it")),
            }
        }
    }

    /// An unneeded note: its tokens cost, and it may cost a turn.
    fn distracted(&mut self, note: &Note) {
        if self.roll(Roll::Distraction, self.costs.distraction) {
            self.wasted_pending += 1;
            self.truth.cost(
                "distraction",
                &note.layer,
                "a note it did not need costs a turn",
            );
        }
    }

    /// A legitimate step was blocked: lost, or sent again rephrased.
    fn falsely_blocked(&mut self, mv: &Move, i: usize, layer: String) {
        if matches!(mv.kind, MoveKind::Resend(_))
            || self.roll(Roll::FalseBlock, self.costs.false_block_loss)
        {
            self.truth
                .cost("false_block", &layer, format!("step {i} blocked and lost"));
            return;
        }
        self.truth.cost(
            "false_block",
            &layer,
            format!("step {i} blocked; sends it again"),
        );
        self.deferred = Some(Move {
            kind: MoveKind::Resend(i),
            command: format!("true && {}", mv.command),
            source: mv.source.clone(),
            thought: "Running that step again.".to_owned(),
        });
    }

    /// The conversation was compacted: a fact may be lost.
    fn compacted(&mut self) {
        if !self.roll(Roll::Compaction, self.costs.compaction_loss) {
            return;
        }
        if self.state_lines.is_empty() {
            self.wasted_pending += 1;
            self.truth
                .cost("compaction", "", "lost what it had read; reads it again");
        } else {
            let lost = self.state_lines.join("; ");
            self.state_lines.clear();
            self.truth
                .cost("compaction", "", format!("forgets its state (`{lost}`)"));
        }
    }

    /// A substitution helps only when its replacement is a command the task's environment
    /// has (one the solution uses, or none: a prefix dropped).
    fn consider(&mut self, sub: Substitution, by: &str, result: Option<&CallResult>) {
        let exists = match sub.to.split_whitespace().next() {
            None => true,
            Some(word) => self.plan.steps.iter().any(|s| {
                s.command
                    .split(|c: char| !(c.is_ascii_alphanumeric() || "_-.".contains(c)))
                    .any(|w| w == word)
            }),
        };
        if exists {
            self.learn(sub, by, result);
        } else {
            self.truth.event(
                None,
                format!(
                    "ignores `{}` for `{}`: no such command here",
                    sub.to, sub.from
                ),
            );
        }
    }

    fn note_blind_failure(&mut self, mv: &Move, result: &CallResult) {
        if result.failed && !self.habits.is_empty() && self.habit_changed(mv) {
            self.truth.event(
                Some(Pathology::EnvFactBlindness),
                "a command the environment lacks failed",
            );
        }
    }

    fn habit_changed(&self, mv: &Move) -> bool {
        matches!(mv.kind, MoveKind::Step(_) | MoveKind::StateBare(_))
            && self.render_with(&mv.source, &[], &self.subs) != mv.command
    }

    fn learn(&mut self, sub: Substitution, by: &str, result: Option<&CallResult>) {
        self.truth.event(
            None,
            format!("learned: use `{}` for `{}`", sub.to, sub.from),
        );
        let neutralises = self.truth.fired.contains(&Pathology::EnvFactBlindness)
            && self.habits.iter().any(|h| match h {
                Habit::Rename { command, habit } => *habit == sub.from && *command == sub.to,
                Habit::Prefix { prefix, .. } => {
                    prefix.trim() == sub.from.trim() && sub.to.trim().is_empty()
                }
            });
        self.subs.push(sub);
        if neutralises {
            self.truth.remedied(Pathology::EnvFactBlindness, by);
        }
        // Redo the step just sent if the advice changes it: a failure inside a pipeline
        // need not show in the exit code.
        if let (Some((mv, false)), Some(_)) = (&self.last, result)
            && let MoveKind::Step(i) | MoveKind::StateBare(i) = mv.kind
        {
            let redone = self.render(&mv.source);
            if redone != mv.command && self.cursor == i + 1 {
                self.cursor = i;
                self.pitfall_done[i] = true;
                self.truth
                    .event(None, format!("redoes step {i} with the advice"));
            }
        }
    }

    fn correct_usage(&mut self, by: &str) {
        if self.misuse_started && !self.misuse_done {
            self.misuse_done = true;
            self.truth.remedied(Pathology::ToolMisuse, by);
        }
    }

    fn exploring(&self) -> bool {
        self.explore_next > 0 && self.explore_next < self.explore.len()
    }

    fn render(&self, command: &str) -> String {
        self.render_with(command, &self.habits, &self.subs)
    }

    fn render_with(&self, command: &str, habits: &[Habit], subs: &[Substitution]) -> String {
        // Habits shape the step itself (a `sudo ` prefix goes before its first word).
        let habitual = apply_habits(command, habits);
        let mut out = if self.active(Pathology::EnvAmnesia) {
            habitual
        } else {
            with_state(&self.state_lines, &habitual)
        };
        for sub in subs {
            out = substitute(&out, &sub.from, &sub.to);
        }
        out
    }

    fn step_move(&self, kind: MoveKind, i: usize, command: &str) -> Move {
        Move {
            kind,
            command: self.render(command),
            source: command.to_owned(),
            thought: capitalise(&self.plan.steps[i].description),
        }
    }

    fn next_move(&mut self) -> Move {
        if let Some(deferred) = self.deferred.take() {
            return deferred;
        }
        if self.finish_next {
            self.finish_next = false;
            return self.finish_move();
        }
        if self.trivial_check {
            self.trivial_check = false;
            self.finish_next = true;
            return Move {
                kind: MoveKind::Recheck,
                command: "ls -la".to_owned(),
                source: "ls -la".to_owned(),
                thought: "Checked; it is all there.".to_owned(),
            };
        }
        if self.wasted_pending > 0 {
            self.wasted_pending -= 1;
            let command = self
                .plan
                .steps
                .iter()
                .find(|s| s.kind == StepKind::Read)
                .map_or_else(|| "ls -la".to_owned(), |s| s.command.clone());
            return Move {
                kind: MoveKind::Wasted,
                command: self.render(&command),
                source: command,
                thought: "Let me look at that again.".to_owned(),
            };
        }
        loop {
            if let Some(retry) = &mut self.retry {
                if retry.left > 0 {
                    retry.left -= 1;
                    return Move {
                        kind: MoveKind::Retry,
                        command: retry.command.clone(),
                        source: retry.command.clone(),
                        thought: "That should have worked; running it again.".to_owned(),
                    };
                }
                self.retry = None;
                self.truth
                    .event(Some(Pathology::BlindRetry), "gave up repeating");
            }
            if self.explore_next < self.explore.len() {
                let command = self.explore[self.explore_next].clone();
                // Looks the model needs are not a pathology; only an over-explorer's are.
                if self.explore_next == 0 && self.active(Pathology::OverExplore) {
                    self.truth.fired(
                        Pathology::OverExplore,
                        format!(
                            "plans {} exploratory reads before acting",
                            self.explore.len()
                        ),
                    );
                }
                if command.starts_with("cat ") || command.contains("&& cat ") {
                    self.truth
                        .fired(Pathology::OutputFlood, format!("dumps `{command}` whole"));
                }
                self.explore_next += 1;
                return Move {
                    kind: MoveKind::Explore,
                    source: command.clone(),
                    command,
                    thought: "Let me look around before changing anything.".to_owned(),
                };
            }
            let n = self.plan.steps.len();
            if let Some(cut) = self.draw.premature_after
                && self.cursor > cut
                && !self.premature_used
                && self.finish_refusals == 0
            {
                self.premature_used = true;
                self.truth.fired(
                    Pathology::PrematureFinish,
                    format!("finishes after step {cut} of {n}"),
                );
                return self.finish_move();
            }
            if self.cursor >= n {
                if self.finish_refusals > 0 && !self.rechecked {
                    self.rechecked = true;
                    let command = self
                        .plan
                        .steps
                        .iter()
                        .rev()
                        .find(|s| s.kind == StepKind::Read)
                        .map_or_else(|| "ls -la".to_owned(), |s| s.command.clone());
                    return Move {
                        kind: MoveKind::Recheck,
                        command: self.render(&command),
                        source: command,
                        thought: "Checking the result once more.".to_owned(),
                    };
                }
                return self.finish_move();
            }
            let i = self.cursor;
            let step = self.plan.steps[i].clone();
            if self.draw.fumble_step == Some(i) {
                self.cursor += 1;
                self.truth
                    .event(None, format!("fumbles step {i} for good (skips it)"));
                continue;
            }
            if self.rushed == Some(i) && step.kind == StepKind::Act {
                self.cursor += 1;
                self.truth.event(
                    None,
                    format!("does step {i} wrong, having read too little (skips it)"),
                );
                continue;
            }
            if step.kind == StepKind::State {
                self.cursor += 1;
                if self.active(Pathology::EnvAmnesia) {
                    self.truth.fired(
                        Pathology::EnvAmnesia,
                        format!("runs `{}` alone and relies on it later", step.command),
                    );
                    return self.step_move(MoveKind::StateBare(i), i, &step.command);
                }
                self.state_lines.push(step.command.clone());
                continue;
            }
            if self.skip_fixes {
                if step.kind == StepKind::Act {
                    self.cursor += 1;
                    self.truth.event(None, format!("skips fix step {i}"));
                    continue;
                }
                self.skip_fixes = false;
            }
            if self.draw.pitfalls.get(i).copied().unwrap_or(false)
                && !self.pitfall_done[i]
                && let Some(pitfall) = &step.pitfall
            {
                self.pitfall_done[i] = true;
                return self.step_move(MoveKind::Pitfall(i), i, pitfall);
            }
            if let Some(BlindTarget::Variant {
                step: target,
                command,
            }) = &self.draw.blind_target
                && *target == i
                && !self.variant_done
            {
                self.variant_done = true;
                let command = command.clone();
                return self.step_move(MoveKind::Variant(i), i, &command);
            }
            let flood = self.active(Pathology::OutputFlood);
            if flood
                && step.kind == StepKind::Act
                && self.draw.rereads.get(i).copied().unwrap_or(false)
                && !self.reread_done[i]
            {
                self.reread_done[i] = true;
                let targets = inputs_used(&step, &self.plan.inputs);
                if !targets.is_empty() {
                    let command = format!("cat {}", targets.join(" "));
                    self.truth.fired(
                        Pathology::OutputFlood,
                        format!("dumps `{command}` whole again"),
                    );
                    return Move {
                        kind: MoveKind::Reread(i),
                        command: self.render(&command),
                        source: command,
                        thought: "Let me look at the data again first.".to_owned(),
                    };
                }
            }
            self.cursor += 1;
            let targets = if flood {
                flood_targets(&step, &self.plan.inputs)
            } else {
                Vec::new()
            };
            let command = if targets.is_empty() {
                step.command.clone()
            } else {
                let command = format!("cat {}", targets.join(" "));
                self.truth
                    .fired(Pathology::OutputFlood, format!("dumps `{command}` whole"));
                command
            };
            let mv = self.step_move(MoveKind::Step(i), i, &command);
            if !self.habits.is_empty() && self.habit_changed(&mv) {
                self.truth.fired(
                    Pathology::EnvFactBlindness,
                    format!("sends `{}`", first_line(&mv.command)),
                );
            }
            return mv;
        }
    }

    fn finish_move(&self) -> Move {
        let last = self.plan.steps[..self.cursor.min(self.plan.steps.len())]
            .last()
            .map_or_else(|| "the task".to_owned(), |s| s.description.clone());
        Move {
            kind: MoveKind::Finish,
            command: String::new(),
            source: String::new(),
            thought: format!("Done; last step: {last}."),
        }
    }

    fn encode(&mut self, mv: &Move) -> Encoding {
        let step = match mv.kind {
            MoveKind::Step(i)
            | MoveKind::Pitfall(i)
            | MoveKind::Variant(i)
            | MoveKind::StateBare(i) => i,
            _ => return Encoding::Valid,
        };
        let Some(from) = self.draw.misuse_from_step else {
            return Encoding::Valid;
        };
        if self.misuse_done || step < from {
            return Encoding::Valid;
        }
        if !self.misuse_started {
            self.misuse_started = true;
            self.truth
                .fired(Pathology::ToolMisuse, "sends malformed tool arguments");
        }
        self.deferred = Some(mv.clone());
        let form = self.misuse_form % 3;
        self.misuse_form += 1;
        let quoted = serde_json::Value::String(mv.command.clone()).to_string();
        Encoding::Malformed(match form {
            0 => format!("{{\"command\": {quoted}"),
            1 => format!("{{\"cmd\": {quoted}}}"),
            _ => format!("{{\"command\": [\"bash\", \"-c\", {quoted}]}}"),
        })
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Whether the visible part of a check's output shows a failing line.
fn shows_failure(result: &CallResult) -> bool {
    result.content.lines().any(|line| {
        let lower = line.to_lowercase();
        !lower.contains("bytes omitted")
            && !lower.starts_with("[exit code")
            && FAILURE_WORDS.iter().any(|w| lower.contains(w))
    })
}
