//! Shared helpers for the integration tests: fixture sites in temp dirs and
//! page inspection with a real HTML parser.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use broadsheet::{BuildOptions, BuildSummary};
use scraper::{Html, Selector};

pub const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A site directory in a temp dir with the repository's default theme.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// A site with `site_yaml` and the given snapshots (file name, contents).
    pub fn new(site_yaml: &str, feeds: &[(&str, &[u8])]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("content/feeds")).unwrap();
        std::fs::write(root.join("content/site.yaml"), site_yaml).unwrap();
        for (name, bytes) in feeds {
            let path = root.join("content/feeds").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        copy_dir(
            &Path::new(REPO).join("themes/default"),
            &root.join("themes/default"),
        );
        Fixture { dir }
    }

    /// The two real seed snapshots with `site_yaml`.
    pub fn seeds(site_yaml: &str) -> Fixture {
        let feeds: Vec<(String, Vec<u8>)> = seed_files()
            .into_iter()
            .map(|(n, p)| (n, std::fs::read(p).unwrap()))
            .collect();
        let refs: Vec<(&str, &[u8])> = feeds
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        Fixture::new(site_yaml, &refs)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            root: self.root().to_path_buf(),
            ..BuildOptions::default()
        }
    }

    pub fn build(&self) -> anyhow::Result<BuildSummary> {
        broadsheet::build(&self.options())
    }

    /// Parses the page at a site path such as `/tags/rust/`.
    pub fn page(&self, url_path: &str) -> Html {
        let rel = url_path.trim_start_matches('/');
        let file = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        let path = self.public().join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        Html::parse_document(&text)
    }
}

/// `(file name, path)` of the seed snapshots shipped beside the repository.
pub fn seed_files() -> Vec<(String, PathBuf)> {
    let dir = Path::new(REPO).join("content/feeds");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    files.sort();
    files
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, keyed by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

pub fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

pub fn text_of(el: &scraper::ElementRef) -> String {
    el.text()
        .collect::<Vec<_>>()
        .join("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `href`s of the links matching `css`.
pub fn hrefs(doc: &Html, css: &str) -> Vec<String> {
    select(doc, css)
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}

/// Follows a paginated listing from `first` through its `rel="next"` links,
/// collecting the article URLs of the cards on every page.
pub fn collect_paginated(fixture: &Fixture, first: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let mut next = Some(first.to_string());
    let mut seen_pages = 0;
    while let Some(page) = next {
        seen_pages += 1;
        assert!(seen_pages < 1000, "pagination loops at {page}");
        let doc = fixture.page(&page);
        urls.extend(hrefs(&doc, ".card .card-title a"));
        next = hrefs(&doc, r#"a[rel="next"]"#).into_iter().next();
    }
    urls
}

pub const SITE_YAML: &str =
    "title: Test Digest\nbase_url: https://digest.example/\ntimezone: UTC\nper_page: 3\n";

/// A minimal RSS 2.0 snapshot of `items` (already XML).
pub fn rss(title: &str, items: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>{title}</title><link>https://blog.example/</link>{items}</channel></rss>"#
    )
    .into_bytes()
}

/// Whether `el` is the theme's search script: empty, in `<head>`, and loading
/// the fingerprinted `search.*.js` the build wrote at the site root.
fn is_theme_search_script(fixture: &Fixture, el: &scraper::ElementRef) -> bool {
    let in_head = el
        .ancestors()
        .filter_map(scraper::ElementRef::wrap)
        .any(|a| a.value().name() == "head");
    let file = el
        .value()
        .attr("src")
        .and_then(|src| src.strip_prefix('/'))
        .filter(|f| f.starts_with("search.") && f.ends_with(".js") && !f.contains('/'));
    in_head
        && el.text().all(|t| t.trim().is_empty())
        && file.is_some_and(|f| fixture.public().join(f).is_file())
}

/// Whether `el` is the theme's search field on the search page.
fn is_theme_search_field(path: &str, el: &scraper::ElementRef) -> bool {
    path == "search/index.html" && el.value().id() == Some("search-input")
}

/// Elements no page may have: they run code, embed other documents,
/// submit data, restyle the page or change how the parser reads the rest.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "applet", "audio", "base", "button", "embed", "form", "frame", "frameset", "iframe", "input",
    "math", "noscript", "object", "portal", "script", "select", "style", "svg", "template",
    "textarea", "video",
];

/// Attributes that hold URLs a browser follows or loads.
const URL_ATTRIBUTES: &[&str] = &[
    "action",
    "background",
    "cite",
    "data",
    "formaction",
    "href",
    "longdesc",
    "poster",
    "src",
    "srcset",
];

/// What in the page at `path` (relative to the output) could run script,
/// navigate, submit, restyle or load what it should not, as a browser parses
/// it: forbidden elements (but the theme's own search script and field),
/// `<meta http-equiv>`, event handlers, `style`, `srcdoc`, `xlink:*`, and
/// URLs whose scheme, once whitespace and control characters are removed,
/// is not http, https or mailto.
pub fn page_dangers(fixture: &Fixture, path: &str, doc: &Html) -> Vec<String> {
    let mut found = Vec::new();
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        let name = el.value().name();
        let theirs = (name == "script"
            && path == "search/index.html"
            && is_theme_search_script(fixture, &el))
            || (name == "input" && is_theme_search_field(path, &el));
        if FORBIDDEN_ELEMENTS.contains(&name) && !theirs {
            found.push(format!("<{name}>"));
        }
        if name == "meta" && el.value().attr("http-equiv").is_some() {
            found.push("<meta http-equiv>".into());
        }
        for (attr, value) in el.value().attrs() {
            if attr.starts_with("on")
                || matches!(attr, "style" | "srcdoc")
                || attr.starts_with("xlink")
            {
                found.push(format!("<{name} {attr}=\"{value}\">"));
            }
            if URL_ATTRIBUTES.contains(&attr) {
                let url: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_lowercase();
                let scheme = url
                    .split_once(':')
                    .map(|(s, _)| s)
                    .filter(|s| !s.contains(['/', '?', '#']));
                if scheme.is_some_and(|s| !matches!(s, "http" | "https" | "mailto")) {
                    found.push(format!("<{name} {attr}=\"{value}\">"));
                }
            }
        }
    }
    found
}

/// Asserts that no page under the output could run script or load what it
/// should not (see [`page_dangers`]).
pub fn assert_no_script(fixture: &Fixture) {
    for (path, bytes) in tree(&fixture.public()) {
        if path.ends_with(".html") {
            let doc = Html::parse_document(&String::from_utf8_lossy(&bytes));
            let found = page_dangers(fixture, &path, &doc);
            assert!(found.is_empty(), "{path}: {found:?} reached the page");
        }
    }
}
