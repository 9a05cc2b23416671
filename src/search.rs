//! Search without a server: one compact JSON index of every article, which
//! the search page's script (`themes/default/static/search.js`) downloads
//! once and searches in the browser. No other page loads either.
//!
//! The index names every source, author and tag once and refers to them by
//! position, and holds per article its title, slug, displayed date and
//! summary (the first 50 words of its prose), so it grows by a few hundred
//! bytes per article (see the README for the size at 10,000 articles).

use anyhow::{Context, Result};
use serde::Serialize;

use crate::digest::{group_position, Digest};
use crate::output::OutputSink;
use crate::render::{SiteInfo, DISPLAY_DATE};
use crate::text::xml_safe;

/// Where the index goes inside the site.
pub const INDEX_PATH: &str = "search-index.json";

#[derive(Serialize)]
struct SearchIndex<'a> {
    /// URL path of the article pages: an article's URL is this, its slug and `/`.
    articles_path: String,
    sources: Vec<&'a str>,
    authors: Vec<&'a str>,
    tags: Vec<&'a str>,
    articles: Vec<IndexedArticle<'a>>,
}

/// One article, serialized as an array to keep the index small:
/// `[title, slug, date, source, [authors], [tags], summary]`, where source,
/// authors and tags are positions in the index's lists and date is as the
/// site displays it (`""` for an undated article).
#[derive(Serialize)]
struct IndexedArticle<'a>(
    &'a str,
    &'a str,
    String,
    usize,
    Vec<usize>,
    Vec<usize>,
    &'a str,
);

/// Writes the search index of `digest`, articles in archive order.
pub fn write_search_index(digest: &Digest, site: &SiteInfo, sink: &OutputSink) -> Result<()> {
    let index = SearchIndex {
        articles_path: format!("{}articles/", site.root),
        sources: digest.sources.iter().map(|s| s.name.as_str()).collect(),
        authors: digest
            .authors
            .iter()
            .map(|g| g.name.display.as_str())
            .collect(),
        tags: digest
            .tags
            .iter()
            .map(|g| g.name.display.as_str())
            .collect(),
        articles: digest
            .articles
            .iter()
            .map(|a| {
                IndexedArticle(
                    &a.title,
                    &a.slug,
                    if a.dated {
                        a.published
                            .with_timezone(&site.timezone)
                            .format(DISPLAY_DATE)
                            .to_string()
                    } else {
                        String::new()
                    },
                    a.source,
                    a.authors
                        .iter()
                        .filter_map(|n| group_position(&digest.authors, n))
                        .collect(),
                    a.tags
                        .iter()
                        .filter_map(|n| group_position(&digest.tags, n))
                        .collect(),
                    &a.summary,
                )
            })
            .collect(),
    };
    let json = serde_json::to_string(&index).context("writing the search index")?;
    sink.write(INDEX_PATH, xml_safe(&json).as_bytes())
}
