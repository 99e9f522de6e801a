//! The report's charts, drawn with plotters' SVG backend into strings: plain `<svg>` with
//! `<path>`, `<rect>`, `<circle>` and `<text>` elements, no fonts or images to load (text is
//! laid out by plotters' built-in estimate, so no font library is linked).

use plotters::prelude::*;

use crate::data::{ClusterTable, GenerationSpend, Mean, ScoreRow};
use crate::error::ReportError;

/// Width of every chart, in pixels.
pub const WIDTH: u32 = 720;
/// Height of every chart, in pixels.
pub const HEIGHT: u32 = 340;

const HELD_IN: RGBColor = RGBColor(31, 119, 180);
const VALIDATION: RGBColor = RGBColor(255, 127, 14);
const TEST: RGBColor = RGBColor(44, 160, 44);
const BASELINE: RGBColor = RGBColor(160, 160, 160);
const FONT: &str = "sans-serif";

fn fail(chart: &str) -> impl Fn(String) -> ReportError + '_ {
    move |message| ReportError::Plot {
        chart: chart.to_owned(),
        message,
    }
}

/// Label of an x position holding category `labels[i]`: the label at whole numbers, nothing
/// elsewhere.
fn category(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// Short x labels of score rows: `g1`, `g2`, ..., `final`.
fn row_labels(rows: &[ScoreRow]) -> Vec<String> {
    rows.iter()
        .map(|r| match r.generation {
            Some(g) => format!("g{g}"),
            None => r.label.clone(),
        })
        .collect()
}

/// Mean reward per split for each generation's parent and the final harness, with
/// interval whiskers; the test split is a point for the seed and the final harness only.
pub fn scores_chart(rows: &[ScoreRow]) -> Result<String, ReportError> {
    let err = fail("scores");
    let labels = row_labels(rows);
    let n = rows.len().max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Mean reward by generation (95% CI, clustered by task)",
                (FONT, 16),
            )
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5f64..(n - 0.5), 0f64..1.05f64)
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .x_labels(rows.len().max(1) * 2 + 1)
            .x_label_formatter(&|x| category(&labels, *x))
            .y_desc("mean reward")
            .label_style((FONT, 12))
            .light_line_style(RGBColor(245, 245, 245))
            .disable_x_mesh()
            .draw()
            .map_err(|e| err(e.to_string()))?;
        type Pick = fn(&ScoreRow) -> Option<Mean>;
        let splits: [(&str, RGBColor, f64, Pick, bool); 3] = [
            ("held-in", HELD_IN, -0.12, |r| r.held_in, true),
            ("validation", VALIDATION, 0.0, |r| r.validation, true),
            ("test (seed, final)", TEST, 0.12, |r| r.test, false),
        ];
        for (name, color, offset, pick, line) in splits {
            let points: Vec<(f64, Mean)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| pick(r).map(|m| (i as f64 + offset, m)))
                .collect();
            if points.is_empty() {
                continue;
            }
            let style = ShapeStyle::from(&color).stroke_width(2);
            if line {
                chart
                    .draw_series(LineSeries::new(
                        points.iter().map(|(x, m)| (*x, m.mean)),
                        style,
                    ))
                    .map_err(|e| err(e.to_string()))?
                    .label(name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            } else {
                chart
                    .draw_series(
                        points
                            .iter()
                            .map(|(x, m)| Circle::new((*x, m.mean), 4, color.filled())),
                    )
                    .map_err(|e| err(e.to_string()))?
                    .label(name)
                    .legend(move |(x, y)| Circle::new((x + 9, y), 4, color.filled()));
            }
            chart
                .draw_series(points.iter().map(|(x, m)| {
                    ErrorBar::new_vertical(*x, m.low, m.mean, m.high, color.filled(), 8)
                }))
                .map_err(|e| err(e.to_string()))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// Rollouts per generation: ours (trials charged) beside the baseline protocol's.
pub fn rollouts_chart(rows: &[GenerationSpend]) -> Result<String, ReportError> {
    let err = fail("rollouts");
    let rows: Vec<&GenerationSpend> = rows.iter().filter(|r| r.generation.is_some()).collect();
    let labels: Vec<String> = rows
        .iter()
        .map(|r| r.generation.map(|g| format!("g{g}")).unwrap_or_default())
        .collect();
    let n = rows.len().max(1) as f64;
    let top = rows
        .iter()
        .map(|r| r.spend.rollouts.max(r.baseline_rollouts.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Rollouts per generation: ours vs the baseline protocol",
                (FONT, 16),
            )
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..(n - 0.5), 0f64..top)
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .x_labels(rows.len().max(1) * 2 + 1)
            .x_label_formatter(&|x| category(&labels, *x))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .y_desc("rollouts")
            .label_style((FONT, 12))
            .light_line_style(RGBColor(245, 245, 245))
            .disable_x_mesh()
            .draw()
            .map_err(|e| err(e.to_string()))?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let x = i as f64;
                Rectangle::new(
                    [(x - 0.36, 0.0), (x - 0.01, r.spend.rollouts as f64)],
                    HELD_IN.filled(),
                )
            }))
            .map_err(|e| err(e.to_string()))?
            .label("ours")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], HELD_IN.filled()));
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let x = i as f64;
                Rectangle::new(
                    [
                        (x + 0.01, 0.0),
                        (x + 0.36, r.baseline_rollouts.unwrap_or(0) as f64),
                    ],
                    BASELINE.filled(),
                )
            }))
            .map_err(|e| err(e.to_string()))?
            .label("baseline protocol")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BASELINE.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// Failed trials in each weakness cluster, per generation's report.
pub fn clusters_chart(table: &ClusterTable) -> Result<String, ReportError> {
    let err = fail("clusters");
    let labels: Vec<String> = table.generations.iter().map(|g| format!("g{g}")).collect();
    let n = table.generations.len().max(1) as f64;
    let top = table
        .rows
        .iter()
        .flat_map(|r| r.sizes.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Weakness cluster sizes (failed trials) by generation",
                (FONT, 16),
            )
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5f64..(n - 0.5), 0f64..top)
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .x_labels(table.generations.len().max(1) * 2 + 1)
            .x_label_formatter(&|x| category(&labels, *x))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .y_desc("failed trials")
            .label_style((FONT, 12))
            .light_line_style(RGBColor(245, 245, 245))
            .disable_x_mesh()
            .draw()
            .map_err(|e| err(e.to_string()))?;
        for (k, row) in table.rows.iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            let style = ShapeStyle::from(&color).stroke_width(2);
            // Absent from a generation's report: size 0 there (the cluster vanished).
            let points: Vec<(f64, f64)> = row
                .sizes
                .iter()
                .enumerate()
                .map(|(i, s)| (i as f64, s.unwrap_or(0) as f64))
                .collect();
            chart
                .draw_series(LineSeries::new(points.iter().copied(), style))
                .map_err(|e| err(e.to_string()))?
                .label(row.id.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))
                .map_err(|e| err(e.to_string()))?;
        }
        if !table.rows.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, 11))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(|e| err(e.to_string()))?;
        }
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}
