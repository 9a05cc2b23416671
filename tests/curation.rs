//! The editor's controls, editions and Markdown pages, checked on built pages.

mod common;

use std::collections::BTreeSet;

use common::*;

/// One RSS item dated `date` (RFC 2822), linked at `https://blog.example/<slug>`.
fn item(slug: &str, title: &str, date: &str, tags: &[&str], body: &str) -> String {
    let cats: String = tags
        .iter()
        .map(|t| format!("<category>{t}</category>"))
        .collect();
    format!(
        "<item><title>{title}</title><link>https://blog.example/{slug}</link><guid>https://blog.example/{slug}</guid>\
         <pubDate>{date}</pubDate>{cats}<description>&lt;p&gt;{body}&lt;/p&gt;</description></item>"
    )
}

fn titles_on(f: &Fixture, url: &str) -> Vec<String> {
    select(&f.page(url), ".card .card-title a")
        .iter()
        .map(text_of)
        .collect()
}

fn all_titles(f: &Fixture) -> BTreeSet<String> {
    collect_paginated(f, "/")
        .iter()
        .map(|u| text_of(&select(&f.page(u), "h1")[0]))
        .collect()
}

fn blog() -> Vec<u8> {
    let items = [
        item(
            "a",
            "Alpha",
            "Mon, 02 Feb 2026 10:00:00 +0000",
            &["rust"],
            "About ownership.",
        ),
        item(
            "b",
            "Beta",
            "Tue, 03 Feb 2026 10:00:00 +0000",
            &["go"],
            "Goroutines everywhere.",
        ),
        item(
            "c",
            "Gamma sponsored",
            "Wed, 04 Feb 2026 10:00:00 +0000",
            &["rust"],
            "Buy our product.",
        ),
        item(
            "d",
            "Delta",
            "Thu, 05 Feb 2026 10:00:00 +0000",
            &["k8s"],
            "Pods and crypto mining.",
        ),
    ]
    .concat();
    rss("Blog", &items)
}

fn other() -> Vec<u8> {
    rss(
        "Other",
        &item(
            "x",
            "Xray",
            "Fri, 06 Feb 2026 10:00:00 +0000",
            &["rust"],
            "From elsewhere.",
        ),
    )
}

#[test]
fn featured_hidden_retag_and_notes_show_on_the_pages() {
    let yaml = format!(
        "{SITE_YAML}curation:
  tag_aliases: {{ k8s: kubernetes }}
  featured:
    - article: https://blog.example/a
      note: Read **this** first.
  hidden: [https://blog.example/b]
  retag:
    - article: https://blog.example/d/
      tags: [K8s, ops]
  notes:
    - article: https://blog.example/c
      note: A sponsored post, kept for the *numbers*.
"
    );
    let f = Fixture::new(&yaml, &[("blog.xml", &blog())]);
    let summary = f.build().unwrap();
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);

    let index = f.page("/");
    let featured: Vec<String> = select(&index, ".featured .card-title a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(featured, ["Alpha"]);
    let note = select(&index, ".featured .featured-note");
    assert_eq!(note.len(), 1);
    assert!(
        note[0].inner_html().contains("<strong>this</strong>"),
        "{}",
        note[0].inner_html()
    );

    assert!(
        !all_titles(&f).contains("Beta"),
        "a hidden article is listed"
    );
    assert!(
        !f.public().join("articles/beta").exists(),
        "a hidden article has a page"
    );
    assert!(
        !f.public().join("tags/go").exists(),
        "the hidden article's only tag has a page"
    );

    let delta = f.page("/articles/delta/");
    let tags: Vec<String> = select(&delta, ".article-header .tag-list a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(
        tags,
        ["kubernetes", "ops"],
        "retag replaces the tags and applies aliases"
    );

    let gamma = f.page("/articles/gamma-sponsored/");
    let note = select(&gamma, ".editor-note");
    assert_eq!(note.len(), 1);
    assert!(note[0].inner_html().contains("<em>numbers</em>"));
    let rust = f.page("/tags/rust/");
    assert_eq!(
        select(&rust, ".card .editor-note").len(),
        1,
        "the note shows in listings too"
    );
}

#[test]
fn controls_naming_unknown_articles_are_warnings_naming_the_key() {
    let yaml = format!(
        "{SITE_YAML}curation:
  featured: [{{ article: https://blog.example/nope }}]
  hidden: [no-such-guid]
  retag: [{{ article: https://elsewhere.example/a, tags: [x] }}]
  notes: [{{ article: https://blog.example/zzz, note: hi }}]
"
    );
    let f = Fixture::new(&yaml, &[("blog.xml", &blog())]);
    let summary = f.build().unwrap();
    let messages: Vec<String> = summary.warnings.iter().map(|w| w.to_string()).collect();
    for key in [
        "curation.featured[0].article",
        "curation.hidden[0]",
        "curation.retag[0].article",
        "curation.notes[0].article",
    ] {
        assert!(
            messages
                .iter()
                .any(|m| m.contains(key) && m.contains("site.yaml")),
            "no warning for {key}: {messages:?}"
        );
    }
    let mut strict = f.options();
    strict.strict = true;
    assert!(
        broadsheet::build(&strict).is_err(),
        "--strict fails on unknown articles"
    );
}

#[test]
fn include_and_exclude_filters() {
    let cases: &[(&str, &[&str])] = &[
        (
            "exclude_tags: [go]",
            &["Alpha", "Gamma sponsored", "Delta", "Xray"],
        ),
        (
            "include_tags: [rust]",
            &["Alpha", "Gamma sponsored", "Xray"],
        ),
        ("include_sources: [other.xml]", &["Xray"]),
        (
            "exclude_sources: [other.xml]",
            &["Alpha", "Beta", "Gamma sponsored", "Delta"],
        ),
        (
            "exclude_title_patterns: ['(?i)SPONSORED']",
            &["Alpha", "Beta", "Delta", "Xray"],
        ),
        (
            "include_title_patterns: ['^(Alpha|Beta)$']",
            &["Alpha", "Beta"],
        ),
        (
            "exclude_body_patterns: ['crypto']",
            &["Alpha", "Beta", "Gamma sponsored", "Xray"],
        ),
        (
            "include_body_patterns: ['(?i)goroutines|ownership']",
            &["Alpha", "Beta"],
        ),
    ];
    for (rule, expected) in cases {
        let f = Fixture::new(
            &format!("{SITE_YAML}curation:\n  {rule}\n"),
            &[("blog.xml", &blog()), ("other.xml", &other())],
        );
        let summary = f.build().unwrap();
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(all_titles(&f), expected, "{rule}");
        assert_eq!(summary.excluded, 5 - expected.len(), "{rule}");
    }
}

#[test]
fn the_per_source_cap_keeps_the_newest_per_edition() {
    // Blog has four articles in week 2026-w06; Other has one.
    let f = Fixture::new(
        &format!("{SITE_YAML}curation:\n  max_per_source_per_edition: 2\n"),
        &[("blog.xml", &blog()), ("other.xml", &other())],
    );
    f.build().unwrap();
    let titles = titles_on(&f, "/editions/2026-w06/");
    assert_eq!(
        titles,
        ["Delta", "Gamma sponsored", "Xray"],
        "by source: Blog (2 newest), then Other"
    );
}

#[test]
fn editions_group_by_iso_week_across_a_year_boundary() {
    let items = [
        item(
            "y1",
            "Sunday before",
            "Sun, 28 Dec 2025 12:00:00 +0000",
            &[],
            "x",
        ),
        item("y2", "Monday", "Mon, 29 Dec 2025 12:00:00 +0000", &[], "x"),
        item(
            "y3",
            "New year",
            "Thu, 01 Jan 2026 12:00:00 +0000",
            &[],
            "x",
        ),
        item(
            "y4",
            "Sunday after",
            "Sun, 04 Jan 2026 12:00:00 +0000",
            &[],
            "x",
        ),
        item(
            "y5",
            "Next Monday",
            "Mon, 05 Jan 2026 00:30:00 +0000",
            &[],
            "x",
        ),
    ]
    .concat();
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &rss("Blog", &items))]);
    f.build().unwrap();
    let listed: Vec<(String, String)> = select(&f.page("/editions/"), ".edition-list li")
        .iter()
        .map(|li| {
            (
                text_of(&select_in(li, "a")[0]),
                text_of(&select_in(li, ".term-count")[0]),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("Week 2, 2026".to_string(), "1 article".to_string()),
            ("Week 1, 2026".to_string(), "3 articles".to_string()),
            ("Week 52, 2025".to_string(), "1 article".to_string()),
        ]
    );
    let mut w1 = titles_on(&f, "/editions/2026-w01/");
    w1.sort();
    assert_eq!(w1, ["Monday", "New year", "Sunday after"]);
    let index = f.page("/");
    assert_eq!(
        hrefs(&index, ".latest-edition a")
            .first()
            .map(String::as_str),
        Some("/editions/2026-w02/")
    );
}

#[test]
fn the_display_time_zone_decides_the_edition() {
    // Sunday 23:30 UTC is Monday 00:30 in Berlin: week 8 there, week 7 in UTC.
    let items = item(
        "late",
        "Late Sunday",
        "Sun, 15 Feb 2026 23:30:00 +0000",
        &[],
        "x",
    );
    let utc = Fixture::new(SITE_YAML, &[("blog.xml", &rss("Blog", &items))]);
    utc.build().unwrap();
    assert!(utc.public().join("editions/2026-w07/index.html").exists());
    let berlin = Fixture::new(
        &SITE_YAML.replace("timezone: UTC", "timezone: Europe/Berlin"),
        &[("blog.xml", &rss("Blog", &items))],
    );
    berlin.build().unwrap();
    assert!(berlin
        .public()
        .join("editions/2026-w08/index.html")
        .exists());
    let time = select(
        &berlin.page("/articles/late-sunday/"),
        ".article-header time",
    )[0]
    .value()
    .attr("datetime")
    .unwrap()
    .to_string();
    assert_eq!(
        time, "2026-02-16T00:30:00+01:00",
        "dates render in the display time zone"
    );
    let monthly = Fixture::new(
        &format!("{SITE_YAML}editions:\n  period: monthly\n"),
        &[("blog.xml", &rss("Blog", &items))],
    );
    monthly.build().unwrap();
    assert!(monthly
        .public()
        .join("editions/2026-02/index.html")
        .exists());
}

#[test]
fn edition_intros_and_markdown_pages() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    std::fs::create_dir_all(f.root().join("content/editions")).unwrap();
    std::fs::create_dir_all(f.root().join("content/pages")).unwrap();
    std::fs::write(
        f.root().join("content/editions/2026-w06.md"),
        "---\ntitle: The ownership issue\n---\nThis week: **ownership**.",
    )
    .unwrap();
    std::fs::write(
        f.root().join("content/editions/2031-w01.md"),
        "Nothing that week.",
    )
    .unwrap();
    std::fs::write(
        f.root().join("content/editions/2026-w05.md"),
        "---\ntitle: Early\nsubtitle: x\n---\nBad front matter.",
    )
    .unwrap();
    std::fs::write(
        f.root().join("content/pages/about.md"),
        "---\ntitle: About us\nweight: 2\n---\n# Who\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ new[^n]\n\n[^n]: A footnote.\n\n- [x] done\n\n<script>alert(1)</script>\n",
    )
    .unwrap();
    std::fs::write(
        f.root().join("content/pages/colophon.md"),
        "---\ntitle: Colophon\nweight: 1\n---\nSet in system fonts.",
    )
    .unwrap();
    std::fs::write(
        f.root().join("content/pages/draft.md"),
        "---\ntitle: Soon\ndraft: true\n---\nNot yet.",
    )
    .unwrap();
    std::fs::write(
        f.root().join("content/pages/broken.md"),
        "---\ntitle: Broken\nweight: [1\n---\nx",
    )
    .unwrap();
    let summary = f.build().unwrap();

    let edition = f.page("/editions/2026-w06/");
    assert_eq!(text_of(&select(&edition, "h1")[0]), "The ownership issue");
    assert!(select(&edition, ".edition-intro")[0]
        .inner_html()
        .contains("<strong>ownership</strong>"));

    let about = f.page("/about/");
    let body = select(&about, ".article-body")[0].inner_html();
    for needle in ["<table>", "<del>old</del>", "☑ done", r#"id="fc-who""#] {
        assert!(body.contains(needle), "{needle} missing from {body}");
    }
    let reference = hrefs(&about, ".article-body sup a");
    assert_eq!(reference, ["#fc-n"], "the footnote reference links to it");
    let footnote = select(&about, ".article-body #fc-n");
    assert_eq!(footnote.len(), 1, "{body}");
    assert!(text_of(&footnote[0]).contains("A footnote."), "{body}");
    assert_no_script(&f);
    let nav: Vec<String> = select(&about, ".site-nav a").iter().map(text_of).collect();
    assert_eq!(
        nav[nav.len() - 2..],
        ["Colophon", "About us"],
        "pages follow the nav by weight"
    );
    assert!(!f.public().join("draft").exists(), "drafts are skipped");

    let messages: Vec<String> = summary.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("broken.md") && m.contains("line 3")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("2031-w01.md") && m.contains("names no edition")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("2026-w05.md") && m.contains("line 3") && m.contains("subtitle")),
        "{messages:?}"
    );

    let mut drafts = f.options();
    drafts.drafts = true;
    broadsheet::build(&drafts).unwrap();
    assert!(
        f.public().join("draft/index.html").exists(),
        "--drafts builds drafts"
    );
}

fn select_in<'a>(el: &scraper::ElementRef<'a>, css: &str) -> Vec<scraper::ElementRef<'a>> {
    el.select(&scraper::Selector::parse(css).unwrap()).collect()
}

fn warnings_of(summary: &broadsheet::BuildSummary) -> Vec<String> {
    summary.warnings.iter().map(|w| w.to_string()).collect()
}

fn write(f: &Fixture, path: &str, text: &str) {
    let path = f.root().join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The repository's own site (content/ and themes/), built in a temp dir.
fn example() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    for part in ["content", "themes"] {
        copy_dir(
            &std::path::Path::new(REPO).join(part),
            &dir.path().join(part),
        );
    }
    Fixture { dir }
}

#[test]
fn the_example_digest_shows_every_control() {
    let f = example();
    let summary = f.build().unwrap();
    assert!(summary.warnings.is_empty(), "{:?}", warnings_of(&summary));

    let index = f.page("/");
    let picks: Vec<String> = select(&index, ".featured .card-title a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(picks.len(), 2, "{picks:?}");
    assert!(picks[0].starts_with("Idempotency"), "{picks:?}");
    let note = select(&index, ".featured .featured-note");
    assert!(
        note[0]
            .inner_html()
            .contains("<strong>idempotency keys</strong>"),
        "the first pick shows its note: {}",
        note[0].inner_html()
    );

    assert!(
        !f.public()
            .join("articles/how-much-devops-knowledge-is-actually-required-for-an-sde")
            .exists(),
        "the hidden article has a page"
    );

    let retagged = f.page("/articles/docker-and-kubernetes-complete-production-deployment-guide/");
    let tags: Vec<String> = select(&retagged, ".article-header .tag-list a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(tags, ["docker", "kubernetes", "deployment"]);

    let noted = f.page("/articles/redis-is-not-a-database-until-you-treat-it-like-one/");
    assert!(select(&noted, ".editor-note")[0]
        .inner_html()
        .contains("<em>Redis caching strategies</em>"));

    let week = f.page("/editions/2026-w20/");
    assert_eq!(
        text_of(&select(&week, "h1")[0]),
        "Week 20, 2026: the architecture issue"
    );
    assert!(select(&week, ".edition-intro")[0]
        .inner_html()
        .contains("<strong>architecture</strong>"));

    let about = f.page("/about/");
    assert_eq!(text_of(&select(&about, "h1")[0]), "About this digest");
    assert!(
        hrefs(&index, ".site-nav a").contains(&"/about/".to_string()),
        "the About page is in the navigation"
    );

    // The README: "caps one source": of DEV's ten articles in week 20, the
    // featured pick does not count and the oldest of the other nine goes.
    assert_eq!(summary.excluded, 2, "one hidden, one over the cap");
    assert!(!f
        .public()
        .join("articles/event-driven-microservices-patterns-implementation-debugging")
        .exists());
    assert_eq!(titles_on(&f, "/editions/2026-w20/").len(), 9);
    let readme = std::fs::read_to_string(std::path::Path::new(REPO).join("README.md")).unwrap();
    assert!(
        readme.contains("the example hides one article and caps one source")
            && readme.contains("2 excluded"),
        "the README's account of the example changed: update this test"
    );
}

#[test]
fn a_control_whose_article_a_filter_or_the_cap_leaves_out_is_a_warning() {
    let yaml = format!(
        "{SITE_YAML}curation:
  exclude_tags: [go]
  max_per_source_per_edition: 1
  hidden: [https://blog.example/c]
  featured: [{{ article: https://blog.example/c }}]
  retag: [{{ article: https://blog.example/a, tags: [x] }}]
  notes: [{{ article: https://blog.example/b, note: hi }}]
"
    );
    let f = Fixture::new(&yaml, &[("blog.xml", &blog())]);
    let messages = warnings_of(&f.build().unwrap());
    for (key, reason) in [
        ("curation.featured[0].article", "curation.hidden"),
        (
            "curation.retag[0].article",
            "curation.max_per_source_per_edition",
        ),
        ("curation.notes[0].article", "curation.exclude_tags"),
    ] {
        assert!(
            messages
                .iter()
                .any(|m| m.contains(&format!("key `{key}`")) && m.contains(reason)),
            "no warning for {key} ({reason}): {messages:?}"
        );
    }
    assert_eq!(messages.len(), 3, "{messages:?}");
    let mut strict = f.options();
    strict.strict = true;
    assert!(broadsheet::build(&strict).is_err());
}

#[test]
fn source_filters_naming_no_snapshot_are_warnings() {
    let f = Fixture::new(
        &format!(
            "{SITE_YAML}curation:\n  include_sources: [blog.xml, blog]\n  exclude_sources: [nope.xml]\n"
        ),
        &[("blog.xml", &blog())],
    );
    let messages = warnings_of(&f.build().unwrap());
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("key `curation.include_sources[1]`") && messages[0].contains("`blog`")
    );
    assert!(
        messages[1].contains("key `curation.exclude_sources[0]`")
            && messages[1].contains("nope.xml")
    );
}

#[test]
fn the_cap_restarts_each_edition_and_featured_articles_do_not_count() {
    // Week 6: Alpha, Beta, Gamma (Mon-Wed); week 7: Eta, Theta.
    let items = [
        item("a", "Alpha", "Mon, 02 Feb 2026 10:00:00 +0000", &[], "x"),
        item("b", "Beta", "Tue, 03 Feb 2026 10:00:00 +0000", &[], "x"),
        item("c", "Gamma", "Wed, 04 Feb 2026 10:00:00 +0000", &[], "x"),
        item("e", "Eta", "Mon, 09 Feb 2026 10:00:00 +0000", &[], "x"),
        item("t", "Theta", "Tue, 10 Feb 2026 10:00:00 +0000", &[], "x"),
    ]
    .concat();
    let f = Fixture::new(
        &format!(
            "{SITE_YAML}curation:\n  max_per_source_per_edition: 1\n  featured: [{{ article: https://blog.example/a }}]\n"
        ),
        &[("blog.xml", &rss("Blog", &items))],
    );
    let summary = f.build().unwrap();
    assert_eq!(titles_on(&f, "/editions/2026-w06/"), ["Gamma", "Alpha"]);
    assert_eq!(titles_on(&f, "/editions/2026-w07/"), ["Theta"]);
    assert_eq!(summary.excluded, 2);
}

#[test]
fn featured_articles_get_past_the_filters() {
    for rule in [
        "exclude_tags: [rust]",
        "include_tags: [go]",
        "include_sources: [other.xml]",
        "exclude_sources: [blog.xml]",
        "exclude_title_patterns: [Alpha]",
        "exclude_body_patterns: [ownership]",
    ] {
        let f = Fixture::new(
            &format!(
                "{SITE_YAML}curation:\n  {rule}\n  featured: [{{ article: https://blog.example/a }}]\n"
            ),
            &[("blog.xml", &blog()), ("other.xml", &other())],
        );
        let summary = f.build().unwrap();
        assert!(
            summary.warnings.is_empty(),
            "{rule}: {:?}",
            warnings_of(&summary)
        );
        assert!(all_titles(&f).contains("Alpha"), "{rule}");
        let featured: Vec<String> = select(&f.page("/"), ".featured .card-title a")
            .iter()
            .map(text_of)
            .collect();
        assert_eq!(featured, ["Alpha"], "{rule}");
    }
}

#[test]
fn controls_can_name_an_article_by_a_guid_that_is_not_its_url() {
    let items = "<item><title>Guided</title><link>https://blog.example/posts/guided</link>\
        <guid isPermaLink=\"false\">tag:blog.example,2026:post-7</guid>\
        <pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><description>x</description></item>\
        <item><title>Gone</title><link>https://blog.example/posts/gone</link>\
        <guid isPermaLink=\"false\">post-8</guid>\
        <pubDate>Tue, 03 Feb 2026 10:00:00 +0000</pubDate><description>x</description></item>";
    let f = Fixture::new(
        &format!(
            "{SITE_YAML}curation:\n  notes: [{{ article: 'tag:blog.example,2026:post-7', note: By guid. }}]\n  hidden: [post-8]\n"
        ),
        &[("blog.xml", &rss("Blog", items))],
    );
    let summary = f.build().unwrap();
    assert!(summary.warnings.is_empty(), "{:?}", warnings_of(&summary));
    let note = text_of(&select(&f.page("/articles/guided/"), ".editor-note")[0]);
    assert!(note.ends_with("By guid."), "{note}");
    assert!(!f.public().join("articles/gone").exists());
}

#[test]
fn updated_is_shown_but_does_not_move_the_article_up() {
    let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id><updated>2026-02-21T00:00:00Z</updated>
<entry><title>Old but revised</title><id>urn:old</id><link href="https://blog.example/old"/>
<published>2026-02-02T10:00:00Z</published><updated>2026-02-20T09:00:00Z</updated><content type="html">x</content></entry>
<entry><title>Newer</title><id>urn:new</id><link href="https://blog.example/new"/>
<published>2026-02-10T10:00:00Z</published><content type="html">y</content></entry>
</feed>"#;
    let f = Fixture::new(SITE_YAML, &[("blog.atom", atom.as_bytes())]);
    f.build().unwrap();
    assert_eq!(titles_on(&f, "/"), ["Newer", "Old but revised"]);
    let page = f.page("/articles/old-but-revised/");
    let updated = select(&page, ".meta-updated time");
    assert_eq!(updated.len(), 1);
    assert_eq!(
        updated[0].value().attr("datetime"),
        Some("2026-02-20T09:00:00Z")
    );
}

#[test]
fn monthly_editions_group_by_calendar_month_in_the_display_time_zone() {
    // 31 January 23:30 UTC is already 1 February in Berlin.
    let items = [
        item("j", "January", "Thu, 15 Jan 2026 12:00:00 +0000", &[], "x"),
        item(
            "l",
            "Late night",
            "Sat, 31 Jan 2026 23:30:00 +0000",
            &[],
            "x",
        ),
        item("f", "February", "Tue, 10 Feb 2026 12:00:00 +0000", &[], "x"),
    ]
    .concat();
    let f = Fixture::new(
        &format!(
            "{}editions:\n  period: monthly\n",
            SITE_YAML.replace("timezone: UTC", "timezone: Europe/Berlin")
        ),
        &[("blog.xml", &rss("Blog", &items))],
    );
    f.build().unwrap();
    let listed: Vec<(String, String)> = select(&f.page("/editions/"), ".edition-list li")
        .iter()
        .map(|li| {
            (
                select_in(li, "a")[0]
                    .value()
                    .attr("href")
                    .unwrap()
                    .to_string(),
                text_of(&select_in(li, ".term-count")[0]),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("/editions/2026-02/".to_string(), "2 articles".to_string()),
            ("/editions/2026-01/".to_string(), "1 article".to_string()),
        ]
    );
    let february = f.page("/editions/2026-02/");
    assert_eq!(text_of(&select(&february, "h1")[0]), "February 2026");
    assert_eq!(
        titles_on(&f, "/editions/2026-02/"),
        ["February", "Late night"]
    );
    assert_eq!(titles_on(&f, "/editions/2026-01/"), ["January"]);
}

#[test]
fn by_tag_groups_give_untagged_articles_a_group() {
    let items = [
        item(
            "a",
            "Alpha",
            "Mon, 02 Feb 2026 10:00:00 +0000",
            &["rust"],
            "x",
        ),
        item("b", "Bare", "Tue, 03 Feb 2026 10:00:00 +0000", &[], "x"),
        item(
            "c",
            "Gamma",
            "Wed, 04 Feb 2026 10:00:00 +0000",
            &["rust", "go"],
            "x",
        ),
    ]
    .concat();
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &rss("Blog", &items))]);
    write(
        &f,
        "templates/edition.html",
        "{% for g in by_tag %}<section data-url=\"{{ g.url }}\"><h2>{{ g.name }}</h2>\
         {% for article in g.articles %}<p>{{ article.title }}</p>{% endfor %}</section>{% endfor %}",
    );
    f.build().unwrap();
    let page = f.page("/editions/2026-w06/");
    let groups: Vec<(String, String, Vec<String>)> = select(&page, "section")
        .iter()
        .map(|s| {
            (
                text_of(&select_in(s, "h2")[0]),
                s.value().attr("data-url").unwrap().to_string(),
                select_in(s, "p").iter().map(text_of).collect(),
            )
        })
        .collect();
    let group = |name: &str, url: &str, titles: &[&str]| {
        (
            name.to_string(),
            url.to_string(),
            titles.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        groups,
        [
            group("rust", "/tags/rust/", &["Gamma", "Alpha"]),
            group("go", "/tags/go/", &["Gamma"]),
            group("Untagged", "", &["Bare"]),
        ]
    );
}

#[test]
fn editor_markdown_links_resolve_against_the_site_with_a_base_url_path() {
    let yaml = format!(
        "{}curation:
  featured: [{{ article: https://blog.example/a, note: 'See [the editions](/editions/).' }}]
  notes: [{{ article: https://blog.example/b, note: 'See [About](/about/), [Alpha](articles/alpha/) and <a href=\"/tags/\">tags</a>.' }}]
",
        SITE_YAML.replace("https://digest.example/", "https://digest.example/digest/")
    );
    let f = Fixture::new(&yaml, &[("blog.xml", &blog())]);
    write(
        &f,
        "content/pages/about.md",
        "---\ntitle: About\n---\nEvery week is an [edition](/editions/), see also [tags](../tags/) and ![logo](/logo.png).\n\nIn raw HTML too: <a href=\"/authors/\">authors</a>, <a href=\"//cdn.example/x\">elsewhere</a>.\n\n<p><img src=\"/banner.png\" alt=\"banner\"></p>\n",
    );
    write(
        &f,
        "content/editions/2026-w06.md",
        "Read the [About](/about/) page and the <a href=\"/sources/\">sources</a>.",
    );
    f.build().unwrap();
    let site = "https://digest.example/digest/";
    let index = f.page("/");
    assert_eq!(
        hrefs(&index, ".featured .featured-note a"),
        [format!("{site}editions/")]
    );
    let beta = f.page("/articles/beta/");
    assert_eq!(
        hrefs(&beta, ".editor-note a"),
        [
            format!("{site}about/"),
            format!("{site}articles/alpha/"),
            format!("{site}tags/")
        ]
    );
    let about = f.page("/about/");
    assert_eq!(
        hrefs(&about, ".article-body a"),
        [
            format!("{site}editions/"),
            format!("{site}tags/"),
            format!("{site}authors/"),
            "https://cdn.example/x".to_string()
        ]
    );
    let images: Vec<_> = select(&about, ".article-body img")
        .iter()
        .map(|img| img.value().attr("src").unwrap().to_string())
        .collect();
    assert_eq!(
        images,
        [format!("{site}logo.png"), format!("{site}banner.png")]
    );
    let week = f.page("/editions/2026-w06/");
    assert_eq!(
        hrefs(&week, ".edition-intro a"),
        [format!("{site}about/"), format!("{site}sources/")]
    );
}

#[test]
fn a_page_naming_a_missing_template_is_skipped_with_its_line() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    write(
        &f,
        "content/pages/fancy.md",
        "---\ntitle: Fancy\ntemplate: fancy.html\n---\nx",
    );
    write(
        &f,
        "content/pages/wide.md",
        "---\ntitle: Wide\ntemplate: wide.html\n---\nWide body.",
    );
    write(
        &f,
        "templates/wide.html",
        "<main class=\"wide\">{{ document.body | safe }}</main>",
    );
    let summary = f.build().unwrap();
    let messages = warnings_of(&summary);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("fancy.md")
            && messages[0].contains("line 3")
            && messages[0].contains("fancy.html"),
        "{messages:?}"
    );
    assert!(!f.public().join("fancy").exists());
    assert_eq!(
        text_of(&select(&f.page("/wide/"), "main.wide")[0]),
        "Wide body."
    );
}

#[test]
fn two_pages_making_one_url_are_an_error_naming_both_files() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    // Weights set the navigation's order and put the two apart in it.
    write(
        &f,
        "content/pages/about.md",
        "---\ntitle: About\nweight: 1\n---\nA",
    );
    write(
        &f,
        "content/pages/team.md",
        "---\ntitle: Team\nweight: 5\n---\nT",
    );
    write(
        &f,
        "content/pages/About.md",
        "---\ntitle: About us\nweight: 9\n---\nB",
    );
    let err = format!("{:#}", f.build().unwrap_err());
    assert!(
        err.contains("About.md and ") && err.contains("about.md both make the page /about/"),
        "{err}"
    );
    assert!(!f.public().exists(), "nothing is published");
}

#[test]
fn a_source_homepage_must_be_http_and_defaults_to_the_feed_link() {
    let f = Fixture::new(
        &format!("{SITE_YAML}sources:\n  blog.xml:\n    name: The Blog\n"),
        &[("blog.xml", &blog())],
    );
    f.build().unwrap();
    assert!(
        hrefs(&f.page("/sources/"), "a").contains(&"https://blog.example/".to_string()),
        "the feed's own link is the homepage"
    );
    write(
        &f,
        "content/site.yaml",
        &format!("{SITE_YAML}sources:\n  blog.xml:\n    homepage: javascript:alert(1)\n"),
    );
    let err = format!("{:#}", f.build().unwrap_err());
    assert!(
        err.contains("site.yaml")
            && err.contains("sources.blog.xml: homepage: `javascript:alert(1)`")
            && err.contains("line 7"),
        "{err}"
    );
}
