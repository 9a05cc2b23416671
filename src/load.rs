//! Load: everything up to the curated digest, shared by `build` and the
//! benchmarks. Config, discovery, then per snapshot in parallel: parse,
//! normalize each entry, sanitize and re-render its body and spool it; then
//! curate. Only metadata comes out; bodies wait in the [`BodyStore`].

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::bodies::BodyStore;
use crate::config::Config;
use crate::curate::{curate, CurationReport, IngestedSource};
use crate::digest::{Digest, Source};
use crate::discover::{discover_snapshots, SnapshotFile};
use crate::ingest::{parse_snapshot, read_snapshot};
use crate::normalize::{body_base, normalize_entry, SnapshotContext, TagRules};
use crate::progress::Progress;
use crate::render::SiteInfo;
use crate::rerender::{rerender, RerenderOptions, Rerendered};
use crate::sanitize::sanitize_article;
use crate::text::clean_text;
use crate::urls::safe_http_url;

/// What the command line says about a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The site directory (holding `content/`).
    pub root: PathBuf,
    /// Output directory; default `<root>/public`.
    pub output: Option<PathBuf>,
    /// Overrides `base_url` from the config (deploy previews).
    pub base_url: Option<String>,
    /// Fail the build when any snapshot had to be skipped.
    pub strict: bool,
}

impl BuildOptions {
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
    }
}

/// A problem that did not stop the build, tied to the file it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub file: PathBuf,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

/// A loaded site: the config, the curated digest and the spooled bodies.
pub struct LoadedSite {
    pub root: PathBuf,
    pub config: Config,
    pub site: SiteInfo,
    pub digest: Digest,
    pub bodies: BodyStore,
    pub warnings: Vec<Warning>,
    pub snapshots: usize,
    /// Snapshots that could not be read or parsed.
    pub skipped: usize,
    pub curation: CurationReport,
    /// What each snapshot that parsed held, before curation, in key order.
    pub feeds: Vec<FeedStats>,
}

/// What one parsed snapshot held, for `check`.
#[derive(Debug, Clone)]
pub struct FeedStats {
    pub path: PathBuf,
    pub entries: usize,
    /// Entries with a link to the original or some text: worth a page.
    pub usable: usize,
    /// The newest date an entry gave itself (inferred dates do not count).
    pub newest: Option<DateTime<Utc>>,
}

impl FeedStats {
    fn of(path: &Path, source: &IngestedSource) -> FeedStats {
        let articles = &source.articles;
        FeedStats {
            path: path.to_path_buf(),
            entries: articles.len(),
            usable: articles
                .iter()
                .filter(|a| a.link.is_some() || a.word_count > 0)
                .count(),
            newest: articles
                .iter()
                .filter(|a| a.dated)
                .map(|a| a.published)
                .max(),
        }
    }
}

/// Loads the site at `opts.root`.
pub fn load_site(opts: &BuildOptions) -> Result<LoadedSite> {
    load_site_with_progress(opts, &Progress::hidden())
}

/// Loads the site at `opts.root`, reporting each stage to `progress`.
pub fn load_site_with_progress(opts: &BuildOptions, progress: &Progress) -> Result<LoadedSite> {
    let stage = progress.stage("config", None);
    let root = opts.root.clone();
    let config_path = root.join("content").join("site.yaml");
    let mut config = Config::load(&config_path)?;
    if let Some(base_url) = &opts.base_url {
        config
            .override_base_url(base_url)
            .context("the --base-url option")?;
    }
    let site = site_info(&config)?;
    stage.finish();

    let stage = progress.stage("discover", None);
    let snapshots = discover_snapshots(&root.join("content").join("feeds"))?;
    stage.finish();
    let stage = progress.stage("ingest", Some(snapshots.len()));
    let bodies = BodyStore::new()?;
    let rules = TagRules::new(&config.curation);
    let rerender_opts = RerenderOptions {
        external_link_rel: config.external_link_rel.clone(),
        site_host: url::Url::parse(&site.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string)),
    };

    let results: Vec<Result<IngestedSource>> = snapshots
        .par_iter()
        .enumerate()
        .map(|(i, snap)| {
            let result = ingest_snapshot(snap, i, &config, &rules, &rerender_opts, &bodies)
                .with_context(|| format!("skipped snapshot {}", snap.path.display()));
            stage.step();
            result
        })
        .collect();
    stage.finish();
    let mut warnings = Vec::new();
    let mut ingested = Vec::new();
    let mut feeds = Vec::new();
    for (snap, result) in snapshots.iter().zip(results) {
        match result {
            Ok(source) => {
                feeds.push(FeedStats::of(&snap.path, &source));
                ingested.push(source);
            }
            Err(e) => warnings.push(Warning {
                file: snap.path.clone(),
                message: format!("{:#}", e.root_cause()),
            }),
        }
    }
    for key in config.sources.keys() {
        if !snapshots.iter().any(|s| &s.key == key) {
            warnings.push(Warning {
                file: config_path.clone(),
                message: format!("key `sources.{key}` names no snapshot in content/feeds/"),
            });
        }
    }
    let skipped = snapshots.len() - ingested.len();
    let stage = progress.stage("curate", None);
    let (digest, curation) = curate(ingested, &config.curation)
        .with_context(|| format!("in {}", config_path.display()))?;
    stage.finish();
    Ok(LoadedSite {
        root,
        config,
        site,
        digest,
        bodies,
        warnings,
        snapshots: snapshots.len(),
        skipped,
        curation,
        feeds,
    })
}

fn site_info(config: &Config) -> Result<SiteInfo> {
    let mut base = url::Url::parse(&config.base_url).context("key `base_url`")?;
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.set_query(None);
    base.set_fragment(None);
    Ok(SiteInfo {
        title: clean_text(&config.title),
        description: clean_text(&config.description),
        language: config.language.clone(),
        root: base.path().to_string(),
        base_url: base.into(),
        timezone: config.tz(),
    })
}

/// Parses one snapshot and carries each entry through normalize, sanitize,
/// re-render and the spool.
fn ingest_snapshot(
    snap: &SnapshotFile,
    index: usize,
    config: &Config,
    rules: &TagRules,
    rerender_opts: &RerenderOptions,
    bodies: &BodyStore,
) -> Result<IngestedSource> {
    let bytes = read_snapshot(&snap.path, config.limits.max_snapshot_bytes)?;
    let feed = parse_snapshot(&bytes)?;
    drop(bytes);
    let source_config = config.sources.get(&snap.key).cloned().unwrap_or_default();
    let homepage = source_config
        .homepage
        .as_deref()
        .or(feed.homepage.as_deref())
        .and_then(|h| safe_http_url(h, None));
    let name = source_config
        .name
        .as_deref()
        .or(feed.title.as_deref())
        .map(clean_text)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| file_stem(&snap.path));
    let ctx = SnapshotContext {
        source_index: index,
        key: snap.key.clone(),
        source_name: name.clone(),
        feed_authors: feed.authors.clone(),
        extra_tags: source_config.tags.clone(),
        homepage: homepage.clone(),
        feed_date: feed.date,
        undated_fallback: SnapshotContext::undated_fallback(feed.date, &feed.entries),
    };
    let articles = feed
        .entries
        .par_iter()
        .enumerate()
        .map(|(i, raw)| {
            let base = body_base(raw, &ctx);
            let body = cut_body(&raw.body, config.limits.max_body_bytes);
            let clean = sanitize_article(body, base.as_ref());
            // The sanitized HTML is already safe; if the re-render pass fails
            // the page shows it without the house style rather than nothing.
            let rendered = rerender(&clean, rerender_opts).unwrap_or_else(|_| Rerendered {
                html: clean,
                ..Default::default()
            });
            let body_ref = bodies.put(&rendered.html)?;
            Ok(normalize_entry(raw, i, &ctx, rules, &rendered, body_ref))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(IngestedSource {
        source: Source {
            key: snap.key.clone(),
            name,
            homepage: homepage.map(String::from),
            slug: String::new(),
        },
        articles,
    })
}

/// Cuts an over-long body at a character boundary; the sanitizer closes
/// whatever the cut left open.
fn cut_body(body: &str, max: usize) -> &str {
    if body.len() <= max {
        return body;
    }
    let mut end = max;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| clean_text(&s.to_string_lossy()))
        .unwrap_or_default()
}
