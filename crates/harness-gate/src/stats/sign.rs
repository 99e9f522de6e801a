//! The exact one-sided sign test, which on pass/fail pairs is the exact McNemar test: among
//! the discordant pairs, how likely is it that the candidate wins at least as many as it
//! did if either side were equally likely to win each one.

use statrs::distribution::{Binomial, DiscreteCDF};

/// P(X >= k) for X ~ Binomial(n, 1/2). 1 for k = 0; 0 for k > n.
pub fn binomial_upper_tail(n: u64, k: u64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    match Binomial::new(0.5, n) {
        // sf(x) = P(X > x).
        Ok(dist) => dist.sf(k - 1).clamp(0.0, 1.0),
        // Unreachable for p = 1/2; the safe answer is "no evidence".
        Err(_) => 1.0,
    }
}

/// One-sided p-value of the exact sign test for `wins` candidate wins and `losses` candidate
/// losses among the discordant pairs (ties carry no information and are not counted): the
/// chance of at least `wins` wins in `wins + losses` fair coin flips. 1 when there is no
/// discordant pair.
pub fn sign_test_p_value(wins: u64, losses: u64) -> f64 {
    binomial_upper_tail(wins + losses, wins)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
    }

    /// Known values: sums of binomial coefficients over 2^n, computed exactly.
    #[test]
    fn exact_tails() {
        assert!(close(binomial_upper_tail(10, 8), 56.0 / 1024.0));
        assert!(close(binomial_upper_tail(10, 10), 1.0 / 1024.0));
        assert!(close(binomial_upper_tail(10, 5), 638.0 / 1024.0));
        assert!(close(binomial_upper_tail(1, 1), 0.5));
        assert!(close(binomial_upper_tail(20, 15), 21700.0 / 1048576.0));
        assert_eq!(binomial_upper_tail(5, 0), 1.0);
        assert_eq!(binomial_upper_tail(5, 6), 0.0);
        // Far tail, where summing would lose nothing but a complement would: 2^-60.
        assert!(close(binomial_upper_tail(60, 60), 2f64.powi(-60)));
    }

    /// McNemar's exact test on a textbook table: 9 discordant pairs won by the candidate and
    /// 2 by the parent give a one-sided p of 67/2048.
    #[test]
    fn mcnemar_exact() {
        assert!(close(sign_test_p_value(9, 2), 67.0 / 2048.0));
        assert_eq!(sign_test_p_value(0, 0), 1.0);
        assert!(close(sign_test_p_value(0, 3), 1.0));
    }

    #[test]
    fn more_wins_never_raise_the_p_value() {
        for losses in 0..30u64 {
            let mut last = 1.0;
            for wins in 0..30u64 {
                let p = sign_test_p_value(wins, losses);
                assert!(p <= last + 1e-15, "wins {wins} losses {losses}");
                last = p;
            }
        }
        // And more losses never lower it.
        for wins in 0..30u64 {
            let mut last = 0.0;
            for losses in 0..30u64 {
                let p = sign_test_p_value(wins, losses);
                assert!(p + 1e-15 >= last, "wins {wins} losses {losses}");
                last = p;
            }
        }
    }
}
