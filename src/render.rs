//! Stage 6: render every page of the digest with the theme and hand it to the
//! output sink. Article pages read their body back from the spool, render,
//! write and drop it, in parallel; listings use metadata only.
//!
//! URL layout (every path below the site's root path):
//! `/` and `/page/N/` the archive; `/articles/<slug>/`; `/tags/`,
//! `/tags/<slug>/` (+ `page/N/`); the same for `/authors/` and `/sources/`;
//! `/search/`; `/404.html`. Feeds, the sitemap and the search index are
//! written beside the pages by [`crate::syndicate`], [`crate::sitemap`] and
//! [`crate::search`].

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Context as _, Result};
use chrono::SecondsFormat;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use crate::bodies::{BodyRef, BodyStore};
use crate::digest::{group_position, Digest, Group, Name};
use crate::editions::Edition;
use crate::fingerprint::{Addressed, ContentAddress, PageFingerprint, PageVars, RenderVersion};
use crate::output::OutputSink;
use crate::pages::Page;
use crate::progress::Progress;
use crate::rerender::TocEntry;
use crate::syndicate::{listing_feed, page_feeds, FeedLink};
use crate::theme::Theme;

/// How pages show a date: `13 May 2026`.
pub const DISPLAY_DATE: &str = "%-d %B %Y";

/// Site-wide values, the same on every page.
#[derive(Debug, Clone, Serialize)]
pub struct SiteInfo {
    pub title: String,
    pub description: String,
    pub language: String,
    /// Absolute, ending in `/`.
    pub base_url: String,
    /// The path part of `base_url`: `/` or `/digest/`.
    pub root: String,
    #[serde(skip)]
    pub timezone: chrono_tz::Tz,
    /// The site's `extra:` map; templates see it merged over the theme's defaults as `extra`.
    #[serde(skip)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

#[derive(Debug, Clone, Serialize)]
struct Link {
    name: String,
    slug: String,
    url: String,
}

#[derive(Debug, Clone, Serialize)]
struct NavItem {
    title: String,
    url: String,
}

/// What templates get for one article (the `articles` items and `article`).
/// Its links (each a [`Link`]) are template values shared by every card
/// that shows them: a listing page then copies a reference, not the strings.
#[derive(Debug, Clone, Serialize)]
struct ArticleCard {
    id: String,
    title: String,
    url: String,
    link: String,
    source: Value,
    authors: Vec<Value>,
    tags: Vec<Value>,
    dated: bool,
    published: String,
    published_display: String,
    updated: String,
    updated_display: String,
    reading_time: usize,
    word_count: usize,
    summary: String,
    /// The editor's note, sanitized HTML (`""` when none).
    note: String,
    edition: Value,
}

/// A card as listings show it: fingerprinted by its address.
type CardRef<'a> = Addressed<'a, ArticleCard>;

#[derive(Debug, Clone, Serialize)]
struct EditionLink {
    id: String,
    title: String,
    url: String,
}

/// The `article` of an article page: its card's fields, body and TOC for
/// the template; for the page's fingerprint, the card by its address.
struct ArticlePage<'a> {
    card: CardRef<'a>,
    body: ArticleBody<'a>,
    toc: &'a [TocEntry],
}

impl Serialize for ArticlePage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Fields<'b> {
            #[serde(flatten)]
            card: &'b ArticleCard,
            body: &'b ArticleBody<'b>,
            toc: &'b [TocEntry],
        }
        match serializer.is_human_readable() {
            true => Fields {
                card: self.card.value,
                body: &self.body,
                toc: self.toc,
            }
            .serialize(serializer),
            false => (self.card, &self.body, self.toc).serialize(serializer),
        }
    }
}

/// An article's body: its text for the template (read only to render),
/// its identity for the page's fingerprint.
struct ArticleBody<'a> {
    at: &'a BodyRef,
    text: Option<String>,
}

impl Serialize for ArticleBody<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (&self.text, serializer.is_human_readable()) {
            (_, false) => serializer.serialize_bytes(self.at.identity()),
            (Some(text), true) => serializer.serialize_str(text),
            (None, true) => Err(serde::ser::Error::custom("an article body was not read")),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct GroupInfo {
    name: String,
    slug: String,
    url: String,
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct PageInfo {
    kind: &'static str,
    url: String,
    permalink: String,
    title: String,
    /// The feeds the page links to with `<link rel="alternate">`.
    feeds: Vec<FeedLink>,
}

#[derive(Debug, Clone, Serialize)]
struct PageNumber {
    number: usize,
    url: String,
    current: bool,
}

#[derive(Debug, Clone, Serialize)]
struct Paginator {
    current: usize,
    total_pages: usize,
    total_items: usize,
    first: String,
    last: String,
    prev: String,
    next: String,
    /// The pages around the current one (up to five either side).
    pages: Vec<PageNumber>,
}

/// How many page links either side of the current page a paginator lists.
const PAGINATOR_WINDOW: usize = 5;

#[derive(Serialize)]
struct FeaturedCard<'a> {
    article: CardRef<'a>,
    /// The editor's note on the pick, sanitized HTML (`""` when none).
    note: String,
}

#[derive(Debug, Clone, Serialize)]
struct EditionInfo {
    id: String,
    title: String,
    url: String,
    count: usize,
    /// First and last day, `YYYY-MM-DD`, and for display.
    start: String,
    end: String,
    start_display: String,
    end_display: String,
    /// The editor's introduction, sanitized HTML (`""` when none).
    intro: String,
}

/// Articles of an edition under one tag or source, by their place among
/// the edition's articles.
struct EditionGroup {
    name: String,
    slug: String,
    url: String,
    members: Vec<usize>,
}

/// An [`EditionGroup`] as a template (or a fingerprint) sees it: its
/// articles as cards of the type `C`.
#[derive(Serialize)]
struct EditionGroupCards<'g, C> {
    name: &'g str,
    slug: &'g str,
    url: &'g str,
    articles: Vec<C>,
}

/// Sets an edition page's `articles`, `by_tag` and `by_source` from its
/// `cards`, in the edition's order.
fn insert_edition_cards<C: Serialize + Clone>(
    vars: &mut PageVars,
    cards: &[C],
    by_tag: &[EditionGroup],
    by_source: &[EditionGroup],
) {
    vars.insert("articles", cards);
    vars.insert("by_tag", &group_cards(by_tag, cards));
    vars.insert("by_source", &group_cards(by_source, cards));
}

/// `groups` with their members' `cards`.
fn group_cards<'g, C: Clone>(
    groups: &'g [EditionGroup],
    cards: &[C],
) -> Vec<EditionGroupCards<'g, C>> {
    groups
        .iter()
        .map(|g| EditionGroupCards {
            name: &g.name,
            slug: &g.slug,
            url: &g.url,
            articles: g.members.iter().map(|&m| cards[m].clone()).collect(),
        })
        .collect()
}

/// Groups an edition's articles by the links of each (in the edition's
/// order); largest group first, then by name. Articles with no link (no
/// tags) go last, in a group called `unlinked` with no slug and no URL, so
/// that every article of the edition is in some group.
fn edition_groups<'l>(
    links: impl Iterator<Item = &'l [Link]>,
    unlinked: &str,
) -> Vec<EditionGroup> {
    let mut groups: BTreeMap<&str, EditionGroup> = BTreeMap::new();
    let mut rest = EditionGroup {
        name: unlinked.to_string(),
        slug: String::new(),
        url: String::new(),
        members: Vec::new(),
    };
    for (member, links) in links.enumerate() {
        if links.is_empty() {
            rest.members.push(member);
        }
        for link in links {
            groups
                .entry(link.url.as_str())
                .or_insert_with(|| EditionGroup {
                    name: link.name.clone(),
                    slug: link.slug.clone(),
                    url: link.url.clone(),
                    members: Vec::new(),
                })
                .members
                .push(member);
        }
    }
    let mut groups: Vec<EditionGroup> = groups.into_values().collect();
    groups.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    if !rest.members.is_empty() {
        groups.push(rest);
    }
    groups
}

#[derive(Serialize)]
struct Document<'a> {
    title: &'a str,
    description: &'a str,
    body: &'a str,
    toc: &'a [TocEntry],
}

struct Renderer<'a> {
    theme: &'a Theme,
    site: &'a SiteInfo,
    sink: &'a OutputSink,
    progress: &'a Progress,
    per_page: usize,
    cards: Vec<ArticleCard>,
    /// Each card's address, for fingerprints (empty without).
    card_addresses: Vec<Option<ContentAddress>>,
    /// What every page's fingerprint starts from; `None` when the sink
    /// keeps no page records.
    version: Option<RenderVersion>,
    /// Every page written, as its path inside the site (`tags/rust/`).
    pages: Mutex<Vec<String>>,
}

/// What the pages show: the curated digest, the editor's pages, the site's
/// settings and the spooled bodies.
#[derive(Clone, Copy)]
pub struct SiteContent<'a> {
    pub digest: &'a Digest,
    pub pages: &'a [Page],
    pub site: &'a SiteInfo,
    /// Articles per listing page.
    pub per_page: usize,
    pub bodies: &'a BodyStore,
    /// Whether bodies are read again after the article pages (by
    /// full-content feeds): their cache files then stay in memory.
    pub bodies_read_again: bool,
}

/// Renders the whole site into `sink`; returns the path inside the site of
/// every page written (`""`, `articles/x/`, ...), for the sitemap.
pub fn render_site(
    content: SiteContent,
    theme: &mut Theme,
    sink: &OutputSink,
    progress: &Progress,
) -> Result<Vec<String>> {
    let SiteContent {
        digest,
        pages,
        site,
        per_page,
        bodies,
        bodies_read_again,
    } = content;
    let mut nav: Vec<NavItem> = [
        ("Articles", ""),
        ("Editions", "editions/"),
        ("Tags", "tags/"),
        ("Authors", "authors/"),
        ("Sources", "sources/"),
        ("Search", "search/"),
    ]
    .into_iter()
    .map(|(title, path)| NavItem {
        title: title.to_string(),
        url: format!("{}{path}", site.root),
    })
    .collect();
    nav.extend(pages.iter().map(|p| NavItem {
        title: p.title.clone(),
        url: format!("{}{}/", site.root, p.slug),
    }));
    let mut extra = theme.manifest.extra.clone();
    extra.extend(site.extra.clone());
    let globals = |vars: &mut PageVars| {
        vars.insert("extra", &extra);
        vars.insert("site", site);
        vars.insert("nav", &nav);
    };
    globals(&mut PageVars::Context(theme.tera.global_context()));
    let version = sink.takes_fingerprints().then(|| {
        RenderVersion::new(
            &[
                crate::cache::CODE_VERSION.as_bytes(),
                theme.version.as_bytes(),
            ],
            &globals,
        )
    });
    let theme = &*theme;
    // The cards are made as part of the first stage that shows them.
    let stage = progress.stage("render articles", Some(digest.articles.len()));
    let links = SharedLinks::new(digest, site);
    let cards: Vec<ArticleCard> = digest
        .articles
        .par_iter()
        .map(|a| card(site, &links, a))
        .collect();
    let r = Renderer {
        theme,
        site,
        sink,
        progress,
        per_page,
        card_addresses: match version {
            Some(_) => cards.par_iter().map(ContentAddress::of).collect(),
            None => Vec::new(),
        },
        cards,
        version,
        pages: Mutex::new(Vec::new()),
    };

    let article_bodies =
        bodies.read_once(digest.articles.iter().map(|a| a.body), !bodies_read_again);
    // In the order the bodies lie on disk, so that each cache file is read
    // through, and released, early (see `ReadOnce`).
    let mut in_storage_order: Vec<usize> = (0..digest.articles.len()).collect();
    in_storage_order.sort_by_key(|&i| digest.articles[i].body.storage_order());
    in_storage_order
        .into_par_iter()
        .try_for_each(|i| -> Result<()> {
            let article = &digest.articles[i];
            let card = r.card(i);
            let page = r.page_info(
                "article",
                &card.value.url[site.root.len()..],
                &card.value.title,
            );
            r.render(
                "article.html",
                &format!("articles/{}/index.html", article.slug),
                &page,
                &|vars| {
                    let text = match vars.renders() {
                        true => Some(article_bodies.get(article.body)?),
                        false => None,
                    };
                    vars.insert(
                        "article",
                        &ArticlePage {
                            card,
                            body: ArticleBody {
                                at: &article.body,
                                text,
                            },
                            toc: &article.toc,
                        },
                    );
                    Ok(())
                },
            )?;
            stage.step();
            Ok(())
        })?;
    stage.finish();

    let stage = progress.stage("render listings", None);

    let all: Vec<usize> = (0..digest.articles.len()).collect();
    let featured: Vec<FeaturedCard> = digest
        .featured
        .iter()
        .map(|&i| FeaturedCard {
            article: r.card(i),
            note: digest.articles[i]
                .featured
                .as_ref()
                .and_then(|f| f.1.clone())
                .unwrap_or_default(),
        })
        .collect();
    let editions: Vec<EditionInfo> = digest
        .editions
        .iter()
        .map(|e| edition_info(site, e))
        .collect();
    r.paginated("index", "", &site.title, &all, |n, vars| {
        if let Some(latest) = editions.first() {
            vars.insert("latest_edition", latest);
        }
        if n == 1 {
            vars.insert("featured", &featured);
        }
    })?;
    r.editions(digest, &editions)?;
    r.pages(pages)?;

    let groups = group_infos(digest, site);
    fn members_of(groups: &[Group]) -> Vec<&[usize]> {
        groups.iter().map(|g| g.articles.as_slice()).collect()
    }
    let sources: Vec<&[usize]> = digest.source_articles.iter().map(Vec::as_slice).collect();
    // A page per tag, author and source: its articles, paginated.
    for (kind, section, infos, members) in [
        ("tag", "tags", &groups.tags, members_of(&digest.tags)),
        (
            "author",
            "authors",
            &groups.authors,
            members_of(&digest.authors),
        ),
        ("source", "sources", &groups.sources, sources),
    ] {
        infos
            .par_iter()
            .zip(&members)
            .try_for_each(|(info, members)| {
                r.paginated(
                    kind,
                    &format!("{section}/{}/", info.slug),
                    &info.name,
                    members,
                    |_, vars| vars.insert(kind, info),
                )
            })?;
    }

    let mut by_count = groups.tags.clone();
    by_count.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    r.list("tags", "Tags", &by_count)?;
    r.list("authors", "Authors", &groups.authors)?;
    r.list("sources", "Sources", &groups.sources)?;

    let page = r.page_info("search", "search/", "Search");
    let search_index = format!("{}{}", site.root, crate::search::INDEX_PATH);
    r.render("search.html", "search/index.html", &page, &|vars| {
        vars.insert("search_index", &search_index);
        Ok(())
    })?;

    let page = r.page_info("404", "404.html", "Page not found");
    r.render("404.html", "404.html", &page, &|_| Ok(()))?;
    stage.finish();
    Ok(r.pages.into_inner().unwrap_or_else(|e| e.into_inner()))
}

impl Renderer<'_> {
    fn card(&self, i: usize) -> CardRef<'_> {
        Addressed {
            value: &self.cards[i],
            address: self.card_addresses.get(i).and_then(Option::as_ref),
        }
    }

    /// The `page` variable; `path` is relative to the site root.
    fn page_info(&self, kind: &'static str, path: &str, title: &str) -> PageInfo {
        self.page_info_with_feed(kind, path, title, None)
    }

    /// [`Self::page_info`] for a page with a feed of its own.
    fn page_info_with_feed(
        &self,
        kind: &'static str,
        path: &str,
        title: &str,
        own_feed: Option<FeedLink>,
    ) -> PageInfo {
        PageInfo {
            kind,
            url: format!("{}{path}", self.site.root),
            permalink: format!("{}{path}", self.site.base_url),
            title: title.to_string(),
            feeds: page_feeds(self.site, own_feed),
        }
    }

    /// Renders `template` at `out` with `page` and the variables `fill`
    /// sets. With page records, the variables are fingerprinted first, and
    /// a page whose fingerprint the sink finds in place is not rendered at
    /// all.
    fn render(
        &self,
        template: &str,
        out: &str,
        page: &PageInfo,
        fill: &(dyn Fn(&mut PageVars) -> Result<()> + Sync),
    ) -> Result<()> {
        let all = |vars: &mut PageVars| {
            vars.insert("page", page);
            fill(vars)
        };
        let fp = self
            .version
            .as_ref()
            .and_then(|v| PageFingerprint::of(v, template, out, &all));
        self.sink.write_page(out, fp, || {
            let started = Instant::now();
            let mut ctx = Context::new();
            all(&mut PageVars::Context(&mut ctx))?;
            // Room for a page with its body (most are under 64 KiB), so the
            // page is not copied as it grows; the bytes go to the file as
            // they are, without the check for UTF-8 a `String` would make.
            let mut html = Vec::with_capacity(64 * 1024);
            self.theme
                .tera
                .render_to(template, &ctx, &mut html)
                .map_err(|e| self.theme.explain(e))
                .with_context(|| {
                    format!(
                        "rendering {out} with the template {template} of theme `{}`",
                        self.theme.name
                    )
                })?;
            self.progress.template_rendered(template, started.elapsed());
            Ok(html)
        })?;
        if let Some(page) = out.strip_suffix("index.html") {
            self.pages
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(page.to_string());
        }
        Ok(())
    }

    /// Renders `members` (indices into the archive) as pages of `per_page`
    /// under `base` (`""` for the index, `tags/rust/` for a tag).
    fn paginated(
        &self,
        kind: &'static str,
        base: &str,
        title: &str,
        members: &[usize],
        extra: impl Fn(usize, &mut PageVars) + Sync,
    ) -> Result<()> {
        let total_pages = members.len().div_ceil(self.per_page).max(1);
        let url_of = |n: usize| match n {
            1 => format!("{}{base}", self.site.root),
            n => format!("{}{base}page/{n}/", self.site.root),
        };
        (1..=total_pages).into_par_iter().try_for_each(|n| {
            let chunk = members.chunks(self.per_page).nth(n - 1).unwrap_or(&[]);
            let articles: Vec<CardRef> = chunk.iter().map(|&i| self.card(i)).collect();
            let path = if n == 1 {
                base.to_string()
            } else {
                format!("{base}page/{n}/")
            };
            let page_title = if n == 1 {
                title.to_string()
            } else {
                format!("{title} (page {n})")
            };
            let page = self.page_info_with_feed(
                kind,
                &path,
                &page_title,
                listing_feed(self.site, kind, base, title),
            );
            let window =
                n.saturating_sub(PAGINATOR_WINDOW).max(1)..=(n + PAGINATOR_WINDOW).min(total_pages);
            let paginator = Paginator {
                current: n,
                total_pages,
                total_items: members.len(),
                first: url_of(1),
                last: url_of(total_pages),
                prev: if n > 1 { url_of(n - 1) } else { String::new() },
                next: if n < total_pages {
                    url_of(n + 1)
                } else {
                    String::new()
                },
                pages: window
                    .map(|p| PageNumber {
                        number: p,
                        url: url_of(p),
                        current: p == n,
                    })
                    .collect(),
            };
            self.render(
                &format!("{kind}.html"),
                &format!("{path}index.html"),
                &page,
                &|vars| {
                    vars.insert("paginator", &paginator);
                    vars.insert("articles", &articles);
                    extra(n, vars);
                    Ok(())
                },
            )
        })
    }

    /// `/editions/` and one page per edition, its articles grouped both by
    /// tag and by source so the theme can choose.
    fn editions(&self, digest: &Digest, infos: &[EditionInfo]) -> Result<()> {
        let editions_feed = || listing_feed(self.site, "editions", "editions/", "Editions");
        let page = self.page_info_with_feed("editions", "editions/", "Editions", editions_feed());
        self.render("editions.html", "editions/index.html", &page, &|vars| {
            vars.insert("editions", infos);
            Ok(())
        })?;
        digest
            .editions
            .par_iter()
            .enumerate()
            .try_for_each(|(i, edition)| {
                let info = &infos[i];
                let path = format!("editions/{}/", info.id);
                let page = self.page_info_with_feed("edition", &path, &info.title, editions_feed());
                let articles: Vec<CardRef> =
                    edition.articles.iter().map(|&a| self.card(a)).collect();
                let links: Vec<ArticleLinks> = edition
                    .articles
                    .iter()
                    .map(|&a| article_links(digest, self.site, &digest.articles[a]))
                    .collect();
                let by_tag = edition_groups(links.iter().map(|l| l.tags.as_slice()), "Untagged");
                let by_source =
                    edition_groups(links.iter().map(|l| std::slice::from_ref(&l.source)), "");
                // Editions are newest first: the next one is the newer, at i - 1.
                let newer = i.checked_sub(1).and_then(|j| infos.get(j));
                let older = infos.get(i + 1);
                self.render(
                    "edition.html",
                    &format!("{path}index.html"),
                    &page,
                    &|vars| {
                        vars.insert("edition", info);
                        if vars.renders() {
                            // Each card is shown in the list, once per tag and
                            // once by source: made a template value once, it
                            // is shown by reference. A fingerprint takes the
                            // cards by address either way.
                            let values = articles
                                .iter()
                                .map(|card| Value::try_from_serializable(card.value))
                                .collect::<Result<Vec<_>, _>>()
                                .map_err(|e| anyhow!("making an edition's cards: {e}"))?;
                            let shown: Vec<Addressed<Value>> = values
                                .iter()
                                .zip(&articles)
                                .map(|(value, card)| Addressed {
                                    value,
                                    address: card.address,
                                })
                                .collect();
                            insert_edition_cards(vars, &shown, &by_tag, &by_source);
                        } else {
                            insert_edition_cards(vars, &articles, &by_tag, &by_source);
                        }
                        if let Some(newer) = newer {
                            vars.insert("newer_edition", newer);
                        }
                        if let Some(older) = older {
                            vars.insert("older_edition", older);
                        }
                        Ok(())
                    },
                )
            })
    }

    /// The editor's Markdown pages at `/<slug>/`.
    fn pages(&self, pages: &[Page]) -> Result<()> {
        for p in pages {
            let path = format!("{}/", p.slug);
            let page = self.page_info("page", &path, &p.title);
            let document = Document {
                title: &p.title,
                description: &p.description,
                body: &p.html,
                toc: &p.toc,
            };
            self.render(&p.template, &format!("{path}index.html"), &page, &|vars| {
                vars.insert("document", &document);
                Ok(())
            })
            .with_context(|| format!("rendering the page {}", p.file.display()))?;
        }
        Ok(())
    }

    fn list(&self, kind: &'static str, title: &str, items: &[GroupInfo]) -> Result<()> {
        let page = self.page_info(kind, &format!("{kind}/"), title);
        self.render(
            &format!("{kind}.html"),
            &format!("{kind}/index.html"),
            &page,
            &|vars| {
                vars.insert(kind, items);
                Ok(())
            },
        )
    }
}

struct GroupInfos {
    tags: Vec<GroupInfo>,
    authors: Vec<GroupInfo>,
    sources: Vec<GroupInfo>,
}

fn group_infos(digest: &Digest, site: &SiteInfo) -> GroupInfos {
    let info = |section: &str, g: &Group| GroupInfo {
        name: g.name.display.clone(),
        slug: g.slug.clone(),
        url: format!("{}{section}/{}/", site.root, g.slug),
        count: g.articles.len(),
        homepage: None,
    };
    GroupInfos {
        tags: digest.tags.iter().map(|g| info("tags", g)).collect(),
        authors: digest.authors.iter().map(|g| info("authors", g)).collect(),
        sources: digest
            .sources
            .iter()
            .zip(&digest.source_articles)
            .map(|(s, members)| GroupInfo {
                name: s.name.clone(),
                slug: s.slug.clone(),
                url: format!("{}sources/{}/", site.root, s.slug),
                count: members.len(),
                homepage: Some(s.homepage.clone().unwrap_or_default()),
            })
            .collect(),
    }
}

/// An article's links to its source and tag pages (what an edition groups
/// its articles by). A tag is named as the article spells it.
struct ArticleLinks {
    source: Link,
    tags: Vec<Link>,
}

fn article_links(digest: &Digest, site: &SiteInfo, a: &crate::digest::Article) -> ArticleLinks {
    ArticleLinks {
        source: source_link(site, &digest.sources[a.source]),
        tags: a
            .tags
            .iter()
            .map(|n| group_link(site, "tags", n, &digest.tags))
            .collect(),
    }
}

/// The link to the page of the group (tag or author) called `name`, under
/// `section`, as an article spells the name.
fn group_link(site: &SiteInfo, section: &str, name: &Name, groups: &[Group]) -> Link {
    let slug = group_position(groups, name)
        .map(|i| groups[i].slug.clone())
        .unwrap_or_default();
    Link {
        name: name.display.clone(),
        url: format!("{}{section}/{slug}/", site.root),
        slug,
    }
}

fn source_link(site: &SiteInfo, source: &crate::digest::Source) -> Link {
    Link {
        name: source.name.clone(),
        slug: source.slug.clone(),
        url: format!("{}sources/{}/", site.root, source.slug),
    }
}

/// Every distinct link the cards show, as a template value, keyed by what
/// tells it apart: the page it leads to and, for authors and tags, the
/// article's spelling of the name.
struct SharedLinks<'d> {
    sources: Vec<Value>,
    authors: BTreeMap<&'d Name, Value>,
    tags: BTreeMap<&'d Name, Value>,
    editions: Vec<Value>,
}

impl<'d> SharedLinks<'d> {
    fn new(digest: &'d Digest, site: &SiteInfo) -> SharedLinks<'d> {
        let mut shared = SharedLinks {
            sources: digest
                .sources
                .iter()
                .map(|source| Value::from_serializable(&source_link(site, source)))
                .collect(),
            authors: BTreeMap::new(),
            tags: BTreeMap::new(),
            editions: digest
                .editions
                .iter()
                .map(|e| Value::from_serializable(&edition_link(site, e)))
                .collect(),
        };
        // A link is made only for a spelling not met before: the archive
        // has many articles to a name.
        for a in &digest.articles {
            for (map, names, section, groups) in [
                (&mut shared.authors, &a.authors, "authors", &digest.authors),
                (&mut shared.tags, &a.tags, "tags", &digest.tags),
            ] {
                for name in names {
                    map.entry(name).or_insert_with(|| {
                        Value::from_serializable(&group_link(site, section, name, groups))
                    });
                }
            }
        }
        shared
    }
}

fn card(site: &SiteInfo, links: &SharedLinks, a: &crate::digest::Article) -> ArticleCard {
    let local = |d: chrono::DateTime<chrono::Utc>| d.with_timezone(&site.timezone);
    let updated = a.updated.map(local);
    // Every name is in the map: it was made from these articles.
    let shared = |map: &BTreeMap<&Name, Value>, names: &[Name]| {
        names
            .iter()
            .map(|n| map.get(n).cloned().unwrap_or_else(Value::none))
            .collect()
    };
    ArticleCard {
        id: a.id.clone(),
        title: a.title.clone(),
        url: format!("{}articles/{}/", site.root, a.slug),
        link: a.link.clone().unwrap_or_default(),
        source: links.sources[a.source].clone(),
        authors: shared(&links.authors, &a.authors),
        tags: shared(&links.tags, &a.tags),
        dated: a.dated,
        published: local(a.published).to_rfc3339_opts(SecondsFormat::Secs, true),
        published_display: local(a.published).format(DISPLAY_DATE).to_string(),
        updated: updated
            .map(|u| u.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default(),
        updated_display: updated
            .map(|u| u.format(DISPLAY_DATE).to_string())
            .unwrap_or_default(),
        reading_time: a.reading_time,
        word_count: a.word_count,
        summary: a.summary.clone(),
        note: a.note_html.clone().unwrap_or_default(),
        edition: links.editions.get(a.edition).cloned().unwrap_or_else(|| {
            Value::from_serializable(&EditionLink {
                id: String::new(),
                title: String::new(),
                url: String::new(),
            })
        }),
    }
}

fn edition_info(site: &SiteInfo, e: &Edition) -> EditionInfo {
    EditionInfo {
        id: e.key.id.clone(),
        title: e.title.clone(),
        url: format!("{}editions/{}/", site.root, e.key.id),
        count: e.articles.len(),
        start: e.key.start.to_string(),
        end: e.key.end.to_string(),
        start_display: e.key.start.format(DISPLAY_DATE).to_string(),
        end_display: e.key.end.format(DISPLAY_DATE).to_string(),
        intro: e.intro_html.clone().unwrap_or_default(),
    }
}

fn edition_link(site: &SiteInfo, e: &Edition) -> EditionLink {
    EditionLink {
        id: e.key.id.clone(),
        title: e.title.clone(),
        url: format!("{}editions/{}/", site.root, e.key.id),
    }
}
