//! Stage 5: from every snapshot's articles to the curated [`Digest`]:
//! de-duplicate across sources, apply the editor's controls and filters,
//! order the archive, cap each source per edition, give everything a unique
//! slug and group by tag, author, source and edition.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::config::{Curation, EditionPeriod, PatternFilters};
use crate::digest::{archive_order, Article, Digest, Group, Name, Source};
use crate::editions::group_editions;
use crate::markdown::markdown_to_html;
use crate::normalize::TagRules;
use crate::rerender::{sanitize_and_rerender, RerenderOptions};
use crate::slug::assign_unique_slugs;
use crate::urls::{canonical_url, safe_http_url};

/// What one snapshot contributed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestedSource {
    pub source: Source,
    pub articles: Vec<Article>,
}

impl IngestedSource {
    /// Moves every body ref to `segment`, `base` bytes on: where the bodies
    /// laid out in one buffer landed in the spool or in a cache file.
    pub fn relocate_bodies(&mut self, segment: u32, base: u64) {
        for article in &mut self.articles {
            article.body = article.body.relocated(segment, base);
        }
    }
}

/// The editor's rules, ready to apply.
pub struct CurationRules<'a> {
    pub curation: &'a Curation,
    pub patterns: &'a PatternFilters,
    pub tags: &'a TagRules,
    pub timezone: chrono_tz::Tz,
    pub period: EditionPeriod,
    /// For the editor's Markdown notes, which go through the article pass.
    pub rerender: &'a RerenderOptions,
}

/// Counts the build summary reports, and warnings about the controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurationReport {
    pub merged_duplicates: usize,
    /// Left out by `hidden`, the include/exclude filters or the per-source cap.
    pub excluded: usize,
    /// Controls that name no known article, as `key: message`.
    pub warnings: Vec<String>,
}

/// Curates the ingested sources (given in snapshot key order) into a digest.
pub fn curate(
    sources: Vec<IngestedSource>,
    rules: &CurationRules,
) -> Result<(Digest, CurationReport)> {
    let curation = rules.curation;
    let mut report = CurationReport::default();
    let mut all_sources = Vec::with_capacity(sources.len());
    let mut articles = Vec::new();
    for (i, ingested) in sources.into_iter().enumerate() {
        all_sources.push(ingested.source);
        articles.extend(
            ingested
                .articles
                .into_iter()
                .map(|a| Article { source: i, ..a }),
        );
    }
    let mut articles = dedupe(articles, &mut report.merged_duplicates);
    let total = articles.len();

    let mut hidden = vec![false; articles.len()];
    for (i, reference) in curation.hidden.iter().enumerate() {
        match find_article(&articles, reference) {
            Some(a) => hidden[a] = true,
            None => report
                .warnings
                .push(unknown(&format!("curation.hidden[{i}]"), reference)),
        }
    }
    for (i, retag) in curation.retag.iter().enumerate() {
        match find_article(&articles, &retag.article) {
            Some(a) => articles[a].tags = rules.tags.apply_all(retag.tags.iter()),
            None => report.warnings.push(unknown(
                &format!("curation.retag[{i}].article"),
                &retag.article,
            )),
        }
    }
    for (i, note) in curation.notes.iter().enumerate() {
        match find_article(&articles, &note.article) {
            Some(a) => {
                articles[a].note_html = note
                    .note
                    .as_deref()
                    .map(|n| note_html(n, &articles[a], rules))
            }
            None => report.warnings.push(unknown(
                &format!("curation.notes[{i}].article"),
                &note.article,
            )),
        }
    }
    for (i, pick) in curation.featured.iter().enumerate() {
        match find_article(&articles, &pick.article) {
            Some(a) => {
                let note = pick
                    .note
                    .as_deref()
                    .map(|n| note_html(n, &articles[a], rules));
                articles[a].featured = Some((i, note));
            }
            None => report.warnings.push(unknown(
                &format!("curation.featured[{i}].article"),
                &pick.article,
            )),
        }
    }

    // Featured articles are the editor's explicit choice: no filter or cap drops them.
    let filters = Filters::new(curation);
    let mut articles: Vec<Article> = articles
        .into_iter()
        .zip(hidden)
        .filter(|(a, hidden)| {
            !hidden && (a.featured.is_some() || filters.keeps(a, &all_sources, rules.patterns))
        })
        .map(|(a, _)| a)
        .collect();
    articles.sort_by(archive_order);
    if let Some(cap) = curation.max_per_source_per_edition {
        cap_per_source_per_edition(&mut articles, cap, rules);
    }
    report.excluded = total - articles.len();

    // Oldest first, so an article keeps its URL when a newer namesake arrives.
    let slugs = assign_unique_slugs(articles.iter().rev().map(|a| a.title.as_str()), "untitled");
    for (a, slug) in articles.iter_mut().rev().zip(slugs) {
        a.slug = slug;
    }

    let editions = group_editions(&articles, rules.timezone, rules.period);
    for (e, edition) in editions.iter().enumerate() {
        for &a in &edition.articles {
            articles[a].edition = e;
        }
    }
    let mut featured: Vec<usize> = (0..articles.len())
        .filter(|&i| articles[i].featured.is_some())
        .collect();
    featured.sort_by_key(|&i| articles[i].featured.as_ref().map(|f| f.0));

    let (sources, source_articles) = index_sources(all_sources, &mut articles);
    let tags = group_by(&articles, |a| &a.tags);
    let authors = group_by(&articles, |a| &a.authors);
    Ok((
        Digest {
            articles,
            sources,
            source_articles,
            tags,
            authors,
            editions,
            featured,
        },
        report,
    ))
}

/// The include/exclude filters of the config, compiled.
struct Filters<'a> {
    include_tags: Vec<String>,
    exclude_tags: Vec<String>,
    curation: &'a Curation,
}

impl<'a> Filters<'a> {
    fn new(curation: &'a Curation) -> Filters<'a> {
        let keys = |tags: &[String]| {
            tags.iter()
                .filter_map(|t| Name::new(t))
                .map(|n| n.key)
                .collect::<Vec<_>>()
        };
        Filters {
            include_tags: keys(&curation.include_tags),
            exclude_tags: keys(&curation.exclude_tags),
            curation,
        }
    }

    fn keeps(&self, a: &Article, sources: &[Source], patterns: &PatternFilters) -> bool {
        let has = |list: &[String]| a.tags.iter().any(|t| list.contains(&t.key));
        let source = &sources[a.source].key;
        (self.include_tags.is_empty() || has(&self.include_tags))
            && !has(&self.exclude_tags)
            && (self.curation.include_sources.is_empty()
                || self.curation.include_sources.contains(source))
            && !self.curation.exclude_sources.contains(source)
            && patterns.title_passes(&a.title)
            && a.passes_body_filters
    }
}

/// Drops, per edition, a source's articles beyond the `cap` newest
/// (`articles` is in archive order). Featured articles always stay.
fn cap_per_source_per_edition(articles: &mut Vec<Article>, cap: usize, rules: &CurationRules) {
    let mut counts: HashMap<(String, usize), usize> = HashMap::new();
    articles.retain(|a| {
        if a.featured.is_some() {
            return true;
        }
        let edition = crate::editions::edition_key(a.published, rules.timezone, rules.period).id;
        let n = counts.entry((edition, a.source)).or_default();
        *n += 1;
        *n <= cap
    });
}

/// The article a control names by URL (compared canonically) or guid.
fn find_article(articles: &[Article], reference: &str) -> Option<usize> {
    let reference = reference.trim();
    let canonical = safe_http_url(reference, None).map(|u| canonical_url(&u));
    articles.iter().position(|a| {
        a.guid == reference
            || a.id == reference
            || (canonical.is_some() && a.canonical == canonical)
    })
}

fn unknown(key: &str, reference: &str) -> String {
    format!(
        "key `{key}`: `{reference}` names no known article (give its URL or guid as in the feed)"
    )
}

/// The editor's Markdown note as sanitized HTML; its relative links resolve
/// against the article's own URL.
fn note_html(markdown: &str, article: &Article, rules: &CurationRules) -> String {
    let base = article
        .link
        .as_deref()
        .and_then(|l| url::Url::parse(l).ok());
    sanitize_and_rerender(&markdown_to_html(markdown), base.as_ref(), rules.rerender).html
}

/// A guid identifies an article across sources only when it looks globally
/// unique (a URI or a long token); short guids such as `42` are only unique
/// within their own feed.
fn global_guid(a: &Article) -> Option<&str> {
    (a.guid.contains(':') || a.guid.len() >= 16).then_some(a.guid.as_str())
}

/// Merges articles that share a global guid or a canonical URL, keeping the
/// richer copy (more words, then more tags and authors, then the first seen).
fn dedupe(articles: Vec<Article>, merged: &mut usize) -> Vec<Article> {
    let mut kept: Vec<Article> = Vec::with_capacity(articles.len());
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for a in articles {
        let keys: Vec<String> = [
            global_guid(&a).map(|g| format!("g:{g}")),
            a.canonical.as_ref().map(|c| format!("u:{c}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        match keys.iter().find_map(|k| by_key.get(k).copied()) {
            Some(i) => {
                *merged += 1;
                let richness = |x: &Article| (x.word_count, x.tags.len() + x.authors.len());
                if richness(&a) > richness(&kept[i]) {
                    kept[i] = a;
                }
                for k in keys {
                    by_key.entry(k).or_insert(i);
                }
            }
            None => {
                for k in keys {
                    by_key.insert(k, kept.len());
                }
                kept.push(a);
            }
        }
    }
    kept
}

/// Keeps the sources that still have articles, sorted by name, and points
/// every article at its source's new index.
fn index_sources(all: Vec<Source>, articles: &mut [Article]) -> (Vec<Source>, Vec<Vec<usize>>) {
    let mut counts = vec![0usize; all.len()];
    for a in articles.iter() {
        counts[a.source] += 1;
    }
    let mut order: Vec<usize> = (0..all.len()).filter(|&i| counts[i] > 0).collect();
    order.sort_by(|&a, &b| {
        all[a]
            .name
            .to_lowercase()
            .cmp(&all[b].name.to_lowercase())
            .then(all[a].key.cmp(&all[b].key))
    });
    let mut new_index = vec![usize::MAX; all.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let slugs = assign_unique_slugs(order.iter().map(|&i| all[i].name.as_str()), "source");
    let mut sources: Vec<Source> = Vec::with_capacity(order.len());
    let mut all: Vec<Option<Source>> = all.into_iter().map(Some).collect();
    for (&old, slug) in order.iter().zip(slugs) {
        let mut s = all[old].take().expect("each source is taken once");
        s.slug = slug;
        sources.push(s);
    }
    let mut source_articles = vec![Vec::new(); sources.len()];
    for (i, a) in articles.iter_mut().enumerate() {
        a.source = new_index[a.source];
        source_articles[a.source].push(i);
    }
    (sources, source_articles)
}

/// Groups articles by the names `names` picks (tags or authors). A group's
/// display name is its most used spelling (ties: the smallest), so it does
/// not depend on which article came first.
fn group_by(articles: &[Article], names: impl Fn(&Article) -> &Vec<Name>) -> Vec<Group> {
    let mut groups: BTreeMap<&str, (BTreeMap<&str, usize>, Vec<usize>)> = BTreeMap::new();
    for (i, a) in articles.iter().enumerate() {
        for n in names(a) {
            let (spellings, members) = groups.entry(n.key.as_str()).or_default();
            *spellings.entry(n.display.as_str()).or_default() += 1;
            members.push(i);
        }
    }
    let slugs = assign_unique_slugs(groups.keys().copied(), "unnamed");
    groups
        .into_iter()
        .zip(slugs)
        .map(|((key, (spellings, articles)), slug)| {
            let display = spellings
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or(key, |(d, _)| d);
            Group {
                name: Name {
                    key: key.to_string(),
                    display: display.to_string(),
                },
                slug,
                articles,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn article(id: &str, day: u32, link: &str, words: usize, tags: &[&str]) -> Article {
        Article {
            id: id.into(),
            guid: id.into(),
            link: Some(link.into()),
            canonical: Some(link.trim_end_matches('/').to_lowercase()),
            title: format!("Title {id}"),
            source: 0,
            authors: vec![Name::new("Ann").unwrap()],
            tags: tags.iter().filter_map(|t| Name::new(t)).collect(),
            published: Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap(),
            dated: true,
            updated: None,
            word_count: words,
            reading_time: 1,
            summary: String::new(),
            toc: vec![],
            body: Default::default(),
            slug: String::new(),
            passes_body_filters: true,
            note_html: None,
            featured: None,
            edition: 0,
        }
    }

    /// Curates with `curation` in UTC, weekly.
    fn run(sources: Vec<IngestedSource>, curation: &Curation) -> (Digest, CurationReport) {
        let patterns = curation.compile_patterns().unwrap();
        let tags = TagRules::new(curation, 25);
        let rerender = RerenderOptions {
            external_link_rel: String::new(),
            site_host: None,
            keep_text: false,
            limits: Default::default(),
        };
        let rules = CurationRules {
            curation,
            patterns: &patterns,
            tags: &tags,
            timezone: chrono_tz::UTC,
            period: EditionPeriod::Weekly,
            rerender: &rerender,
        };
        curate(sources, &rules).unwrap()
    }

    fn source(key: &str, name: &str) -> Source {
        Source {
            key: key.into(),
            name: name.into(),
            homepage: None,
            feed_url: None,
            slug: String::new(),
        }
    }

    #[test]
    fn duplicates_across_sources_merge_into_the_richer_copy() {
        let a = IngestedSource {
            source: source("a.xml", "A"),
            articles: vec![article("1", 2, "https://x.example/p/", 10, &["Rust"])],
        };
        let b = IngestedSource {
            source: source("b.xml", "B"),
            articles: vec![
                article("2", 2, "https://x.example/p", 99, &["rust"]),
                article("3", 1, "https://x.example/q", 5, &[]),
            ],
        };
        let (d, report) = run(vec![a, b], &Curation::default());
        assert_eq!(report.merged_duplicates, 1);
        assert_eq!(d.articles.len(), 2);
        assert_eq!(d.articles[0].word_count, 99);
        assert_eq!(
            d.sources.len(),
            1,
            "source A lost its only article to the merge"
        );
        assert_eq!(d.tags[0].name.display, "rust");
    }

    #[test]
    fn filters_order_and_slugs() {
        let arts = vec![
            article("1", 1, "https://x.example/1", 1, &["Go"]),
            article("2", 3, "https://x.example/2", 1, &["Spam"]),
            article("3", 2, "https://x.example/3", 1, &["Go"]),
        ];
        let mut cur = Curation::default();
        cur.exclude_tags.push("spam".into());
        let (d, report) = run(
            vec![IngestedSource {
                source: source("a.xml", "A"),
                articles: arts,
            }],
            &cur,
        );
        assert_eq!(report.excluded, 1);
        let ids: Vec<_> = d.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["3", "1"]);
        assert_eq!(d.tags.len(), 1);
        assert_eq!(d.tags[0].articles, [0, 1]);
        assert_eq!(d.source_articles[0], [0, 1]);
    }
}
