//! `broadsheet check`: every kind of problem is reported with its file, the
//! site is not written, and the exit code and JSON output gate CI.

mod common;

use std::process::Command;

use broadsheet::check::{Problem, Severity};
use broadsheet::Progress;
use chrono::{DateTime, Utc};
use common::*;

/// The clock the staleness check runs at in these tests.
fn now() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

fn item(title: &str, link: &str, date: &str, body: &str) -> String {
    format!(
        "<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate><description><![CDATA[{body}]]></description></item>"
    )
}

/// A site with one problem of every kind `check` knows, beside things that
/// are fine and must not be reported.
fn problem_site() -> Fixture {
    let yaml = format!(
        "{SITE_YAML}check:\n  stale_after_days: 30\nsources:\n  gone.xml:\n    name: A snapshot that is not there\n\
         curation:\n  featured:\n    - article: https://nowhere.example/featured\n  hidden:\n    - https://nowhere.example/hidden\n"
    );
    let fresh = rss(
        "Fresh",
        &format!(
            "{}{}",
            item(
                "Anchors in a body",
                "https://fresh.example/anchors",
                "Fri, 15 May 2026 10:00:00 +0000",
                r##"<h2 id="intro">Intro</h2><p>See <a href="#intro">the intro</a> and <a href="#nowhere">a lost section</a>.</p>"##,
            ),
            item(
                "Plain",
                "https://fresh.example/plain",
                "Thu, 14 May 2026 10:00:00 +0000",
                "<p>Nothing wrong here.</p>",
            )
        ),
    );
    let old = rss(
        "Old",
        &item(
            "Ancient history",
            "https://old.example/ancient",
            "Mon, 01 Jan 2001 10:00:00 +0000",
            "<p>Long ago.</p>",
        ),
    );
    let hollow = rss(
        "Hollow",
        "<item><title>No link, no text</title></item><item><title>Nor this</title><description></description></item>",
    );
    let f = Fixture::new(
        &yaml,
        &[
            ("fresh.xml", &fresh),
            ("old.xml", &old),
            ("empty.xml", &rss("Empty", "")),
            ("hollow.xml", &hollow),
            ("broken.xml", b"<rss><channel><item><title>cut off"),
        ],
    );
    let static_dir = f.root().join("static");
    std::fs::create_dir_all(static_dir.join("images")).unwrap();
    std::fs::write(static_dir.join("images/present.png"), b"png").unwrap();
    std::fs::write(
        static_dir.join("guide.html"),
        r##"<!doctype html><html><body id="guide">
        <a href="/tags/">all tags</a> <a href="/nope/">a page that is not there</a>
        <a href="/tags/#missing">an anchor that is not there</a> <a href="#guide">top</a>
        <img src="/images/present.png" alt=""> <img src="images/missing.png" alt="">
        <a href="https://elsewhere.example/whatever">outside</a>
        </body></html>"##,
    )
    .unwrap();
    // An editor's page with a missing image, and an edition introduction
    // with a broken link.
    let content = f.root().join("content");
    std::fs::create_dir_all(content.join("pages")).unwrap();
    std::fs::write(
        content.join("pages/about.md"),
        "---\ntitle: About\n---\nOur logo: ![logo](/images/logo.png)\n",
    )
    .unwrap();
    std::fs::create_dir_all(content.join("editions")).unwrap();
    std::fs::write(
        content.join("editions/2026-w20.md"),
        "This week, see [the archive](/archive/).\n",
    )
    .unwrap();
    // A template that puts a broken link and a missing stylesheet on every
    // page.
    std::fs::create_dir_all(f.root().join("templates/partials")).unwrap();
    std::fs::write(
        f.root().join("templates/partials/head-meta.html"),
        "{% include \"default/partials/head-meta.html\" %}\n<link rel=\"help\" href=\"/help/\">\n<link rel=\"stylesheet\" href=\"/print.css\">\n",
    )
    .unwrap();
    f
}

fn key(p: &Problem) -> (Severity, &str, Option<&str>, Option<&str>) {
    (p.severity, p.kind, p.file.as_deref(), p.page.as_deref())
}

#[test]
fn every_kind_of_problem_is_reported_with_its_file() {
    let f = problem_site();
    let report = broadsheet::check(&f.options(), now(), &Progress::hidden());
    let mut found: Vec<_> = report.problems.iter().map(key).collect();
    found.sort();
    let site_yaml = Some("content/site.yaml");
    let guide = (Some("static/guide.html"), Some("/guide.html"));
    let template = Some("templates/partials/head-meta.html");
    let mut expected = vec![
        (
            Severity::Error,
            "snapshot",
            Some("content/feeds/broken.xml"),
            None,
        ),
        (Severity::Error, "content", site_yaml, None),
        (Severity::Error, "content", site_yaml, None),
        (Severity::Error, "content", site_yaml, None),
        (
            Severity::Error,
            "empty-feed",
            Some("content/feeds/empty.xml"),
            None,
        ),
        (
            Severity::Error,
            "empty-feed",
            Some("content/feeds/hollow.xml"),
            None,
        ),
        (
            Severity::Warning,
            "stale-source",
            Some("content/feeds/old.xml"),
            None,
        ),
        (Severity::Error, "broken-link", guide.0, guide.1),
        (Severity::Error, "broken-anchor", guide.0, guide.1),
        (Severity::Error, "missing-image", guide.0, guide.1),
        // In an article's body: the snapshot is to blame.
        (
            Severity::Error,
            "broken-anchor",
            Some("content/feeds/fresh.xml"),
            Some("/articles/anchors-in-a-body/"),
        ),
        // In the editor's Markdown.
        (
            Severity::Error,
            "missing-image",
            Some("content/pages/about.md"),
            Some("/about/"),
        ),
        (
            Severity::Error,
            "broken-link",
            Some("content/editions/2026-w20.md"),
            Some("/editions/2026-w20/"),
        ),
        // In a template, on every page (the first in path order named).
        (Severity::Error, "broken-link", template, Some("/404.html")),
        (
            Severity::Error,
            "missing-asset",
            template,
            Some("/404.html"),
        ),
    ];
    expected.sort();
    assert_eq!(found, expected, "{}", report.to_text(true));
    assert_eq!(report.errors, 14);
    assert_eq!(report.warnings, 1);

    let message = |kind: &str, file: Option<&str>| {
        let found: Vec<&Problem> = report
            .problems
            .iter()
            .filter(|p| p.kind == kind && p.file.as_deref() == file)
            .collect();
        found
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let controls = message("content", site_yaml);
    for key in [
        "key `sources.gone.xml`",
        "key `curation.featured[0].article`: `https://nowhere.example/featured` names no known article",
        "key `curation.hidden[0]`: `https://nowhere.example/hidden` names no known article",
    ] {
        assert!(controls.contains(key), "{key} in {controls}");
    }
    assert!(message("empty-feed", Some("content/feeds/empty.xml")).contains("no entries"));
    assert!(message("empty-feed", Some("content/feeds/hollow.xml")).contains("2 entries"));
    let stale = message("stale-source", Some("content/feeds/old.xml"));
    assert!(
        stale.contains("2001-01-01") && stale.contains("30"),
        "{stale}"
    );
    assert!(message("broken-link", guide.0).contains("/nope/"));
    assert!(message("broken-anchor", guide.0).contains("`missing`"));
    assert!(message("missing-image", guide.0).contains("images/missing.png"));
    assert!(message("broken-anchor", Some("content/feeds/fresh.xml")).contains("fc-nowhere"));
    assert!(message("missing-image", Some("content/pages/about.md")).contains("/images/logo.png"));
    assert!(message("broken-link", Some("content/editions/2026-w20.md")).contains("/archive/"));
    let help = message("broken-link", template);
    assert!(
        help.contains("`/help/`") && help.contains("in the template, not in any page's own text"),
        "{help}"
    );
    assert!(message("missing-asset", template).contains("`/print.css`"));

    // A template's broken link is one problem counting the pages it is on:
    // every HTML page but the static one.
    f.build().unwrap();
    let html_pages = tree(&f.public())
        .keys()
        .filter(|p| p.ends_with(".html") && *p != "guide.html")
        .count();
    assert!(html_pages > 20, "{html_pages}");
    for p in report
        .problems
        .iter()
        .filter(|p| p.file.as_deref() == template)
    {
        assert_eq!(p.pages, html_pages, "{}", p.message);
    }
    for p in report
        .problems
        .iter()
        .filter(|p| p.page.is_some() && p.file.as_deref() != template)
    {
        assert_eq!(p.pages, 1, "{}", p.message);
    }

    let text = report.to_text(true);
    assert!(
        text.contains("error[snapshot]: content/feeds/broken.xml: "),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "error[missing-asset]: templates/partials/head-meta.html (page /404.html and {} more): loads `/print.css`",
            html_pages - 1
        )),
        "{text}"
    );
    assert!(
        text.contains("checked 5 snapshots, 5 articles, ")
            && text.ends_with(" files: 14 error(s), 1 warning(s)\n"),
        "{text}"
    );
}

/// A broken link a template makes (rather than writes out) is still put on
/// the templates, never on the snapshot of the article page it shows on.
#[test]
fn a_link_a_template_makes_is_not_blamed_on_the_snapshot() {
    let f = Fixture::seeds(SITE_YAML);
    std::fs::create_dir_all(f.root().join("templates/partials")).unwrap();
    std::fs::write(
        f.root().join("templates/partials/head-meta.html"),
        "{% include \"default/partials/head-meta.html\" %}\n<link rel=\"help\" href=\"{{ site.root }}help/\">\n",
    )
    .unwrap();
    let report = broadsheet::check(&f.options(), now(), &Progress::hidden());
    assert_eq!(report.errors, 1, "{}", report.to_text(true));
    let p = &report.problems[0];
    assert_eq!((p.kind, p.file.as_deref()), ("broken-link", None));
    assert!(p.pages > 22, "{}", p.pages);
    assert!(
        p.message
            .contains("comes from the templates (templates/, themes/default/templates/"),
        "{}",
        p.message
    );
}

/// The file is known from the error itself, whatever its message says.
#[test]
fn a_site_that_cannot_be_built_for_a_static_file_a_page_or_the_theme_names_the_file() {
    let f = Fixture::seeds(SITE_YAML);
    let only_problem = |f: &Fixture| {
        let report = broadsheet::check(&f.options(), now(), &Progress::hidden());
        assert_eq!(report.errors, 1, "{}", report.to_text(true));
        let p = &report.problems[0];
        (p.kind, p.file.clone())
    };
    let file = |path: &str| Some(path.to_string());

    std::fs::create_dir_all(f.root().join("static")).unwrap();
    std::fs::write(f.root().join("static/404.html"), "<h1>Lost</h1>").unwrap();
    assert_eq!(only_problem(&f), ("site", file("static/404.html")));
    std::fs::remove_file(f.root().join("static/404.html")).unwrap();

    let pages = f.root().join("content/pages");
    std::fs::create_dir_all(&pages).unwrap();
    std::fs::write(pages.join("about.md"), "---\ntitle: About\n---\nA").unwrap();
    std::fs::write(pages.join("About.md"), "---\ntitle: About us\n---\nB").unwrap();
    assert_eq!(only_problem(&f), ("site", file("content/pages/about.md")));
    std::fs::remove_dir_all(&pages).unwrap();

    let yaml = f.root().join("content/site.yaml");
    let config = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{config}theme: fancy\n")).unwrap();
    assert_eq!(only_problem(&f), ("site", file("content/site.yaml")));
}

#[test]
fn check_writes_nothing() {
    let f = problem_site();
    let before = tree(f.root());
    broadsheet::check(&f.options(), now(), &Progress::hidden());
    assert_eq!(tree(f.root()), before);
    assert!(!f.public().exists());
}

#[test]
fn the_seed_site_is_clean() {
    let f = Fixture::seeds(SITE_YAML);
    let report = broadsheet::check(&f.options(), now(), &Progress::hidden());
    assert_eq!(report.problems, [], "{}", report.to_text(true));
    assert_eq!((report.snapshots, report.articles), (2, 22));
    // The same pages a build writes were checked.
    let built = f.build().unwrap();
    assert_eq!(report.files, built.pages_written);
}

#[test]
fn a_site_that_cannot_be_built_is_one_error_naming_the_file() {
    let f = Fixture::seeds(SITE_YAML);
    std::fs::create_dir_all(f.root().join("templates")).unwrap();
    std::fs::write(
        f.root().join("templates/index.html"),
        "{% extends \"base.html\" %}{% block content %}{{ oops( }}{% endblock content %}",
    )
    .unwrap();
    let report = broadsheet::check(&f.options(), now(), &Progress::hidden());
    assert_eq!(report.errors, 1);
    let p = &report.problems[0];
    assert_eq!(
        (p.kind, p.file.as_deref()),
        ("site", Some("templates/index.html"))
    );
    assert!(p.message.contains("templates/index.html"), "{}", p.message);

    // An error only rendering finds names the template file and line too.
    std::fs::write(
        f.root().join("templates/index.html"),
        "{% extends \"base.html\" %}{% block content %}\n{{ nosuch.field }}{% endblock content %}",
    )
    .unwrap();
    let report = broadsheet::check(&f.options(), now(), &Progress::hidden());
    assert_eq!(report.errors, 1);
    let message = &report.problems[0].message;
    let file = f.root().join("templates/index.html");
    assert!(
        message.contains(&format!("in the template {}", file.display()))
            && message.contains("nosuch")
            && message.contains("index.html:2:"),
        "{message}"
    );
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(args)
        .env_remove("CI")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn exit_codes_and_json_output() {
    let clean = Fixture::seeds(SITE_YAML);
    let root = clean.root().to_str().unwrap();
    let (code, stdout, _) = run(&["check", "--root", root]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");

    let broken = problem_site();
    let root = broken.root().to_str().unwrap();
    let (code, stdout, _) = run(&["check", "--root", root, "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["errors"], 14);
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(
        problems.len() as u64,
        json["errors"].as_u64().unwrap() + json["warnings"].as_u64().unwrap()
    );
    let broken_snapshot = problems
        .iter()
        .find(|p| p["file"] == "content/feeds/broken.xml")
        .unwrap();
    assert_eq!(broken_snapshot["severity"], "error");
    assert_eq!(broken_snapshot["kind"], "snapshot");
    assert!(broken_snapshot["message"]
        .as_str()
        .unwrap()
        .contains("not a valid"));
    assert!(problems
        .iter()
        .any(|p| p["kind"] == "broken-link" && p["page"] == "/guide.html"));
    let find = |kind: &str, file: &str| {
        problems
            .iter()
            .find(|p| p["kind"] == kind && p["file"] == file)
            .unwrap_or_else(|| panic!("no {kind} in {file}: {stdout}"))
    };
    let featured = find("content", "content/site.yaml");
    assert_eq!(featured["severity"], "error");
    assert!(problems.iter().any(|p| p["file"] == "content/site.yaml"
        && p["message"]
            .as_str()
            .unwrap()
            .starts_with("key `curation.featured[0].article`: ")));
    let image = find("missing-image", "content/pages/about.md");
    assert_eq!(
        (&image["page"], &image["pages"]),
        (&"/about/".into(), &1.into())
    );
    let asset = find("missing-asset", "templates/partials/head-meta.html");
    assert!(asset["pages"].as_u64().unwrap() > 20, "{asset}");

    // --quiet leaves out warnings, not errors.
    let (code, stdout, _) = run(&["check", "--root", root, "--quiet"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("error[broken-link]") && !stdout.contains("warning["),
        "{stdout}"
    );

    // A config error: exit 1, naming the file, line and key.
    std::fs::write(
        broken.root().join("content/site.yaml"),
        "title: T\nbase_url: https://e.example/\nper_pgae: 3\n",
    )
    .unwrap();
    let (code, stdout, _) = run(&["check", "--root", root]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("site.yaml") && stdout.contains("per_pgae") && stdout.contains("line 3"),
        "{stdout}"
    );
    let (code, stdout, _) = run(&["check", "--root", root, "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let problem = &json["problems"][0];
    assert_eq!(
        (&problem["kind"], &problem["file"]),
        (&"site".into(), &"content/site.yaml".into()),
        "{stdout}"
    );

    // A wrong command line: exit 2.
    let (code, _, stderr) = run(&["check", "--format", "yaml"]);
    assert_eq!(code, 2, "{stderr}");
}
