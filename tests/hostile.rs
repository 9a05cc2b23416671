//! Hostile article bodies, titles, authors, tags and source names, each built
//! into a real page and checked there as a browser would parse it: nothing
//! can run script, navigate, submit, restyle the page or clobber its
//! globals, and the article's own text survives.

mod common;

use std::collections::BTreeSet;

use broadsheet::sanitize::{CODE_BLOCK_CLASSES, HIGHLIGHT_TOKENS};
use common::*;
use scraper::{ElementRef, Html, Selector};

/// Hostile bodies by technique: (name, body HTML). Each is built as the body
/// of its own article, after the marker text `KEPT` that must still be on
/// the page: the sanitizer removes the attack, not the article.
const TECHNIQUES: &[(&str, &[(&str, &str)])] = &[
    (
        "script and event handlers",
        &[
            ("script", "<script>alert(1)</script>"),
            (
                "script with src",
                r#"<script src="https://evil.example/x.js"></script>"#,
            ),
            ("script upper case", "<SCRIPT>alert(1)</SCRIPT>"),
            ("script split", "<scr<script>ipt>alert(1)</script>"),
            ("img onerror", r#"<img src="x" onerror="alert(1)">"#),
            ("body onload", r#"<body onload="alert(1)">"#),
            ("svg onload", r#"<svg onload="alert(1)"></svg>"#),
            (
                "details ontoggle",
                r#"<details open ontoggle="alert(1)"><summary>s</summary></details>"#,
            ),
            (
                "a onmouseover",
                r#"<a href="https://ok.example/" onmouseover="alert(1)">link</a>"#,
            ),
            (
                "video onerror",
                r#"<video><source onerror="alert(1)"></video>"#,
            ),
            (
                "input autofocus onfocus",
                r#"<input autofocus onfocus="alert(1)">"#,
            ),
            (
                "marquee onstart",
                r#"<marquee onstart="alert(1)">m</marquee>"#,
            ),
            ("event handler without quotes", "<p onclick=alert(1)>p</p>"),
            ("event handler upper case", r#"<p ONCLICK="alert(1)">p</p>"#),
            (
                "event handler with slash",
                r#"<img/src="x"/onerror="alert(1)">"#,
            ),
            ("iframe onload", "<iframe/onload=alert(1)>"),
            ("unterminated tag", "<img src=x onerror=alert(1)//"),
        ],
    ),
    (
        "URL schemes, plain and obfuscated",
        &[
            ("javascript href", r#"<a href="javascript:alert(1)">j</a>"#),
            (
                "javascript mixed case",
                r#"<a href="JaVaScRiPt:alert(1)">j</a>"#,
            ),
            (
                "javascript decimal entities",
                r#"<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">j</a>"#,
            ),
            (
                "javascript hex entities",
                r#"<a href="&#x6A;avascript&#x3A;alert(1)">j</a>"#,
            ),
            (
                "javascript named entity colon",
                r#"<a href="javascript&colon;alert(1)">j</a>"#,
            ),
            (
                "javascript tab inside",
                "<a href=\"java\tscript:alert(1)\">j</a>",
            ),
            (
                "javascript newline inside",
                "<a href=\"java\nscript:alert(1)\">j</a>",
            ),
            (
                "javascript entity tab",
                r#"<a href="jav&#x09;ascript:alert(1)">j</a>"#,
            ),
            (
                "javascript NUL entity",
                r#"<a href="java&#0;script:alert(1)">j</a>"#,
            ),
            (
                "javascript control character first",
                r#"<a href="&#1;javascript:alert(1)">j</a>"#,
            ),
            (
                "javascript leading space",
                r#"<a href="  javascript:alert(1)">j</a>"#,
            ),
            (
                "javascript full-width letters",
                r#"<a href="ｊａｖａｓｃｒｉｐｔ:alert(1)">j</a>"#,
            ),
            (
                "data html",
                r#"<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>"#,
            ),
            (
                "data image svg",
                r#"<img src="data:image/svg+xml,<svg onload=alert(1)>">"#,
            ),
            ("vbscript", r#"<a href="vbscript:msgbox(1)">v</a>"#),
            (
                "javascript in img src",
                r#"<img src="javascript:alert(1)">"#,
            ),
            (
                "javascript in srcset",
                r#"<img src="https://ok.example/i.png" srcset="javascript:alert(1) 1x" alt="i">"#,
            ),
            (
                "javascript in blockquote cite",
                r#"<blockquote cite="javascript:alert(1)">q</blockquote>"#,
            ),
            (
                "javascript in q cite, entity encoded",
                r#"<q cite="&#106;avascript:alert(1)">q</q>"#,
            ),
            (
                "protocol-relative to elsewhere",
                r#"<a href="//evil.example/x">p</a>"#,
            ),
            (
                "target blank without rel",
                r#"<a href="https://evil.example/" target="_blank" rel="opener">t</a>"#,
            ),
        ],
    ),
    (
        "SVG and MathML namespace confusion",
        &[
            ("svg script", r#"<svg><script>alert(1)</script></svg>"#),
            (
                "svg foreignObject",
                r#"<svg><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>"#,
            ),
            (
                "svg animate href",
                r#"<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>t</text></a></svg>"#,
            ),
            (
                "svg use",
                r#"<svg><use href="data:image/svg+xml,<svg id='x'><script>alert(1)</script></svg>#x"/></svg>"#,
            ),
            (
                "svg xlink link",
                r#"<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>"#,
            ),
            (
                "svg image",
                r#"<svg><image href="javascript:alert(1)"></image></svg>"#,
            ),
            (
                "svg desc style",
                r#"<svg><desc><style><img src=x onerror=alert(1)></style></desc></svg>"#,
            ),
            (
                "math xlink",
                r#"<math><mi xlink:href="javascript:alert(1)">m</mi></math>"#,
            ),
            (
                "math href",
                r#"<math href="javascript:alert(1)">click</math>"#,
            ),
            (
                "math mglyph style",
                r#"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"#,
            ),
            (
                "math mglyph svg textarea",
                r#"<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) src=1>">"#,
            ),
            (
                "svg style break-out",
                r#"<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">"#,
            ),
        ],
    ),
    (
        "mutation XSS through raw text and templates",
        &[
            (
                "noscript",
                r#"<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>"#,
            ),
            (
                "noscript style",
                r#"<noscript><style></noscript><img src=x onerror=alert(1)>"#,
            ),
            ("style", r#"<style><img src=x onerror=alert(1)></style>"#),
            (
                "style self-closing",
                r#"<style><style/><img src=x onerror=alert(1)>"#,
            ),
            (
                "template",
                r#"<template><img src=x onerror=alert(1)></template>"#,
            ),
            (
                "template style",
                r#"<template><style></template><img src=x onerror=alert(1)></style>"#,
            ),
            (
                "textarea",
                r#"<textarea><img src=x onerror=alert(1)></textarea>"#,
            ),
            (
                "textarea title",
                r#"<textarea><p title="</textarea><img src=x onerror=alert(1)>">"#,
            ),
            ("title", r#"<title><img src=x onerror=alert(1)></title>"#),
            ("xmp", r#"<xmp><img src=x onerror=alert(1)></xmp>"#),
            (
                "noembed",
                r#"<noembed><img title="</noembed><img src onerror=alert(1)>"></noembed>"#,
            ),
            (
                "iframe text",
                r#"<iframe><img title="</iframe><img src onerror=alert(1)>"></iframe>"#,
            ),
            (
                "iframe srcdoc",
                r#"<iframe srcdoc="<script>alert(1)</script>"></iframe>"#,
            ),
            (
                "comment confusion",
                r#"<!--<img src="--><img src=x onerror=alert(1)//">"#,
            ),
            (
                "cdata in html",
                r#"<![CDATA[<img src=x onerror=alert(1)>]]>"#,
            ),
        ],
    ),
    (
        "meta refresh, base and embedded documents",
        &[
            (
                "meta refresh",
                r#"<meta http-equiv="refresh" content="0;url=https://evil.example/">"#,
            ),
            (
                "meta refresh in a paragraph",
                r#"<p><meta http-equiv="refresh" content="0;url=javascript:alert(1)">p</p>"#,
            ),
            (
                "meta set-cookie",
                r#"<head><meta http-equiv="set-cookie" content="a=b"></head>"#,
            ),
            ("base href", r#"<base href="https://evil.example/">"#),
            ("base target", r#"<base target="_blank">"#),
            (
                "link stylesheet",
                r#"<link rel="stylesheet" href="https://evil.example/x.css">"#,
            ),
            (
                "link import",
                r#"<link rel="import" href="https://evil.example/x.html">"#,
            ),
            (
                "object",
                r#"<object data="https://evil.example/x.swf"></object>"#,
            ),
            ("embed", r#"<embed src="https://evil.example/x.swf">"#),
            ("iframe", r#"<iframe src="https://evil.example/"></iframe>"#),
            (
                "frameset",
                r#"<frameset><frame src="javascript:alert(1)"></frameset>"#,
            ),
            (
                "applet",
                r#"<applet code="Evil.class" codebase="https://evil.example/"></applet>"#,
            ),
            (
                "portal",
                r#"<portal src="https://evil.example/"></portal>"#,
            ),
        ],
    ),
    (
        "forms",
        &[
            (
                "form",
                r#"<form action="https://evil.example/"><input name="password"><button>Go</button></form>"#,
            ),
            (
                "formaction",
                r#"<button formaction="javascript:alert(1)">b</button>"#,
            ),
            (
                "button form attribute",
                r#"<button form="f" formaction="https://evil.example/">b</button>"#,
            ),
            ("select", "<select><option>o</option></select>"),
            (
                "input image",
                r#"<input type="image" src="https://evil.example/i.png" formaction="https://evil.example/">"#,
            ),
            (
                "isindex",
                r#"<isindex type="image" action="javascript:alert(1)">"#,
            ),
            (
                "password phishing fieldset",
                r#"<fieldset><legend>Sign in</legend><label>Password <input type="password"></label></fieldset>"#,
            ),
            (
                "textarea autofocus",
                r#"<textarea autofocus onfocus="alert(1)">t</textarea>"#,
            ),
            ("keygen", r#"<keygen autofocus onfocus="alert(1)">"#),
        ],
    ),
    (
        "CSS",
        &[
            (
                "style attribute overlay",
                r#"<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:red">p</p>"#,
            ),
            (
                "style expression",
                r#"<div style="width: expression(alert(1))">d</div>"#,
            ),
            (
                "style url",
                r#"<span style="background:url(javascript:alert(1))">s</span>"#,
            ),
            (
                "style behavior",
                r#"<div style="behavior: url(https://evil.example/x.htc)">d</div>"#,
            ),
            (
                "style binding",
                r#"<span style="-moz-binding: url(https://evil.example/x.xml#x)">s</span>"#,
            ),
            (
                "style import",
                r#"<style>@import url(https://evil.example/x.css);</style>"#,
            ),
            (
                "classes of the theme",
                r#"<div class="skip-link site-header visually-hidden">d</div>"#,
            ),
            (
                "classes of the re-render",
                r#"<div class="table-wrap"><a class="anchor" href="https://ok.example/">a</a></div>"#,
            ),
            (
                "font tag",
                r#"<font color="red" size="7" face="x">big</font>"#,
            ),
        ],
    ),
    (
        "DOM clobbering",
        &[
            ("id main", r#"<p id="main">p</p>"#),
            ("id of the search field", r#"<p id="search-input">p</p>"#),
            (
                "name attribute",
                r#"<img name="getElementById" src="https://ok.example/i.png" alt="i">"#,
            ),
            (
                "form name clobbering",
                r#"<form name="body"><input name="cookie"></form>"#,
            ),
            (
                "anchor id clobbering",
                r#"<a id="location" href="https://ok.example/">a</a>"#,
            ),
            (
                "anchor collection clobbering",
                r#"<a id="config"></a><a id="config" name="url" href="https://evil.example/">c</a>"#,
            ),
            ("heading id clobbering", r#"<h2 id="toc">Contents</h2>"#),
            ("heading text as global", "<h2>Config</h2><h3>defaultView</h3>"),
            ("proto id", r#"<div id="__proto__">d</div>"#),
            (
                "heading id breaking out of its attribute",
                r#"<h2 id='x" onmouseover="alert(1)'>Quote</h2>"#,
            ),
            (
                "heading id taking a generated one",
                r#"<p id="intro">p</p><h2>Intro</h2><h2 id="intro">Again</h2>"#,
            ),
            (
                "fragment link to a theme id",
                r##"<a href="#main">skip</a>"##,
            ),
        ],
    ),
    (
        "broken nesting",
        &[
            ("unclosed tags", "<div><span><b><i>unclosed"),
            ("misnested", "<b><i>x</b></i><p><div>y</p></div>"),
            (
                "table break-out",
                r#"<table><tr><td><script>alert(1)</script></td></tr><img src=x onerror=alert(1)></table>"#,
            ),
            ("paragraph around a table", "<p><table><tr><td>cell</p>"),
            ("stray end tags", "</div></div></body></html><p>after</p>"),
            ("orphan list item", "<li>orphan item"),
            (
                "nested anchors",
                r#"<a href="https://ok.example/1"><a href="javascript:alert(1)">inner</a></a>"#,
            ),
            (
                "anchor around a block with an anchor",
                r#"<a href="https://ok.example/"><div><a href="https://ok.example/2">nested</a></div></a>"#,
            ),
            ("nested headings", "<h2><h3>nested heading</h3></h2>"),
            (
                "heading inside a link",
                r#"<a href="https://ok.example/"><h2>Card</h2></a>"#,
            ),
            (
                "select swallowing a script",
                "<select><option><script>alert(1)</script></option></select>",
            ),
            (
                "deep nesting",
                "<div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div>deep",
            ),
        ],
    ),
];

fn bodies() -> Vec<(&'static str, &'static str, &'static str)> {
    TECHNIQUES
        .iter()
        .flat_map(|(technique, inputs)| {
            inputs.iter().map(|(name, body)| (*technique, *name, *body))
        })
        .collect()
}

/// Fields of an entry other than the body, hostile in the templates (as
/// they appear in the feed's XML: entity-escaped once).
const TITLE: &str =
    "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"&gt;&lt;img src=x onerror=alert(2)&gt;";
const AUTHOR: &str = "&lt;svg onload=alert(3)&gt;\" onmouseover=\"alert(4)";
const TAGS: &[&str] = &[
    "\"&gt;&lt;script&gt;alert(5)&lt;/script&gt;",
    "' onfocus='alert(6)' autofocus='",
    "javascript:alert(7)",
];
const SOURCE: &str = "&lt;/title&gt;&lt;style&gt;*{display:none}&lt;/style&gt;&lt;a href=\"javascript:alert(8)\"&gt;Src&lt;/a&gt;";

fn escape(html: &str) -> String {
    html.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn hostile_site() -> Fixture {
    let mut items: String = bodies()
        .iter()
        .enumerate()
        .map(|(i, (_, _, body))| {
            format!(
                "<item><title>H{i:03}</title><link>https://blog.example/h{i}</link><guid>https://blog.example/h{i}</guid>\
                 <pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><description>{}</description></item>",
                escape(&format!("<p>KEPT</p>{body}"))
            )
        })
        .collect();
    let categories: String = TAGS
        .iter()
        .map(|t| format!("<category>{t}</category>"))
        .collect();
    items.push_str(&format!(
        "<item><title>{TITLE}</title><link>https://blog.example/fields</link><dc:creator>{AUTHOR}</dc:creator>\
         {categories}<pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><description>x</description></item>"
    ));
    Fixture::new(SITE_YAML, &[("hostile.xml", &rss(SOURCE, &items))])
}

/// Whether `el` is what the re-render writes with a class of its own: a
/// heading's anchor link or a table's scrolling wrapper. A feed cannot
/// dress its markup up as either.
fn is_rerender_markup(el: &ElementRef, class: &str) -> bool {
    let parent = el.parent().and_then(ElementRef::wrap);
    match class {
        "anchor" => {
            el.value().name() == "a"
                && el
                    .value()
                    .attr("href")
                    .is_some_and(|h| h.starts_with("#fc-"))
                && parent.is_some_and(|p| {
                    matches!(p.value().name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
                })
        }
        "table-wrap" => {
            el.value().name() == "div"
                && el
                    .children()
                    .filter_map(ElementRef::wrap)
                    .map(|c| c.value().name())
                    .eq(["table"])
        }
        _ => false,
    }
}

/// What is wrong with an article body on its page, beyond what
/// [`page_dangers`] finds anywhere: ids without the `fc-` prefix (a global
/// or a theme id), `name`, `target` or `srcset` attributes, classes other
/// than highlighter tokens, language markers and the re-render's own (on
/// its own markup only), external links without `rel`, in-page links to ids
/// without the prefix.
fn body_dangers(body: ElementRef) -> Vec<String> {
    let mut found = Vec::new();
    for el in body.descendants().skip(1).filter_map(ElementRef::wrap) {
        let name = el.value().name();
        if name == "meta" || name == "link" {
            found.push(format!("<{name}> in the body"));
        }
        for attr in ["name", "target", "srcset"] {
            if el.value().attr(attr).is_some() {
                found.push(format!("<{name} {attr}> in the body"));
            }
        }
        if let Some(id) = el.value().attr("id") {
            if !id.starts_with("fc-") {
                found.push(format!("id {id:?} in the body"));
            }
        }
        for class in el.value().classes() {
            let allowed = HIGHLIGHT_TOKENS.contains(&class)
                || CODE_BLOCK_CLASSES.contains(&class)
                || is_rerender_markup(&el, class)
                || class.starts_with("language-");
            if !allowed {
                found.push(format!("class {class:?} in the body"));
            }
        }
        if name == "a"
            && el
                .value()
                .attr("href")
                .is_some_and(|h| h.starts_with("http"))
            && el.value().attr("rel") != Some("noopener noreferrer")
        {
            found.push(format!("<a href> without rel: {}", el.html()));
        }
        if let Some(href) = el.value().attr("href").and_then(|h| h.strip_prefix('#')) {
            if !href.starts_with("fc-") {
                found.push(format!("a link to #{href}"));
            }
        }
    }
    found
}

#[test]
fn the_hostile_corpus_covers_every_technique() {
    let all = bodies();
    assert!(all.len() >= 60, "{}", all.len());
    for (technique, inputs) in TECHNIQUES {
        assert!(inputs.len() >= 8, "{technique}: {}", inputs.len());
    }
    let names: BTreeSet<&str> = all.iter().map(|(_, name, _)| *name).collect();
    assert_eq!(names.len(), all.len(), "two inputs share a name");
}

#[test]
fn no_hostile_body_reaches_its_page() {
    let f = hostile_site();
    f.build().unwrap();
    let body_sel = Selector::parse(".article-body").unwrap();
    for (i, (technique, name, body)) in bodies().iter().enumerate() {
        let url = format!("/articles/h{i:03}/");
        let page = f.page(&url);
        let shown = page.select(&body_sel).next().unwrap();
        let mut bad = page_dangers(&f, &format!("articles/h{i:03}/index.html"), &page);
        bad.extend(body_dangers(shown));
        assert!(
            bad.is_empty(),
            "{technique} / {name}: {body}\n  reached the page as {bad:?}\n  {}",
            shown.inner_html()
        );
        assert!(
            text_of(&shown).starts_with("KEPT"),
            "{technique} / {name}: the article's own text is gone: {}",
            text_of(&shown)
        );
        // The page's ids stay unique whatever the body holds.
        let mut ids = BTreeSet::new();
        for el in page
            .root_element()
            .descendants()
            .filter_map(ElementRef::wrap)
        {
            if let Some(id) = el.value().attr("id") {
                let heading = matches!(el.value().name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
                assert!(
                    ids.insert(id) || !heading,
                    "{technique} / {name}: heading id {id} twice"
                );
            }
        }
    }
}

#[test]
fn hostile_headings_get_safe_ids_anchors_and_toc_entries() {
    let f = hostile_site();
    f.build().unwrap();
    let index = |name: &str| bodies().iter().position(|(_, n, _)| *n == name).unwrap();
    let page = f.page(&format!(
        "/articles/h{:03}/",
        index("heading id breaking out of its attribute")
    ));
    let h2 = select(&page, ".article-body h2")[0];
    assert_eq!(
        h2.value().attr("id"),
        Some(r#"fc-x" onmouseover="alert(1)"#)
    );
    assert_eq!(h2.value().attrs().count(), 1, "{}", h2.html());
    let anchor = select(&page, ".article-body h2 a.anchor")[0];
    assert_eq!(
        anchor.value().attr("href"),
        Some(r##"#fc-x" onmouseover="alert(1)"##)
    );

    let page = f.page(&format!(
        "/articles/h{:03}/",
        index("heading text as global")
    ));
    let ids: Vec<&str> = select(&page, ".article-body h2, .article-body h3")
        .iter()
        .filter_map(|h| h.value().attr("id"))
        .collect();
    assert_eq!(ids, ["fc-config", "fc-defaultview"]);

    let page = f.page(&format!(
        "/articles/h{:03}/",
        index("heading id taking a generated one")
    ));
    let ids: Vec<&str> = select(&page, ".article-body [id]")
        .iter()
        .filter_map(|h| h.value().attr("id"))
        .collect();
    assert_eq!(ids, ["fc-intro", "fc-intro-2", "fc-again"]);
    let toc: Vec<&str> = select(&page, "nav.toc a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(toc, ["#fc-intro-2", "#fc-again"]);
}

#[test]
fn every_hostile_input_is_plain_text_as_a_title_an_author_and_a_tag() {
    // Each input of the corpus, technique by technique, as the title, the
    // author and a tag of one entry: the templates must show it as text.
    let items: String = bodies()
        .iter()
        .enumerate()
        .map(|(i, (_, _, input))| {
            let field = escape(input);
            format!(
                "<item><title>T{i:03} {field}</title><link>https://blog.example/t{i}</link><dc:creator>A{i:03} {field}</dc:creator>\
                 <category>G{i:03} {field}</category><pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><description>x</description></item>"
            )
        })
        .collect();
    let f = Fixture::new(SITE_YAML, &[("fields.xml", &rss("Fields", &items))]);
    f.build().unwrap();
    for (path, bytes) in tree(&f.public()) {
        if path.ends_with(".html") {
            let doc = Html::parse_document(&String::from_utf8_lossy(&bytes));
            let bad = page_dangers(&f, &path, &doc);
            assert!(bad.is_empty(), "{path}: {bad:?}");
        }
    }
    assert_no_script(&f);
    let mut titles = BTreeSet::new();
    let mut authors = BTreeSet::new();
    let mut tags = BTreeSet::new();
    for url in collect_paginated(&f, "/") {
        let page = f.page(&url);
        titles.insert(text_of(&select(&page, "h1")[0]));
        authors.extend(select(&page, ".meta-authors a").iter().map(text_of));
        tags.extend(select(&page, ".tag-list a").iter().map(text_of));
    }
    for (i, (technique, name, input)) in bodies().iter().enumerate() {
        // As a title is: control characters dropped, whitespace collapsed.
        let text: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let shown = |prefix: char, set: &BTreeSet<String>| {
            let expected = format!("{prefix}{i:03} {text}");
            set.contains(&expected)
        };
        assert!(
            shown('T', &titles),
            "{technique}/{name}: title not shown as text"
        );
        assert!(
            shown('A', &authors),
            "{technique}/{name}: author not shown as text"
        );
        assert!(
            shown('G', &tags),
            "{technique}/{name}: tag not shown as text"
        );
    }
}

#[test]
fn hostile_titles_authors_tags_and_source_names_stay_text_on_every_page() {
    let f = hostile_site();
    f.build().unwrap();
    let mut pages = 0;
    for (path, bytes) in tree(&f.public()) {
        if path.ends_with(".html") {
            pages += 1;
            let doc = Html::parse_document(&String::from_utf8_lossy(&bytes));
            let bad = page_dangers(&f, &path, &doc);
            assert!(bad.is_empty(), "{path}: {bad:?}");
            assert_eq!(select(&doc, "title").len(), 1, "{path}");
        }
    }
    assert!(pages > 100, "{pages}");
    assert_no_script(&f);

    // The hostile strings are shown as text, not dropped and not markup.
    let title = "</title><script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let index = f.page("/");
    let titles: Vec<String> = select(&index, ".card-title a")
        .iter()
        .map(text_of)
        .collect();
    assert!(titles.iter().any(|t| t == title), "{titles:?}");
    let article = collect_paginated(&f, "/")
        .into_iter()
        .find(|url| text_of(&select(&f.page(url), "h1")[0]) == title)
        .expect("the hostile title has its page");
    let page = f.page(&article);
    assert!(text_of(&select(&page, "title")[0]).starts_with(title));
    let og_title = select(&page, r#"meta[property="og:title"]"#)[0];
    assert_eq!(og_title.value().attr("content"), Some(title));
    let authors: Vec<String> = select(&page, ".meta-authors a")
        .iter()
        .map(text_of)
        .collect();
    assert_eq!(authors, ["<svg onload=alert(3)>\" onmouseover=\"alert(4)"]);
    let tags: BTreeSet<String> = select(&page, ".tag-list a").iter().map(text_of).collect();
    let expected: BTreeSet<String> = [
        "\"><script>alert(5)</script>",
        "' onfocus='alert(6)' autofocus='",
        "javascript:alert(7)",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(tags, expected);
    for a in select(&page, ".tag-list a, .meta-authors a") {
        assert!(
            a.value().attr("href").unwrap().starts_with('/'),
            "{}",
            a.html()
        );
        let mut attrs: Vec<&str> = a.value().attrs().map(|(name, _)| name).collect();
        attrs.sort_unstable();
        assert_eq!(attrs, ["href", "rel"], "{}", a.html());
    }
    let source = "</title><style>*{display:none}</style><a href=\"javascript:alert(8)\">Src</a>";
    let sources = f.page("/sources/");
    assert!(
        text_of(&select(&sources, "main")[0]).contains(source),
        "{}",
        text_of(&select(&sources, "main")[0])
    );
    assert!(text_of(&select(&page, ".meta-source")[0]).contains(source));
}
