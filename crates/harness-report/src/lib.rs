//! The run report: a run directory of `harness evolve` turned into one self-contained HTML
//! file (inline CSS and SVG charts, no scripts, nothing fetched) and a markdown summary.
//!
//! - [`data`]: [`RunView`], everything the report shows, read and computed once from the
//!   run directory (scores with clustered intervals, spending, proposals and their evidence,
//!   prediction accuracy, weakness clusters, the analyses when present).
//! - [`plots`]: the SVG charts (plotters' SVG backend: text as `<text>`, no font files).
//! - [`html`]: the HTML page; every string from the run is escaped.
//! - [`markdown`]: the markdown summary.
//! - [`error`]: [`ReportError`], naming the file (and line, and field) of bad input.
//!
//! [`write_report`] does it all: read `run`, write `report.html` and `report.md` into `out`.

/// What the report shows.
pub mod data;
/// The one error type.
pub mod error;
mod fmt;
/// The HTML page.
pub mod html;
/// The markdown summary.
pub mod markdown;
/// The charts.
pub mod plots;
#[cfg(test)]
mod testing;

use std::path::{Path, PathBuf};

pub use data::RunView;
pub use error::ReportError;

/// The HTML report's file name.
pub const HTML_FILE: &str = "report.html";
/// The markdown summary's file name.
pub const MARKDOWN_FILE: &str = "report.md";

/// What [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The HTML file.
    pub html: PathBuf,
    /// The markdown file.
    pub markdown: PathBuf,
    /// The summary's headline.
    pub headline: String,
}

/// Read the run directory `run` and write [`HTML_FILE`] and [`MARKDOWN_FILE`] into `out`
/// (created when missing).
pub fn write_report(run: &Path, out: &Path) -> Result<Written, ReportError> {
    let view = RunView::load(run)?;
    let page = html::render(&view)?;
    let summary = markdown::render(&view);
    std::fs::create_dir_all(out).map_err(|source| ReportError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let html = out.join(HTML_FILE);
    let markdown = out.join(MARKDOWN_FILE);
    for (path, text) in [(&html, &page), (&markdown, &summary)] {
        std::fs::write(path, text).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(Written {
        html,
        markdown,
        headline: view.headline(),
    })
}
