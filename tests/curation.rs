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
