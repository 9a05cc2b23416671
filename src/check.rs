//! `broadsheet check`: load and render the whole site as `build` does, but
//! into a sink that writes nothing, and report every problem with the file
//! it is in, so CI can gate a deploy on it.
//!
//! Errors: the site cannot be loaded or rendered (config, templates);
//! anything `load` warns about (snapshots that cannot be read or parsed,
//! config keys that name nothing, editor controls that name unknown
//! articles), feeds with no usable entries, and internal links, anchors,
//! images and assets of the rendered pages that lead nowhere. Warnings:
//! stale sources (`check.stale_after_days`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::build::write_site;
use crate::linkcheck::{LinkIndex, ReferenceKind};
use crate::load::{load_site_with_progress, BuildOptions, LoadedSite};
use crate::output::OutputSink;
use crate::progress::Progress;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem `check` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    /// What kind of problem: `site` (the site cannot be built), `snapshot`,
    /// `content`, `empty-feed`, `stale-source`, `broken-link`,
    /// `broken-anchor`, `missing-image`, `missing-asset`.
    pub kind: &'static str,
    /// The file to fix, relative to the site directory, when it is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The rendered page the problem shows on, as a URL path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    pub message: String,
}

/// Everything `check` found, and how much it looked at.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    pub errors: usize,
    pub warnings: usize,
    pub snapshots: usize,
    pub articles: usize,
    pub files: usize,
    pub problems: Vec<Problem>,
}

impl CheckReport {
    fn push(&mut self, problem: Problem) {
        match problem.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        self.problems.push(problem);
    }

    /// One line per problem (errors only unless `warnings`), then a
    /// summary line.
    pub fn to_text(&self, warnings: bool) -> String {
        let mut out = String::new();
        for p in &self.problems {
            if p.severity == Severity::Warning && !warnings {
                continue;
            }
            let severity = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let place = match (&p.file, &p.page) {
                (Some(f), Some(page)) => format!("{f} (page {page}): "),
                (Some(f), None) => format!("{f}: "),
                (None, Some(page)) => format!("page {page}: "),
                (None, None) => String::new(),
            };
            out.push_str(&format!("{severity}[{}]: {place}{}\n", p.kind, p.message));
        }
        out.push_str(&format!(
            "checked {} snapshots, {} articles, {} files: {} error(s), {} warning(s)\n",
            self.snapshots, self.articles, self.files, self.errors, self.warnings
        ));
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Checks the site `opts` describes; `now` is the time staleness is measured
/// from (the caller's clock, so the check itself stays deterministic).
pub fn check(opts: &BuildOptions, now: DateTime<Utc>, progress: &Progress) -> CheckReport {
    let mut report = CheckReport::default();
    let loaded = match load_site_with_progress(opts, progress) {
        Ok(loaded) => loaded,
        Err(e) => {
            report.push(site_problem(e));
            return report;
        }
    };
    report.snapshots = loaded.snapshots;
    report.articles = loaded.digest.articles.len();
    let root = &loaded.root;

    for w in &loaded.warnings {
        report.push(Problem {
            severity: Severity::Error,
            kind: w.kind,
            file: Some(relative(root, &w.file)),
            page: None,
            message: w.message.clone(),
        });
    }
    for feed in &loaded.feeds {
        feed_problems(&loaded, feed, now, &mut report);
    }

    match link_problems(&loaded, progress) {
        Ok((files, problems)) => {
            report.files = files;
            problems.into_iter().for_each(|p| report.push(p));
        }
        Err(e) => report.push(site_problem(e)),
    }
    report
}

fn site_problem(e: anyhow::Error) -> Problem {
    Problem {
        severity: Severity::Error,
        kind: "site",
        file: None,
        page: None,
        message: format!("{e:#}"),
    }
}

fn feed_problems(
    loaded: &LoadedSite,
    feed: &crate::load::FeedStats,
    now: DateTime<Utc>,
    report: &mut CheckReport,
) {
    let file = Some(relative(&loaded.root, &feed.path));
    if feed.usable == 0 {
        // Reported with the load warnings, as `empty-feed`.
        return;
    }
    let (Some(days), Some(newest)) = (loaded.config.check.stale_after_days, feed.newest) else {
        return;
    };
    let age = now.signed_duration_since(newest).num_days();
    if age > i64::from(days) {
        report.push(Problem {
            severity: Severity::Warning,
            kind: "stale-source",
            file,
            page: None,
            message: format!(
                "the newest entry is from {}, {age} days ago (check.stale_after_days is {days}); fetch a fresh snapshot",
                newest.format("%Y-%m-%d")
            ),
        });
    }
}

/// Renders the site into the link index and reports what leads nowhere;
/// also returns how many files the site has.
fn link_problems(loaded: &LoadedSite, progress: &Progress) -> Result<(usize, Vec<Problem>)> {
    let index = Arc::new(LinkIndex::new(&loaded.site.base_url)?);
    let sink = OutputSink::visiting(index.clone());
    write_site(loaded, &sink, progress)?;
    let files = sink.files_written();
    let stage = progress.stage("check links", None);
    // An article page's problems come from its feed: name the snapshot.
    let snapshot_of: BTreeMap<String, PathBuf> = loaded
        .digest
        .articles
        .iter()
        .map(|a| {
            let key = &loaded.digest.sources[a.source].key;
            (
                format!("articles/{}/index.html", a.slug),
                Path::new("content").join("feeds").join(key),
            )
        })
        .collect();
    let problems = index
        .broken()
        .into_iter()
        .map(|b| Problem {
            severity: Severity::Error,
            kind: match (b.kind, b.anchor) {
                (_, true) => "broken-anchor",
                (ReferenceKind::Link, false) => "broken-link",
                (ReferenceKind::Image, false) => "missing-image",
                (ReferenceKind::Asset, false) => "missing-asset",
            },
            file: snapshot_of
                .get(&b.page)
                .map(|p| p.to_string_lossy().into_owned()),
            page: Some(index.site_path(&b.page)),
            message: b.message,
        })
        .collect();
    stage.finish();
    Ok((files, problems))
}

/// `path` relative to the site directory when it is inside it.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
