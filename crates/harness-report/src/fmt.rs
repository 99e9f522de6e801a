//! Number formatting shared by the HTML page and the markdown summary.

use crate::data::Mean;

/// `0.500 [0.412, 0.588]`, or `n/a`.
pub(crate) fn mean(m: Option<Mean>) -> String {
    m.map_or_else(
        || "n/a".into(),
        |m| format!("{:.3} [{:.3}, {:.3}]", m.mean, m.low, m.high),
    )
}

/// A ratio as a percentage with one decimal, or `n/a`.
pub(crate) fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".into(), |r| format!("{:.1} %", r * 100.0))
}

/// A signed effect with its interval: `+0.427 [+0.343, +0.511]`.
pub(crate) fn effect(effect: Option<f64>, interval: Option<(f64, f64)>) -> String {
    match (effect, interval) {
        (Some(e), Some((lo, hi))) => format!("{e:+.3} [{lo:+.3}, {hi:+.3}]"),
        (Some(e), None) => format!("{e:+.3}"),
        _ => "n/a".into(),
    }
}

/// A p-value with four decimals, or `n/a`.
pub(crate) fn p_value(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".into(), |p| format!("{p:.4}"))
}

/// Dollars with two decimals (four below one cent).
pub(crate) fn usd(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.01 {
        format!("${v:.4}")
    } else {
        format!("${v:.2}")
    }
}

/// A list joined with commas, or `none`.
pub(crate) fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The per-generation spending table, formatted: the header, then rows (`true` for the
/// total rows). Columns: generation, rollouts (ours), the baseline protocol's, agent tokens,
/// then tokens under each heading charged outside trials, and dollars.
pub(crate) fn spend_table(v: &crate::RunView) -> (Vec<String>, Vec<(bool, Vec<String>)>) {
    use crate::data::Spend;
    let headings: Vec<&str> = v
        .phases
        .iter()
        .map(|p| p.phase.as_str())
        .filter(|p| *p != "agent")
        .collect();
    let mut header: Vec<String> = ["generation", "rollouts (ours)", "baseline protocol"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    header.push("agent tokens".into());
    header.extend(headings.iter().map(|h| format!("{h} tokens")));
    header.push("dollars".into());
    let mut rows = Vec::new();
    let zero = Spend::default();
    // Totals: over generations, and over everything.
    let mut sums: [(u64, u64, Vec<u64>, f64); 2] =
        std::array::from_fn(|_| (0, 0, vec![0; headings.len()], 0.0));
    for r in &v.spend {
        let calls: Vec<u64> = headings
            .iter()
            .map(|h| r.calls.get(*h).unwrap_or(&zero).tokens)
            .collect();
        let usd = r.spend.usd + r.calls.values().map(|c| c.usd).sum::<f64>();
        for (i, sum) in sums.iter_mut().enumerate() {
            if i == 1 || r.generation.is_some() {
                sum.0 += r.spend.rollouts;
                sum.1 += r.spend.tokens;
                for (s, c) in sum.2.iter_mut().zip(&calls) {
                    *s += c;
                }
                sum.3 += usd;
            }
        }
        let mut row = vec![
            r.label.clone(),
            r.spend.rollouts.to_string(),
            r.baseline_rollouts
                .map_or_else(|| "-".into(), |b| b.to_string()),
            r.spend.tokens.to_string(),
        ];
        row.extend(calls.iter().map(u64::to_string));
        row.push(self::usd(usd));
        rows.push((false, row));
    }
    for (i, (label, baseline)) in [
        ("generations", v.baseline_rollouts.to_string()),
        ("all", "-".to_owned()),
    ]
    .into_iter()
    .enumerate()
    {
        let sum = &sums[i];
        let mut row = vec![
            label.to_owned(),
            sum.0.to_string(),
            baseline,
            sum.1.to_string(),
        ];
        row.extend(sum.2.iter().map(u64::to_string));
        row.push(self::usd(sum.3));
        rows.push((true, row));
    }
    (header, rows)
}
