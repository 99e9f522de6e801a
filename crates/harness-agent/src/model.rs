//! The model layer, which lives in `harness-model` so that a model can be implemented without
//! this crate's sandbox, task and trace dependencies. Re-exported whole: `crate::model::X`
//! and `harness_agent::model::X` keep naming the same items.

pub use harness_model::*;
