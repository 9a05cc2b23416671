//! Feeds out, discovery and search: what feed readers, crawlers and the
//! search page get from a built site.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use common::*;
use feed_rs::model::{Entry, Feed};

const BASE: &str = "https://digest.example/";

/// Six articles from two snapshots. Charlie and Delta share a date; their
/// original links sort the other way round from their pages' URLs, so the
/// archive (ordered by original link) and the feeds (ordered by page URL)
/// disagree about them. Golf was updated after it was published.
fn dated_site(feeds_yaml: &str) -> Fixture {
    let item = |title: &str, link: &str, date: &str, tags: &[&str]| {
        let cats: String = tags
            .iter()
            .map(|t| format!("<category>{t}</category>"))
            .collect();
        format!(
            "<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate>\
             <dc:creator>Ann</dc:creator>{cats}<description>&lt;h2&gt;Part one&lt;/h2&gt;&lt;p&gt;Words about {title} and more words.&lt;/p&gt;&lt;p&gt;&lt;a href=\"#fc-x\"&gt;jump&lt;/a&gt;&lt;/p&gt;</description></item>"
        )
    };
    let items = [
        item(
            "Alpha",
            "https://blog.example/alpha",
            "Sun, 01 Feb 2026 10:00:00 +0000",
            &["rust"],
        ),
        item(
            "Bravo",
            "https://blog.example/bravo",
            "Tue, 03 Feb 2026 10:00:00 +0000",
            &["rust", "go"],
        ),
        item(
            "Charlie",
            "https://blog.example/z-charlie",
            "Thu, 05 Feb 2026 10:00:00 +0000",
            &["go"],
        ),
        item(
            "Delta",
            "https://blog.example/a-delta",
            "Thu, 05 Feb 2026 10:00:00 +0000",
            &["rust"],
        ),
        item(
            "Echo",
            "https://blog.example/echo",
            "Fri, 06 Feb 2026 10:00:00 +0000",
            &[],
        ),
    ]
    .concat();
    let rss = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Blog</title><link>https://blog.example/</link>
<atom:link rel="self" type="application/rss+xml" href="https://blog.example/feed.xml"/>
<lastBuildDate>Tue, 10 Feb 2026 00:00:00 +0000</lastBuildDate>{items}</channel></rss>"#
    );
    let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Other</title><id>urn:other</id>
<link rel="alternate" href="https://other.example/"/><updated>2026-02-20T00:00:00Z</updated>
<entry><id>https://other.example/golf</id><title>Golf</title><link rel="alternate" href="https://other.example/golf"/>
<published>2026-02-04T10:00:00Z</published><updated>2026-02-09T08:30:00Z</updated>
<author><name>Gil</name></author><category term="rust"/><content type="html">&lt;p&gt;Golf words.&lt;/p&gt;</content></entry>
</feed>"#;
    Fixture::new(
        &format!("title: Test Digest\ndescription: Tests.\nbase_url: {BASE}\ntimezone: UTC\nper_page: 2\n{feeds_yaml}"),
        &[("blog.xml", rss.as_bytes()), ("other.atom", atom.as_bytes())],
    )
}

fn read(f: &Fixture, path: &str) -> Vec<u8> {
    std::fs::read(f.public().join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// Parses an output feed with feed-rs, failing the test if it does not parse.
fn parse_feed(f: &Fixture, path: &str) -> Feed {
    let bytes = read(f, path);
    feed_rs::parser::parse(bytes.as_slice()).unwrap_or_else(|e| {
        panic!(
            "{path} does not parse: {e}\n{}",
            String::from_utf8_lossy(&bytes)
        )
    })
}

fn link(e: &Entry, rel: &str) -> Option<String> {
    e.links
        .iter()
        .find(|l| l.rel.as_deref().unwrap_or("alternate") == rel)
        .map(|l| l.href.clone())
}

fn titles(feed: &Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

/// The site path of an absolute URL under [`BASE`].
fn site_path(url: &str) -> &str {
    url.strip_prefix(BASE.trim_end_matches('/'))
        .unwrap_or_else(|| panic!("{url} is not under {BASE}"))
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Asserts that `feed`'s entries are ordered by date, newest first, then by URL.
fn assert_feed_order(name: &str, feed: &Feed) {
    let keys: Vec<(DateTime<Utc>, String)> = feed
        .entries
        .iter()
        .map(|e| {
            (
                e.published.or(e.updated).unwrap(),
                link(e, "alternate").unwrap(),
            )
        })
        .collect();
    for pair in keys.windows(2) {
        assert!(
            pair[0].0 > pair[1].0 || pair[0].0 == pair[1].0 && pair[0].1 < pair[1].1,
            "{name}: {pair:?} out of order"
        );
    }
}

#[test]
fn the_site_feeds_hold_the_newest_entries_by_date_then_url() {
    let f = dated_site("feeds:\n  limit: 4\n");
    f.build().unwrap();
    for path in ["atom.xml", "feed.json"] {
        let feed = parse_feed(&f, path);
        assert_eq!(
            titles(&feed),
            ["Echo", "Charlie", "Delta", "Golf"],
            "{path}: the four newest, Charlie before Delta by URL"
        );
        assert_feed_order(path, &feed);
        for e in &feed.entries {
            let page = link(e, "alternate").unwrap();
            let doc = f.page(site_path(&page));
            assert_eq!(
                text_of(&select(&doc, "h1")[0]),
                e.title.as_ref().unwrap().content,
                "{path}: {page}"
            );
            assert_eq!(e.id, page, "{path}: the id is the page's URL");
            let summary = e
                .summary
                .as_ref()
                .map(|s| s.content.clone())
                .unwrap_or_default();
            assert!(summary.contains("words"), "{path}: {summary:?}");
        }
    }
    let atom = parse_feed(&f, "atom.xml");
    assert_eq!(
        atom.updated,
        Some(utc("2026-02-09T08:30:00Z")),
        "the newest entry's date (Golf's update), not the build's"
    );
    let golf = &atom.entries[3];
    assert_eq!(golf.published, Some(utc("2026-02-04T10:00:00Z")));
    assert_eq!(golf.updated, Some(utc("2026-02-09T08:30:00Z")));
    assert_eq!(
        link(golf, "related").as_deref(),
        Some("https://other.example/golf")
    );
    assert_eq!(golf.authors[0].name.as_deref(), Some("Gil"));
    assert_eq!(golf.categories[0].term, "rust");
    assert!(golf.content.is_none(), "summary and link by default");
    let self_link = atom.links.iter().find(|l| l.rel.as_deref() == Some("self"));
    assert_eq!(self_link.unwrap().href, format!("{BASE}atom.xml"));

    let json: serde_json::Value = serde_json::from_slice(&read(&f, "feed.json")).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], format!("{BASE}feed.json"));
    assert_eq!(json["home_page_url"], BASE);
    for item in json["items"].as_array().unwrap() {
        assert!(item["content_text"].is_string() && item["content_html"].is_null());
        assert!(item["external_url"]
            .as_str()
            .unwrap()
            .starts_with("https://"));
    }
}

#[test]
fn the_limit_cuts_between_articles_of_the_same_date_by_url() {
    let f = dated_site("feeds:\n  limit: 2\n");
    f.build().unwrap();
    // The archive lists Delta before Charlie (by original link); the feed
    // takes Charlie, whose page URL comes first.
    let archive: Vec<String> = collect_paginated(&f, "/")
        .iter()
        .map(|url| text_of(&select(&f.page(url), "h1")[0]))
        .collect();
    assert_eq!(archive[..3], ["Echo", "Delta", "Charlie"]);
    assert_eq!(titles(&parse_feed(&f, "atom.xml")), ["Echo", "Charlie"]);
    assert_eq!(titles(&parse_feed(&f, "feed.json")), ["Echo", "Charlie"]);
}

#[test]
fn full_content_feeds_carry_the_article_bodies() {
    let f = dated_site("feeds:\n  full_content: true\n");
    f.build().unwrap();
    let atom = parse_feed(&f, "atom.xml");
    let json: serde_json::Value = serde_json::from_slice(&read(&f, "feed.json")).unwrap();
    assert_eq!(atom.entries.len(), 6);
    for (e, item) in atom.entries.iter().zip(json["items"].as_array().unwrap()) {
        let page = link(e, "alternate").unwrap();
        let doc = f.page(site_path(&page));
        let body = &select(&doc, ".article-body")[0];
        let content = e.content.as_ref().and_then(|c| c.body.clone()).unwrap();
        let from_feed = scraper::Html::parse_fragment(&content);
        assert_eq!(
            text_of(&from_feed.root_element()),
            text_of(body),
            "{page}: the feed carries the page's body"
        );
        assert_eq!(item["content_html"].as_str().unwrap(), content);
    }
    let xml = String::from_utf8(read(&f, "atom.xml")).unwrap();
    assert!(
        xml.contains(&format!(
            "<content type=\"html\" xml:base=\"{BASE}articles/alpha/\">"
        )),
        "in-page links resolve against the article's page"
    );

    // An edition's entry links every article of the edition.
    let editions = parse_feed(&f, "editions/atom.xml");
    assert!(editions.entries.len() >= 2);
    for e in &editions.entries {
        let page = link(e, "alternate").unwrap();
        let listed: BTreeSet<String> = hrefs(&f.page(site_path(&page)), ".card .card-title a")
            .into_iter()
            .map(|u| format!("{}{u}", BASE.trim_end_matches('/')))
            .collect();
        let content = e.content.as_ref().and_then(|c| c.body.clone()).unwrap();
        let linked: BTreeSet<String> = hrefs(&scraper::Html::parse_fragment(&content), "a")
            .into_iter()
            .collect();
        assert_eq!(linked, listed, "{page}");
    }
}

#[test]
fn every_tag_author_source_and_the_editions_have_a_feed_of_their_own() {
    let f = Fixture::seeds(SITE_YAML);
    f.build().unwrap();
    let mut checked = 0;
    for (section, listing) in [
        ("tags", "/tags/"),
        ("authors", "/authors/"),
        ("sources", "/sources/"),
    ] {
        for page in hrefs(&f.page(listing), ".term-list .term-name") {
            let doc = f.page(&page);
            let feeds = hrefs(
                &doc,
                r#"link[rel="alternate"][type="application/atom+xml"]"#,
            );
            let own = format!("{BASE}{}atom.xml", page.trim_start_matches('/'));
            assert_eq!(feeds[0], own, "{page}: its own feed first");
            let feed = parse_feed(&f, site_path(&own).trim_start_matches('/'));
            let listed: BTreeSet<String> = collect_paginated(&f, &page)
                .into_iter()
                .map(|u| format!("{}{u}", BASE.trim_end_matches('/')))
                .collect();
            let in_feed: BTreeSet<String> = feed
                .entries
                .iter()
                .map(|e| link(e, "alternate").unwrap())
                .collect();
            assert_eq!(in_feed, listed, "{section} {page}");
            assert_feed_order(&own, &feed);
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} listings");

    let editions = parse_feed(&f, "editions/atom.xml");
    let listed: Vec<String> = hrefs(&f.page("/editions/"), ".edition-list .term-name")
        .into_iter()
        .map(|h| format!("{}{h}", BASE.trim_end_matches('/')))
        .collect();
    let in_feed: Vec<String> = editions
        .entries
        .iter()
        .map(|e| link(e, "alternate").unwrap())
        .collect();
    assert!(!in_feed.is_empty());
    assert_eq!(in_feed, listed, "one entry per edition, newest first");
    assert_feed_order("editions/atom.xml", &editions);
    for e in &editions.entries {
        let doc = f.page(site_path(&link(e, "alternate").unwrap()));
        assert_eq!(
            e.title.as_ref().unwrap().content,
            text_of(&select(&doc, "h1")[0])
        );
    }
}

#[test]
fn every_page_links_its_feeds_and_carries_social_metadata() {
    let f = Fixture::seeds(SITE_YAML);
    f.build().unwrap();
    let mut pages = 0;
    for (path, bytes) in tree(&f.public()) {
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        let doc = scraper::Html::parse_document(&String::from_utf8_lossy(&bytes));
        let alternates = select(&doc, r#"head link[rel="alternate"]"#);
        let types: Vec<&str> = alternates
            .iter()
            .map(|l| l.value().attr("type").unwrap())
            .collect();
        assert!(
            types.contains(&"application/atom+xml") && types.contains(&"application/feed+json"),
            "{path}: {types:?}"
        );
        for l in &alternates {
            let href = l.value().attr("href").unwrap();
            let file = site_path(href).trim_start_matches('/');
            assert!(
                f.public().join(file).is_file(),
                "{path}: {href} does not exist"
            );
            assert!(!l.value().attr("title").unwrap().is_empty(), "{path}");
        }
        let meta = |attr: &str, key: &str| -> Vec<String> {
            select(&doc, &format!(r#"meta[{attr}="{key}"]"#))
                .iter()
                .map(|m| m.value().attr("content").unwrap().to_string())
                .collect()
        };
        let og_url = meta("property", "og:url");
        assert_eq!(og_url.len(), 1, "{path}");
        assert!(og_url[0].starts_with(BASE), "{path}: {og_url:?}");
        assert_eq!(meta("property", "og:title").len(), 1, "{path}");
        assert_eq!(meta("name", "twitter:card"), ["summary"], "{path}");
        let title = meta("property", "og:title");
        assert!(!title[0].is_empty(), "{path}");
        if path.starts_with("articles/") {
            assert_eq!(meta("property", "og:type"), ["article"], "{path}");
            assert_eq!(
                title[0],
                text_of(&select(&doc, "h1")[0]),
                "{path}: og:title is the article's title"
            );
            let canonical = hrefs(&doc, r#"link[rel="canonical"]"#);
            assert!(
                canonical.len() == 1 && !canonical[0].starts_with(BASE),
                "{path}: canonical to the original, {canonical:?}"
            );
            assert!(
                !meta("property", "article:published_time").is_empty(),
                "{path}"
            );
        }
    }
    assert!(pages > 50, "{pages}");
}

#[test]
fn the_sitemap_lists_every_page_once_under_the_base_url() {
    let f = Fixture::seeds(SITE_YAML);
    let mut opts = f.options();
    let base = "https://preview.example/digest/";
    opts.base_url = Some(base.into());
    broadsheet::build(&opts).unwrap();
    let files = tree(&f.public());
    let mut expected: Vec<String> = files
        .keys()
        .filter_map(|p| p.strip_suffix("index.html"))
        .map(|dir| format!("{base}{dir}"))
        .collect();
    expected.sort();
    let xml = String::from_utf8(files["sitemap.xml"].clone()).unwrap();
    let doc = sitemap_locs(&xml);
    assert_eq!(doc, expected, "every page, once, sorted");
    assert!(expected.len() > 80);
    assert!(xml.contains(r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#));
    let robots = String::from_utf8(files["robots.txt"].clone()).unwrap();
    assert!(
        robots
            .lines()
            .any(|l| l == format!("Sitemap: {base}sitemap.xml")),
        "{robots}"
    );
}

/// The `<loc>` values of a sitemap, read with an XML parser.
fn sitemap_locs(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut locs = Vec::new();
    let mut in_loc = false;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) => in_loc = e.name().0 == "loc",
            quick_xml::events::Event::Text(t) if in_loc => {
                locs.push(t.xml10_content().into_owned());
            }
            quick_xml::events::Event::End(_) => in_loc = false,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    locs
}

#[test]
fn the_opml_blogroll_lists_every_source_with_its_own_feed() {
    let f = dated_site("sources:\n  other.atom:\n    name: Other Blog\n");
    f.build().unwrap();
    let xml = String::from_utf8(read(&f, "sources.opml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut outlines: Vec<BTreeMap<String, String>> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e)
                if e.name().0 == "outline" =>
            {
                outlines.push(
                    e.attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                a.key.0.to_string(),
                                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                    .unwrap()
                                    .into_owned(),
                            )
                        })
                        .collect(),
                );
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let sources_page = f.page("/sources/");
    let names: Vec<String> = select(&sources_page, ".term-list .term-name")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(
        outlines
            .iter()
            .map(|o| o["text"].clone())
            .collect::<Vec<_>>(),
        names,
        "every source, in the order of the sources page"
    );
    let by_name: BTreeMap<&str, &BTreeMap<String, String>> =
        outlines.iter().map(|o| (o["text"].as_str(), o)).collect();
    let blog = by_name["Blog"];
    assert_eq!(
        blog["xmlUrl"], "https://blog.example/feed.xml",
        "the snapshot's self link"
    );
    assert_eq!(blog["htmlUrl"], "https://blog.example/");
    let other = by_name["Other Blog"];
    let own_feed = other["xmlUrl"].clone();
    assert!(
        own_feed.starts_with(&format!("{BASE}sources/")) && own_feed.ends_with("/atom.xml"),
        "no self link: this site's feed of the source, {own_feed}"
    );
    assert!(f
        .public()
        .join(site_path(&own_feed).trim_start_matches('/'))
        .is_file());
    assert!(hrefs(&sources_page, "main a")
        .iter()
        .any(|h| h == "/sources.opml"));

    let g = dated_site("sources:\n  other.atom:\n    feed_url: https://other.example/feed.atom\n");
    g.build().unwrap();
    let xml = String::from_utf8(read(&g, "sources.opml")).unwrap();
    assert!(
        xml.contains(r#"xmlUrl="https://other.example/feed.atom""#),
        "{xml}"
    );
}

#[test]
fn the_search_index_covers_every_article_and_only_the_search_page_loads_a_script() {
    let f = Fixture::seeds(SITE_YAML);
    f.build().unwrap();
    let index: serde_json::Value = serde_json::from_slice(&read(&f, "search-index.json")).unwrap();
    let name_list = |key: &str| -> Vec<String> {
        index[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let (sources, authors, tags) = (
        name_list("sources"),
        name_list("authors"),
        name_list("tags"),
    );
    let records = index["articles"].as_array().unwrap();
    let listed = collect_paginated(&f, "/");
    assert_eq!(records.len(), listed.len());
    for (record, url) in records.iter().zip(&listed) {
        let r = record.as_array().unwrap();
        let record_url = format!(
            "{}{}/",
            index["articles_path"].as_str().unwrap(),
            r[1].as_str().unwrap()
        );
        assert_eq!(&record_url, url, "records in archive order");
        let doc = f.page(url);
        assert_eq!(r[0].as_str().unwrap(), text_of(&select(&doc, "h1")[0]));
        let page_tags: Vec<String> = select(&doc, ".article-header .tag-list a")
            .iter()
            .map(text_of)
            .collect();
        let record_tags: Vec<String> = r[5]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| tags[i.as_u64().unwrap() as usize].clone())
            .collect();
        assert_eq!(
            record_tags
                .iter()
                .map(|t| t.to_lowercase())
                .collect::<Vec<_>>(),
            page_tags
                .iter()
                .map(|t| t.to_lowercase())
                .collect::<Vec<_>>(),
            "{url}"
        );
        let page_authors: Vec<String> = select(&doc, ".article-header .meta-authors a")
            .iter()
            .map(text_of)
            .collect();
        let record_authors: Vec<String> = r[4]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| authors[i.as_u64().unwrap() as usize].clone())
            .collect();
        assert_eq!(record_authors, page_authors, "{url}");
        assert_eq!(
            sources[r[3].as_u64().unwrap() as usize],
            text_of(&select(&doc, ".article-header .meta-source a")[0])
        );
        assert!(
            !r[6].as_str().unwrap().is_empty(),
            "{url}: a summary to search"
        );
    }

    let search = f.page("/search/");
    let scripts = select(&search, "script");
    assert_eq!(scripts.len(), 1);
    let src = scripts[0].value().attr("src").unwrap();
    assert!(src.starts_with("/search.") && src.ends_with(".js"), "{src}");
    assert!(f.public().join(&src[1..]).is_file());
    let input = &select(&search, "#search-input")[0];
    assert_eq!(input.value().attr("data-index"), Some("/search-index.json"));
    for (path, bytes) in tree(&f.public()) {
        if path.ends_with(".html") && path != "search/index.html" {
            assert!(
                !String::from_utf8_lossy(&bytes).contains("<script"),
                "{path} loads a script"
            );
        }
    }
    assert_no_script(&f);
}
