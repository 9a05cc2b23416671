//! The plain data that flows between stages. Articles hold metadata only;
//! their rendered bodies wait on disk in the [`BodyStore`](crate::bodies::BodyStore)
//! so memory stays flat however large the archive grows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bodies::BodyRef;
use crate::rerender::TocEntry;

/// A name with an identity: `key` is what makes two names the same (trimmed,
/// case-folded), `display` is how it is shown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Name {
    pub key: String,
    pub display: String,
}

impl Name {
    /// `None` when the name is blank after cleaning.
    pub fn new(raw: &str) -> Option<Name> {
        let display = crate::text::truncate_words(&crate::text::clean_text(raw), 100);
        let key = display.to_lowercase();
        (!key.is_empty()).then_some(Name { key, display })
    }
}

/// One feed snapshot as a source of articles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    /// The snapshot's path relative to `content/feeds/`.
    pub key: String,
    pub name: String,
    /// Absolute http(s) URL of the source's website, if known.
    pub homepage: Option<String>,
    /// Absolute http(s) URL of the source's own feed, if known.
    pub feed_url: Option<String>,
    pub slug: String,
}

/// One article's metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Article {
    /// Stable identity: the guid, else the canonical URL, else the snapshot
    /// key and entry position.
    pub id: String,
    pub guid: String,
    /// The original article's URL (absolute http or https), if the feed gave one.
    pub link: Option<String>,
    /// De-duplication key derived from `link`.
    pub canonical: Option<String>,
    pub title: String,
    /// Index into [`Digest::sources`] (before curation: into the snapshot list).
    pub source: usize,
    pub authors: Vec<Name>,
    pub tags: Vec<Name>,
    /// When the article was published; for undated entries, see `dated`.
    pub published: DateTime<Utc>,
    /// False when the entry had no date of its own and `published` was
    /// inferred from the snapshot (see the README's date policy).
    pub dated: bool,
    pub updated: Option<DateTime<Utc>>,
    pub word_count: usize,
    pub reading_time: usize,
    pub summary: String,
    pub toc: Vec<TocEntry>,
    pub body: BodyRef,
    /// Path segment of the article's page; set by curation.
    pub slug: String,
    /// Whether the body's plain text passes the editor's body patterns
    /// (judged at load time, while the body is at hand).
    pub passes_body_filters: bool,
    /// The editor's note (sanitized HTML from Markdown).
    pub note_html: Option<String>,
    /// Set when the editor features the article: its position among the
    /// featured, and the note shown with it on the index.
    pub featured: Option<(usize, Option<String>)>,
    /// Index into [`Digest::editions`]; set by curation.
    pub edition: usize,
}

/// Articles grouped under a tag or an author.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: Name,
    pub slug: String,
    /// Indices into [`Digest::articles`], newest first.
    pub articles: Vec<usize>,
}

/// The position of the group called `name` in `groups` (sorted by key, as
/// the digest's tags and authors are).
pub fn group_position(groups: &[Group], name: &Name) -> Option<usize> {
    groups
        .binary_search_by(|g| g.name.key.as_str().cmp(name.key.as_str()))
        .ok()
}

/// The curated digest: everything the render stage needs besides bodies.
#[derive(Debug, Clone, Default)]
pub struct Digest {
    /// Newest first (published desc, then link/id asc): the archive order.
    pub articles: Vec<Article>,
    /// Sorted by name; every source has at least one article.
    pub sources: Vec<Source>,
    /// Indices into `articles` per source, newest first.
    pub source_articles: Vec<Vec<usize>>,
    /// Sorted by key.
    pub tags: Vec<Group>,
    /// Sorted by key.
    pub authors: Vec<Group>,
    /// Newest first.
    pub editions: Vec<crate::editions::Edition>,
    /// Indices into `articles` of the featured articles, in the editor's order.
    pub featured: Vec<usize>,
}

/// The archive order: newest first, then by URL (or id), a total order.
pub fn archive_order(a: &Article, b: &Article) -> std::cmp::Ordering {
    b.published
        .cmp(&a.published)
        .then_with(|| a.link.cmp(&b.link))
        .then_with(|| a.id.cmp(&b.id))
}
