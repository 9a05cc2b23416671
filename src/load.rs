//! Load: everything up to the curated digest, shared by `build` and the
//! benchmarks. Config, discovery, then per snapshot in parallel: parse,
//! normalize each entry, sanitize and re-render its body and spool it; then
//! curate. Only metadata comes out; bodies wait in the [`BodyStore`].

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::bodies::{BodyBuffer, BodyStore};
use crate::cache::{IngestCache, IngestFingerprint};
use crate::config::{Config, PatternFilters};
use crate::curate::{curate, CurationReport, CurationRules, IngestedSource};
use crate::digest::{Digest, Source};
use crate::discover::{discover_snapshots, SnapshotFile};
use crate::errors::InFile;
use crate::ingest::{guarded, parse_snapshot, read_snapshot};
use crate::limits::BodyLimits;
use crate::normalize::{body_base, normalize_entry, SnapshotContext, TagRules};
use crate::pages::{load_edition_intros, load_pages, Page};
use crate::progress::Progress;
use crate::render::SiteInfo;
use crate::rerender::{sanitize_and_rerender, RerenderOptions};
use crate::sanitize::LinkBase;
use crate::text::clean_text;
use crate::theme::has_template;
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
    /// Fail the build on any warning (a skipped snapshot, page or
    /// introduction, an editor control that does nothing).
    pub strict: bool,
    /// Build pages marked `draft: true` too.
    pub drafts: bool,
    /// Where the ingest cache lives; `None` builds without one.
    pub cache_dir: Option<PathBuf>,
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
    /// What kind of problem: `snapshot` (a snapshot was skipped),
    /// `empty-feed`, or `content` (the config, a page, an introduction).
    pub kind: &'static str,
    pub file: PathBuf,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

/// A loaded site: the config, the curated digest, the editor's pages and
/// the spooled bodies.
pub struct LoadedSite {
    pub root: PathBuf,
    pub config: Config,
    pub site: SiteInfo,
    pub digest: Digest,
    pub pages: Vec<Page>,
    pub bodies: BodyStore,
    pub warnings: Vec<Warning>,
    pub snapshots: usize,
    /// Snapshots that could not be read or parsed.
    pub skipped: usize,
    pub curation: CurationReport,
    /// What each parsed snapshot held, in snapshot order.
    pub feeds: Vec<FeedStats>,
    /// The ingest cache, when the build uses one; pruned after publishing.
    pub cache: Option<IngestCache>,
    /// Snapshots whose articles came from the cache.
    pub cached_snapshots: usize,
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

    /// The warning for a feed that gives the site nothing, if it is one.
    fn emptiness(&self) -> Option<Warning> {
        let message = match (self.entries, self.usable) {
            (0, _) => "the feed has no entries; fetch a fresh snapshot or remove the file".to_string(),
            (n, 0) => format!(
                "none of the feed's {n} entries has a link or any text; fetch a fresh snapshot or remove the file"
            ),
            _ => return None,
        };
        Some(Warning {
            kind: "empty-feed",
            file: self.path.clone(),
            message,
        })
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
    let content = root.join("content");
    let config_path = content.join("site.yaml");
    // What the config decides beyond its own parsing fails "in" it.
    let in_config = || InFile::new(&config_path, format!("in {}", config_path.display()));
    let mut config = Config::load(&config_path)?;
    if let Some(base_url) = &opts.base_url {
        config
            .override_base_url(base_url)
            .context("the --base-url option")?;
    }
    let site = site_info(&config)?;
    let base = url::Url::parse(&site.base_url).context("key `base_url`")?;
    let patterns = config.curation.compile_patterns().with_context(in_config)?;
    let tag_rules = TagRules::new(&config.curation, config.limits.max_tags_per_article);
    let rerender_opts = rerender_options(&config, &patterns)?;
    let mut warnings = Vec::new();
    stage.finish();

    let stage = progress.stage("discover", None);
    let snapshots = discover_snapshots(&content.join("feeds"))?;
    stage.finish();
    let stage = progress.stage("ingest", Some(snapshots.len()));
    let bodies = BodyStore::new()?;
    if let Some(dir) = &opts.cache_dir {
        let (dir, output) = (
            std::path::absolute(dir)?,
            std::path::absolute(opts.output_dir())?,
        );
        if dir.starts_with(&output) {
            anyhow::bail!(
                "the cache directory {} is inside the output directory {}: it would be published and replaced with the site; choose another --cache-dir",
                dir.display(),
                output.display()
            );
        }
    }
    let cache = opts
        .cache_dir
        .as_deref()
        .map(IngestCache::open)
        .transpose()?;
    let ingest = Ingest {
        config: &config,
        tag_rules: &tag_rules,
        patterns: &patterns,
        rerender: &rerender_opts,
        bodies: &bodies,
        cache: cache
            .as_ref()
            .map(|c| (c, ingest_fingerprint(&config, &rerender_opts))),
    };
    let results: Vec<Result<(IngestedSource, bool)>> = snapshots
        .par_iter()
        .enumerate()
        .map(|(i, snap)| {
            let result = ingest.snapshot(snap, i);
            stage.step();
            result
        })
        .collect();
    stage.finish();
    let mut ingested = Vec::new();
    let mut feeds = Vec::new();
    let mut cached_snapshots = 0;
    for (snap, result) in snapshots.iter().zip(results) {
        match result {
            Ok((source, from_cache)) => {
                cached_snapshots += usize::from(from_cache);
                let stats = FeedStats::of(&snap.path, &source);
                warnings.extend(stats.emptiness());
                feeds.push(stats);
                ingested.push(source)
            }
            Err(e) => warnings.push(Warning {
                kind: "snapshot",
                file: snap.path.clone(),
                message: format!("skipped: {e:#}"),
            }),
        }
    }
    let names_snapshot = |key: &String| snapshots.iter().any(|s| &s.key == key);
    for key in config.sources.keys() {
        if !names_snapshot(key) {
            warnings.push(Warning {
                kind: "content",
                file: config_path.clone(),
                message: format!("key `sources.{key}` names no snapshot in content/feeds/"),
            });
        }
    }
    let source_filters = [
        ("include_sources", &config.curation.include_sources),
        ("exclude_sources", &config.curation.exclude_sources),
    ];
    for (list, keys) in source_filters {
        for (i, key) in keys.iter().enumerate() {
            if !names_snapshot(key) {
                warnings.push(Warning {
                    kind: "content",
                    file: config_path.clone(),
                    message: format!(
                        "key `curation.{list}[{i}]`: `{key}` names no snapshot in content/feeds/ (give the snapshot's path under content/feeds/ with its extension, e.g. `blog.xml`)"
                    ),
                });
            }
        }
    }
    let skipped = snapshots.len() - ingested.len();

    let rules = CurationRules {
        curation: &config.curation,
        patterns: &patterns,
        tags: &tag_rules,
        timezone: site.timezone,
        period: config.editions.period,
        rerender: &rerender_opts,
        site_base: &base,
    };
    let stage = progress.stage("curate", None);
    let (mut digest, curation) = curate(ingested, &rules).with_context(in_config)?;
    warnings.extend(curation.warnings.iter().map(|w| Warning {
        kind: "content",
        file: config_path.clone(),
        message: w.clone(),
    }));
    stage.finish();

    let stage = progress.stage("pages", None);
    let has_template = has_template(&root, &config.theme)?;
    let pages = load_pages(
        &content.join("pages"),
        opts.drafts,
        &base,
        &rerender_opts,
        &has_template,
    )?;
    warnings.extend(pages.problems.into_iter().map(|(file, message)| Warning {
        kind: "content",
        file,
        message: format!("skipped: {message}"),
    }));
    let intros = load_edition_intros(&content.join("editions"), &base, &rerender_opts)?;
    warnings.extend(intros.problems.into_iter().map(|(file, message)| Warning {
        kind: "content",
        file,
        message: format!("skipped: {message}"),
    }));
    for intro in intros.items {
        match digest.editions.iter_mut().find(|e| e.key.id == intro.id) {
            Some(edition) => {
                edition.intro_html = Some(intro.html);
                if let Some(title) = intro.title {
                    edition.title = title;
                }
            }
            None => warnings.push(Warning {
                kind: "content",
                file: intro.file,
                message: format!("names no edition: there is no edition `{}` (file names are edition ids such as 2026-w07)", intro.id),
            }),
        }
    }
    stage.finish();

    Ok(LoadedSite {
        root,
        config,
        site,
        digest,
        pages: pages.items,
        bodies,
        warnings,
        snapshots: snapshots.len(),
        skipped,
        curation,
        feeds,
        cache,
        cached_snapshots,
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
        extra: config.extra.clone(),
    })
}

/// One snapshot's bytes to its articles, exactly as a build ingests a file
/// named `key` under `content/feeds/` (for fuzzing and benchmarks); bodies
/// go to `bodies`.
pub fn ingest_snapshot_bytes(
    bytes: &[u8],
    key: &str,
    config: &Config,
    bodies: &BodyStore,
) -> Result<IngestedSource> {
    let patterns = config.curation.compile_patterns()?;
    let tag_rules = TagRules::new(&config.curation, config.limits.max_tags_per_article);
    let rerender = rerender_options(config, &patterns)?;
    let (mut source, buffer) = Ingest {
        config,
        tag_rules: &tag_rules,
        patterns: &patterns,
        rerender: &rerender,
        bodies,
        cache: None,
    }
    .bytes(bytes, key, 0)?;
    spool(&mut source, &buffer, bodies)?;
    Ok(source)
}

/// Everything besides a snapshot's own bytes, path and `sources:` entry
/// that decides what ingest makes of it. Keep in step with [`Ingest`]: a
/// setting it reads that is missing here would let the cache serve articles
/// made under the old value.
fn ingest_fingerprint(config: &Config, rerender: &RerenderOptions) -> IngestFingerprint {
    IngestFingerprint::new(&format!(
        "{:?}",
        (
            &config.limits,
            &config.curation.tag_aliases,
            &config.curation.include_body_patterns,
            &config.curation.exclude_body_patterns,
            rerender,
        )
    ))
}

/// Moves a snapshot's bodies from `buffer` to the spool.
fn spool(source: &mut IngestedSource, buffer: &BodyBuffer, bodies: &BodyStore) -> Result<()> {
    let base = bodies.put_buffer(buffer)?;
    source.relocate_bodies(0, base);
    Ok(())
}

fn rerender_options(config: &Config, patterns: &PatternFilters) -> Result<RerenderOptions> {
    let base = url::Url::parse(&config.base_url).context("key `base_url`")?;
    Ok(RerenderOptions {
        external_link_rel: config.external_link_rel.clone(),
        site_host: base.host_str().map(str::to_string),
        keep_text: patterns.has_body_patterns(),
        limits: BodyLimits {
            max_bytes: config.limits.max_body_bytes,
            max_nesting: config.limits.max_body_nesting,
        },
    })
}

/// What every snapshot's ingest shares.
struct Ingest<'a> {
    config: &'a Config,
    tag_rules: &'a TagRules,
    patterns: &'a PatternFilters,
    rerender: &'a RerenderOptions,
    bodies: &'a BodyStore,
    cache: Option<(&'a IngestCache, IngestFingerprint)>,
}

impl Ingest<'_> {
    /// One snapshot's articles, from the cache when it holds them (then
    /// `true`), else parsed and carried through normalize, sanitize and
    /// re-render, with their bodies stored in the cache or the spool.
    fn snapshot(&self, snap: &SnapshotFile, index: usize) -> Result<(IngestedSource, bool)> {
        let bytes = read_snapshot(&snap.path, self.config.limits.max_snapshot_bytes)?;
        let Some((cache, fingerprint)) = &self.cache else {
            let (mut source, buffer) = self.bytes(&bytes, &snap.key, index)?;
            spool(&mut source, &buffer, self.bodies)?;
            return Ok((source, false));
        };
        let source_settings = format!("{:?}", self.config.sources.get(&snap.key));
        let name = IngestCache::entry_name(fingerprint, &snap.key, &source_settings, &bytes);
        if let Some(mut source) = cache.load(&name, self.bodies) {
            // The one thing that depends on the other snapshots.
            for article in &mut source.articles {
                article.source = index;
            }
            return Ok((source, true));
        }
        let (mut source, buffer) = self.bytes(&bytes, &snap.key, index)?;
        cache.store(&name, &mut source, &buffer, self.bodies)?;
        Ok((source, false))
    }

    /// Parses a snapshot; the bodies' refs point into the returned buffer.
    fn bytes(&self, bytes: &[u8], key: &str, index: usize) -> Result<(IngestedSource, BodyBuffer)> {
        let config = self.config;
        let feed = parse_snapshot(bytes)?;
        let source_config = config.sources.get(key).cloned().unwrap_or_default();
        let homepage = source_config
            .homepage
            .as_deref()
            .or(feed.homepage.as_deref())
            .and_then(|h| safe_http_url(h, None));
        let feed_url = source_config
            .feed_url
            .as_deref()
            .or(feed.feed_url.as_deref())
            .and_then(|u| safe_http_url(u, None));
        let name = source_config
            .name
            .as_deref()
            .or(feed.title.as_deref())
            .map(clean_text)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| file_stem(Path::new(key)));
        let ctx = SnapshotContext {
            source_index: index,
            key: key.to_string(),
            source_name: name.clone(),
            feed_authors: feed.authors.clone(),
            extra_tags: source_config.tags.clone(),
            homepage: homepage.clone(),
            feed_date: feed.date,
            undated_fallback: SnapshotContext::undated_fallback(feed.date, &feed.entries),
        };
        let rendered_articles = feed
            .entries
            .par_iter()
            .enumerate()
            .map(|(i, raw)| {
                let base = body_base(raw, &ctx);
                let rendered = guarded(|| {
                    sanitize_and_rerender(
                        &raw.body,
                        base.as_ref().map(LinkBase::feed),
                        self.rerender,
                    )
                })
                .map_err(|_| {
                    anyhow::anyhow!(
                        "the HTML pass crashed on the body of entry {} (a bug in a dependency)",
                        i + 1
                    )
                })?;
                let mut article =
                    normalize_entry(raw, i, &ctx, self.tag_rules, &rendered, Default::default());
                // Bodies do not stay in memory, so body patterns are judged here.
                article.passes_body_filters = self.patterns.body_passes(&rendered.text);
                Ok((article, rendered.html))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut buffer =
            BodyBuffer::with_capacity(rendered_articles.iter().map(|(_, html)| html.len()).sum());
        let articles = rendered_articles
            .into_iter()
            .map(|(mut article, html)| {
                article.body = buffer.push(&html);
                article
            })
            .collect();
        let source = IngestedSource {
            source: Source {
                key: key.to_string(),
                name,
                homepage: homepage.map(String::from),
                feed_url: feed_url.map(String::from),
                slug: String::new(),
            },
            articles,
        };
        Ok((source, buffer))
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| clean_text(&s.to_string_lossy()))
        .unwrap_or_default()
}
