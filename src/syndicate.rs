//! Feeds out: Atom 1.0 for the whole site (`/atom.xml`), for every tag,
//! author and source (`/tags/<slug>/atom.xml`, ...) and for the editions
//! (`/editions/atom.xml`, one entry per edition); JSON Feed 1.1 for the whole
//! site (`/feed.json`); and the sources as an OPML blogroll (`/sources.opml`).
//!
//! Every feed holds the `feeds.limit` newest entries, ordered by date (newest
//! first), then URL. Its `updated` is the newest entry's date, never the
//! clock of the build, so the same input gives the same bytes. Entries carry
//! the summary and a link, or with `feeds.full_content` the whole rendered
//! body. Every string an output file carries passes [`xml_safe`].
//!
//! [`write_atom_feed`] and [`write_json_feed`] are generic: anything that can
//! say what its entries are (a [`FeedSpec`] of [`FeedEntry`]s) gets a feed.

use std::cmp::Ordering;
use std::io;

use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::bodies::BodyStore;
use crate::config::FeedsConfig;
use crate::digest::{Article, Digest};
use crate::editions::Edition;
use crate::output::OutputSink;
use crate::render::SiteInfo;
use crate::text::{html_to_text, summarize, xml_safe};
use crate::xml::{self, XmlWriter};

pub const ATOM_MEDIA_TYPE: &str = "application/atom+xml";
pub const JSON_FEED_MEDIA_TYPE: &str = "application/feed+json";
/// File name of a listing's Atom feed, beside the listing's first page.
const ATOM_FILE: &str = "atom.xml";
const SITE_JSON_FEED: &str = "feed.json";
const EDITIONS_PATH: &str = "editions/";
/// The sources as an OPML 2.0 blogroll.
pub const OPML_PATH: &str = "sources.opml";

/// A feed a page advertises with `<link rel="alternate">` (templates get
/// them as `page.feeds`).
#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    pub title: String,
    /// Absolute URL of the feed.
    pub url: String,
    #[serde(rename = "type")]
    pub media_type: &'static str,
}

/// The feeds a page links to: its own first (a tag's, an author's, a
/// source's, the editions'), then the site's Atom and JSON feeds.
pub fn page_feeds(site: &SiteInfo, own: Option<FeedLink>) -> Vec<FeedLink> {
    let mut feeds: Vec<FeedLink> = own.into_iter().collect();
    feeds.push(FeedLink {
        title: site.title.clone(),
        url: format!("{}{ATOM_FILE}", site.base_url),
        media_type: ATOM_MEDIA_TYPE,
    });
    feeds.push(FeedLink {
        title: format!("{} (JSON Feed)", site.title),
        url: format!("{}{SITE_JSON_FEED}", site.base_url),
        media_type: JSON_FEED_MEDIA_TYPE,
    });
    feeds
}

/// The Atom feed of a listing page of `kind` (`tag`, `author`, `source`,
/// `edition`, `editions`) whose first page is at `base` (`tags/rust/`) and
/// whose subject is `name`; `None` for kinds without a feed of their own.
pub fn listing_feed(site: &SiteInfo, kind: &str, base: &str, name: &str) -> Option<FeedLink> {
    let (base, title) = match kind {
        "tag" | "author" | "source" => (base, listing_feed_title(site, kind, name)),
        "edition" | "editions" => (EDITIONS_PATH, editions_feed_title(site)),
        _ => return None,
    };
    Some(FeedLink {
        title,
        url: format!("{}{base}{ATOM_FILE}", site.base_url),
        media_type: ATOM_MEDIA_TYPE,
    })
}

fn listing_feed_title(site: &SiteInfo, kind: &str, name: &str) -> String {
    let subject = match kind {
        "tag" => "articles tagged",
        "author" => "articles by",
        _ => "articles from",
    };
    format!("{}: {subject} {name}", site.title)
}

fn editions_feed_title(site: &SiteInfo) -> String {
    format!("{}: editions", site.title)
}

/// One entry of an output feed.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// Absolute URL of the entry's page on this site; also its id.
    pub url: String,
    pub title: String,
    /// The original the entry republishes, if any.
    pub external_url: Option<String>,
    /// The date entries are ordered by.
    pub published: DateTime<Utc>,
    /// False when the date was inferred (the README's date policy): the entry
    /// then states no `published` date.
    pub dated: bool,
    /// Never before `published`.
    pub updated: DateTime<Utc>,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    /// Plain text.
    pub summary: String,
    /// The whole content as HTML, or `None` for the summary and a link.
    pub content_html: Option<String>,
}

/// One output feed.
#[derive(Debug, Clone, Copy)]
pub struct FeedSpec<'a> {
    /// Where the feed goes inside the site: `atom.xml`, `tags/rust/atom.xml`.
    pub path: &'a str,
    pub title: &'a str,
    /// The page the feed is the feed of, inside the site: `""`, `tags/rust/`.
    pub alternate_path: &'a str,
    /// In any order; the writers order them.
    pub entries: &'a [FeedEntry],
}

/// Feed order: newest first, then by URL.
fn feed_order(a: &FeedEntry, b: &FeedEntry) -> Ordering {
    b.published
        .cmp(&a.published)
        .then_with(|| a.url.cmp(&b.url))
}

impl FeedSpec<'_> {
    fn ordered_entries(&self) -> Vec<&FeedEntry> {
        let mut entries: Vec<&FeedEntry> = self.entries.iter().collect();
        entries.sort_by(|a, b| feed_order(a, b));
        entries
    }

    /// The newest entry's date; an empty feed gets the epoch, as an undated
    /// snapshot does, never the clock.
    fn updated(&self) -> DateTime<Utc> {
        self.entries
            .iter()
            .map(|e| e.updated)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }
}

fn rfc3339(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Writes the Atom 1.0 document of `spec` at `spec.path`.
pub fn write_atom_feed(sink: &OutputSink, site: &SiteInfo, spec: &FeedSpec) -> Result<()> {
    let xml = atom_xml(site, spec).with_context(|| format!("writing the feed {}", spec.path))?;
    sink.write(spec.path, &xml)
}

/// Writes the JSON Feed 1.1 document of `spec` at `spec.path`.
pub fn write_json_feed(sink: &OutputSink, site: &SiteInfo, spec: &FeedSpec) -> Result<()> {
    let json = json_feed(site, spec).with_context(|| format!("writing the feed {}", spec.path))?;
    sink.write(spec.path, &json)
}

fn atom_xml(site: &SiteInfo, spec: &FeedSpec) -> io::Result<Vec<u8>> {
    let self_url = format!("{}{}", site.base_url, spec.path);
    let alternate_url = format!("{}{}", site.base_url, spec.alternate_path);
    let mut w = xml::document()?;
    let attrs = [
        ("xmlns", "http://www.w3.org/2005/Atom"),
        ("xml:lang", site.language.as_str()),
    ];
    xml::element(&mut w, "feed", &attrs, |w| {
        xml::text_element(w, "id", &[], &self_url)?;
        xml::text_element(w, "title", &[], spec.title)?;
        if !site.description.is_empty() {
            xml::text_element(w, "subtitle", &[], &site.description)?;
        }
        xml::text_element(w, "updated", &[], &rfc3339(spec.updated()))?;
        xml::empty_element(
            w,
            "link",
            &[
                ("rel", "self"),
                ("type", ATOM_MEDIA_TYPE),
                ("href", &self_url),
            ],
        )?;
        xml::empty_element(
            w,
            "link",
            &[
                ("rel", "alternate"),
                ("type", "text/html"),
                ("href", &alternate_url),
            ],
        )?;
        // The feed's author stands in for entries without one of their own.
        xml::element(w, "author", &[], |w| {
            xml::text_element(w, "name", &[], &site.title)
        })?;
        xml::text_element(w, "generator", &[], "Broadsheet")?;
        for entry in spec.ordered_entries() {
            atom_entry(w, entry)?;
        }
        Ok(())
    })?;
    Ok(xml::finish(w))
}

fn atom_entry(w: &mut XmlWriter, e: &FeedEntry) -> io::Result<()> {
    xml::element(w, "entry", &[], |w| {
        xml::text_element(w, "id", &[], &e.url)?;
        xml::text_element(w, "title", &[], &e.title)?;
        xml::empty_element(
            w,
            "link",
            &[
                ("rel", "alternate"),
                ("type", "text/html"),
                ("href", &e.url),
            ],
        )?;
        if let Some(original) = &e.external_url {
            xml::empty_element(
                w,
                "link",
                &[
                    ("rel", "related"),
                    ("type", "text/html"),
                    ("href", original),
                ],
            )?;
        }
        if e.dated {
            xml::text_element(w, "published", &[], &rfc3339(e.published))?;
        }
        xml::text_element(w, "updated", &[], &rfc3339(e.updated))?;
        for author in &e.authors {
            xml::element(w, "author", &[], |w| {
                xml::text_element(w, "name", &[], author)
            })?;
        }
        for tag in &e.tags {
            xml::empty_element(w, "category", &[("term", tag)])?;
        }
        if !e.summary.is_empty() {
            xml::text_element(w, "summary", &[("type", "text")], &e.summary)?;
        }
        if let Some(html) = &e.content_html {
            // xml:base makes the body's in-page links (`#heading`) resolve
            // against the entry's page.
            xml::text_element(
                w,
                "content",
                &[("type", "html"), ("xml:base", &e.url)],
                html,
            )?;
        }
        Ok(())
    })
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    language: String,
    authors: [JsonAuthor; 1],
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    summary: String,
    /// JSON Feed needs `content_html` or `content_text`: the whole body, or
    /// the summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

fn json_feed(site: &SiteInfo, spec: &FeedSpec) -> serde_json::Result<Vec<u8>> {
    let safe = |s: &str| xml_safe(s).into_owned();
    let items = spec
        .ordered_entries()
        .into_iter()
        .map(|e| JsonItem {
            id: &e.url,
            url: &e.url,
            external_url: e.external_url.as_deref().map(safe),
            title: safe(&e.title),
            summary: safe(&e.summary),
            content_text: e.content_html.is_none().then(|| safe(&e.summary)),
            content_html: e.content_html.as_deref().map(safe),
            date_published: e.dated.then(|| rfc3339(e.published)),
            date_modified: rfc3339(e.updated),
            authors: e
                .authors
                .iter()
                .map(|a| JsonAuthor { name: safe(a) })
                .collect(),
            tags: e.tags.iter().map(|t| safe(t)).collect(),
        })
        .collect();
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: safe(spec.title),
        home_page_url: format!("{}{}", site.base_url, spec.alternate_path),
        feed_url: format!("{}{}", site.base_url, spec.path),
        description: safe(&site.description),
        language: safe(&site.language),
        authors: [JsonAuthor {
            name: safe(&site.title),
        }],
        items,
    };
    let mut json = serde_json::to_vec_pretty(&feed)?;
    json.push(b'\n');
    Ok(json)
}

/// Writes every feed of the site and the OPML blogroll.
pub fn write_feeds(
    digest: &Digest,
    site: &SiteInfo,
    config: &FeedsConfig,
    bodies: &BodyStore,
    sink: &OutputSink,
) -> Result<()> {
    let feeds = ArticleFeeds {
        digest,
        site,
        config,
        bodies,
    };
    let all: Vec<usize> = (0..digest.articles.len()).collect();
    let entries = feeds.entries(&all)?;
    let site_feed = |path| FeedSpec {
        path,
        title: &site.title,
        alternate_path: "",
        entries: &entries,
    };
    write_atom_feed(sink, site, &site_feed(ATOM_FILE))?;
    write_json_feed(sink, site, &site_feed(SITE_JSON_FEED))?;
    // With full content these hold bodies; free them before the next feeds.
    drop(entries);

    let tags = digest
        .tags
        .iter()
        .map(|g| ("tag", "tags", &g.slug, &g.name.display, &g.articles));
    let authors = digest
        .authors
        .iter()
        .map(|g| ("author", "authors", &g.slug, &g.name.display, &g.articles));
    let sources = digest
        .sources
        .iter()
        .zip(&digest.source_articles)
        .map(|(s, members)| ("source", "sources", &s.slug, &s.name, members));
    let listings: Vec<_> = tags.chain(authors).chain(sources).collect();
    listings
        .par_iter()
        .try_for_each(|&(kind, section, slug, name, members)| {
            let base = format!("{section}/{slug}/");
            write_atom_feed(
                sink,
                site,
                &FeedSpec {
                    path: &format!("{base}{ATOM_FILE}"),
                    title: &listing_feed_title(site, kind, name),
                    alternate_path: &base,
                    entries: &feeds.entries(members)?,
                },
            )
        })?;

    let newest_editions = digest.editions.iter().take(config.limit);
    write_atom_feed(
        sink,
        site,
        &FeedSpec {
            path: &format!("{EDITIONS_PATH}{ATOM_FILE}"),
            title: &editions_feed_title(site),
            alternate_path: EDITIONS_PATH,
            entries: &newest_editions
                .map(|e| edition_entry(digest, site, e, config.full_content))
                .collect::<Vec<_>>(),
        },
    )?;

    let opml = opml(digest, site).context("writing the OPML blogroll")?;
    sink.write(OPML_PATH, &opml)
}

/// Builds the entries of article feeds.
struct ArticleFeeds<'a> {
    digest: &'a Digest,
    site: &'a SiteInfo,
    config: &'a FeedsConfig,
    bodies: &'a BodyStore,
}

/// Absolute URL of an article's page.
fn article_url(site: &SiteInfo, a: &Article) -> String {
    format!("{}articles/{}/", site.base_url, a.slug)
}

impl ArticleFeeds<'_> {
    /// The entries of the `limit` newest of `members` (indices into the
    /// archive, in archive order). Bodies are read only for those.
    fn entries(&self, members: &[usize]) -> Result<Vec<FeedEntry>> {
        let articles = &self.digest.articles;
        let limit = self.config.limit;
        // Archive order is by date first, so the newest `limit` in feed order
        // are among the first `limit` and those sharing the last one's date.
        let cut = members
            .get(limit.saturating_sub(1))
            .map(|&i| articles[i].published);
        let mut chosen: Vec<(String, usize)> = members
            .iter()
            .enumerate()
            .take_while(|&(n, &i)| n < limit || Some(articles[i].published) == cut)
            .map(|(_, &i)| (article_url(self.site, &articles[i]), i))
            .collect();
        chosen.sort_by(|(url_a, a), (url_b, b)| {
            articles[*b]
                .published
                .cmp(&articles[*a].published)
                .then_with(|| url_a.cmp(url_b))
        });
        chosen.truncate(limit);
        chosen
            .into_iter()
            .map(|(url, i)| self.entry(url, &articles[i]))
            .collect()
    }

    fn entry(&self, url: String, a: &Article) -> Result<FeedEntry> {
        let content_html = if self.config.full_content {
            Some(self.bodies.get(a.body)?)
        } else {
            None
        };
        Ok(FeedEntry {
            url,
            title: a.title.clone(),
            external_url: a.link.clone(),
            published: a.published,
            dated: a.dated,
            updated: a.updated.map_or(a.published, |u| u.max(a.published)),
            authors: a.authors.iter().map(|n| n.display.clone()).collect(),
            tags: a.tags.iter().map(|n| n.display.clone()).collect(),
            summary: a.summary.clone(),
            content_html,
        })
    }
}

/// One edition as a feed entry: dated by its newest article, summarized by
/// the editor's introduction (else its titles), and with full content the
/// introduction followed by links to its articles.
fn edition_entry(digest: &Digest, site: &SiteInfo, e: &Edition, full: bool) -> FeedEntry {
    let articles: Vec<&Article> = e.articles.iter().map(|&i| &digest.articles[i]).collect();
    let published = articles
        .iter()
        .map(|a| a.published)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let updated = articles
        .iter()
        .map(|a| a.updated.unwrap_or(a.published).max(a.published))
        .max()
        .unwrap_or(published);
    let intro = e.intro_html.as_deref().unwrap_or("");
    let summary = if intro.is_empty() {
        let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
        summarize(&format!(
            "{} article{}: {}",
            articles.len(),
            if articles.len() == 1 { "" } else { "s" },
            titles.join("; ")
        ))
    } else {
        summarize(&html_to_text(intro))
    };
    let content_html = full.then(|| {
        let escape = |s: &str| quick_xml::escape::escape(s).into_owned();
        let items: String = articles
            .iter()
            .map(|a| {
                format!(
                    "<li><a href=\"{}\">{}</a> — {}</li>",
                    escape(&article_url(site, a)),
                    escape(&a.title),
                    escape(&digest.sources[a.source].name)
                )
            })
            .collect();
        format!("{intro}<ul>{items}</ul>")
    });
    FeedEntry {
        url: format!("{}{EDITIONS_PATH}{}/", site.base_url, e.key.id),
        title: e.title.clone(),
        external_url: None,
        published,
        dated: true,
        updated,
        authors: Vec::new(),
        tags: Vec::new(),
        summary,
        content_html,
    }
}

/// The sources as an OPML 2.0 blogroll a feed reader can import: each
/// source's own feed (`sources.<file>.feed_url`, else the snapshot's
/// `rel="self"` link), else this site's feed of the source.
fn opml(digest: &Digest, site: &SiteInfo) -> io::Result<Vec<u8>> {
    let mut w = xml::document()?;
    xml::element(&mut w, "opml", &[("version", "2.0")], |w| {
        xml::element(w, "head", &[], |w| {
            xml::text_element(w, "title", &[], &format!("{}: sources", site.title))?;
            xml::text_element(w, "docs", &[], "https://opml.org/spec2.opml")
        })?;
        xml::element(w, "body", &[], |w| {
            for s in &digest.sources {
                let own_feed = format!("{}sources/{}/{ATOM_FILE}", site.base_url, s.slug);
                let mut attrs = vec![
                    ("type", "rss"),
                    ("text", s.name.as_str()),
                    ("title", s.name.as_str()),
                    ("xmlUrl", s.feed_url.as_deref().unwrap_or(&own_feed)),
                ];
                if let Some(home) = &s.homepage {
                    attrs.push(("htmlUrl", home));
                }
                xml::empty_element(w, "outline", &attrs)?;
            }
            Ok(())
        })
    })?;
    Ok(xml::finish(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn site() -> SiteInfo {
        SiteInfo {
            title: "Digest".into(),
            description: "All the news".into(),
            language: "en".into(),
            base_url: "https://digest.example/".into(),
            root: "/".into(),
            timezone: chrono_tz::UTC,
            extra: Default::default(),
        }
    }

    fn entry(url: &str, day: u32) -> FeedEntry {
        let published = Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap();
        FeedEntry {
            url: url.into(),
            title: format!("Title of {url}"),
            external_url: None,
            published,
            dated: true,
            updated: published,
            authors: vec![],
            tags: vec![],
            summary: String::new(),
            content_html: None,
        }
    }

    fn parse(bytes: &[u8]) -> feed_rs::model::Feed {
        feed_rs::parser::parse(bytes).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(bytes));
        })
    }

    #[test]
    fn entries_are_ordered_by_date_then_url_and_updated_is_the_newest() {
        let entries = [
            entry("https://digest.example/b/", 2),
            entry("https://digest.example/c/", 1),
            entry("https://digest.example/a/", 2),
        ];
        let spec = FeedSpec {
            path: "atom.xml",
            title: "Digest",
            alternate_path: "",
            entries: &entries,
        };
        for bytes in [
            atom_xml(&site(), &spec).unwrap(),
            json_feed(&site(), &spec).unwrap(),
        ] {
            let feed = parse(&bytes);
            let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
            assert_eq!(
                ids,
                [
                    "https://digest.example/a/",
                    "https://digest.example/b/",
                    "https://digest.example/c/"
                ]
            );
        }
        let feed = parse(&atom_xml(&site(), &spec).unwrap());
        assert_eq!(
            feed.updated,
            Some(Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap())
        );
    }

    #[test]
    fn an_empty_feed_is_dated_at_the_epoch_not_now() {
        let spec = FeedSpec {
            path: "atom.xml",
            title: "Digest",
            alternate_path: "",
            entries: &[],
        };
        let xml = String::from_utf8(atom_xml(&site(), &spec).unwrap()).unwrap();
        assert!(
            xml.contains("<updated>1970-01-01T00:00:00Z</updated>"),
            "{xml}"
        );
        assert!(parse(xml.as_bytes()).entries.is_empty());
    }

    #[test]
    fn hostile_strings_are_escaped_and_illegal_characters_removed() {
        let mut e = entry("https://digest.example/x/?a=1&b=2", 1);
        e.title = "</title><script>alert(1)</script> \u{1}bell\u{b}".into();
        e.authors = vec!["A & B <ab@example>".into()];
        e.tags = vec!["c\"++\u{FFFE}".into()];
        e.content_html = Some("<p>x\u{0}y</p><![CDATA[ ]]>".into());
        let spec = FeedSpec {
            path: "atom.xml",
            title: "T\u{1b}",
            alternate_path: "",
            entries: std::slice::from_ref(&e),
        };
        for bytes in [
            atom_xml(&site(), &spec).unwrap(),
            json_feed(&site(), &spec).unwrap(),
        ] {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(text.chars().all(crate::text::is_xml_char), "{text}");
            let feed = parse(&bytes);
            let got = &feed.entries[0];
            assert_eq!(
                got.title.as_ref().unwrap().content,
                "</title><script>alert(1)</script> bell"
            );
            assert_eq!(got.authors[0].name.as_deref(), Some("A & B <ab@example>"));
            assert_eq!(got.categories[0].term, "c\"++");
            assert_eq!(
                got.content.as_ref().unwrap().body.as_deref(),
                Some("<p>xy</p><![CDATA[ ]]>")
            );
        }
    }
}
