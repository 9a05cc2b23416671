//! Stage 0: the site configuration, `content/site.yaml`.
//!
//! Every struct denies unknown fields so that a typo is an error that names the
//! file, line and key instead of a setting that silently does nothing.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::errors::InFile;

/// The whole `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site title, shown in the header and the `<title>` of every page.
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Absolute URL the site is served from; links and feeds are built from it.
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    /// Name of a directory under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Articles per listing page (index, tag, author and source pages).
    #[serde(default = "default_per_page")]
    pub per_page: usize,
    /// IANA time zone used to display dates, e.g. `Europe/Berlin`.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// `rel` attribute put on links that leave the site.
    #[serde(default = "default_external_link_rel")]
    pub external_link_rel: String,
    /// Per-snapshot metadata, keyed by the snapshot's path relative to `content/feeds/`.
    #[serde(default)]
    pub sources: BTreeMap<String, SourceConfig>,
    #[serde(default)]
    pub curation: Curation,
    #[serde(default)]
    pub editions: EditionsConfig,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub check: CheckConfig,
    #[serde(default)]
    pub feeds: FeedsConfig,
    /// Free-form values for templates (`extra.*`), over the theme's defaults.
    #[serde(default)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

/// How articles are grouped into editions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditionsConfig {
    #[serde(default)]
    pub period: EditionPeriod,
}

/// The length of one edition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EditionPeriod {
    /// ISO weeks (Monday to Sunday) in the display time zone: `2026-w07`.
    #[default]
    Weekly,
    /// Calendar months in the display time zone: `2026-02`.
    Monthly,
}

/// What `broadsheet check` holds the site to beyond errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// A source whose newest entry is older than this many days is reported
    /// as stale; unset, staleness is not checked.
    pub stale_after_days: Option<u32>,
}

/// Metadata the editor gives one snapshot file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Display name; defaults to the feed's own title.
    pub name: Option<String>,
    /// Homepage URL; defaults to the feed's own link.
    #[serde(default, deserialize_with = "homepage_url")]
    pub homepage: Option<String>,
    /// URL of the source's own feed, for the OPML blogroll; defaults to the
    /// snapshot's `rel="self"` link.
    #[serde(default, deserialize_with = "feed_url")]
    pub feed_url: Option<String>,
    /// Tags added to every article of this source.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `homepage`: an absolute http(s) URL, checked while parsing so that the
/// error names the source and its line: a URL a link could not use would
/// otherwise be dropped without a word.
fn homepage_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    http_url(d, "homepage")
}

/// `feed_url`: as [`homepage_url`].
fn feed_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    http_url(d, "feed_url")
}

fn http_url<'de, D: serde::Deserializer<'de>>(d: D, key: &str) -> Result<Option<String>, D::Error> {
    let raw = String::deserialize(d)?;
    match crate::urls::safe_http_url(&raw, None) {
        Some(_) => Ok(Some(raw)),
        None => Err(serde::de::Error::custom(format!(
            "{key}: `{raw}` is not an absolute http(s) URL: write it in full, e.g. `https://example.org/`, or remove the key to use the feed's own"
        ))),
    }
}

/// Curation rules applied to every article.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Curation {
    /// `alias: canonical` pairs, e.g. `k8s: kubernetes`; matched case-insensitively.
    #[serde(default)]
    pub tag_aliases: BTreeMap<String, String>,
    /// Articles carrying any of these tags (after aliasing) are left out.
    #[serde(default)]
    pub exclude_tags: Vec<String>,
    /// When not empty, only articles with at least one of these tags are kept.
    #[serde(default)]
    pub include_tags: Vec<String>,
    /// Snapshot keys (paths under `content/feeds/`); when not empty, only
    /// their articles are kept.
    #[serde(default)]
    pub include_sources: Vec<String>,
    /// Snapshot keys whose articles are left out.
    #[serde(default)]
    pub exclude_sources: Vec<String>,
    /// Regular expressions; when not empty, only articles whose title matches one are kept.
    #[serde(default)]
    pub include_title_patterns: Vec<String>,
    /// Regular expressions; an article whose title matches any of them is left out.
    #[serde(default)]
    pub exclude_title_patterns: Vec<String>,
    /// Regular expressions on the body's plain text; when not empty, only
    /// articles whose text matches one are kept.
    #[serde(default)]
    pub include_body_patterns: Vec<String>,
    /// Regular expressions on the body's plain text; matching articles are left out.
    #[serde(default)]
    pub exclude_body_patterns: Vec<String>,
    /// At most this many articles of one source per edition (newest kept).
    pub max_per_source_per_edition: Option<usize>,
    /// Articles pinned at the top of the index, in this order.
    #[serde(default)]
    pub featured: Vec<FeaturedPick>,
    /// Articles left out of the site (by URL or guid).
    #[serde(default)]
    pub hidden: Vec<String>,
    /// Articles whose tags are replaced.
    #[serde(default)]
    pub retag: Vec<Retag>,
    /// Editor's notes shown on an article's page and in listings.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// An article pinned on the index, with an optional Markdown note.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeaturedPick {
    /// The article's URL or guid.
    pub article: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// An editor's note on one article (the note is what the entry is for).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// The article's URL or guid.
    pub article: String,
    /// Markdown.
    pub note: String,
}

/// Replaces one article's tags.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retag {
    /// The article's URL or guid.
    pub article: String,
    pub tags: Vec<String>,
}

/// The feeds the site publishes (Atom, JSON Feed).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedsConfig {
    /// Whole article bodies in feed entries instead of the summary and a link.
    #[serde(default)]
    pub full_content: bool,
    /// Entries per feed (the newest).
    #[serde(default = "default_feed_limit")]
    pub limit: usize,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig {
            full_content: false,
            limit: default_feed_limit(),
        }
    }
}

fn default_feed_limit() -> usize {
    50
}

/// Bounds that keep one hostile snapshot from taking the build down.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Snapshots larger than this many bytes are skipped with a warning.
    #[serde(default = "default_max_snapshot_bytes")]
    pub max_snapshot_bytes: u64,
    /// Article bodies longer than this many bytes are cut before sanitizing.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// Article bodies whose elements nest deeper than this are cut there.
    #[serde(default = "default_max_body_nesting")]
    pub max_body_nesting: usize,
    /// An article keeps at most this many tags (the first ones).
    #[serde(default = "default_max_tags_per_article")]
    pub max_tags_per_article: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_snapshot_bytes: default_max_snapshot_bytes(),
            max_body_bytes: default_max_body_bytes(),
            max_body_nesting: default_max_body_nesting(),
            max_tags_per_article: default_max_tags_per_article(),
        }
    }
}

impl Limits {
    /// A zero cuts every body to nothing (or to the text before its first
    /// element), or skips every snapshot: it is a mistake, not a setting.
    fn validate(&self) -> Result<()> {
        for (key, value) in [
            ("max_body_bytes", self.max_body_bytes as u64),
            ("max_body_nesting", self.max_body_nesting as u64),
            ("max_snapshot_bytes", self.max_snapshot_bytes),
        ] {
            if value == 0 {
                bail!("key `limits.{key}`: must be at least 1");
            }
        }
        Ok(())
    }
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_per_page() -> usize {
    20
}
fn default_timezone() -> String {
    "UTC".into()
}
fn default_external_link_rel() -> String {
    "noopener noreferrer".into()
}
fn default_max_snapshot_bytes() -> u64 {
    64 * 1024 * 1024
}
fn default_max_body_nesting() -> usize {
    crate::limits::DEFAULT_MAX_BODY_NESTING
}
fn default_max_tags_per_article() -> usize {
    25
}
fn default_max_body_bytes() -> usize {
    crate::limits::DEFAULT_MAX_BODY_BYTES
}

/// The compiled pattern filters of [`Curation`].
#[derive(Debug, Clone, Default)]
pub struct PatternFilters {
    pub include_title: Vec<regex::Regex>,
    pub exclude_title: Vec<regex::Regex>,
    pub include_body: Vec<regex::Regex>,
    pub exclude_body: Vec<regex::Regex>,
}

impl Curation {
    /// Compiles the title and body patterns; an invalid one is an error naming its key.
    pub fn compile_patterns(&self) -> Result<PatternFilters> {
        let compile = |key: &str, patterns: &[String]| -> Result<Vec<regex::Regex>> {
            patterns
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    regex::Regex::new(p).with_context(|| {
                        format!(
                            "key `curation.{key}[{i}]`: `{p}` is not a valid regular expression"
                        )
                    })
                })
                .collect()
        };
        Ok(PatternFilters {
            include_title: compile("include_title_patterns", &self.include_title_patterns)?,
            exclude_title: compile("exclude_title_patterns", &self.exclude_title_patterns)?,
            include_body: compile("include_body_patterns", &self.include_body_patterns)?,
            exclude_body: compile("exclude_body_patterns", &self.exclude_body_patterns)?,
        })
    }
}

impl PatternFilters {
    /// Whether a body's plain text passes the body patterns.
    pub fn body_passes(&self, text: &str) -> bool {
        (self.include_body.is_empty() || self.include_body.iter().any(|p| p.is_match(text)))
            && !self.exclude_body.iter().any(|p| p.is_match(text))
    }

    pub fn has_body_patterns(&self) -> bool {
        !self.include_body.is_empty() || !self.exclude_body.is_empty()
    }

    /// Whether a title passes the title patterns.
    pub fn title_passes(&self, title: &str) -> bool {
        (self.include_title.is_empty() || self.include_title.iter().any(|p| p.is_match(title)))
            && !self.exclude_title.iter().any(|p| p.is_match(title))
    }
}

impl Config {
    /// Reads and validates `path`. Errors name the file, and the line and key
    /// where serde_yaml knows them.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).with_context(|| {
            InFile::new(
                path,
                format!(
                    "reading the site config {} (create it, or pass --root to the directory holding content/)",
                    path.display()
                ),
            )
        })?;
        Config::parse(&text)
            .with_context(|| InFile::new(path, format!("in the site config {}", path.display())))
    }

    /// Parses and validates config text.
    pub fn parse(text: &str) -> Result<Config> {
        let config: Config = serde_yaml::from_str(text).map_err(|e| {
            let top_level_unknown = e.to_string().starts_with("unknown field")
                && e.location().is_some_and(|l| l.column() == 1);
            let hint = if top_level_unknown {
                " (a key at the start of a line is a top-level key: if it belongs to the section above, indent it)"
            } else {
                ""
            };
            anyhow::anyhow!("{e}{hint}")
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Replaces `base_url` (the `--base-url` option) under the same checks.
    pub fn override_base_url(&mut self, base_url: &str) -> Result<()> {
        self.base_url = base_url.to_string();
        self.validate_base_url()
    }

    fn validate_base_url(&self) -> Result<()> {
        let base = url::Url::parse(&self.base_url).with_context(|| {
            format!("key `base_url`: `{}` is not an absolute URL", self.base_url)
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            bail!(
                "key `base_url`: `{}` must start with http:// or https://",
                self.base_url
            );
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        self.validate_base_url()?;
        if self.per_page == 0 {
            bail!("key `per_page`: must be at least 1");
        }
        if self.curation.max_per_source_per_edition == Some(0) {
            bail!("key `curation.max_per_source_per_edition`: must be at least 1 (remove the key for no cap)");
        }
        if self.feeds.limit == 0 {
            bail!("key `feeds.limit`: must be at least 1");
        }
        self.limits.validate()?;
        self.timezone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| anyhow::anyhow!("key `timezone`: `{}` is not an IANA time zone name such as `Europe/Berlin` or `UTC`", self.timezone))?;
        if self.theme.is_empty() || self.theme.contains(['/', '\\']) || self.theme.starts_with('.')
        {
            bail!(
                "key `theme`: `{}` must be the name of a directory under themes/",
                self.theme
            );
        }
        self.curation.compile_patterns()?;
        Ok(())
    }

    /// The display time zone; `validate` guarantees it parses.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_gets_defaults() {
        let c = Config::parse("title: T\nbase_url: https://example.org/\n").unwrap();
        assert_eq!(c.per_page, 20);
        assert_eq!(c.theme, "default");
        assert_eq!(c.external_link_rel, "noopener noreferrer");
        assert!(!c.feeds.full_content);
        assert_eq!(c.feeds.limit, 50);
    }

    #[test]
    fn typo_is_an_error_naming_key_and_line() {
        let err =
            Config::parse("title: T\nbase_url: https://example.org/\nper_pgae: 3\n").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("per_pgae"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn wrong_type_is_an_error_naming_line() {
        let err = Config::parse("title: T\nbase_url: https://example.org/\nper_page: many\n")
            .unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("per_page") && msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn bad_values_are_rejected() {
        for (yaml, key) in [
            ("title: T\nbase_url: javascript:alert(1)\n", "base_url"),
            (
                "title: T\nbase_url: https://e.org/\ntimezone: Mars/Olympus\n",
                "timezone",
            ),
            (
                "title: T\nbase_url: https://e.org/\ntheme: ../etc\n",
                "theme",
            ),
            (
                "title: T\nbase_url: https://e.org/\ncuration:\n  exclude_title_patterns: ['(']\n",
                "exclude_title_patterns",
            ),
            (
                "title: T\nbase_url: https://e.org/\nfeeds:\n  limit: 0\n",
                "feeds.limit",
            ),
            (
                "title: T\nbase_url: https://e.org/\nfeeds:\n  full_contnet: true\n",
                "full_contnet",
            ),
            (
                "title: T\nbase_url: https://e.org/\ncuration:\n  max_per_source_per_edition: 0\n",
                "curation.max_per_source_per_edition",
            ),
        ] {
            let msg = format!("{:#}", Config::parse(yaml).unwrap_err());
            assert!(msg.contains(key), "{yaml}: {msg}");
        }
    }

    #[test]
    fn a_source_url_that_is_not_http_is_an_error_naming_key_and_line() {
        for (key, value) in [
            ("homepage", "javascript:alert(1)"),
            ("homepage", "example.org"),
            ("feed_url", "ftp://example.org/feed.xml"),
        ] {
            let yaml = format!(
                "title: T\nbase_url: https://e.org/\nsources:\n  blog.xml:\n    name: Blog\n    {key}: '{value}'\n"
            );
            let msg = format!("{:#}", Config::parse(&yaml).unwrap_err());
            // serde_yaml gives the line of the source's entry.
            assert!(
                msg.contains(&format!("sources.blog.xml: {key}: "))
                    && msg.contains("line 5")
                    && msg.contains(value)
                    && msg.contains("https://"),
                "{msg}"
            );
        }
        let ok = Config::parse(
            "title: T\nbase_url: https://e.org/\nsources:\n  blog.xml:\n    homepage: https://blog.example/\n",
        )
        .unwrap();
        assert_eq!(
            ok.sources["blog.xml"].homepage.as_deref(),
            Some("https://blog.example/")
        );
    }

    #[test]
    fn a_note_without_text_is_an_error_naming_the_line() {
        let msg = format!(
            "{:#}",
            Config::parse(
                "title: T\nbase_url: https://e.org/\ncuration:\n  notes:\n    - article: https://a.example/x\n"
            )
            .unwrap_err()
        );
        assert!(
            msg.contains("missing field `note`") && msg.contains("line 5"),
            "{msg}"
        );
    }
}
