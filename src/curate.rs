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
use crate::markdown::editor_html;
use crate::normalize::TagRules;
use crate::rerender::RerenderOptions;
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
    /// The site's URL (ending in `/`), which the notes' links resolve against.
    pub site_base: &'a url::Url,
}

/// Counts the build summary reports, and warnings about the controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurationReport {
    pub merged_duplicates: usize,
    /// Left out by `hidden`, the include/exclude filters or the per-source cap.
    pub excluded: usize,
    /// Controls that name no known article, or one a filter or the cap
    /// leaves out, as `key: message`.
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

    // Each control that found its article, as (key, reference, article), to
    // warn when a filter or the cap then leaves that article out.
    let mut named: Vec<(String, String, usize)> = Vec::new();
    let mut found = |report: &mut CurationReport, key: String, reference: &str| {
        let a = find_article(&articles, reference);
        match a {
            Some(a) => named.push((key, reference.to_string(), a)),
            None => report.warnings.push(unknown(&key, reference)),
        }
        a
    };
    let mut left_out: Vec<Option<&'static str>> = vec![None; articles.len()];
    for (i, reference) in curation.hidden.iter().enumerate() {
        if let Some(a) = find_article(&articles, reference) {
            left_out[a] = Some("curation.hidden");
        } else {
            let key = format!("curation.hidden[{i}]");
            report.warnings.push(unknown(&key, reference));
        }
    }
    let mut retags = Vec::new();
    for (i, retag) in curation.retag.iter().enumerate() {
        let key = format!("curation.retag[{i}].article");
        if let Some(a) = found(&mut report, key, &retag.article) {
            retags.push((a, rules.tags.apply_all(retag.tags.iter())));
        }
    }
    let mut notes = Vec::new();
    for (i, note) in curation.notes.iter().enumerate() {
        let key = format!("curation.notes[{i}].article");
        if let Some(a) = found(&mut report, key, &note.article) {
            notes.push((a, note_html(&note.note, rules)));
        }
    }
    let mut picks = Vec::new();
    for (i, pick) in curation.featured.iter().enumerate() {
        let key = format!("curation.featured[{i}].article");
        if let Some(a) = found(&mut report, key, &pick.article) {
            picks.push((a, (i, pick.note.as_deref().map(|n| note_html(n, rules)))));
        }
    }
    for (a, tags) in retags {
        articles[a].tags = tags;
    }
    for (a, note) in notes {
        articles[a].note_html = Some(note);
    }
    for (a, pick) in picks {
        articles[a].featured = Some(pick);
    }

    // Featured articles are the editor's explicit choice: no filter or cap drops them.
    let filters = Filters::new(curation);
    for (a, reason) in articles.iter().zip(&mut left_out) {
        if reason.is_none() && a.featured.is_none() {
            *reason = filters.rejection(a, &all_sources, rules.patterns);
        }
    }
    let mut order: Vec<usize> = (0..articles.len()).collect();
    order.sort_by(|&a, &b| archive_order(&articles[a], &articles[b]));
    if let Some(cap) = curation.max_per_source_per_edition {
        cap_per_source_per_edition(&articles, &order, &mut left_out, cap, rules);
    }
    for (key, reference, a) in named {
        if let Some(reason) = left_out[a] {
            report.warnings.push(format!(
                "key `{key}`: `{reference}` is left out of the site by `{reason}`, so this does nothing{}",
                if reason == "curation.hidden" {
                    " (remove one of the two)"
                } else {
                    " (feature the article to keep it, or remove this entry)"
                }
            ));
        }
    }
    let mut slots: Vec<Option<Article>> = articles.into_iter().map(Some).collect();
    let mut articles: Vec<Article> = order
        .into_iter()
        .filter(|&a| left_out[a].is_none())
        .filter_map(|a| slots[a].take())
        .collect();
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

    /// The key of the first filter that leaves `a` out, if one does.
    fn rejection(
        &self,
        a: &Article,
        sources: &[Source],
        patterns: &PatternFilters,
    ) -> Option<&'static str> {
        let has = |list: &[String]| a.tags.iter().any(|t| list.contains(&t.key));
        let source = &sources[a.source].key;
        let curation = self.curation;
        [
            (
                !self.include_tags.is_empty() && !has(&self.include_tags),
                "curation.include_tags",
            ),
            (has(&self.exclude_tags), "curation.exclude_tags"),
            (
                !curation.include_sources.is_empty() && !curation.include_sources.contains(source),
                "curation.include_sources",
            ),
            (
                curation.exclude_sources.contains(source),
                "curation.exclude_sources",
            ),
            (
                !patterns.title_passes(&a.title),
                "curation.include_title_patterns or exclude_title_patterns",
            ),
            (
                !a.passes_body_filters,
                "curation.include_body_patterns or exclude_body_patterns",
            ),
        ]
        .into_iter()
        .find_map(|(rejected, key)| rejected.then_some(key))
    }
}

/// Leaves out, per edition, a source's articles beyond the `cap` newest of
/// those still in (`order` is archive order). Featured articles always stay.
fn cap_per_source_per_edition(
    articles: &[Article],
    order: &[usize],
    left_out: &mut [Option<&'static str>],
    cap: usize,
    rules: &CurationRules,
) {
    let mut counts: HashMap<(String, usize), usize> = HashMap::new();
    for &i in order {
        let a = &articles[i];
        if left_out[i].is_some() || a.featured.is_some() {
            continue;
        }
        let edition = crate::editions::edition_key(a.published, rules.timezone, rules.period).id;
        let n = counts.entry((edition, a.source)).or_default();
        *n += 1;
        if *n > cap {
            left_out[i] = Some("curation.max_per_source_per_edition");
        }
    }
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

/// The editor's Markdown note as sanitized HTML. It is the editor's, not
/// the article's, and shows on many pages: its links resolve against the
/// site, like those of pages and introductions.
fn note_html(markdown: &str, rules: &CurationRules) -> String {
    editor_html(markdown, rules.site_base, "", rules.rerender).html
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
        let rerender = RerenderOptions::default();
        let site_base = url::Url::parse("https://d.example/").unwrap();
        let rules = CurationRules {
            curation,
            patterns: &patterns,
            tags: &tags,
            timezone: chrono_tz::UTC,
            period: EditionPeriod::Weekly,
            rerender: &rerender,
            site_base: &site_base,
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
