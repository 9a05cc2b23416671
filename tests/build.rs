//! End-to-end builds of fixture sites: the pages a reader gets.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;

/// The seed entries as an independent parser sees them.
struct SeedEntry {
    title: String,
    authors: Vec<String>,
    published: String,
    categories: Vec<String>,
}

fn seed_entries() -> Vec<SeedEntry> {
    let mut out = Vec::new();
    for (_, path) in seed_files() {
        let feed = feed_rs::parser::parse(std::fs::File::open(path).unwrap()).unwrap();
        for e in feed.entries {
            out.push(SeedEntry {
                title: e.title.unwrap().content.trim().to_string(),
                authors: e.authors.into_iter().filter_map(|p| p.name).collect(),
                published: e
                    .published
                    .unwrap()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                categories: e.categories.into_iter().map(|c| c.term).collect(),
            });
        }
    }
    out
}

/// Maps each article page's `<h1>` to its URL path.
fn article_pages(f: &Fixture) -> BTreeMap<String, String> {
    let mut pages = BTreeMap::new();
    for entry in std::fs::read_dir(f.public().join("articles")).unwrap() {
        let slug = entry.unwrap().file_name().to_string_lossy().into_owned();
        let url = format!("/articles/{slug}/");
        let doc = f.page(&url);
        let h1 = text_of(&select(&doc, "h1")[0]);
        assert!(
            pages.insert(h1.clone(), url).is_none(),
            "two pages titled {h1}"
        );
    }
    pages
}

#[test]
fn every_seed_entry_has_a_page_with_title_authors_date_and_tags() {
    let f = Fixture::seeds(SITE_YAML);
    let summary = f.build().unwrap();
    let entries = seed_entries();
    assert_eq!(entries.len(), 22);
    assert_eq!(summary.articles, 22);
    let pages = article_pages(&f);
    assert_eq!(pages.len(), 22);
    for e in &entries {
        let url = pages
            .get(&e.title)
            .unwrap_or_else(|| panic!("no page titled {:?}", e.title));
        let doc = f.page(url);
        let authors: Vec<String> = select(&doc, ".article-header .meta-authors a")
            .iter()
            .map(text_of)
            .collect();
        assert_eq!(authors, e.authors, "{url}");
        let times: Vec<&str> = select(&doc, ".article-header time")
            .iter()
            .filter_map(|t| t.value().attr("datetime"))
            .collect();
        assert!(
            times.contains(&e.published.as_str()),
            "{url}: {times:?} lacks {}",
            e.published
        );
        let tags: BTreeSet<String> = select(&doc, ".article-header .tag-list a")
            .iter()
            .map(text_of)
            .collect();
        let expected: BTreeSet<String> = e.categories.iter().cloned().collect();
        assert_eq!(tags, expected, "{url}");
        let canonical = hrefs(&doc, r#"link[rel="canonical"]"#);
        assert_eq!(canonical.len(), 1, "{url}");
        assert!(canonical[0].starts_with("https://"), "{url}");
    }
}

#[test]
fn index_is_newest_first_and_paginated() {
    let f = Fixture::seeds(SITE_YAML);
    f.build().unwrap();
    let listed = collect_paginated(&f, "/");
    assert_eq!(listed.len(), 22);
    assert_eq!(
        listed.iter().collect::<BTreeSet<_>>().len(),
        22,
        "an article is listed twice"
    );
    let dates: Vec<String> = listed
        .iter()
        .map(|url| {
            select(&f.page(url), ".article-header time")[0]
                .value()
                .attr("datetime")
                .unwrap()
                .to_string()
        })
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "the archive is not newest first");
    assert!(
        f.public().join("page/8/index.html").exists(),
        "22 articles at 3 per page make 8 pages"
    );
    assert!(!f.public().join("page/9").exists());
}

#[test]
fn tag_and_author_pages_list_exactly_their_articles() {
    let f = Fixture::seeds(&format!(
        "{SITE_YAML}curation:\n  tag_aliases:\n    k8s: kubernetes\n    node: Node.js\n"
    ));
    f.build().unwrap();
    let pages = article_pages(&f);
    let mut by_tag: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut by_author: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in seed_entries() {
        let url = pages[&e.title].clone();
        for c in &e.categories {
            let name = match c.as_str() {
                "node" => "Node.js".to_string(),
                other => other.to_string(),
            };
            by_tag.entry(name).or_default().insert(url.clone());
        }
        for a in &e.authors {
            by_author.entry(a.clone()).or_default().insert(url.clone());
        }
    }
    let check = |index: &str, expected: &BTreeMap<String, BTreeSet<String>>| {
        let doc = f.page(index);
        let links: Vec<(String, String)> = select(&doc, "main li a")
            .iter()
            .filter(|a| {
                a.value()
                    .attr("href")
                    .is_some_and(|h| h.starts_with(index) && h != index)
            })
            .map(|a| (a.value().attr("href").unwrap().to_string(), text_of(a)))
            .collect();
        assert_eq!(links.len(), expected.len(), "{index} lists {links:?}");
        for (href, label) in links {
            let name = expected
                .keys()
                .find(|k| **k == label)
                .unwrap_or_else(|| panic!("{index}: unexpected {label}"));
            let listed: Vec<String> = collect_paginated(&f, &href);
            let listed_set: BTreeSet<String> = listed.iter().cloned().collect();
            assert_eq!(
                listed.len(),
                listed_set.len(),
                "{href} lists an article twice"
            );
            assert_eq!(&listed_set, &expected[name], "{href}");
            let heading = text_of(&select(&f.page(&href), "main h1")[0]);
            assert_eq!(heading, *name, "{href}");
        }
    };
    assert!(by_tag.contains_key("Node.js"));
    check("/tags/", &by_tag);
    check("/authors/", &by_author);
}

#[test]
fn an_article_reached_through_two_feeds_appears_once_in_its_richer_copy() {
    // The planet feed links the same post with another spelling of its URL
    // (upper-case host, trailing slash, utm_* parameters, a fragment) and
    // carries only a summary; the author's own feed has the whole body.
    let own = rss(
        "Own",
        "<item><title>Shared post</title><link>https://blog.example/posts/shared</link>\
         <pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><category>rust</category>\
         <description>&lt;p&gt;The whole article, with many more words than the summary has.&lt;/p&gt;</description></item>\
         <item><title>Other post</title><link>https://blog.example/posts/other</link>\
         <pubDate>Sun, 01 Feb 2026 10:00:00 +0000</pubDate><description>Other.</description></item>",
    );
    let planet = rss(
        "Planet",
        "<item><title>Shared post</title><link>https://BLOG.example/posts/shared/?utm_source=planet&amp;utm_medium=rss#top</link>\
         <pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><description>Short.</description></item>",
    );
    let f = Fixture::new(SITE_YAML, &[("own.xml", &own), ("planet.xml", &planet)]);
    let summary = f.build().unwrap();
    assert_eq!(summary.merged_duplicates, 1);
    assert_eq!(summary.articles, 2);
    assert!(
        summary.to_string().contains("1 duplicate merged"),
        "{summary}"
    );
    let pages = article_pages(&f);
    assert_eq!(
        pages.keys().collect::<Vec<_>>(),
        ["Other post", "Shared post"]
    );
    let page = f.page(&pages["Shared post"]);
    assert!(
        text_of(&select(&page, ".article-body")[0]).contains("The whole article"),
        "the richer copy is kept"
    );
    let titles: Vec<String> = select(&f.page("/"), ".card-title a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(titles, ["Shared post", "Other post"]);
}

#[test]
fn a_malformed_snapshot_is_reported_and_skipped_and_fails_strict_builds() {
    let good = rss("Good", "<item><title>Fine</title><link>https://blog.example/fine</link><pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate></item>");
    let f = Fixture::new(
        SITE_YAML,
        &[
            ("good.xml", &good),
            (
                "broken.xml",
                b"<rss version=\"2.0\"><channel><item><title>cut off",
            ),
        ],
    );
    let summary = f.build().unwrap();
    assert_eq!(summary.articles, 1);
    assert_eq!(summary.skipped_snapshots, 1);
    assert_eq!(summary.warnings.len(), 1);
    assert!(
        summary.warnings[0].to_string().contains("broken.xml"),
        "{}",
        summary.warnings[0]
    );
    let before = tree(&f.public());

    let mut strict = f.options();
    strict.strict = true;
    let err = format!("{:#}", broadsheet::build(&strict).unwrap_err());
    assert!(
        err.contains("broken.xml") && err.contains("--strict"),
        "{err}"
    );
    assert_eq!(
        tree(&f.public()),
        before,
        "a strict failure changed the site"
    );
}

#[test]
fn hostile_fields_never_reach_a_page() {
    let items = r#"
<item>
  <title>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</title>
  <link>javascript:alert(3)</link>
  <guid>hostile-1</guid>
  <dc:creator>&lt;svg onload=alert(4)&gt;Mallory</dc:creator>
  <category>&lt;script&gt;alert(5)&lt;/script&gt;</category>
  <category>" onmouseover="alert(6)</category>
  <pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate>
  <description>&lt;p onclick="alert(7)"&gt;Body&lt;/p&gt;&lt;script&gt;alert(8)&lt;/script&gt;&lt;a href="javascript:alert(9)"&gt;j&lt;/a&gt;&lt;a href=" jav&amp;#x09;ascript:alert(10)"&gt;k&lt;/a&gt;&lt;img src="data:image/svg+xml;base64,PHN2Zz4=" alt="d"&gt;&lt;iframe src="https://evil.example/"&gt;&lt;/iframe&gt;&lt;style&gt;body{display:none}&lt;/style&gt;&lt;math&gt;&lt;mi xlink:href="javascript:alert(11)"&gt;m&lt;/mi&gt;&lt;/math&gt;&lt;form action="https://evil.example/"&gt;&lt;input name="q"&gt;&lt;/form&gt;&lt;meta http-equiv="refresh" content="0;url=https://evil.example/"&gt;</description>
</item>"#;
    let mut feed = rss("Hostile &lt;b onmouseover=alert(12)&gt;", items);
    feed = String::from_utf8(feed)
        .unwrap()
        .replace(
            "<link>https://blog.example/</link>",
            "<link>javascript:alert(13)</link>",
        )
        .into_bytes();
    let f = Fixture::new(SITE_YAML, &[("hostile.xml", &feed)]);
    f.build().unwrap();
    assert_no_script(&f);
    let pages = article_pages(&f);
    let (title, url) = pages.iter().next().unwrap();
    assert!(
        title.contains("<script>alert(1)</script>"),
        "the title is shown as text: {title}"
    );
    let doc = f.page(url);
    let canonical = hrefs(&doc, r#"link[rel="canonical"]"#);
    assert_eq!(
        canonical,
        [format!("https://digest.example{url}")],
        "without a safe link the page is its own canonical"
    );
    assert_eq!(text_of(&select(&doc, ".article-body p")[0]), "Body");
}

#[test]
fn hostile_names_stay_inside_the_output_directory() {
    let items = r#"
<item><title>../../../../escape</title><link>https://blog.example/a</link><category>../../../etc</category><category>..</category><category>c++</category><category>c#</category><category>日本語</category><category> </category><dc:creator>../../root</dc:creator></item>
<item><title>/etc/passwd</title><link>https://blog.example/b</link><category>%2e%2e%2f</category></item>
<item><title></title><link>https://blog.example/c</link></item>
<item><title>..</title><link>https://blog.example/d</link></item>"#;
    let f = Fixture::new(SITE_YAML, &[("evil.xml", &rss("../../evil", items))]);
    f.build().unwrap();
    // Only content/, themes/ and public/ exist at the root; nothing was written beside them.
    let mut top: Vec<String> = std::fs::read_dir(f.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["content", "public", "themes"]);
    let files = tree(&f.public());
    for path in files.keys() {
        assert!(
            path.split('/')
                .all(|seg| !seg.is_empty() && seg != ".." && seg != "."),
            "{path}"
        );
    }
    for tag in ["c-plus-plus", "c-sharp", "ri-ben-yu", "etc"] {
        assert!(
            files.contains_key(&format!("tags/{tag}/index.html")),
            "no page for tag {tag}"
        );
    }
    assert_eq!(
        std::fs::read_dir(f.public().join("articles"))
            .unwrap()
            .count(),
        4
    );
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let f = Fixture::seeds(SITE_YAML);
    f.build().unwrap();
    let before = tree(&f.public());
    std::fs::write(f.root().join("themes/default/templates/article.html"), "{% extends \"base.html\" %}{% block content %}{{ article.title | nosuchfilter }}{% endblock content %}").unwrap();
    let err = format!("{:#}", f.build().unwrap_err());
    assert!(err.contains("article.html"), "{err}");
    assert_eq!(tree(&f.public()), before);
    let leftovers: Vec<_> = std::fs::read_dir(f.root())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let f = Fixture::seeds(SITE_YAML);
    let mut a = f.options();
    a.output = Some(f.root().join("out-a"));
    let mut b = f.options();
    b.output = Some(f.root().join("elsewhere/out-b"));
    broadsheet::build(&a).unwrap();
    broadsheet::build(&b).unwrap();
    let (ta, tb) = (
        tree(&f.root().join("out-a")),
        tree(&f.root().join("elsewhere/out-b")),
    );
    assert!(ta.len() > 50);
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(bytes == &tb[path], "{path} differs between builds");
    }
}

#[test]
fn base_url_override_changes_links_and_is_checked() {
    let f = Fixture::seeds(SITE_YAML);
    let mut opts = f.options();
    opts.base_url = Some("https://deploy-preview-7--digest.netlify.app/sub".into());
    broadsheet::build(&opts).unwrap();
    let doc = f.page("/");
    assert!(hrefs(&doc, ".card .card-title a")
        .iter()
        .all(|h| h.starts_with("/sub/articles/")));
    opts.base_url = Some("javascript:alert(1)".into());
    let err = format!("{:#}", broadsheet::build(&opts).unwrap_err());
    assert!(
        err.contains("--base-url") && err.contains("base_url"),
        "{err}"
    );
}
