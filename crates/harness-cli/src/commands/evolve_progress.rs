//! The loop's events as progress bars on the terminal: one bar per evaluation (trials of the
//! parent, a candidate's stage, the merge, the sealed test), and one line per decision and
//! per committed version. Without a terminal, only the lines are printed.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use harness_evolve::{EventSink, EvolveEvent, Phase};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Renders events on stderr.
pub struct EvolveProgress {
    multi: MultiProgress,
    bar: Mutex<Option<ProgressBar>>,
    label: String,
}

impl EvolveProgress {
    /// Progress for a run labelled `label` (a profile name in the demo).
    pub fn new(label: impl Into<String>) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            multi: MultiProgress::with_draw_target(target),
            bar: Mutex::new(None),
            label: label.into(),
        }
    }

    fn line(&self, text: String) {
        let text = format!("[{}] {text}", self.label);
        if self.multi.is_hidden() {
            eprintln!("{text}");
        } else {
            let _ = self.multi.println(text);
        }
    }

    fn phase(phase: Phase) -> &'static str {
        match phase {
            Phase::Parent => "parent",
            Phase::Candidate => "candidate",
            Phase::Merge => "merge",
            Phase::Final => "sealed test",
        }
    }
}

impl EventSink for EvolveProgress {
    fn on_event(&self, event: &EvolveEvent) {
        match event {
            EvolveEvent::RunStarted {
                resumed, warning, ..
            } => {
                if *resumed {
                    self.line("resuming from the saved state".into());
                }
                if let Some(w) = warning {
                    self.line(format!("warning: {w}"));
                }
            }
            EvolveEvent::GenerationStarted { generation, parent } => {
                self.line(format!("generation {generation}: parent {parent}"));
            }
            EvolveEvent::EvaluationStarted {
                phase,
                harness,
                stage,
                trials,
            } => {
                let bar = self.multi.add(ProgressBar::new(*trials as u64));
                if let Ok(style) = ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} trials  {msg}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_message(format!("{} {harness} {stage}", Self::phase(*phase)));
                bar.enable_steady_tick(Duration::from_millis(200));
                let mut slot = self.bar.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(old) = slot.replace(bar) {
                    old.finish_and_clear();
                }
            }
            EvolveEvent::TrialFinished { .. } => {
                if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                    bar.inc(1);
                }
            }
            EvolveEvent::Proposed {
                generation,
                proposals,
                refused,
                note,
            } => {
                self.line(format!(
                    "generation {generation}: {} proposal(s) {}{}{}",
                    proposals.len(),
                    proposals.join(", "),
                    if *refused > 0 {
                        format!("; {refused} refused by the guards")
                    } else {
                        String::new()
                    },
                    note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()
                ));
            }
            EvolveEvent::CandidateDecided {
                candidate,
                accepted,
                stage,
                reason,
                ..
            } => {
                if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    bar.finish_and_clear();
                }
                self.line(format!(
                    "  {candidate}: {} after {stage}: {reason}",
                    if *accepted { "ACCEPTED" } else { "rejected" }
                ));
            }
            EvolveEvent::VersionCommitted {
                generation,
                version,
                harness,
                accepted: true,
            } => {
                self.line(format!(
                    "generation {generation}: version {} ({harness}) is the new parent",
                    &version[..version.len().min(12)]
                ));
            }
            EvolveEvent::Stopped { reason } => self.line(format!("stopped: {reason}")),
            EvolveEvent::Finished { .. } => {
                if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    bar.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}
