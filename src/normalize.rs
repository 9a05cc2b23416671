//! Stage 3: turn one raw entry into an [`Article`]: clean text fields, checked
//! URLs, names with identities, tags with aliases applied, and dates under the
//! date policy (see the README):
//!
//! - `published` is the entry's published date, else its updated date;
//! - an entry with neither takes the snapshot's own date (its `updated` or
//!   `lastBuildDate`), else the newest date among the snapshot's entries,
//!   else 1970-01-01; it is marked undated and shows no date. Never the
//!   time of the build;
//! - a date after the snapshot's own date is clamped to it (a feed cannot
//!   pin an article to the top of the archive by dating it in the future).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use url::Url;

use crate::bodies::BodyRef;
use crate::config::Curation;
use crate::digest::{Article, Name};
use crate::ingest::RawEntry;
use crate::rerender::Rerendered;
use crate::text::{clean_text, reading_time, truncate_words};
use crate::urls::{canonical_url, safe_http_url};

/// Longest title kept, in characters; longer ones are cut at a word.
pub const MAX_TITLE_CHARS: usize = 300;

/// What the normalize stage knows about the snapshot an entry came from.
#[derive(Debug, Clone)]
pub struct SnapshotContext {
    pub source_index: usize,
    pub key: String,
    /// Display name of the source, the authors' last fallback.
    pub source_name: String,
    pub feed_authors: Vec<String>,
    /// Tags the editor adds to every article of the source.
    pub extra_tags: Vec<String>,
    /// The source's website, against which relative entry links resolve.
    pub homepage: Option<Url>,
    /// The snapshot's own date: the clamp for future dates.
    pub feed_date: Option<DateTime<Utc>>,
    /// Date given to undated entries.
    pub undated_fallback: DateTime<Utc>,
}

impl SnapshotContext {
    /// The fallback date for undated entries, per the date policy.
    pub fn undated_fallback(
        feed_date: Option<DateTime<Utc>>,
        entries: &[RawEntry],
    ) -> DateTime<Utc> {
        feed_date
            .or_else(|| {
                entries
                    .iter()
                    .filter_map(|e| e.published.or(e.updated))
                    .max()
            })
            .unwrap_or(DateTime::UNIX_EPOCH)
    }
}

/// Tag aliases and identity, from the curation config.
#[derive(Debug, Clone, Default)]
pub struct TagRules {
    aliases: BTreeMap<String, Name>,
    /// At most this many tags per article.
    max_per_article: usize,
}

impl TagRules {
    pub fn new(curation: &Curation, max_per_article: usize) -> TagRules {
        let aliases = curation
            .tag_aliases
            .iter()
            .filter_map(|(from, to)| Some((Name::new(from)?.key, Name::new(to)?)))
            .collect();
        TagRules {
            aliases,
            max_per_article,
        }
    }

    /// The tags raw categories become: blanks and repeats dropped, at most
    /// `max_per_article` of them.
    pub fn apply_all<'a>(&self, raw: impl Iterator<Item = &'a String>) -> Vec<Name> {
        let mut tags = dedup_names(raw.filter_map(|t| self.apply(t)));
        tags.truncate(self.max_per_article);
        tags
    }

    /// The tag a raw category becomes, or `None` when it is blank.
    pub fn apply(&self, raw: &str) -> Option<Name> {
        let name = Name::new(raw)?;
        Some(self.aliases.get(&name.key).cloned().unwrap_or(name))
    }
}

/// The URL relative links in an entry's body resolve against: its
/// `xml:base`, else its own link, else the source's website.
pub fn body_base(raw: &RawEntry, ctx: &SnapshotContext) -> Option<Url> {
    let link = entry_link(raw, ctx);
    raw.base
        .as_deref()
        .and_then(|b| safe_http_url(b, link.as_ref().or(ctx.homepage.as_ref())))
        .or(link)
        .or_else(|| ctx.homepage.clone())
}

fn entry_link(raw: &RawEntry, ctx: &SnapshotContext) -> Option<Url> {
    let base = raw
        .base
        .as_deref()
        .and_then(|b| safe_http_url(b, ctx.homepage.as_ref()))
        .or(ctx.homepage.clone());
    raw.links
        .iter()
        .find_map(|l| safe_http_url(l, base.as_ref()))
}

/// Builds the article for `raw`, the `index`-th entry of its snapshot, whose
/// body was re-rendered into `body` and spooled at `body_ref`.
pub fn normalize_entry(
    raw: &RawEntry,
    index: usize,
    ctx: &SnapshotContext,
    rules: &TagRules,
    body: &Rerendered,
    body_ref: BodyRef,
) -> Article {
    let link = entry_link(raw, ctx);
    let canonical = link.as_ref().map(canonical_url);
    let guid = truncate_words(&clean_text(&raw.guid), 500);
    let id = if !guid.is_empty() {
        guid.clone()
    } else {
        canonical
            .clone()
            .unwrap_or_else(|| format!("{}#{index}", ctx.key))
    };

    let title = raw
        .title
        .as_deref()
        .map(clean_text)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| fallback_title(&body.summary));

    let mut authors = dedup_names(raw.authors.iter().filter_map(|a| Name::new(a)));
    if authors.is_empty() {
        authors = dedup_names(ctx.feed_authors.iter().filter_map(|a| Name::new(a)));
    }
    if authors.is_empty() {
        authors.extend(Name::new(&ctx.source_name));
    }
    let tags = rules.apply_all(raw.categories.iter().chain(&ctx.extra_tags));

    let clamp = |d: DateTime<Utc>| ctx.feed_date.map_or(d, |f| d.min(f));
    let own_date = raw.published.or(raw.updated);
    let published = clamp(own_date.unwrap_or(ctx.undated_fallback));
    let updated = raw.updated.map(clamp).filter(|u| *u > published);

    Article {
        id,
        guid,
        link: link.map(String::from),
        canonical,
        title: truncate_words(&title, MAX_TITLE_CHARS),
        source: ctx.source_index,
        authors,
        tags,
        published,
        dated: own_date.is_some(),
        updated,
        word_count: body.word_count,
        reading_time: reading_time(body.word_count),
        summary: body.summary.clone(),
        toc: body.toc.clone(),
        body: body_ref,
        slug: String::new(),
        passes_body_filters: true,
        note_html: None,
        featured: None,
        edition: 0,
    }
}

/// The title of an entry without one: the first ten words of its summary,
/// else `Untitled`.
fn fallback_title(summary: &str) -> String {
    let text = summary.trim_end_matches('…');
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.len() {
        0 => "Untitled".to_string(),
        n if n <= 10 && text.len() == summary.len() => text.to_string(),
        _ => format!("{}…", words[..words.len().min(10)].join(" ")),
    }
}

/// Names in first-seen order without repeats of the same identity.
fn dedup_names(names: impl Iterator<Item = Name>) -> Vec<Name> {
    let mut out: Vec<Name> = Vec::new();
    for n in names {
        if !out.iter().any(|o| o.key == n.key) {
            out.push(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx() -> SnapshotContext {
        SnapshotContext {
            source_index: 0,
            key: "blog.xml".into(),
            source_name: "The Blog".into(),
            feed_authors: vec![],
            extra_tags: vec!["Extra".into()],
            homepage: Url::parse("https://blog.example/").ok(),
            feed_date: Some(Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap()),
            undated_fallback: Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
        }
    }

    fn normalize(raw: &RawEntry, index: usize) -> Article {
        normalize_entry(
            raw,
            index,
            &ctx(),
            &rules(),
            &Rerendered::default(),
            BodyRef::default(),
        )
    }

    fn rules() -> TagRules {
        let mut c = Curation::default();
        c.tag_aliases.insert("K8s".into(), "Kubernetes".into());
        TagRules::new(&c, 3)
    }

    #[test]
    fn fields_are_cleaned_and_checked() {
        let raw = RawEntry {
            guid: "".into(),
            title: Some("  Hello\u{0}  world ".into()),
            links: vec!["javascript:alert(1)".into(), "/posts/hello/".into()],
            categories: vec![" k8s ".into(), "Rust".into(), "rust".into(), "".into()],
            ..RawEntry::default()
        };
        let a = normalize(&raw, 3);
        assert_eq!(a.title, "Hello world");
        assert_eq!(a.link.as_deref(), Some("https://blog.example/posts/hello/"));
        assert_eq!(a.id, "https://blog.example/posts/hello");
        let tags: Vec<_> = a.tags.iter().map(|t| t.display.as_str()).collect();
        assert_eq!(tags, ["Kubernetes", "Rust", "Extra"]);
        assert_eq!(a.authors[0].display, "The Blog");
        assert!(!a.dated);
    }

    #[test]
    fn future_dates_are_clamped_to_the_snapshot_date() {
        let raw = RawEntry {
            published: Some(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap()),
            ..RawEntry::default()
        };
        let a = normalize(&raw, 0);
        assert_eq!(a.published, ctx().feed_date.unwrap());
        assert!(a.dated);
    }

    #[test]
    fn undated_fallback_follows_the_policy() {
        let d = |y| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
        let entries = [
            RawEntry {
                updated: Some(d(2020)),
                ..RawEntry::default()
            },
            RawEntry::default(),
        ];
        assert_eq!(
            SnapshotContext::undated_fallback(Some(d(2021)), &entries),
            d(2021)
        );
        assert_eq!(SnapshotContext::undated_fallback(None, &entries), d(2020));
        assert_eq!(
            SnapshotContext::undated_fallback(None, &[]),
            DateTime::UNIX_EPOCH
        );
    }
}
