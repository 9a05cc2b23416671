//! Writing XML (feeds, the OPML blogroll, the sitemap) with quick-xml: text
//! and attribute values are escaped by the writer and stripped here of the
//! characters XML 1.0 forbids, so no output file can be ill-formed.

use std::borrow::Cow;
use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use crate::text::xml_safe;

pub type XmlWriter = Writer<Vec<u8>>;

/// A new document: the XML declaration, then two-space indentation.
pub fn document() -> io::Result<XmlWriter> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    Ok(w)
}

/// Ends a document with a newline and hands its bytes over.
pub fn finish(w: XmlWriter) -> Vec<u8> {
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    bytes
}

/// `<name attrs...>text</name>`.
pub fn text_element(
    w: &mut XmlWriter,
    name: &str,
    attrs: &[(&str, &str)],
    text: &str,
) -> io::Result<()> {
    let attrs = safe_attributes(attrs);
    w.create_element(name)
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_ref())))
        .write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

/// `<name attrs.../>`.
pub fn empty_element(w: &mut XmlWriter, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    let attrs = safe_attributes(attrs);
    w.create_element(name)
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_ref())))
        .write_empty()?;
    Ok(())
}

/// `<name attrs...>` what `inner` writes `</name>`.
pub fn element(
    w: &mut XmlWriter,
    name: &str,
    attrs: &[(&str, &str)],
    inner: impl FnOnce(&mut XmlWriter) -> io::Result<()>,
) -> io::Result<()> {
    let attrs = safe_attributes(attrs);
    w.create_element(name)
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_ref())))
        .write_inner_content(inner)?;
    Ok(())
}

fn safe_attributes<'a>(attrs: &[(&'a str, &'a str)]) -> Vec<(&'a str, Cow<'a, str>)> {
    attrs.iter().map(|&(k, v)| (k, xml_safe(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_illegal_characters_dropped() {
        let mut w = document().unwrap();
        element(&mut w, "root", &[("a", "x\"<&\u{1}")], |w| {
            text_element(w, "t", &[], "1 < 2 & \u{0}3 ]]>")?;
            empty_element(w, "e", &[("href", "https://e.example/?a=1&b=2")])
        })
        .unwrap();
        let text = String::from_utf8(finish(w)).unwrap();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root a=\"x&quot;&lt;&amp;\">\n  \
             <t>1 &lt; 2 &amp; 3 ]]&gt;</t>\n  <e href=\"https://e.example/?a=1&amp;b=2\"/>\n</root>\n"
        );
    }
}
