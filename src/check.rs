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

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::build::write_site;
use crate::discover::files_under;
use crate::errors::file_of;
use crate::linkcheck::{LinkIndex, ReferenceKind};
use crate::load::{load_site_with_progress, BuildOptions, LoadedSite};
use crate::output::OutputSink;
use crate::progress::Progress;
use crate::theme::{static_dirs, template_dirs};

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
    /// The rendered page the problem shows on, as a URL path; the first of
    /// them when it shows on several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// How many rendered pages show the problem: a link a template puts on
    /// every page is one problem, not one per page (0: about no page).
    #[serde(skip_serializing_if = "is_zero")]
    pub pages: usize,
    pub message: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
            let pages = match &p.page {
                Some(page) if p.pages > 1 => Some(format!("page {page} and {} more", p.pages - 1)),
                Some(page) => Some(format!("page {page}")),
                None => None,
            };
            let place = match (&p.file, pages) {
                (Some(f), Some(pages)) => format!("{f} ({pages}): "),
                (Some(f), None) => format!("{f}: "),
                (None, Some(pages)) => format!("{pages}: "),
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
            report.push(site_problem(e, &opts.root));
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
            pages: 0,
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
        Err(e) => report.push(site_problem(e, root)),
    }
    report
}

/// The site cannot be built: one error, naming the file it is about (the
/// config, a template, a static file, a page), when the error says.
fn site_problem(e: anyhow::Error, root: &Path) -> Problem {
    Problem {
        severity: Severity::Error,
        kind: "site",
        file: file_of(&e).map(|file| relative(root, file)),
        page: None,
        pages: 0,
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
            pages: 0,
            message: format!(
                "the newest entry is from {}, {age} days ago (check.stale_after_days is {days}); fetch a fresh snapshot",
                newest.format("%Y-%m-%d")
            ),
        });
    }
}

/// Renders the site into the link index and reports what leads nowhere;
/// also returns how many files the site has.
///
/// A broken reference is blamed on the file it was written in: the snapshot
/// when it is in an article's body, the Markdown file when it is in a page
/// or an edition's introduction, the static file for a page copied from
/// `static/`. Anything else comes from the templates, and the same broken
/// reference on many pages is reported once, with the number of pages.
fn link_problems(loaded: &LoadedSite, progress: &Progress) -> Result<(usize, Vec<Problem>)> {
    let index = Arc::new(LinkIndex::new(&loaded.site.base_url)?);
    let sink = OutputSink::visiting(index.clone());
    write_site(loaded, &sink, progress)?;
    let files = sink.files_written();
    let stage = progress.stage("check links", None);
    let authored = authored_pages(loaded);
    let templates = TemplateFiles::of(loaded)?;
    let mut problems: Vec<Problem> = Vec::new();
    // Template problems already reported, by what is wrong: their place in
    // `problems`.
    let mut from_templates: BTreeMap<(ReferenceKind, bool, String), usize> = BTreeMap::new();
    // Broken references come page by page: an authored text is read and
    // scanned once, however many of its references are broken.
    let mut scanned: Option<(String, HashSet<(ReferenceKind, String)>)> = None;
    for b in index.broken() {
        let kind = match (b.kind, b.anchor) {
            (_, true) => "broken-anchor",
            (ReferenceKind::Link, false) => "broken-link",
            (ReferenceKind::Image, false) => "missing-image",
            (ReferenceKind::Asset, false) => "missing-asset",
        };
        let page = index.site_path(&b.page);
        let written_in = match authored.get(b.page.as_str()) {
            Some(text) => {
                if scanned.as_ref().is_none_or(|(page, _)| *page != b.page) {
                    let references = index.references_in(&b.page, &text.html(loaded)?);
                    scanned = Some((b.page.clone(), references));
                }
                let authored_here = scanned
                    .as_ref()
                    .is_some_and(|(_, refs)| refs.contains(&(b.kind, b.href.clone())));
                authored_here.then(|| text.file(loaded))
            }
            None => None,
        }
        .or_else(|| static_file(loaded, &b.page));
        if let Some(file) = written_in {
            problems.push(Problem {
                severity: Severity::Error,
                kind,
                file: Some(file),
                page: Some(page),
                pages: 1,
                message: b.message,
            });
            continue;
        }
        let group = (b.kind, b.anchor, b.message);
        if let Some(&at) = from_templates.get(&group) {
            problems[at].pages += 1;
            continue;
        }
        let (file, whence) = templates.holding(&b.href);
        from_templates.insert(group.clone(), problems.len());
        problems.push(Problem {
            severity: Severity::Error,
            kind,
            file,
            page: Some(page),
            pages: 1,
            message: format!("{}; {whence}", group.2),
        });
    }
    stage.finish();
    Ok((files, problems))
}

/// A page whose text (some of it) an author wrote, and where.
enum Authored<'a> {
    /// An article: its body comes from a snapshot.
    Article(&'a crate::digest::Article),
    /// A Markdown page of `content/pages/`.
    Page(&'a crate::pages::Page),
    /// An edition's introduction, `content/editions/<id>.md`.
    Intro { id: &'a str, html: &'a str },
}

impl Authored<'_> {
    /// The file the text is written in, relative to the site directory.
    fn file(&self, loaded: &LoadedSite) -> String {
        let path = match self {
            Authored::Article(a) => {
                let key = &loaded.digest.sources[a.source].key;
                Path::new("content").join("feeds").join(key)
            }
            Authored::Page(p) => p.file.clone(),
            Authored::Intro { id, .. } => Path::new("content")
                .join("editions")
                .join(format!("{id}.md")),
        };
        relative(&loaded.root, &path)
    }

    /// The HTML the text became on the page.
    fn html(&self, loaded: &LoadedSite) -> Result<String> {
        Ok(match self {
            Authored::Article(a) => loaded.bodies.get(a.body)?,
            Authored::Page(p) => p.html.clone(),
            Authored::Intro { html, .. } => html.to_string(),
        })
    }
}

/// The authored pages by the file they are in the site (as the link index
/// names pages).
fn authored_pages(loaded: &LoadedSite) -> BTreeMap<String, Authored<'_>> {
    let articles = loaded.digest.articles.iter().map(|a| {
        (
            format!("articles/{}/index.html", a.slug),
            Authored::Article(a),
        )
    });
    let pages = loaded
        .pages
        .iter()
        .map(|p| (format!("{}/index.html", p.slug), Authored::Page(p)));
    let intros = loaded.digest.editions.iter().filter_map(|e| {
        let html = e.intro_html.as_deref()?;
        let id = e.key.id.as_str();
        Some((
            format!("editions/{id}/index.html"),
            Authored::Intro { id, html },
        ))
    });
    articles.chain(pages).chain(intros).collect()
}

/// The file a page of the site was copied from, when it is a static file of
/// the site or its theme (the site's replaces the theme's).
fn static_file(loaded: &LoadedSite, page: &str) -> Option<String> {
    let root = &loaded.root;
    static_dirs(root, &loaded.config.theme)
        .into_iter()
        .rev()
        .map(|(dir, _)| dir.join(page))
        .find(|file| file.is_file())
        .map(|file| relative(root, &file))
}

/// The site's and the theme's template files on disk, in lookup order.
struct TemplateFiles {
    files: Vec<(String, String)>,
    /// Where the templates are, for the message.
    dirs: String,
}

impl TemplateFiles {
    fn of(loaded: &LoadedSite) -> Result<TemplateFiles> {
        let root = &loaded.root;
        // In lookup order: the site's first, the default theme's last.
        let mut dirs = template_dirs(root, &loaded.config.theme);
        dirs.reverse();
        let mut files = Vec::new();
        for (dir, _) in &dirs {
            for (_, file) in files_under(dir)? {
                if let Ok(source) = std::fs::read_to_string(&file) {
                    files.push((relative(root, &file), source));
                }
            }
        }
        let dirs = dirs
            .iter()
            .map(|(d, _)| format!("{}/", relative(root, d)))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(TemplateFiles { files, dirs })
    }

    /// The first template that has `href` as an attribute value, and the
    /// message's note on where the reference comes from.
    fn holding(&self, href: &str) -> (Option<String>, String) {
        let quoted = [format!("\"{href}\""), format!("'{href}'")];
        let file = self
            .files
            .iter()
            .find(|(_, source)| quoted.iter().any(|q| source.contains(q.as_str())))
            .map(|(file, _)| file.clone());
        let whence = match &file {
            Some(_) => "it is in the template, not in any page's own text".to_string(),
            None => format!(
                "it is not in any page's own text, so it comes from the templates ({}, or the built-in default theme)",
                self.dirs
            ),
        };
        (file, whence)
    }
}

/// `path` relative to the site directory when it is inside it.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
