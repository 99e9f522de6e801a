//! The statistics the rules use: exact one-sided tests on paired cells and an interval for
//! the mean paired difference. Distributions come from `statrs`; the tests built on them
//! are here, each checked against values computed by hand.

pub mod interval;
pub mod permutation;
pub mod random;
pub mod sign;

pub use interval::{Interval, clustered_mean_interval};
pub use permutation::sign_flip_p_value;
pub use sign::{binomial_upper_tail, sign_test_p_value};
