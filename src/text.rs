//! Plain-text helpers shared by the stages: cleaning untrusted text fields,
//! summaries, word counts and reading time.

use std::borrow::Cow;

/// Words a reader gets through per minute, for reading time.
pub const WORDS_PER_MINUTE: usize = 230;
/// Words in an article's summary.
pub const SUMMARY_WORDS: usize = 50;

/// Text of an HTML fragment: tags removed, entities decoded exactly once,
/// whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    // ammonia with no allowed tags parses the fragment as a browser would and
    // serializes only its text, escaped the html5ever way.
    static TEXT_ONLY: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    let escaped = TEXT_ONLY
        .get_or_init(|| {
            let mut b = ammonia::Builder::empty();
            b.clean_content_tags(
                ["script", "style", "template", "noscript"]
                    .into_iter()
                    .collect(),
            );
            b
        })
        .clean(html)
        .to_string();
    clean_text(&decode_serialized_entities(&escaped))
}

/// Decodes the only entities html5ever's serializer writes (`&amp; &lt; &gt;
/// &quot; &nbsp;`), which is all that remains in text after sanitizing.
pub fn decode_serialized_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let (ch, len) = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&nbsp;", '\u{a0}'),
        ]
        .iter()
        .find(|(e, _)| rest.starts_with(e))
        .map_or(('&', 1), |(e, c)| (*c, e.len()));
        out.push(ch);
        rest = &rest[len..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// An untrusted one-line text field made presentable: characters that are
/// illegal in XML or invisible controls are removed, whitespace is collapsed.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|&c| is_xml_char(c) && !c.is_control()));
    }
    out.truncate(out.trim_end().len());
    out
}

/// Whether `c` may appear in an XML 1.0 document.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `s` without the characters XML 1.0 forbids, for every string an XML (or
/// JSON) output file carries; borrowed when there is nothing to remove.
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    if has_no_forbidden_bytes(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

/// True when `s` holds nothing [`is_xml_char`] rejects, checked on bytes
/// (every body and page passes here): in UTF-8 the forbidden characters are
/// the control bytes other than tab, LF and CR, and U+FFFE and U+FFFF
/// (`EF BF BE`, `EF BF BF`); a `str` holds no surrogates.
fn has_no_forbidden_bytes(s: &str) -> bool {
    let b = s.as_bytes();
    let forbidden_at = |i: usize| {
        let c = b[i];
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
            || (c == 0xEF
                && b.get(i + 1) == Some(&0xBF)
                && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    };
    // Blocks are screened in a form the compiler vectorizes; only a block
    // holding a suspect byte is looked at closely.
    const BLOCK: usize = 64;
    (0..b.len()).step_by(BLOCK).all(|start| {
        let end = (start + BLOCK).min(b.len());
        let suspect = b[start..end].iter().fold(false, |any, &c| {
            any | ((c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r')) | (c == 0xEF)
        });
        !suspect || !(start..end).any(forbidden_at)
    })
}

/// Cuts `s` to at most `max_chars` characters at a word boundary, adding an
/// ellipsis when it cut anything.
pub fn truncate_words(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let cut: String = s.chars().take(max_chars).collect();
    let at = cut.rfind(' ').filter(|&i| i > 0).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

/// The first `SUMMARY_WORDS` words of `text`, with an ellipsis when cut.
pub fn summarize(text: &str) -> String {
    let mut words = text.split_whitespace();
    let mut out = String::new();
    for word in words.by_ref().take(SUMMARY_WORDS) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if words.next().is_some() {
        out.push('…');
    }
    out
}

/// Reading time in whole minutes, never less than one.
pub fn reading_time(words: usize) -> usize {
    words.div_ceil(WORDS_PER_MINUTE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_to_text_decodes_once_and_strips_tags() {
        assert_eq!(
            html_to_text("<b>Vec&lt;T&gt;</b> &amp;amp;"),
            "Vec<T> &amp;"
        );
        assert_eq!(html_to_text("a<script>x</script>\n\n b"), "a b");
    }

    #[test]
    fn clean_text_removes_controls_and_collapses() {
        assert_eq!(clean_text(" a\u{0}b\u{1b}[31m \n\t c\u{FFFE} "), "ab[31m c");
    }

    #[test]
    fn xml_safe_drops_only_illegal_characters() {
        assert_eq!(
            xml_safe("a\u{0}b\u{b}c\u{FFFE}d\te\u{1F600}"),
            "abcd\te\u{1F600}"
        );
        assert!(matches!(xml_safe("plain"), Cow::Borrowed(_)));
        // Every character up to U+10FFFF: the byte check agrees with the
        // character rule.
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            assert_eq!(has_no_forbidden_bytes(&s), is_xml_char(c), "{:X}", c as u32);
        }
    }

    #[test]
    fn summary_cuts_at_fifty_words() {
        let text = (1..=60)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let s = summarize(&text);
        assert!(s.ends_with("w50…"), "{s}");
        assert_eq!(summarize("short text"), "short text");
    }

    #[test]
    fn truncate_words_cuts_at_a_space() {
        assert_eq!(truncate_words("hello wonderful world", 12), "hello…");
        assert_eq!(truncate_words("short", 12), "short");
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(reading_time(0), 1);
        assert_eq!(reading_time(231), 2);
    }
}
