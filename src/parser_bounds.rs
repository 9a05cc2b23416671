//! Bounds on what a snapshot may cost the feed parser, checked before feed-rs
//! reads it. feed-rs recurses once per level of some elements and builds a
//! base URL for every element under an `xml:base`; a file of a few KB could
//! overflow a thread's stack, and one of a few MB make it allocate
//! gigabytes, either of which aborts the whole build where no panic guard
//! can help. A snapshot past a bound is refused like a malformed one.
//!
//! Most snapshots are checked by a quick scan over their `<` bytes (no
//! measurable cost in a 10,000-article build, whose snapshots hold 1.3
//! million of them in 300 MB). Whatever that scan does not follow byte for
//! byte as quick-xml does (an `xml:base`, a DOCTYPE, an encoding that reads
//! ASCII bytes as parts of other characters) is read by quick-xml itself, as
//! feed-rs reads it: reading all 300 MB that way took 1 to 1.7 s.

use std::ops::ControlFlow;

use anyhow::{anyhow, bail, Result};
use quick_xml::events::Event;

/// How deep a snapshot's elements may nest. quick-xml allows 65,535 levels;
/// feed-rs needs about 2 KB of stack for each level of nested
/// `media:group`s (6 KB in a debug build), and 1,500 of them overflowed a
/// thread's 2 MB stack. A feed nests about 20 deep; an Atom XHTML body is
/// cut at `limits.max_body_nesting` (256 by default) anyway.
pub const MAX_SNAPSHOT_NESTING: u32 = 1024;

/// The most bytes of base URL the open elements of a snapshot may hold
/// between them: a real feed's are a few hundred.
const MAX_OPEN_BASE_URL_BYTES: u64 = 1 << 20;

/// Refuses `bytes` when feed-rs would nest deeper than
/// [`MAX_SNAPSHOT_NESTING`] reading them, or build far more base URL text
/// than the file holds; otherwise returns how deep its elements nest (at
/// most), which tells how much stack feed-rs needs.
pub fn bound_feed_parser(bytes: &[u8]) -> Result<u32> {
    if is_json(bytes) {
        // serde_json refuses nesting deeper than 128 itself, on any stack.
        return Ok(0);
    }
    match quick_depth(bytes) {
        Some(depth) if depth > MAX_SNAPSHOT_NESTING => too_deep(),
        Some(depth) => Ok(depth),
        None => exact_bounds(bytes),
    }
}

fn too_deep<T>() -> Result<T> {
    bail!(
        "its elements nest more than {MAX_SNAPSHOT_NESTING} deep (a feed needs about 20): the file is probably hostile"
    )
}

/// Whether feed-rs reads `bytes` as JSON: it decides by the first `<` or `{`
/// in the first 8 KiB (its read buffer).
fn is_json(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8 * 1024)]
        .iter()
        .find(|&&b| b == b'<' || b == b'{')
        == Some(&b'{')
}

/// The deepest element nesting quick-xml (configured as feed-rs configures
/// it) meets in `bytes` before its first error, or a bound above it; `None`
/// when `bytes` hold something this scan does not follow exactly.
///
/// It follows quick-xml: any `<` that does not open a comment, CDATA or a
/// processing instruction opens a tag, which ends at the first `>` outside
/// quotes (either kind, toggled anywhere in the tag); a start tag is empty
/// when `/` precedes that `>`, and an end tag closes the innermost element
/// (quick-xml stops at one that does not match, and feed-rs with it);
/// comments, CDATA and processing instructions end at the first `-->`, `]]>`
/// and `?>` after their opening. An XML declaration naming an encoding that
/// reads ASCII bytes as parts of other characters (Shift_JIS, for one)
/// makes quick-xml read what follows differently: the scan gives up there.
fn quick_depth(bytes: &[u8]) -> Option<u32> {
    // `xml:base` needs the exact reading; NUL is how UTF-16 without a byte
    // order mark spells ASCII, ESC how ISO-2022-JP switches modes.
    if memchr::memmem::find(bytes, b"xml:base").is_some()
        || memchr::memchr2(0, 0x1B, bytes).is_some()
    {
        return None;
    }
    let (mut depth, mut deepest) = (0u32, 0u32);
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        let open = at + offset;
        let rest = &bytes[open + 1..];
        let end = match rest.first() {
            Some(b'/') => {
                depth = depth.saturating_sub(1);
                tag_end(rest)
            }
            Some(b'?') => {
                let end = memchr::memmem::find(&rest[1..], b"?>").map(|i| i + 2);
                if end.is_some_and(|e| switches_encoding(&rest[1..e - 1])) {
                    return None;
                }
                end
            }
            Some(b'!') if rest.starts_with(b"!--") => {
                memchr::memmem::find(&rest[3..], b"-->").map(|i| i + 5)
            }
            Some(b'!') if rest.starts_with(b"![CDATA[") => {
                memchr::memmem::find(&rest[8..], b"]]>").map(|i| i + 10)
            }
            // A DOCTYPE (whose end depends on its internal subset), or markup
            // quick-xml refuses.
            Some(b'!') => return None,
            Some(_) => {
                let end = tag_end(rest);
                let empty = end.is_some_and(|e| e > 0 && rest[e - 1] == b'/');
                deepest = deepest.max(depth + 1);
                if !empty {
                    depth += 1;
                }
                end
            }
            None => None,
        };
        match end {
            Some(end) => at = open + 1 + end + 1,
            // Unclosed: quick-xml stops here.
            None => break,
        }
    }
    Some(deepest)
}

/// The offset in `tag` (what follows its `<`) of the `>` that ends it: the
/// first one outside quotes.
fn tag_end(tag: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in tag.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether the processing instruction `pi` (between `<?` and `?>`) is an
/// XML declaration that, read by quick-xml's own code, names an encoding of
/// more than one byte a character other than UTF-8: quick-xml switches to
/// it there. A target spelled in any case counts, to be safe.
fn switches_encoding(pi: &[u8]) -> bool {
    let is_xml = pi.get(..3).is_some_and(|t| t.eq_ignore_ascii_case(b"xml"))
        && pi.get(3).is_none_or(u8::is_ascii_whitespace);
    if !is_xml {
        return false;
    }
    let Ok(content) = std::str::from_utf8(pi) else {
        return true;
    };
    let declaration = quick_xml::events::BytesDecl::from_start(
        quick_xml::events::BytesStart::from_content(content, 3),
    );
    declaration
        .encoder()
        .is_some_and(|e| e != encoding_rs::UTF_8 && !e.is_single_byte())
}

/// Refuses `bytes`, read as feed-rs reads them, past
/// [`MAX_SNAPSHOT_NESTING`], or when their `xml:base` attributes would cost
/// feed-rs far more than the file. feed-rs keeps the base URL of every open
/// element that has one, each joined onto its parent's (so nested ones grow
/// with their depth), and copies the base into every element it reads: a
/// 3 MB file of nested `xml:base`s made it allocate gigabytes, and one base
/// of 100 KB over 5,000 entries made it keep 500 MB. URL lengths are
/// overestimated (every base joined onto its parent's).
fn exact_bounds(bytes: &[u8]) -> Result<u32> {
    // The URLs of the open elements are bounded by a constant; what feed-rs
    // copies (and, for links resolved against a base, keeps) by the file's
    // size.
    let max_copied = (1 << 20) + 8 * bytes.len() as u64;
    let (mut depth, mut deepest) = (0u32, 0u32);
    // (depth, URL bytes) of each open element with an `xml:base`.
    let mut bases: Vec<(u32, u64)> = Vec::new();
    let (mut open, mut copied) = (0u64, 0u64);
    let refused = read_as_feed_rs(bytes, |event| {
        match event {
            Event::Start(start) => {
                depth += 1;
                if depth > MAX_SNAPSHOT_NESTING {
                    return ControlFlow::Break(too_deep());
                }
                deepest = deepest.max(depth);
                let parent = bases.last().map_or(0, |&(_, len)| len);
                if let Some(base) = start
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == "xml:base")
                {
                    let len = parent + url_bytes(&base.value);
                    bases.push((depth, len));
                    open += len;
                    copied += len;
                }
                copied += bases.last().map_or(0, |&(_, len)| len);
                if open > MAX_OPEN_BASE_URL_BYTES || copied > max_copied {
                    return ControlFlow::Break(Err(anyhow!(
                        "its xml:base attributes would make the feed parser build far more URL text than the file holds (they nest {} deep): the file is probably hostile; if it is genuine, remove its xml:base attributes",
                        bases.len()
                    )));
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                while bases.last().is_some_and(|&(d, _)| d > depth) {
                    open -= bases.pop().map_or(0, |(_, len)| len);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    refused.unwrap_or(Ok(deepest))
}

/// Reads `bytes` as feed-rs does (quick-xml with its decoder and reader
/// settings, switching encoding at each XML declaration), passing every
/// other event to `visit` until `visit` breaks (its value is returned), the
/// end, or the first error, where feed-rs stops too.
fn read_as_feed_rs<B>(bytes: &[u8], mut visit: impl FnMut(Event) -> ControlFlow<B>) -> Option<B> {
    let mut reader =
        quick_xml::Reader::from_reader(quick_xml::encoding::DecodingReader::new(bytes));
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.trim_markup_names_in_closing_tags = true;
    config.trim_text(false);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Decl(decl)) => {
                if let Some(encoding) = decl.encoder() {
                    reader.get_mut().set_encoding(encoding);
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(event) => {
                if let ControlFlow::Break(value) = visit(event) {
                    return Some(value);
                }
            }
        }
        buf.clear();
    }
}

/// The length of `value` as a URL, at most: a byte that is not printable
/// ASCII, or one the URL parser percent-encodes in some part of a URL, is
/// counted as three.
fn url_bytes(value: &str) -> u64 {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_graphic() && !b"\"#<>?`{}'|^[]\\%".contains(&b) {
                1
            } else {
                3
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The deepest nesting quick-xml, configured as feed-rs configures it,
    /// reaches before its first error.
    fn quick_xml_depth(bytes: &[u8]) -> u32 {
        let (mut depth, mut deepest) = (0u32, 0u32);
        read_as_feed_rs(bytes, |event| {
            match event {
                Event::Start(_) => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                Event::End(_) => depth -= 1,
                _ => {}
            }
            ControlFlow::<()>::Continue(())
        });
        deepest
    }

    const TOKENS: &[&[u8]] = &[
        b"<a>",
        b"</a>",
        b"<b>",
        b"</b>",
        b"<a/>",
        b"<b />",
        b"<a x=\">\">",
        b"<b y='</b>'>",
        b"<a/ >",
        b"<!--",
        b"-->",
        b"<![CDATA[",
        b"]]>",
        b"<?",
        b"?>",
        b"<?pi x?>",
        b"\"",
        b"'",
        b"<",
        b">",
        b"/",
        b"t",
        b" ",
        b"<!DOCTYPE r [<!ENTITY e \"<a>\">]>",
        b"<!DOCTYPE r [<!ENTITY e \"x\"></a></b>]>",
        b"<!x>",
        b"<?xml version=\"1.0\"?>",
        b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>",
        b"<?xml '=\"\" encoding=\"Shift_JIS\"?>",
        b"\xe3\x81\x82",
        b"\x81",
        b"&lt;",
        b"</a x=\">\">",
        b"<m\">x<!--\">",
        b"</m\">x<!--\">",
        b"<q'<!--'>",
        b"</q'<!--'>",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn the_quick_scan_never_finds_less_nesting_than_quick_xml(
            tokens in prop::collection::vec(0..TOKENS.len(), 0..60)
        ) {
            let bytes: Vec<u8> = std::iter::once(&b"<r>"[..]).chain(tokens.iter().map(|&t| TOKENS[t])).flatten().copied().collect();
            if let Some(depth) = quick_depth(&bytes) {
                prop_assert!(depth >= quick_xml_depth(&bytes), "{}", String::from_utf8_lossy(&bytes));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn the_quick_scan_reads_any_bytes(
            pieces in prop::collection::vec(prop::sample::select(&[
                "<", ">", "/", "!", "?", "-", "[", "]", "\"", "'", " ", "a", "\u{e3}", "<!--", "-->",
                "<![CDATA[", "]]>", "<?", "?>", "<?xml", "encoding='Shift_JIS'", "<!DOCTYPE",
            ][..]), 0..40)
        ) {
            let _ = quick_depth(pieces.concat().as_bytes());
        }
    }

    /// Two ways past the first quick scan, found in review: an end tag whose
    /// quotes hide a `>` (and a comment opening behind it), and a declaration
    /// hiding its encoding behind a quote in an attribute name, after which
    /// Shift_JIS swallows a `]` of a CDATA end.
    #[test]
    fn markup_that_once_hid_its_nesting_from_the_quick_scan_is_refused() {
        let item =
            br#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item>"#;
        let groups = b"<media:group>".repeat(2000);
        let end_tag = [&item[..], br#"<m">x<!--"></m">x<!--">"#, &groups].concat();
        let declaration = [
            &br#"<?xml '="" encoding="Shift_JIS"?>"#[..],
            item,
            b"<![CDATA[\x81]]><!--]]>",
            &groups,
        ]
        .concat();
        for xml in [end_tag, declaration] {
            assert!(quick_xml_depth(&xml) > MAX_SNAPSHOT_NESTING);
            let err = bound_feed_parser(&xml).unwrap_err().to_string();
            assert!(err.contains("nest more than 1024 deep"), "{err}");
        }
    }

    fn media_groups(depth: usize) -> String {
        format!(
            r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>M</title><item><title>E</title>{}{}</item></channel></rss>"#,
            "<media:group>".repeat(depth),
            "</media:group>".repeat(depth)
        )
    }

    #[test]
    fn nesting_past_the_bound_is_refused_however_it_is_spelled() {
        let refused = |xml: &[u8]| {
            let err = bound_feed_parser(xml).unwrap_err().to_string();
            assert!(err.contains("nest more than 1024 deep"), "{err}");
        };
        // rss, channel and item, then the groups: one level past the bound.
        let deep = media_groups(MAX_SNAPSHOT_NESTING as usize - 2);
        assert_eq!(quick_depth(deep.as_bytes()), Some(MAX_SNAPSHOT_NESTING + 1));
        refused(deep.as_bytes());
        // Read by quick-xml itself: behind a DOCTYPE, in an encoding of two
        // bytes a character, in UTF-16 without a byte order mark.
        refused(format!("<!DOCTYPE rss>{deep}").as_bytes());
        refused(format!(r#"<?xml version="1.0" encoding="Shift_JIS"?>{deep}"#).as_bytes());
        let utf16: Vec<u8> = format!(r#"<?xml version="1.0" encoding="UTF-16"?>{deep}"#)
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        refused(&utf16);
        let shallow = media_groups(MAX_SNAPSHOT_NESTING as usize - 3);
        assert!(bound_feed_parser(shallow.as_bytes()).is_ok());
        assert!(exact_bounds(shallow.as_bytes()).is_ok());
    }

    /// An Atom feed whose root has the base `base` and holds `inner`.
    fn atom_with_base(base: &str, inner: &str) -> String {
        format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/{base}"><title>F</title><id>f</id>{inner}</feed>"#
        )
    }

    #[test]
    fn xml_base_that_would_cost_far_more_than_the_file_is_refused() {
        let refused = |xml: &[u8]| {
            let err = bound_feed_parser(xml).unwrap_err().to_string();
            assert!(err.contains("xml:base attributes"), "{err}");
        };
        // Nested, each joined onto the one around it: the URLs grow with the
        // depth, their total with its square (500 levels: 12 MB).
        let segment = format!(r#"<x xml:base="{}/">"#, "a".repeat(100));
        let nested = format!("{}{}", segment.repeat(500), "</x>".repeat(500));
        refused(atom_with_base("", &nested).as_bytes());
        // One long base, which every entry copies.
        let entries = "<entry><id>e</id><link href=\"a\"/></entry>".repeat(2000);
        refused(atom_with_base(&"a".repeat(100_000), &entries).as_bytes());
        // Nested again, spelled in UTF-16 without a byte order mark, which
        // feed-rs reads.
        let utf16: Vec<u8> = format!(
            r#"<?xml version="1.0" encoding="UTF-16"?>{}"#,
            atom_with_base("", &nested)
        )
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
        refused(&utf16);
        // A base the URL parser percent-encodes, three bytes for one, which
        // every link resolved against it keeps.
        let links = "<link href=\"\"/>".repeat(20_000);
        refused(atom_with_base(&"{".repeat(100), &links).as_bytes());
        // A base on the feed and on every entry is what real feeds do.
        let genuine =
            "<entry xml:base=\"posts/\"><id>e</id><link href=\"a\"/></entry>".repeat(2000);
        assert!(bound_feed_parser(atom_with_base("blog/", &genuine).as_bytes()).is_ok());
    }

    #[test]
    fn json_feeds_are_left_to_serde_json() {
        let json = format!(
            r#"{{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{{"id":"1","content_html":"{}"}}]}}"#,
            "<br>".repeat(5000)
        );
        assert!(bound_feed_parser(json.as_bytes()).is_ok());
    }
}
