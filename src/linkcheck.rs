//! The link check of `broadsheet check`: every internal link, anchor, image
//! and asset of the rendered site must lead to something the site has.
//!
//! The output sink hands each file over as it is rendered ([`SiteVisitor`]),
//! and each page is reduced at once to what the check needs: the internal
//! targets it refers to and the ids it defines. Pages themselves are not
//! kept, and a reference many pages share (the navigation, a tag) is stored
//! once, so a site of 10,000 articles is checked in little memory.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use anyhow::{anyhow, Result};
use lol_html::{element, HtmlRewriter, Settings};
use percent_encoding::percent_decode_str;
use url::Url;

use crate::output::SiteVisitor;

/// What a reference is for, which decides how a broken one is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferenceKind {
    /// `<a href>`, `<area href>`, `<link rel=canonical|alternate|...>`.
    Link,
    /// `<img src|srcset>`, `<source src|srcset>`.
    Image,
    /// Stylesheets, icons and scripts.
    Asset,
}

/// One internal reference of a page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Reference {
    kind: ReferenceKind,
    /// As written in the page, for the message.
    href: String,
    /// The target's path inside the site, decoded, without the fragment.
    target: String,
    /// The decoded fragment, when there is one.
    fragment: Option<String>,
}

#[derive(Debug, Default)]
struct PageFacts {
    /// Indices into [`Collected::references`].
    references: Vec<u32>,
    ids: HashSet<String>,
}

/// What the visits collected.
#[derive(Debug, Default)]
struct Collected {
    files: BTreeMap<String, PageFacts>,
    /// Every distinct reference, once.
    references: Vec<Reference>,
    reference_index: HashMap<Reference, u32>,
}

/// A reference that leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenReference {
    /// The file of the page holding the reference, inside the site.
    pub page: String,
    pub kind: ReferenceKind,
    /// The reference as written in the page.
    pub href: String,
    /// What is wrong, naming the reference as written.
    pub message: String,
    /// True when the target exists but lacks the fragment's id.
    pub anchor: bool,
}

/// Collects every file of the site and the references of its HTML pages.
pub struct LinkIndex {
    /// The site's base URL, ending in `/`.
    base: Url,
    collected: Mutex<Collected>,
}

impl LinkIndex {
    /// `base_url`: the site's absolute base URL, ending in `/`.
    pub fn new(base_url: &str) -> Result<LinkIndex> {
        let base = Url::parse(base_url).map_err(|e| anyhow!("the base URL `{base_url}`: {e}"))?;
        Ok(LinkIndex {
            base,
            collected: Mutex::default(),
        })
    }

    /// Every reference that leads to no file of the site, or to a page
    /// without the fragment's id; pages in path order.
    pub fn broken(&self) -> Vec<BrokenReference> {
        let collected = self.collected.lock().unwrap_or_else(|e| e.into_inner());
        let files = &collected.files;
        let mut broken = Vec::new();
        for (page, facts) in files {
            let mut references: Vec<&Reference> = facts
                .references
                .iter()
                .map(|&i| &collected.references[i as usize])
                .collect();
            references.sort();
            for r in references {
                let Some(target) = find_file(files, &r.target) else {
                    let what = match r.kind {
                        ReferenceKind::Link => "links to",
                        ReferenceKind::Image => "shows the image",
                        ReferenceKind::Asset => "loads",
                    };
                    broken.push(BrokenReference {
                        page: page.clone(),
                        kind: r.kind,
                        href: r.href.clone(),
                        message: format!(
                            "{what} `{}`, but the site has no {}",
                            r.href,
                            self.site_path(&r.target)
                        ),
                        anchor: false,
                    });
                    continue;
                };
                if let Some(fragment) = &r.fragment {
                    // `#top` scrolls to the top of any page (HTML standard).
                    if !target.ids.contains(fragment) && !fragment.eq_ignore_ascii_case("top") {
                        broken.push(BrokenReference {
                            page: page.clone(),
                            kind: r.kind,
                            href: r.href.clone(),
                            message: format!(
                                "links to `{}`, but {} has no element with id `{fragment}`",
                                r.href,
                                self.site_path(&r.target)
                            ),
                            anchor: true,
                        });
                    }
                }
            }
        }
        broken
    }

    /// The internal references (kind, as written) of `html`, a part of the
    /// site's file `page` (an article's body, say): which of the page's
    /// broken references its author wrote.
    pub fn references_in(&self, page: &str, html: &str) -> HashSet<(ReferenceKind, String)> {
        match self.page_facts(page, html.as_bytes()) {
            Ok((references, _)) => references.into_iter().map(|r| (r.kind, r.href)).collect(),
            Err(_) => HashSet::new(),
        }
    }

    /// The URL path of a file inside the site, as a reader would type it.
    pub fn site_path(&self, file: &str) -> String {
        let file = file.strip_suffix("index.html").unwrap_or(file);
        format!("{}{file}", self.base.path())
    }

    /// The internal references of one HTML page, and its ids.
    fn page_facts(
        &self,
        path: &str,
        html: &[u8],
    ) -> Result<(BTreeSet<Reference>, HashSet<String>)> {
        let page_url = self
            .base
            .join(path)
            .map_err(|e| anyhow!("the page path {path}: {e}"))?;
        let facts = RefCell::new((BTreeSet::new(), HashSet::new()));
        let mut rewriter = HtmlRewriter::new(
            Settings::new().append_element_content_handler(element!("*", |el| {
                let (references, ids) = &mut *facts.borrow_mut();
                let tag = el.tag_name();
                if let Some(id) = el.get_attribute("id") {
                    ids.insert(id);
                }
                if tag == "a" {
                    if let Some(name) = el.get_attribute("name") {
                        ids.insert(name);
                    }
                }
                let mut refer = |kind, href: String| {
                    if let Some(r) = self.reference(&page_url, kind, href) {
                        references.insert(r);
                    }
                };
                match tag.as_str() {
                    "a" | "area" => el
                        .get_attribute("href")
                        .into_iter()
                        .for_each(|h| refer(ReferenceKind::Link, h)),
                    "link" => {
                        let rel = el.get_attribute("rel").unwrap_or_default();
                        let kind = if rel.contains("stylesheet") || rel.contains("icon") {
                            ReferenceKind::Asset
                        } else {
                            ReferenceKind::Link
                        };
                        el.get_attribute("href")
                            .into_iter()
                            .for_each(|h| refer(kind, h));
                    }
                    "img" | "source" => {
                        el.get_attribute("src")
                            .into_iter()
                            .for_each(|h| refer(ReferenceKind::Image, h));
                        if let Some(srcset) = el.get_attribute("srcset") {
                            srcset_urls(&srcset)
                                .for_each(|h| refer(ReferenceKind::Image, h.to_string()));
                        }
                    }
                    "script" => el
                        .get_attribute("src")
                        .into_iter()
                        .for_each(|h| refer(ReferenceKind::Asset, h)),
                    _ => {}
                }
                Ok(())
            })),
            |_: &[u8]| {},
        );
        rewriter
            .write(html)
            .and_then(|()| rewriter.end())
            .map_err(|e| anyhow!("reading the rendered page {path}: {e}"))?;
        Ok(facts.into_inner())
    }

    /// The reference `href` makes from `page_url`, when it stays inside the
    /// site; links elsewhere are not this check's business.
    fn reference(&self, page_url: &Url, kind: ReferenceKind, href: String) -> Option<Reference> {
        let url = page_url.join(href.trim()).ok()?;
        if url.origin() != self.base.origin() {
            return None;
        }
        let inside = url.path().strip_prefix(self.base.path())?;
        let target = percent_decode_str(inside).decode_utf8_lossy().into_owned();
        let fragment = url
            .fragment()
            .filter(|f| !f.is_empty())
            .map(|f| percent_decode_str(f).decode_utf8_lossy().into_owned());
        Some(Reference {
            kind,
            href,
            target,
            fragment,
        })
    }
}

impl SiteVisitor for LinkIndex {
    fn visit(&self, path: &str, bytes: &[u8]) -> Result<()> {
        let (references, ids) = if path.ends_with(".html") {
            self.page_facts(path, bytes)?
        } else {
            Default::default()
        };
        let mut collected = self.collected.lock().unwrap_or_else(|e| e.into_inner());
        let collected = &mut *collected;
        let references = references
            .into_iter()
            .map(|r| match collected.reference_index.get(&r) {
                Some(&i) => i,
                None => {
                    let i = collected.references.len() as u32;
                    collected.references.push(r.clone());
                    collected.reference_index.insert(r, i);
                    i
                }
            })
            .collect();
        collected
            .files
            .insert(path.to_string(), PageFacts { references, ids });
        Ok(())
    }
}

/// The file a site path leads to: `dir/` and `dir` serve `dir/index.html`.
fn find_file<'a>(files: &'a BTreeMap<String, PageFacts>, target: &str) -> Option<&'a PageFacts> {
    if target.is_empty() || target.ends_with('/') {
        return files.get(&format!("{target}index.html"));
    }
    files
        .get(target)
        .or_else(|| files.get(&format!("{target}/index.html")))
}

/// The URLs of a `srcset` (`a.png 1x, b.png 2x`).
fn srcset_urls(srcset: &str) -> impl Iterator<Item = &str> {
    srcset
        .split(',')
        .filter_map(|candidate| candidate.split_whitespace().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(files: &[(&str, &str)]) -> LinkIndex {
        let index = LinkIndex::new("https://example.org/digest/").unwrap();
        for (path, html) in files {
            index.visit(path, html.as_bytes()).unwrap();
        }
        index
    }

    #[test]
    fn links_resolve_to_files_and_ids() {
        let index = index(&[
            (
                "index.html",
                r##"<a href="/digest/tags/">t</a><a href="tags/#x">x</a><a href="#main">m</a>
                <main id="main"></main><img src="/digest/a%20b.png"><a href="https://elsewhere.example/nope">e</a>
                <a href="mailto:a@b.example">m</a><link rel="stylesheet" href="style.css">
                <a href="/digest/tags">no slash</a><a href="#top">top</a>"##,
            ),
            ("tags/index.html", r#"<h2 id="x">x</h2>"#),
            ("a b.png", ""),
            ("style.css", ""),
        ]);
        assert_eq!(index.broken(), []);
    }

    #[test]
    fn broken_links_anchors_images_and_assets_are_reported_per_page() {
        let index = index(&[
            (
                "articles/a/index.html",
                r##"<a href="/digest/tags/nope/">a</a><a href="#gone">b</a>
                <img src="../../img/missing.png" srcset="/digest/ok.png 1x, /digest/big.png 2x">
                <script src="/digest/app.js"></script>"##,
            ),
            ("ok.png", ""),
        ]);
        let broken = index.broken();
        let messages: Vec<(&str, ReferenceKind, bool, &str)> = broken
            .iter()
            .map(|b| (b.page.as_str(), b.kind, b.anchor, b.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "articles/a/index.html",
                    ReferenceKind::Link,
                    true,
                    "links to `#gone`, but /digest/articles/a/ has no element with id `gone`"
                ),
                (
                    "articles/a/index.html",
                    ReferenceKind::Link,
                    false,
                    "links to `/digest/tags/nope/`, but the site has no /digest/tags/nope/"
                ),
                (
                    "articles/a/index.html",
                    ReferenceKind::Image,
                    false,
                    "shows the image `../../img/missing.png`, but the site has no /digest/img/missing.png"
                ),
                (
                    "articles/a/index.html",
                    ReferenceKind::Image,
                    false,
                    "shows the image `/digest/big.png`, but the site has no /digest/big.png"
                ),
                (
                    "articles/a/index.html",
                    ReferenceKind::Asset,
                    false,
                    "loads `/digest/app.js`, but the site has no /digest/app.js"
                ),
            ]
        );
    }
}
