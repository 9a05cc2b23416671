//! Bounds that keep one hostile snapshot cheap: every article body is cut to
//! `limits.max_body_bytes` and to `limits.max_body_nesting` levels of
//! elements before the HTML parser sees it (an HTML tree builder spends time
//! quadratic in the nesting depth, so 50,000 nested `<div>`s would take
//! minutes), and an article keeps at most `limits.max_tags_per_article` tags.
//! A title typed as HTML is cut the same way, to fixed bounds, before its
//! text is taken.

/// `limits.max_body_bytes` unless the config says otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// `limits.max_body_nesting` unless the config says otherwise.
pub const DEFAULT_MAX_BODY_NESTING: usize = 256;

/// The bounds a title typed as HTML (an Atom `type="html"` title) is cut to
/// before its text is taken. The text keeps at most
/// [`MAX_TITLE_CHARS`](crate::normalize::MAX_TITLE_CHARS) characters anyway;
/// uncut, 100,000 nested `<div>`s in one title took 14 s to parse.
pub const TITLE_MARKUP: BodyLimits = BodyLimits {
    max_bytes: 64 * 1024,
    max_nesting: DEFAULT_MAX_BODY_NESTING,
};

/// The bounds every body is cut to before the HTML parser sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub max_nesting: usize,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            max_bytes: DEFAULT_MAX_BODY_BYTES,
            max_nesting: DEFAULT_MAX_BODY_NESTING,
        }
    }
}

/// Cuts `body` to at most `limits.max_bytes` (at a character boundary) and,
/// when its elements nest deeper than `limits.max_nesting`, just before the
/// tag that goes deeper; the sanitizer closes whatever the cut leaves open.
/// Returns the body and whether it was cut.
pub fn cut_body(body: &str, limits: BodyLimits) -> (&str, bool) {
    let mut end = body.len().min(limits.max_bytes);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let cut_for_size = end < body.len();
    let body = &body[..end];
    match nesting_overflow(body, limits.max_nesting) {
        Some(at) => (&body[..at], true),
        None => (body, cut_for_size),
    }
}

/// Whether the tag `name` (any case) never nests: a void element (it never
/// has content), or one whose end tag a parser implies when a sibling starts
/// (`<p>` after `<p>`, `<li>` after `<li>`), which sloppy HTML leaves open.
/// Compared without allocating and as one `match`, as this runs for every
/// tag of every body.
fn never_nests(name: &[u8]) -> bool {
    let mut lower = [0u8; 6];
    if name.len() > lower.len() {
        return false; // Longer than every name below.
    }
    for (l, b) in lower.iter_mut().zip(name) {
        *l = b.to_ascii_lowercase();
    }
    matches!(
        &lower[..name.len()],
        // Void elements.
        b"area" | b"base" | b"br" | b"col" | b"embed" | b"hr" | b"img" | b"input" | b"link"
            | b"meta" | b"param" | b"source" | b"track" | b"wbr"
            // Elements whose end is implied.
            | b"p" | b"li" | b"dt" | b"dd" | b"tr" | b"td" | b"th" | b"option" | b"rt" | b"rp"
            | b"tbody" | b"thead"
    )
}

/// The byte offset of the first start tag that takes the element depth
/// beyond `max_depth`, by a linear scan of the tags (an estimate that can
/// only overcount: unknown end tags are not matched to their start tags).
fn nesting_overflow(html: &str, max_depth: usize) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + offset;
        let rest = &bytes[at + 1..];
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        i = at + 1;
        if name_len == 0 || !rest[name_start].is_ascii_alphabetic() {
            continue;
        }
        if never_nests(&rest[name_start..name_start + name_len]) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        let tag_end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
        if rest[..tag_end].ends_with(b"/") {
            continue;
        }
        depth += 1;
        if depth > max_depth {
            return Some(at);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(body: &str, max_bytes: usize, max_nesting: usize) -> (&str, bool) {
        cut_body(
            body,
            BodyLimits {
                max_bytes,
                max_nesting,
            },
        )
    }

    #[test]
    fn deep_nesting_is_cut_before_the_first_tag_too_deep() {
        let deep = format!("{}x{}", "<div>".repeat(10), "</div>".repeat(10));
        assert_eq!(cut(&deep, usize::MAX, 10), (deep.as_str(), false));
        let (cut, was_cut) = cut(&deep, usize::MAX, 4);
        assert!(was_cut);
        assert_eq!(cut, "<div>".repeat(4));
    }

    #[test]
    fn siblings_void_and_implied_elements_do_not_nest() {
        let flat = "<p>a<p>b<br><img src=x><li>c<li>d<span>e</span><span>f</span><x/>".repeat(100);
        assert!(!cut(&flat, usize::MAX, 3).1);
    }

    #[test]
    fn size_cut_respects_char_boundaries() {
        let (cut, was_cut) = cut("ééé", 3, 100);
        assert_eq!(cut, "é");
        assert!(was_cut);
    }
}
