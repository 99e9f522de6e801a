//! A confidence interval for the mean paired difference that respects clustering: repeats of
//! one task are not independent evidence about the harness, so the standard error is the
//! cluster-robust one with tasks as clusters, and the quantile is Student's t with one fewer
//! degree of freedom than there are tasks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A two-sided interval around an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Interval {
    /// The point estimate (mean paired difference).
    pub estimate: f64,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Coverage, in (0, 1).
    pub level: f64,
}

/// The mean of `values` (cluster id, value) with a two-sided interval at `level`, clustered
/// by id. With fewer than two clusters the interval is the whole range [-1, 1] of a
/// difference of rewards (nothing is known about the spread). No values: estimate 0.
pub fn clustered_mean_interval<'a>(
    values: impl IntoIterator<Item = (&'a str, f64)>,
    level: f64,
) -> Interval {
    let mut clusters: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    let mut n = 0usize;
    let mut sum = 0.0;
    for (id, v) in values {
        clusters.entry(id).or_default().push(v);
        n += 1;
        sum += v;
    }
    let whole = |estimate| Interval {
        estimate,
        low: -1.0,
        high: 1.0,
        level,
    };
    if n == 0 {
        return whole(0.0);
    }
    let mean = sum / n as f64;
    let g = clusters.len();
    if g < 2 {
        return whole(mean);
    }
    let scatter: f64 = clusters
        .values()
        .map(|vs| vs.iter().map(|v| v - mean).sum::<f64>().powi(2))
        .sum();
    let se = (g as f64 / (g as f64 - 1.0) * scatter).sqrt() / n as f64;
    let q = match StudentsT::new(0.0, 1.0, (g - 1) as f64) {
        Ok(t) => t.inverse_cdf(1.0 - (1.0 - level) / 2.0),
        Err(_) => return whole(mean),
    };
    Interval {
        estimate: mean,
        low: (mean - q * se).max(-1.0),
        high: (mean + q * se).min(1.0),
        level,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value per cluster: the interval is the ordinary t interval. Values 0.1, 0.2, 0.3,
    /// 0.4: mean 0.25, sd 0.1291, se 0.06455, t(3, 0.95) = 2.353363; half-width 0.15191.
    #[test]
    fn one_value_per_cluster_is_the_t_interval() {
        let values = [("a", 0.1), ("b", 0.2), ("c", 0.3), ("d", 0.4)];
        let i = clustered_mean_interval(values, 0.9);
        assert!((i.estimate - 0.25).abs() < 1e-12);
        assert!((i.high - 0.25 - 0.151_91).abs() < 1e-4, "{i:?}");
        assert!((0.25 - i.low - 0.151_91).abs() < 1e-4, "{i:?}");
    }

    #[test]
    fn degenerate_inputs() {
        let i = clustered_mean_interval([], 0.9);
        assert_eq!((i.estimate, i.low, i.high), (0.0, -1.0, 1.0));
        let i = clustered_mean_interval([("a", 1.0), ("a", 0.0)], 0.9);
        assert_eq!((i.estimate, i.low, i.high), (0.5, -1.0, 1.0));
    }

    /// Repeats within a task that agree add no independent evidence: three copies of each
    /// task's value give the same interval as one copy.
    #[test]
    fn copies_within_a_cluster_do_not_narrow_the_interval() {
        let one = [("a", 0.1), ("b", 0.5), ("c", -0.2)];
        let three: Vec<(&str, f64)> = one.iter().flat_map(|&v| [v, v, v]).collect();
        let i1 = clustered_mean_interval(one, 0.9);
        let i3 = clustered_mean_interval(three, 0.9);
        assert!((i1.low - i3.low).abs() < 1e-12 && (i1.high - i3.high).abs() < 1e-12);
    }
}
