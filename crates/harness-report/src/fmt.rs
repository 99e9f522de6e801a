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
