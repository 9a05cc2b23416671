//! URL checks for every URL a feed gives outside an article body (entry
//! links, `xml:base`, homepages): only absolute http(s) URLs ever reach a
//! page, whatever the template does with them.

use url::Url;

/// Parses `raw` (resolved against `base` when relative) and keeps it only if
/// it is an http or https URL. Whitespace and control characters that a
/// browser would strip are rejected rather than guessed around.
pub fn safe_http_url(raw: &str, base: Option<&Url>) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().any(|c| c.is_control()) {
        return None;
    }
    let url = match base {
        Some(base) => base.join(raw).ok()?,
        None => Url::parse(raw).ok()?,
    };
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then_some(url)
}

/// The identity of an article's URL for de-duplication: scheme and host lower
/// case (the parser does that), no fragment, no `utm_*` parameters, no
/// trailing slash.
pub fn canonical_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("utm_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = u.path().trim_end_matches('/').to_string();
    u.set_path(&path);
    let mut s: String = u.into();
    // Only a bare host keeps a slash, which the URL syntax puts back.
    if s.ends_with('/') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_pass() {
        assert!(safe_http_url("https://a.example/x", None).is_some());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            " JaVaScRiPt:alert(1)",
            "java\tscript:x",
            "vbscript:x",
            "/relative",
            "",
            "file:///etc/passwd",
            "http://",
        ] {
            assert!(safe_http_url(bad, None).is_none(), "{bad}");
        }
        let base = Url::parse("https://blog.example/posts/").unwrap();
        assert_eq!(
            safe_http_url("a/", Some(&base)).unwrap().as_str(),
            "https://blog.example/posts/a/"
        );
        assert!(safe_http_url("javascript:x", Some(&base)).is_none());
    }

    #[test]
    fn canonical_urls_ignore_noise() {
        let c = |s: &str| canonical_url(&Url::parse(s).unwrap());
        assert_eq!(
            c("HTTPS://Blog.Example/Post/?utm_source=x&id=2#top"),
            "https://blog.example/Post?id=2"
        );
        assert_eq!(
            c("https://blog.example/post/"),
            c("https://BLOG.example/post?utm_medium=rss")
        );
    }
}
