//! Stage 5: from every snapshot's articles to the curated [`Digest`]:
//! de-duplicate across sources, apply the editor's filters, order the
//! archive, give everything a unique slug and group by tag and author.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result};
use regex::Regex;

use crate::config::Curation;
use crate::digest::{archive_order, Article, Digest, Group, Name, Source};
use crate::slug::assign_unique_slugs;

/// What one snapshot contributed.
#[derive(Debug, Clone)]
pub struct IngestedSource {
    pub source: Source,
    pub articles: Vec<Article>,
}

/// Counts the build summary reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurationReport {
    pub merged_duplicates: usize,
    pub excluded: usize,
}

/// Curates the ingested sources (given in snapshot key order) into a digest.
pub fn curate(
    sources: Vec<IngestedSource>,
    curation: &Curation,
) -> Result<(Digest, CurationReport)> {
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

    let title_patterns = curation
        .exclude_title_patterns
        .iter()
        .map(|p| Regex::new(p).with_context(|| format!("curation.exclude_title_patterns: `{p}`")))
        .collect::<Result<Vec<_>>>()?;
    let excluded_tags: Vec<String> = curation
        .exclude_tags
        .iter()
        .filter_map(|t| Name::new(t))
        .map(|n| n.key)
        .collect();
    let before = articles.len();
    articles.retain(|a| {
        !a.tags.iter().any(|t| excluded_tags.contains(&t.key))
            && !title_patterns.iter().any(|p| p.is_match(&a.title))
    });
    report.excluded = before - articles.len();

    articles.sort_by(archive_order);

    // Oldest first, so an article keeps its URL when a newer namesake arrives.
    let slugs = assign_unique_slugs(articles.iter().rev().map(|a| a.title.as_str()), "untitled");
    for (a, slug) in articles.iter_mut().rev().zip(slugs) {
        a.slug = slug;
    }

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
        },
        report,
    ))
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
        }
    }

    fn source(key: &str, name: &str) -> Source {
        Source {
            key: key.into(),
            name: name.into(),
            homepage: None,
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
        let (d, report) = curate(vec![a, b], &Curation::default()).unwrap();
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
        let (d, report) = curate(
            vec![IngestedSource {
                source: source("a.xml", "A"),
                articles: arts,
            }],
            &cur,
        )
        .unwrap();
        assert_eq!(report.excluded, 1);
        let ids: Vec<_> = d.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["3", "1"]);
        assert_eq!(d.tags.len(), 1);
        assert_eq!(d.tags[0].articles, [0, 1]);
        assert_eq!(d.source_articles[0], [0, 1]);
    }
}
