//! Hostile and broken snapshots: every row of tests/fixtures/snapshots/README.md
//! is built alone into a site and its outcome asserted.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use common::*;

const FIXTURES: &str = "tests/fixtures/snapshots";

enum Outcome {
    Skipped(String),
    Built(usize),
}

struct Row {
    fixture: String,
    outcome: Outcome,
}

fn table() -> Vec<Row> {
    let text = std::fs::read_to_string(Path::new(REPO).join(FIXTURES).join("README.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| fixture") && !l.starts_with("| ---"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let outcome = if let Some(msg) = cells[2].strip_prefix("skipped: ") {
                Outcome::Skipped(msg.to_string())
            } else {
                let n = cells[2]
                    .strip_prefix("built: ")
                    .and_then(|r| r.strip_suffix(" articles"))
                    .unwrap();
                Outcome::Built(n.parse().unwrap())
            };
            Row {
                fixture: cells[1].to_string(),
                outcome,
            }
        })
        .collect()
}

fn rss_item(inner: &str) -> Vec<u8> {
    rss("Generated", &format!("<item><link>https://gen.example/a</link><pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate>{inner}</item>"))
}

/// An Atom feed with a base URL and one entry: its `title`, a link, a date,
/// then `rest`.
fn atom_entry(title: &str, rest: &str) -> Vec<u8> {
    format!(
        r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://gen.example/"><title>Generated</title><id>urn:g</id><entry>{title}<id>urn:g:1</id><link href="a"/><updated>2026-02-02T10:00:00Z</updated>{rest}</entry></feed>"#
    )
    .into_bytes()
}

/// The large fixtures, made here rather than committed.
fn generated(name: &str) -> Option<Vec<u8>> {
    let escaped = |html: &str| {
        html.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    Some(match name {
        "oversize-snapshot.xml" => rss_item(&format!("<title>Big</title><description>{}</description>", "x".repeat(2048))),
        "huge-title.xml" => rss_item(&format!("<title>{}</title>", "word ".repeat(20_000))),
        "many-categories.xml" => {
            rss_item(&format!("<title>Tagged</title>{}", (0..5000).map(|i| format!("<category>tag{i}</category>")).collect::<String>()))
        }
        "deep-body.xml" => rss_item(&format!(
            "<title>Deep body</title><description>{}</description>",
            escaped(&format!("{}deep{}", "<div>".repeat(50_000), "</div>".repeat(50_000)))
        )),
        "deep-xhtml.atom" => format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><id>urn:d</id><entry><title>Deep XHTML</title><id>urn:d:1</id><link href="https://gen.example/d"/><updated>2026-02-02T10:00:00Z</updated><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{}x{}</div></content></entry></feed>"#,
            "<div>".repeat(600),
            "</div>".repeat(600)
        )
        .into_bytes(),
        "very-deep-xhtml.atom" => format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><id>urn:d</id><entry><title>Very deep XHTML</title><id>urn:d:1</id><link href="https://gen.example/d"/><updated>2026-02-02T10:00:00Z</updated><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{}x{}</div></content></entry></feed>"#,
            "<div>".repeat(60_000),
            "</div>".repeat(60_000)
        )
        .into_bytes(),
        "deep-media-group.xml" => format!(
            r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Media</title><link>https://gen.example/</link><item><title>Grouped</title><link>https://gen.example/m</link>{}{}</item></channel></rss>"#,
            "<media:group>".repeat(3000),
            "</media:group>".repeat(3000)
        )
        .into_bytes(),
        "deep-itunes-category.xml" => format!(
            r#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Podcast</title><link>https://gen.example/</link>{}{}<item><title>Episode</title><link>https://gen.example/p</link></item></channel></rss>"#,
            r#"<itunes:category text="a">"#.repeat(20_000),
            "</itunes:category>".repeat(20_000)
        )
        .into_bytes(),
        "deep-html-title.atom" => atom_entry(&format!(r#"<title type="html">&lt;b&gt;Kept&lt;/b&gt;{}cut</title>"#, "&lt;span&gt;".repeat(50_000)), ""),
        "nested-xml-base.atom" => atom_entry(
            "<title>Nested bases</title>",
            &format!("{}{}", format!(r#"<x xml:base="{}/">"#, "a".repeat(1000)).repeat(2000), "</x>".repeat(2000)),
        ),
        "long-xml-base.atom" => format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://gen.example/{}/"><title>Long base</title><id>urn:g</id>{}</feed>"#,
            "a".repeat(100_000),
            (0..5000).map(|i| format!(r#"<entry><title>Entry {i}</title><id>urn:g:{i}</id><link href="{i}"/></entry>"#)).collect::<String>()
        )
        .into_bytes(),
        "deep-xml.xml" => rss_item(&format!("<title>Deep XML</title>{}{}", "<x>".repeat(70_000), "</x>".repeat(70_000))),
        "many-attributes.xml" => rss_item(&format!(
            "<title>Attributes</title><description>{}</description>",
            escaped(&format!("<p {}>text</p>", (0..10_000).map(|i| format!("data-a{i}=\"{i}\"")).collect::<Vec<_>>().join(" ")))
        )),
        "many-xml-attributes.xml" => {
            rss_item(&format!("<title x=\"1\" {}>XML attributes</title>", (0..10_000).map(|i| format!("a{i}=\"{i}\"")).collect::<Vec<_>>().join(" ")))
        }
        "huge-body.xml" => rss_item(&format!("<title>Huge body</title><description>{}</description>", escaped(&"<p>lorem ipsum</p>".repeat(200_000)))),
        "many-headings.xml" => rss_item(&format!("<title>Many headings</title><description>{}</description>", escaped(&"<h2>Step</h2>".repeat(100_000)))),
        _ => return None,
    })
}
/// The XXE fixtures point their entities at this file; the test points them
/// at a file of its own holding a marker instead, so that a read would show.
const XXE_TARGET: &str = "file:///etc/passwd";

/// Unique to one fixture site (its temp dir's name), so it cannot be on a
/// page by chance.
fn xxe_marker(f: &Fixture) -> String {
    format!(
        "XXE-MARKER-{}",
        f.root().file_name().unwrap().to_string_lossy()
    )
}

/// A site holding the fixture `name` alone.
fn site_for(name: &str) -> Fixture {
    let mut yaml = SITE_YAML.to_string();
    if name == "oversize-snapshot.xml" {
        yaml.push_str("limits:\n  max_snapshot_bytes: 1024\n");
    }
    let f = Fixture::new(&yaml, &[]);
    let feed = f.root().join("content/feeds").join(name);
    let committed = || std::fs::read(Path::new(REPO).join(FIXTURES).join(name)).unwrap();
    match name {
        "symlink.xml" => {
            let outside = f.root().join("outside-secret.xml");
            std::fs::write(
                &outside,
                rss("SECRET-FEED", "<item><title>SECRET-ENTRY</title></item>"),
            )
            .unwrap();
            std::os::unix::fs::symlink(&outside, &feed).unwrap();
        }
        "xxe-file.xml" | "xxe-parameter.xml" => {
            // A general entity's text would land in the title; a parameter
            // entity's file is read as DTD, so that one declares `&leak;`.
            let secret = f.root().join("secret.txt");
            let marker = xxe_marker(&f);
            let contents = if name == "xxe-parameter.xml" {
                format!("<!ENTITY leak \"{marker}\">")
            } else {
                marker
            };
            std::fs::write(&secret, contents).unwrap();
            let text = String::from_utf8(committed()).unwrap();
            assert!(text.contains(XXE_TARGET), "{name} names no {XXE_TARGET}");
            let pointed = text.replace(XXE_TARGET, &format!("file://{}", secret.display()));
            std::fs::write(&feed, pointed).unwrap();
        }
        "missing-id-and-link.xml" => {
            // The id is on no page of the default theme; a site template shows it.
            std::fs::write(&feed, committed()).unwrap();
            std::fs::create_dir_all(f.root().join("templates")).unwrap();
            std::fs::write(
                f.root().join("templates/article.html"),
                "{% extends \"base.html\" %}{% block content %}<p class=\"article-id\">{{ article.id }}</p>{% endblock content %}",
            )
            .unwrap();
        }
        _ => std::fs::write(&feed, generated(name).unwrap_or_else(committed)).unwrap(),
    }
    f
}

/// Builds `f`; returns the summary or the error.
fn build_bounded(f: &Fixture, name: &str) -> Result<broadsheet::BuildSummary, String> {
    // A liveness bound, not a speed target: a hang fails the test instead of the whole suite.
    let (tx, rx) = mpsc::channel();
    let opts = f.options();
    std::thread::spawn(move || {
        let _ = tx.send(broadsheet::build(&opts).map_err(|e| format!("{e:#}")));
    });
    rx.recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("{name}: the build hangs"))
}

/// Every path under the site root outside the output directory, with its
/// bytes (a symlink's target; nothing for a directory).
fn outside_output(f: &Fixture) -> BTreeMap<String, Vec<u8>> {
    let output = f.public();
    walkdir::WalkDir::new(f.root())
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| e.path() != output)
        .map(|e| e.unwrap())
        .map(|e| {
            let bytes = if e.file_type().is_symlink() {
                std::fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else if e.file_type().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            let rel = e.path().strip_prefix(f.root()).unwrap();
            (rel.to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

fn all_pages(f: &Fixture) -> String {
    tree(&f.public())
        .into_iter()
        .map(|(p, b)| format!("=== {p}\n{}", String::from_utf8_lossy(&b)))
        .collect()
}

fn article_page(f: &Fixture) -> scraper::Html {
    let dir = std::fs::read_dir(f.public().join("articles"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    f.page(&format!("/articles/{}/", dir.file_name().to_string_lossy()))
}

fn h1(f: &Fixture) -> String {
    text_of(&select(&article_page(f), "h1")[0])
}

/// The checks of the table's last column.
fn check_details(name: &str, f: &Fixture, summary: &broadsheet::BuildSummary) {
    let warnings: Vec<String> = summary.warnings.iter().map(|w| w.to_string()).collect();
    match name {
        "empty-feed.xml" | "atom-no-entries.atom" => {
            assert!(
                warnings
                    .iter()
                    .any(|w| w.contains(name) && w.contains("no entries")),
                "{warnings:?}"
            )
        }
        "no-prolog.xml" => assert_eq!(h1(f), "No prolog"),
        "utf8-bom.xml" => assert_eq!(h1(f), "UTF-8 with BOM"),
        "utf16le-bom.xml" => assert_eq!(h1(f), "UTF-16 été"),
        "utf16be-bom.xml" => assert_eq!(h1(f), "UTF-16BE été"),
        "latin1.xml" => assert_eq!(h1(f), "Café Latin-1"),
        "windows-1252.xml" => assert_eq!(h1(f), "“Smart” quotes"),
        "wrong-encoding-declared.xml" => assert_eq!(h1(f), "CafÃ© mislabelled"),
        "billion-laughs.xml" => assert_eq!(h1(f), "Laughs &lol9;"),
        "xxe-file.xml" | "xxe-parameter.xml" => {
            assert!(
                !all_pages(f).contains(&xxe_marker(f)),
                "a local file reached the output"
            );
            let title = if name == "xxe-file.xml" {
                "XXE &xxe;"
            } else {
                "Parameter entity &leak;"
            };
            assert_eq!(h1(f), title);
        }
        "huge-title.xml" => {
            // Cut at the last space within 300 characters, then an ellipsis.
            let title = h1(f);
            let cut = title.strip_suffix('…').expect("the cut title ends with …");
            assert!(cut.chars().count() <= 300, "{} chars", cut.chars().count());
            assert!(cut.starts_with("word word"), "{title}");
        }
        "many-categories.xml" => assert_eq!(
            select(&article_page(f), ".article-header .tag-list a").len(),
            25
        ),
        "deep-body.xml" | "deep-xhtml.atom" => {
            let body = select(&article_page(f), ".article-body")[0].html();
            assert!(
                body.matches("<div").count() <= 260,
                "the nesting was not cut"
            );
        }
        "many-headings.xml" => {
            let page = article_page(f);
            let ids: Vec<String> = select(&page, ".article-body h2")
                .iter()
                .map(|h| h.value().attr("id").unwrap_or_default().to_string())
                .collect();
            assert_eq!(ids.len(), 100_000);
            assert_eq!(ids[0], "fc-step");
            assert_eq!(ids[99_999], "fc-step-100000");
        }
        "huge-body.xml" => {
            let body = select(&article_page(f), ".article-body")[0].html();
            assert!(body.len() <= 2_200_000, "{} bytes", body.len());
            assert!(warnings.is_empty(), "{warnings:?}");
        }
        "many-attributes.xml" => {
            let page = article_page(f);
            let paragraphs = select(&page, ".article-body p");
            assert_eq!(paragraphs.len(), 1);
            assert_eq!(text_of(&paragraphs[0]), "text");
            assert_eq!(paragraphs[0].value().attrs().count(), 0);
        }
        "many-xml-attributes.xml" => assert_eq!(h1(f), "XML attributes"),
        "deep-html-title.atom" => assert_eq!(h1(f), "Kept"),
        "missing-id-and-link.xml" => {
            let mut ids: Vec<String> = std::fs::read_dir(f.public().join("articles"))
                .unwrap()
                .map(|e| {
                    let slug = e.unwrap().file_name().to_string_lossy().into_owned();
                    text_of(&select(&f.page(&format!("/articles/{slug}/")), ".article-id")[0])
                })
                .collect();
            ids.sort();
            assert_eq!(
                ids,
                ["missing-id-and-link.xml#0", "missing-id-and-link.xml#1"]
            );
        }
        "missing-title.xml" => assert_eq!(
            h1(f),
            "Seven words that become the fallback title here and more."
        ),
        "missing-link.xml" => assert!(select(&article_page(f), ".original").is_empty()),
        "empty-item.xml" => assert_eq!(h1(f), "Untitled"),
        "duplicate-ids.xml" => assert_eq!(h1(f), "Second copy"),
        "missing-date.xml" | "date-garbage.xml" => {
            assert!(select(&article_page(f), ".article-header time").is_empty())
        }
        "date-far-past.xml" => assert_eq!(datetime(f), "1900-01-01T00:00:00Z"),
        "date-far-future.xml" => assert_eq!(datetime(f), "2026-02-02T12:00:00Z"),
        // feed-rs applies xml:base to entry links but does not report it for
        // content, so body URLs resolve against the (xml:base-resolved) link.
        "xml-base.atom" => {
            let page = article_page(f);
            assert!(
                hrefs(&page, ".article-body a")
                    .contains(&"https://base.example/blog/posts/about/".to_string()),
                "{:?}",
                hrefs(&page, ".article-body a")
            );
            let src: Vec<&str> = select(&page, ".article-body img")
                .iter()
                .filter_map(|i| i.value().attr("src"))
                .collect();
            assert_eq!(
                src,
                ["https://base.example/blog/posts/relative-post/img/x.png"]
            );
            assert_eq!(
                hrefs(&page, r#"link[rel="canonical"]"#),
                ["https://base.example/blog/posts/relative-post/"]
            );
        }
        "rss1.rdf" => assert_eq!(
            text_of(&select(&article_page(f), ".meta-authors a")[0]),
            "Rita"
        ),
        "json-valid.json" => {
            assert_eq!(
                text_of(&select(&article_page(f), ".meta-authors a")[0]),
                "Jay"
            );
            assert!(f.public().join("tags/json/index.html").exists());
        }
        "javascript-links.xml" => assert!(!all_pages(f).to_lowercase().contains("javascript:")),
        "control-chars.xml" => assert_eq!(h1(f), "Bell and escape[31m"),
        "nul-bytes.xml" => assert_eq!(h1(f), "Nulbyte"),
        "atom-xhtml.atom" => assert_eq!(h1(f), "XHTML title"),
        "symlink.xml" => assert!(!all_pages(f).contains("SECRET"), "the symlink was followed"),
        _ => {}
    }
}

fn datetime(f: &Fixture) -> String {
    select(&article_page(f), ".article-header time")[0]
        .value()
        .attr("datetime")
        .unwrap()
        .to_string()
}

#[test]
fn every_fixture_in_the_table_has_its_outcome() {
    let rows = table();
    assert!(rows.len() >= 40, "the fixture set has {} rows", rows.len());
    let on_disk: Vec<String> = std::fs::read_dir(Path::new(REPO).join(FIXTURES))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    for file in &on_disk {
        assert!(
            rows.iter().any(|r| &r.fixture == file),
            "{file} has no row in the table"
        );
    }
    for row in &rows {
        let name = row.fixture.as_str();
        let f = site_for(name);
        let before = outside_output(&f);
        let summary =
            build_bounded(&f, name).unwrap_or_else(|e| panic!("{name}: the build failed: {e}"));
        let after = outside_output(&f);
        let changed: Vec<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|p| before.get(*p) != after.get(*p))
            .collect();
        assert!(
            changed.is_empty(),
            "{name}: the build changed {changed:?} outside its output directory"
        );
        match &row.outcome {
            Outcome::Skipped(msg) => {
                assert_eq!(summary.skipped_snapshots, 1, "{name} was not skipped");
                let w = summary
                    .warnings
                    .iter()
                    .map(|w| w.to_string())
                    .find(|w| w.contains(name));
                let w = w.unwrap_or_else(|| {
                    panic!("{name}: no warning names the file: {:?}", summary.warnings)
                });
                assert!(w.contains(msg.as_str()), "{name}: {w}");
            }
            Outcome::Built(n) => {
                assert_eq!(
                    summary.skipped_snapshots, 0,
                    "{name}: {:?}",
                    summary.warnings
                );
                assert_eq!(summary.articles, *n, "{name}");
            }
        }
        assert_no_script(&f);
        check_details(name, &f, &summary);
    }
}
