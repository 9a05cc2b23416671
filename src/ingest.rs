//! Stage 2: read one snapshot and parse it with feed-rs into plain, still
//! untrusted, records. Nothing here is trusted yet: every string may hold
//! markup, control characters or hostile URLs; later stages clean them.

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Feed, Text};

use crate::limits::{cut_body, TITLE_MARKUP};
use crate::parser_bounds::bound_feed_parser;
use crate::text::html_to_text;

/// A parsed snapshot: the feed's own metadata and its entries.
#[derive(Debug, Clone, Default)]
pub struct ParsedFeed {
    pub title: Option<String>,
    /// The feed's own link to its website, unchecked.
    pub homepage: Option<String>,
    /// The feed's `rel="self"` link (where it is published), unchecked.
    pub feed_url: Option<String>,
    /// The feed's own `updated`/`lastBuildDate` (or `published`), if any.
    pub date: Option<DateTime<Utc>>,
    pub authors: Vec<String>,
    pub entries: Vec<RawEntry>,
}

/// One entry as the feed gave it.
#[derive(Debug, Clone, Default)]
pub struct RawEntry {
    /// The entry's guid/id; empty when the feed gave none.
    pub guid: String,
    /// Plain text (markup stripped, entities decoded once), not yet trimmed.
    pub title: Option<String>,
    /// Candidate links to the original, best first, unchecked.
    pub links: Vec<String>,
    /// `xml:base` in scope for the entry, unchecked.
    pub base: Option<String>,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// HTML body: the content, else the summary; untrusted.
    pub body: String,
}

/// Reads a snapshot, refusing files larger than `max_bytes` before reading them whole.
pub fn read_snapshot(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).context("opening the file")?;
    // Sized to the file up front: grown from empty, a snapshot of a few MB
    // would be copied a dozen times into ever larger fresh memory.
    let size = file.metadata().map_or(0, |m| m.len()).min(max_bytes + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .context("reading the file")?;
    if bytes.len() as u64 > max_bytes {
        bail!(
            "the snapshot is larger than limits.max_snapshot_bytes ({max_bytes} bytes); raise the limit in site.yaml if it is genuine"
        );
    }
    Ok(bytes)
}

/// Parses snapshot bytes (RSS 0.9x/1.0/2.0, Atom, JSON Feed).
///
/// feed-rs and its XML parser can panic on hostile input; the panic is caught
/// here and reported like any other parse error so one bad snapshot cannot
/// take the build down. Input that would overflow feed-rs's stack or memory
/// is refused before it reads it ([`bound_feed_parser`]), and input that
/// nests deep is read on a stack big enough.
pub fn parse_snapshot(bytes: &[u8]) -> Result<ParsedFeed> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        bail!("the file is empty: it holds no feed");
    }
    let utf8 = utf16_to_utf8(bytes);
    let bytes = utf8.as_deref().unwrap_or(bytes);
    let depth = guarded(|| bound_feed_parser(bytes)).map_err(|_| crashed())??;
    if depth <= NESTING_ON_ANY_STACK {
        return parse_feed(bytes);
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(DEEP_PARSER_STACK_BYTES)
            .spawn_scoped(scope, || parse_feed(bytes))
            .context("starting a thread to parse the snapshot")?
            .join()
            .unwrap_or_else(|_| Err(crashed()))
    })
}

/// How deep a snapshot may nest to be parsed on the caller's stack. feed-rs
/// recurses once per level of some elements (`media:group`,
/// `itunes:category`), with about 2 KB of stack a level (6 KB in a debug
/// build), and so does dropping what it made: 64 levels fit in a quarter of
/// the 2 MB a Rust thread gets. A real feed nests about 20 deep.
const NESTING_ON_ANY_STACK: u32 = 64;

/// The stack a deeper snapshot is parsed on, a thread of its own: room for
/// [`MAX_SNAPSHOT_NESTING`](crate::parser_bounds::MAX_SNAPSHOT_NESTING)
/// levels in a debug build. Only what the snapshot uses is touched. (Every
/// snapshot on a thread of its own made a 10,000-article build 0.5 s slower:
/// each thread's allocations start from fresh memory.)
const DEEP_PARSER_STACK_BYTES: usize = 64 << 20;

fn parse_feed(bytes: &[u8]) -> Result<ParsedFeed> {
    let parser = feed_rs::parser::Builder::new()
        // feed-rs falls back to a random UUID for entries without an id or
        // link, which would make builds differ; an empty id is filled in
        // deterministically by the normalize stage instead.
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = guarded(|| parser.parse(bytes))
        .map_err(|_| crashed())?
        .map_err(|e| anyhow!("not a valid RSS, Atom or JSON feed: {e}"))?;
    Ok(convert_feed(feed))
}

fn crashed() -> anyhow::Error {
    anyhow!(
        "the feed parser crashed on this file (a bug in feed-rs); the file is probably malformed"
    )
}

/// A UTF-16 snapshot (known by its byte order mark) as UTF-8 bytes with its
/// XML declaration saying so: the XML parser reads only ASCII-compatible
/// encodings, and panics on some UTF-16 input.
fn utf16_to_utf8(bytes: &[u8]) -> Option<Vec<u8>> {
    let (encoding, _) = encoding_rs::Encoding::for_bom(bytes)?;
    if encoding == encoding_rs::UTF_8 {
        return None;
    }
    let (text, _) = encoding.decode_with_bom_removal(bytes);
    let text = match text
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split_once("?>"))
    {
        Some((decl, rest)) => {
            let decl: String = decl
                .split_whitespace()
                .filter(|attr| !attr.starts_with("encoding"))
                .collect::<Vec<_>>()
                .join(" ");
            format!("<?xml {decl}?>{rest}")
        }
        None => text.into_owned(),
    };
    Some(text.into_bytes())
}

thread_local! {
    static IN_GUARD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into an error. The panic message is kept off
/// the terminal (see [`install_panic_hook`]): the caller reports the failure
/// with the file it concerns.
pub fn guarded<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    IN_GUARD.with(|g| g.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_GUARD.with(|g| g.set(false));
    result
}

/// Installs a panic hook that stays silent for panics [`guarded`] catches
/// and reports every other panic as before.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_GUARD.with(|g| g.get()) {
            default(info);
        }
    }));
}

fn convert_feed(feed: Feed) -> ParsedFeed {
    let homepage = feed
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or(feed.links.first())
        .map(|l| l.href.clone());
    let feed_url = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("self"))
        .map(|l| l.href.clone());
    ParsedFeed {
        title: feed.title.as_ref().map(text_to_plain),
        homepage,
        feed_url,
        date: feed.updated.or(feed.published),
        authors: feed.authors.iter().filter_map(|p| p.name.clone()).collect(),
        entries: feed.entries.into_iter().map(convert_entry).collect(),
    }
}

fn convert_entry(entry: Entry) -> RawEntry {
    // Only alternate links (or links without a rel) name the original
    // article: an `enclosure` (an mp3), `self` or `replies` link is not the
    // page to credit, nor the base of the body's relative URLs.
    let links = entry
        .links
        .iter()
        .filter(|l| matches!(l.rel.as_deref(), None | Some("alternate")));
    let body = entry
        .content
        .and_then(|c| c.body)
        .filter(|b| !b.trim().is_empty())
        .or(entry.summary.map(|s| s.content))
        .unwrap_or_default();
    RawEntry {
        guid: entry.id,
        title: entry.title.as_ref().map(text_to_plain),
        links: links.map(|l| l.href.clone()).collect(),
        base: entry.base,
        authors: entry.authors.into_iter().filter_map(|p| p.name).collect(),
        categories: entry
            .categories
            .into_iter()
            .map(|c| c.label.filter(|l| !l.trim().is_empty()).unwrap_or(c.term))
            .collect(),
        published: entry.published,
        updated: entry.updated,
        body,
    }
}

/// Titles may be typed `html` (Atom) and then carry markup and entities;
/// plain-text titles are already decoded by the XML parser and must not be
/// decoded a second time. The markup is cut first, as a body is: the HTML
/// parser's time grows with the square of its nesting.
fn text_to_plain(text: &Text) -> String {
    if text.content_type.subty() == "html" || text.content_type.subty() == "xhtml" {
        let (markup, _) = cut_body(&text.content, TITLE_MARKUP);
        html_to_text(markup)
    } else {
        text.content.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_entry_fields_are_extracted() {
        let xml = r#"<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
            <title>Blog</title><link>https://blog.example/</link>
            <item><title>Vec&lt;T&gt; tips</title><link>https://blog.example/a</link>
            <guid>g1</guid><dc:creator>Ann</dc:creator><category>Rust</category>
            <pubDate>Wed, 13 May 2026 12:01:16 +0000</pubDate>
            <description>&lt;p&gt;Hello&lt;/p&gt;</description></item></channel></rss>"#;
        let feed = parse_snapshot(xml.as_bytes()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Blog"));
        let e = &feed.entries[0];
        assert_eq!(e.title.as_deref(), Some("Vec<T> tips"));
        assert_eq!(e.guid, "g1");
        assert_eq!(e.links[0], "https://blog.example/a");
        assert_eq!(e.authors, ["Ann"]);
        assert_eq!(e.categories, ["Rust"]);
        assert_eq!(e.body, "<p>Hello</p>");
        assert!(e.published.is_some());
    }

    #[test]
    fn the_feeds_own_address_is_its_self_link() {
        let xml = r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
            <title>Blog</title><link>https://blog.example/</link>
            <atom:link rel="self" type="application/rss+xml" href="https://blog.example/feed"/>
            </channel></rss>"#;
        let feed = parse_snapshot(xml.as_bytes()).unwrap();
        assert_eq!(feed.homepage.as_deref(), Some("https://blog.example/"));
        assert_eq!(feed.feed_url.as_deref(), Some("https://blog.example/feed"));
        let bare = r#"<rss version="2.0"><channel><title>B</title><link>https://b.example/</link></channel></rss>"#;
        assert_eq!(parse_snapshot(bare.as_bytes()).unwrap().feed_url, None);
    }

    #[test]
    fn only_alternate_links_name_the_original() {
        let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
            <entry><id>x</id><title>Episode</title>
            <link rel="enclosure" href="https://cdn.example/a.mp3"/><link rel="self" href="https://blog.example/x.atom"/></entry>
            <entry><id>y</id><title>Post</title>
            <link rel="enclosure" href="https://cdn.example/b.mp3"/><link href="https://blog.example/post"/></entry></feed>"#;
        let feed = parse_snapshot(xml.as_bytes()).unwrap();
        assert!(
            feed.entries[0].links.is_empty(),
            "{:?}",
            feed.entries[0].links
        );
        assert_eq!(feed.entries[1].links, ["https://blog.example/post"]);
    }

    #[test]
    fn atom_html_title_is_stripped_to_text() {
        let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
            <entry><id>x</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more</title></entry></feed>"#;
        let feed = parse_snapshot(xml.as_bytes()).unwrap();
        assert_eq!(feed.entries[0].title.as_deref(), Some("Bold & more"));
    }

    #[test]
    fn entries_without_id_or_link_get_empty_guid_not_a_random_one() {
        let xml = r#"<rss version="2.0"><channel><title>F</title><item><description>x</description></item></channel></rss>"#;
        assert_eq!(parse_snapshot(xml.as_bytes()).unwrap().entries[0].guid, "");
    }

    #[test]
    fn utf16_snapshots_are_transcoded() {
        let xml = r#"<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>Été</title></channel></rss>"#;
        let mut le = vec![0xFF, 0xFE];
        le.extend(xml.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let mut be = vec![0xFE, 0xFF];
        be.extend(xml.encode_utf16().flat_map(|u| u.to_be_bytes()));
        for bytes in [le, be] {
            assert_eq!(
                parse_snapshot(&bytes).unwrap().title.as_deref(),
                Some("Été")
            );
        }
    }

    #[test]
    fn genuine_xml_base_resolves_links() {
        let entries =
            r#"<entry xml:base="posts/"><id>e</id><link href="two/"/></entry>"#.repeat(500);
        let xml = format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/blog/"><title>F</title><id>f</id><entry xml:base="posts/"><id>e</id><title>T</title><link href="one/"/></entry>{entries}</feed>"#
        );
        let feed = parse_snapshot(xml.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 501);
        assert_eq!(feed.entries[0].links, ["https://b.example/blog/posts/one/"]);
        assert_eq!(
            feed.entries[500].links,
            ["https://b.example/blog/posts/two/"]
        );
    }

    #[test]
    fn a_snapshot_nested_as_deep_as_allowed_is_parsed_whatever_the_callers_stack() {
        // 1,020 nested groups need about 6 MB of stack in a debug build; this
        // test's thread has 2 MB.
        let xml = format!(
            r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>M</title><item><title>Deep</title>{}{}</item></channel></rss>"#,
            "<media:group>".repeat(1020),
            "</media:group>".repeat(1020)
        );
        let feed = parse_snapshot(xml.as_bytes()).unwrap();
        assert_eq!(feed.entries[0].title.as_deref(), Some("Deep"));
    }

    #[test]
    fn an_html_title_is_cut_like_a_body_before_its_text_is_taken() {
        let deep = format!(
            "&lt;b&gt;Kept&lt;/b&gt;{}cut",
            "&lt;span&gt;".repeat(2 * crate::limits::DEFAULT_MAX_BODY_NESTING)
        );
        let xml = format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><id>x</id><title type="html">{deep}</title></entry></feed>"#
        );
        let feed = parse_snapshot(xml.as_bytes()).unwrap();
        assert_eq!(feed.entries[0].title.as_deref(), Some("Kept"));
    }

    #[test]
    fn garbage_and_empty_files_are_errors() {
        assert!(parse_snapshot(b"").is_err());
        assert!(parse_snapshot(b"   \n").is_err());
        assert!(parse_snapshot(b"hello world").is_err());
        assert!(parse_snapshot(b"<html><body>not a feed</body></html>").is_err());
    }
}
