//! Stage 4a: the sanitizer policy. This module alone decides which HTML from a
//! feed may reach a page; the README's "What survives sanitizing" section
//! describes the same policy for editors and must change with it.
//!
//! Everything not listed here is removed: unknown elements are unwrapped
//! (their text kept), the elements in [`DROPPED_WITH_CONTENT`] are removed
//! with everything inside them, unknown attributes are dropped.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ammonia::{Builder, Document, UrlRelative};
use url::Url;

/// Elements kept (with the attributes in [`ATTRIBUTES`]).
pub const ALLOWED_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements removed together with everything inside them: they run code,
/// embed other documents, submit data, or change how the parser reads what
/// follows them (the root of mutation XSS).
pub const DROPPED_WITH_CONTENT: &[&str] = &[
    "applet",
    "audio",
    "base",
    "button",
    "canvas",
    "dialog",
    "embed",
    "frame",
    "frameset",
    "head",
    "iframe",
    "input",
    "link",
    "math",
    "meta",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "option",
    "plaintext",
    "script",
    "select",
    "style",
    "svg",
    "template",
    "textarea",
    "title",
    "video",
    "xmp",
    "form",
];

/// Attributes allowed per element. `id` is allowed everywhere but prefixed
/// (see [`ID_PREFIX`]); `class` values are filtered by `filter_class`.
pub const ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "title", "hreflang"]),
    ("abbr", &["title"]),
    ("blockquote", &["cite"]),
    ("code", &["class"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("del", &["cite", "datetime"]),
    ("details", &["open"]),
    ("div", &["class"]),
    ("img", &["src", "alt", "title", "width", "height"]),
    ("ins", &["cite", "datetime"]),
    ("li", &["value"]),
    ("ol", &["start", "reversed", "type"]),
    ("pre", &["class"]),
    ("q", &["cite"]),
    ("span", &["class"]),
    ("td", &["colspan", "rowspan", "headers"]),
    ("th", &["colspan", "rowspan", "headers", "scope", "abbr"]),
    ("time", &["datetime"]),
];

/// Attributes allowed on every kept element.
pub const GENERIC_ATTRIBUTES: &[&str] = &["id", "lang", "dir"];

/// URL schemes allowed in `href`, `src` and `cite`; relative URLs are resolved
/// against the entry's base and must land on one of these too.
pub const URL_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Prefix put on every `id` from a feed (and on in-page `#fragment` links to
/// them) so feed markup cannot clobber page globals or the theme's own ids.
pub const ID_PREFIX: &str = "fc-";

/// Token classes a code highlighter (Rouge, Pygments) puts on the spans
/// inside a code block, so token colours survive. Prism's type words
/// (`token keyword`) are ordinary words that could name the theme's own
/// classes, so only its `token` is kept. Sorted.
pub const HIGHLIGHT_TOKENS: &[&str] = &[
    "bp", "c", "c1", "cd", "ch", "cm", "cp", "cpf", "cs", "dl", "err", "esc", "fm", "g", "gd",
    "ge", "gh", "gi", "go", "gp", "gr", "gs", "gt", "gu", "il", "k", "kc", "kd", "kn", "kp", "kr",
    "kt", "kv", "l", "ld", "m", "mb", "mf", "mh", "mi", "mo", "mx", "n", "na", "nb", "nc", "nd",
    "ne", "nf", "ni", "nl", "nn", "no", "nt", "nv", "nx", "o", "ow", "p", "pi", "py", "s", "s1",
    "s2", "sa", "sb", "sc", "sd", "se", "sh", "si", "sr", "ss", "sx", "token", "vc", "vg", "vi",
    "vm", "w", "x",
];

/// Classes a highlighter puts on the code block itself (Rouge's `highlight`
/// and dev.to's `js-code-highlight`, pandoc's `sourceCode`). On a `pre` or
/// `code` carrying one of them, a bare word such as `shell` is the language.
pub const CODE_BLOCK_CLASSES: &[&str] = &["highlight", "js-code-highlight", "sourceCode"];

/// What a body's relative URLs resolve against.
#[derive(Debug, Clone, Copy)]
pub struct LinkBase<'a> {
    /// Where the body was written: a feed entry's own URL (or its
    /// `xml:base`), the page an editor's Markdown is shown on.
    pub page: &'a Url,
    /// What a root-relative URL (`/about/`) is below when that is not the
    /// root of the page's host: for the editor's own words, the site's
    /// `base_url`, so that a site served from `/digest/` has their
    /// `/editions/` at `/digest/editions/`, in Markdown links and raw HTML
    /// alike. A feed body's `/about/` stays on the feed's host.
    pub site_root: Option<&'a Url>,
}

impl<'a> LinkBase<'a> {
    /// A feed body's base: root-relative URLs go to the root of its host.
    pub fn feed(page: &'a Url) -> LinkBase<'a> {
        LinkBase {
            page,
            site_root: None,
        }
    }
}

/// A [`LinkBase`] held by the thread cleaning the body.
struct OwnedLinkBase {
    page: Url,
    site_root: Option<Url>,
}

thread_local! {
    /// The base the current article's relative URLs resolve against. ammonia's
    /// relative-URL hook is fixed per `Builder`, and building one per article
    /// costs more than the cleaning itself on short bodies, so the one shared
    /// policy reads the base of the article this thread is cleaning.
    static CURRENT_BASE: RefCell<Option<OwnedLinkBase>> = const { RefCell::new(None) };
}

fn policy() -> &'static Builder<'static> {
    static POLICY: OnceLock<Builder<'static>> = OnceLock::new();
    POLICY.get_or_init(|| {
        let mut b = Builder::empty();
        b.tags(ALLOWED_ELEMENTS.iter().copied().collect())
            .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
            .tag_attributes(
                ATTRIBUTES
                    .iter()
                    .map(|(el, attrs)| (*el, attrs.iter().copied().collect::<HashSet<_>>()))
                    .collect::<HashMap<_, _>>(),
            )
            .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
            .url_schemes(URL_SCHEMES.iter().copied().collect())
            .url_relative(UrlRelative::Custom(Box::new(resolve_relative)))
            .id_prefix(Some(ID_PREFIX))
            .link_rel(None)
            .strip_comments(true)
            .attribute_filter(filter_attribute);
        b
    })
}

/// Sanitizes an article body. Relative links and images resolve against
/// `base`, and are dropped when there is none.
pub fn sanitize_article(html: &str, base: Option<LinkBase>) -> String {
    sanitize_document(html, base).to_string()
}

/// [`sanitize_article`]'s cleaned tree, before it is written out: the
/// re-render pass walks it rather than parsing the HTML a second time.
pub fn sanitize_document(html: &str, base: Option<LinkBase>) -> Document {
    let owned = base.map(|b| OwnedLinkBase {
        page: b.page.clone(),
        site_root: b.site_root.cloned(),
    });
    CURRENT_BASE.with(|b| *b.borrow_mut() = owned);
    let clean = policy().clean(html);
    CURRENT_BASE.with(|b| *b.borrow_mut() = None);
    clean
}

fn resolve_relative(url: &str) -> Option<Cow<'_, str>> {
    if let Some(fragment) = url.strip_prefix('#') {
        // An in-page link to an id from the same body, which got the prefix
        // (ammonia leaves an id that already has it alone; so does this).
        // A bare `#` leads nowhere: the link keeps its text, not its href.
        return match fragment {
            "" => None,
            f if f.starts_with(ID_PREFIX) => Some(Cow::Borrowed(url)),
            f => Some(Cow::Owned(format!("#{ID_PREFIX}{f}"))),
        };
    }
    CURRENT_BASE.with(|b| {
        let base = b.borrow();
        let base = base.as_ref()?;
        let below_root = base
            .site_root
            .as_ref()
            .and_then(|root| Some((root, root_relative_path(url)?)));
        let resolved = match below_root {
            // `./` keeps a colon in the first segment from reading as a scheme.
            Some((root, path)) => root.join(&format!("./{path}")),
            None => base.page.join(url),
        }
        .ok()?;
        URL_SCHEMES
            .contains(&resolved.scheme())
            .then(|| Cow::Owned(resolved.into()))
    })
}

/// The path of a root-relative URL (`/about/?q#top` gives `about/?q#top`),
/// read as the URL parser reads it: leading spaces and controls trimmed,
/// tabs and newlines removed. `None` for anything else, the scheme-relative
/// `//host/x` and `/\host/x` (a backslash is a slash to browsers) included.
fn root_relative_path(url: &str) -> Option<String> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let path = url.strip_prefix('/')?;
    (!path.starts_with(['/', '\\'])).then(|| path.to_string())
}

fn filter_attribute<'a>(element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    match attribute {
        "class" => filter_class(element, value),
        // ammonia checks the schemes of the attributes browsers follow
        // (href, src) but not `cite`; it gets the same rule here.
        "cite" => crate::urls::safe_http_url(value, None).map(|u| Cow::Owned(u.into())),
        // A header cell's `headers` names ids, which got the prefix.
        "headers" => Some(Cow::Owned(
            value
                .split_ascii_whitespace()
                .map(|id| match id.starts_with(ID_PREFIX) {
                    true => id.to_string(),
                    false => format!("{ID_PREFIX}{id}"),
                })
                .collect::<Vec<_>>()
                .join(" "),
        )),
        _ => Some(Cow::Borrowed(value)),
    }
}

fn is_highlight_token(class: &str) -> bool {
    token_key(class.as_bytes()).is_some_and(|key| HIGHLIGHT_KEYS.binary_search(&key).is_ok())
}

/// A word of at most 7 bytes as one integer: its length, then its bytes.
/// Nearly every span of highlighted code carries a class, so the check
/// compares integers rather than strings.
const fn token_key(word: &[u8]) -> Option<u64> {
    if word.len() > 7 {
        return None;
    }
    let mut key = word.len() as u64;
    let mut i = 0;
    while i < word.len() {
        key |= (word[i] as u64) << (8 * (i + 1));
        i += 1;
    }
    Some(key)
}

/// [`HIGHLIGHT_TOKENS`] as [`token_key`]s, sorted.
const HIGHLIGHT_KEYS: [u64; HIGHLIGHT_TOKENS.len()] = {
    let mut keys = [0u64; HIGHLIGHT_TOKENS.len()];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = match token_key(HIGHLIGHT_TOKENS[i].as_bytes()) {
            Some(key) => key,
            None => panic!("a highlight token is longer than 7 bytes"),
        };
        // Insertion sort: the keys' order is not the tokens' order.
        let mut j = i;
        while j > 0 && keys[j - 1] > keys[j] {
            let t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    keys
};

/// Keeps highlighter classes and code language markers. Rouge writes the
/// language as a bare word (`<pre class="highlight shell">`); it becomes
/// `language-shell` so the theme has one convention to style. Languages
/// whose names are also token classes (`c`, `go`) are languages there.
fn filter_class<'a>(element: &str, value: &'a str) -> Option<Cow<'a, str>> {
    // Nearly every class in highlighted code is one token on a span
    // (`<span class="nt">`): that is kept as it is, without allocating.
    if is_highlight_token(value) {
        return Some(Cow::Borrowed(value));
    }
    let code_block = matches!(element, "pre" | "code")
        && value
            .split_ascii_whitespace()
            .any(|c| CODE_BLOCK_CLASSES.contains(&c));
    let mut kept: Vec<Cow<str>> = Vec::new();
    for class in value.split_ascii_whitespace() {
        let language = class
            .strip_prefix("language-")
            .or_else(|| class.strip_prefix("lang-"))
            .or_else(|| (code_block && !CODE_BLOCK_CLASSES.contains(&class)).then_some(class));
        if let Some(lang) = language {
            if is_language_name(lang) {
                kept.push(Cow::Owned(format!("language-{lang}")));
            }
        } else if CODE_BLOCK_CLASSES.contains(&class) || is_highlight_token(class) {
            kept.push(Cow::Borrowed(class));
        }
    }
    if kept.is_empty() {
        return None;
    }
    Some(Cow::Owned(kept.join(" ")))
}

fn is_language_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 24
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'#' | b'-' | b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> String {
        let page = Url::parse("https://blog.example/posts/a/").unwrap();
        sanitize_article(html, Some(LinkBase::feed(&page)))
    }

    #[test]
    fn scripts_handlers_and_bad_schemes_are_removed() {
        let out = clean(
            r#"<p onclick="x()">hi<script>alert(1)</script><a href="javascript:alert(1)">j</a><img src="data:image/png;base64,AA" onerror="x()"></p>"#,
        );
        assert!(
            !out.contains("script") && !out.contains("onclick") && !out.contains("onerror"),
            "{out}"
        );
        assert!(
            !out.contains("javascript:") && !out.contains("data:"),
            "{out}"
        );
        assert!(out.contains("hi"));
    }

    #[test]
    fn relative_urls_resolve_against_the_base() {
        let out = clean(r#"<a href="../b/">b</a><img src="/img.png" alt="x">"#);
        assert!(
            out.contains(r#"href="https://blog.example/posts/b/""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://blog.example/img.png""#),
            "{out}"
        );
        let no_base = sanitize_article(r#"<a href="b/">b</a>"#, None);
        assert!(!no_base.contains("href"), "{no_base}");
    }

    #[test]
    fn root_relative_urls_go_below_the_site_root_when_there_is_one() {
        let page = Url::parse("https://digest.example/digest/about/").unwrap();
        let root = Url::parse("https://digest.example/digest/").unwrap();
        let base = LinkBase {
            page: &page,
            site_root: Some(&root),
        };
        let out = sanitize_article(
            concat!(
                r#"<a href="/editions/#top">e</a><img src="/logo.png" alt="l">"#,
                r#"<a href="next/">n</a><a href="/">r</a><a href=" /a:b?q">c</a>"#,
                r#"<a href="//cdn.example/x">s</a><a href="/\h.example/x">b</a>"#,
                r#"<a href="/&#9;/t.example/x">t</a><a href="https://x.example/y">x</a>"#,
            ),
            Some(base),
        );
        for needle in [
            r#"href="https://digest.example/digest/editions/#top""#,
            r#"src="https://digest.example/digest/logo.png""#,
            r#"href="https://digest.example/digest/about/next/""#,
            r#"href="https://digest.example/digest/">r"#,
            r#"href="https://digest.example/digest/a:b?q""#,
            r#"href="https://cdn.example/x""#,
            r#"href="https://h.example/x""#,
            r#"href="https://t.example/x""#,
            r#"href="https://x.example/y""#,
        ] {
            assert!(out.contains(needle), "{needle} missing from {out}");
        }
    }

    #[test]
    fn ids_and_fragment_links_are_prefixed() {
        let out = clean(r##"<p id="fn1">x</p><a href="#fn1">1</a><form name="body"></form>"##);
        assert!(
            out.contains(r#"id="fc-fn1""#) && out.contains(r##"href="#fc-fn1""##),
            "{out}"
        );
        assert!(!out.contains("name="), "{out}");
    }

    #[test]
    fn highlighter_markup_survives_byte_for_byte() {
        let src = r#"<div class="highlight js-code-highlight"><pre class="highlight shell"><code><span class="nt">kubectl</span> <span class="nt">get</span> pods <span class="o">|</span> Vec&lt;T&gt;</code></pre></div>"#;
        let out = clean(src);
        assert!(
            out.contains(r#"<pre class="highlight language-shell">"#),
            "{out}"
        );
        assert!(out.contains(r#"<span class="nt">kubectl</span> <span class="nt">get</span> pods <span class="o">|</span> Vec&lt;T&gt;"#), "{out}");
    }

    #[test]
    fn cite_urls_must_be_http() {
        let out = clean(
            r#"<blockquote cite="javascript:alert(1)">a</blockquote><q cite="https://src.example/">b</q>"#,
        );
        assert!(out.contains("<blockquote>a</blockquote>"), "{out}");
        assert!(
            out.contains(r#"<q cite="https://src.example/">b</q>"#),
            "{out}"
        );
    }

    /// The words in backticks in `text`.
    fn quoted(text: &str) -> Vec<&str> {
        text.split('`').skip(1).step_by(2).collect()
    }

    fn sorted<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let mut v: Vec<&str> = words.into_iter().collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn readme_lists_the_policy_exactly() {
        let readme = include_str!("../README.md");
        let section = readme
            .split("## What survives sanitizing")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("the README has a section \"What survives sanitizing\"");
        let bullet = |label: &str| -> &str {
            let start = section
                .find(&format!("- **{label}**"))
                .unwrap_or_else(|| panic!("no bullet {label} in the README"));
            let rest = &section[start + 2..];
            let end = [rest.find("\n- "), rest.find("\n\n")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(rest.len());
            &rest[..end]
        };
        let first_sentence = |text: &'static str| text.split(".\n").next().unwrap();
        assert_eq!(
            sorted(quoted(bullet("Elements kept"))),
            sorted(ALLOWED_ELEMENTS.iter().copied())
        );
        assert_eq!(
            sorted(quoted(bullet("Removed with their content"))),
            sorted(DROPPED_WITH_CONTENT.iter().copied())
        );
        assert_eq!(quoted(bullet("Token classes")), HIGHLIGHT_TOKENS.to_vec());
        assert_eq!(
            quoted(first_sentence(bullet("Code block classes"))),
            CODE_BLOCK_CLASSES.to_vec()
        );
        let attributes = bullet("Attributes");
        assert_eq!(
            sorted(quoted(attributes.split(", and these").next().unwrap())),
            sorted(GENERIC_ATTRIBUTES.iter().copied())
        );
        let table: Vec<(&str, Vec<&str>)> = section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').collect();
                (quoted(cells[1])[0], quoted(cells[2]))
            })
            .collect();
        let code: Vec<(&str, Vec<&str>)> = ATTRIBUTES
            .iter()
            .map(|(el, attrs)| (*el, attrs.to_vec()))
            .collect();
        assert_eq!(table, code);
        let urls = bullet("URLs");
        let schemes = &urls[urls.find(" keep ").unwrap()..urls.find(" URLs").unwrap()];
        assert_eq!(quoted(schemes), URL_SCHEMES.to_vec());
        assert!(bullet("Ids").contains(&format!("`{ID_PREFIX}`")));
    }

    #[test]
    fn highlight_tokens_are_recognised_exactly() {
        // Sorted, so the README's list reads in order.
        assert!(HIGHLIGHT_TOKENS.windows(2).all(|w| w[0] < w[1]));
        for token in HIGHLIGHT_TOKENS {
            assert!(is_highlight_token(token), "{token}");
            for other in [
                format!("{token}x"),
                format!("x{token}"),
                format!("{token}\0"),
                token.to_uppercase(),
                token[1..].to_string(),
            ] {
                assert_eq!(
                    is_highlight_token(&other),
                    HIGHLIGHT_TOKENS.contains(&other.as_str()),
                    "{other:?}"
                );
            }
        }
        for word in ["", "nope", "tokens", "tok", "\0", "language-rust", "ñ"] {
            assert!(!is_highlight_token(word), "{word:?}");
        }
    }

    #[test]
    fn languages_named_like_tokens_stay_languages() {
        let out = clean(
            r#"<pre class="highlight go"><code>x</code></pre><pre class="highlight c"><code>y</code></pre><pre class="sourceCode rust"><code class="sourceCode rust">z</code></pre><span class="go">$ ok</span>"#,
        );
        assert!(
            out.contains(r#"<pre class="highlight language-go">"#)
                && out.contains(r#"<pre class="highlight language-c">"#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"<pre class="sourceCode language-rust"><code class="sourceCode language-rust">"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"<span class="go">$ ok</span>"#), "{out}");
    }

    #[test]
    fn fragment_links_follow_prefixed_ids_once_and_bare_hashes_go() {
        let out = clean(
            r##"<a href="#">top</a><a href="#fc-x">x</a><p id="fc-x">p</p><table><tr><th id="h">H</th></tr><tr><td headers="h fc-g">1</td></tr></table>"##,
        );
        assert!(out.contains("<a>top</a>"), "{out}");
        assert!(
            out.contains(r##"<a href="#fc-x">x</a>"##) && out.contains(r#"<p id="fc-x">"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<th id="fc-h">"#) && out.contains(r#"<td headers="fc-h fc-g">"#),
            "{out}"
        );
    }

    #[test]
    fn foreign_classes_are_dropped() {
        let out =
            clean(r#"<span class="skip-link nt evil">a</span><div class="site-header">b</div>"#);
        assert!(out.contains(r#"<span class="nt">a</span>"#), "{out}");
        assert!(out.contains("<div>b</div>"), "{out}");
    }
}
