//! Stage 4b: re-render sanitized article HTML into the house style,
//! collecting the plain-text facts (word count, summary) and the table of
//! contents on the way.
//!
//! The pass walks the tree the sanitizer parsed and cleaned (ammonia's
//! document) once and writes it out itself, so each body is parsed once:
//! parsing it a second time from the sanitizer's serialized output cost as
//! much as sanitizing it. The walk writes what html5ever's serializer would,
//! plus the house style's changes. Some decisions need what comes after an
//! element's start tag. An empty paragraph, link or heading is known to be
//! empty only at its end: then the markup written since its start is cut
//! off again. A heading's id is made from its text and must differ from
//! every other id in the body, and its level depends on the body's top
//! heading level: for those the pass writes NUL-delimited markers, which
//! `resolve_markers` replaces in one linear scan at the end; NUL cannot
//! occur in sanitized HTML.
//!
//! Every id in the body starts with [`ID_PREFIX`], the generated heading ids
//! too: a heading titled "Config" gets `fc-config`, never `config`, which a
//! browser would expose as the global `window.config`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use ammonia::rcdom::{Handle, NodeData};
use ammonia::Document;
use serde::{Deserialize, Serialize};

use crate::limits::{cut_body, BodyLimits};
use crate::sanitize::{sanitize_document, LinkBase, ID_PREFIX};
use crate::text::{clean_text, decode_serialized_entities, xml_safe, SUMMARY_WORDS};

/// Elements after whose start a new word begins even without whitespace.
fn is_inline(tag: &str) -> bool {
    matches!(
        tag,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "bdo"
            | "cite"
            | "code"
            | "del"
            | "dfn"
            | "em"
            | "i"
            | "ins"
            | "kbd"
            | "mark"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strike"
            | "strong"
            | "sub"
            | "sup"
            | "time"
            | "tt"
            | "u"
            | "var"
            | "wbr"
    )
}

/// Settings of the pass that come from the site config.
#[derive(Debug, Clone, Default)]
pub struct RerenderOptions {
    /// `rel` for links that leave the site; empty for none.
    pub external_link_rel: String,
    /// Host of the site itself: links to it are not external.
    pub site_host: Option<String>,
    /// Collect the whole plain text into [`Rerendered::text`] (for body filters).
    pub keep_text: bool,
    /// Bodies are cut to these before sanitizing.
    pub limits: BodyLimits,
}

/// One heading in an article's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    pub id: String,
    pub text: String,
    pub level: u8,
    pub children: Vec<TocEntry>,
}

/// The re-rendered body and what the pass learned about it.
#[derive(Debug, Clone, Default)]
pub struct Rerendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Words of the whole body, code included.
    pub word_count: usize,
    /// The first words of the body's prose (code blocks excluded), about
    /// [`SUMMARY_WORDS`] of them, with an ellipsis when cut.
    pub summary: String,
    /// The whole plain text, code included, when [`RerenderOptions::keep_text`] asked for it.
    pub text: String,
}

#[derive(Default)]
struct Heading {
    index: usize,
    /// The level the feed gave it.
    level: u8,
    /// The id the feed gave the heading, as serialized (prefixed, escaped).
    feed_id: Option<String>,
    /// Whether the heading goes if it turns out empty; headings with a feed
    /// id stay, as link targets.
    removable: bool,
    /// Inside a link, where an anchor link would nest links.
    in_link: bool,
    text: String,
    /// Whitespace held back until visible content follows it, so the
    /// heading's text ends without padding.
    pending_ws: String,
    seen_content: bool,
    /// Alt texts of its images: the label of a heading that is only an image.
    alt_text: String,
}

/// A heading the pass has closed.
struct HeadingFacts {
    /// The level the feed gave it.
    level: u8,
    feed_id: Option<String>,
    /// Its text, decoded and cleaned, else its images' alt texts; empty
    /// for a heading without either, which stays out of the table of
    /// contents and gets no anchor link.
    text: String,
    /// Removed for being empty.
    removed: bool,
}

#[derive(Default)]
struct State {
    /// The lowest level the feed gave a heading element, nested ones too.
    top_level: Option<u8>,
    heading: Option<Heading>,
    headings: Vec<HeadingFacts>,
    /// Ids of the elements other than headings, as serialized.
    other_ids: HashSet<String>,
    /// Open paragraphs, links and headings that go if they stay empty:
    /// (where their markup starts in the output, has content). Only the
    /// innermost is marked when content arrives; closing one passes its
    /// content on to its parent.
    removable_stack: Vec<(usize, bool)>,
    pre_depth: usize,
    last_was_br: bool,
    in_word: bool,
    word_count: usize,
    summary: String,
    summary_words: usize,
    full_text: Option<String>,
    /// The link being read, if any (links do not nest).
    link: Option<OpenLink>,
    /// The alt text of each image marked `\0A<n>\0`: `""`, or its link's
    /// label when the image is all the link has to name it.
    image_alts: Vec<String>,
}

/// A link whose name is not known yet.
struct OpenLink {
    /// What to call the link if nothing in it names it (its host).
    label: Option<String>,
    /// Text or an image's alt text was seen inside it.
    named: bool,
    /// Images without alt text inside it, by marker index.
    unnamed_images: Vec<usize>,
}

impl State {
    fn mark_content(&mut self) {
        if let Some(top) = self.removable_stack.last_mut() {
            top.1 = true;
        }
    }

    /// Opens a removable element whose markup starts at `start`.
    fn open_removable(&mut self, start: usize) {
        self.removable_stack.push((start, false));
    }

    /// Closes the innermost removable element: where its markup starts if
    /// it ended empty (it goes), else `None`.
    fn close_removable(&mut self) -> Option<usize> {
        let (start, has_content) = self.removable_stack.pop()?;
        if has_content {
            self.mark_content();
            return None;
        }
        Some(start)
    }

    /// Counts the words of a text node.
    fn text(&mut self, decoded: &str) {
        if let Some(t) = self.full_text.as_mut() {
            t.push_str(decoded);
        }
        let mut rest = decoded;
        // Until the summary has its words, each character may go into it;
        // after that (and in code, which the summary skips) only words are
        // counted, a byte at a time: every body's whole text passes here.
        while self.pre_depth == 0 && self.summary_words <= SUMMARY_WORDS {
            let Some(c) = rest.chars().next() else {
                return;
            };
            rest = &rest[c.len_utf8()..];
            let ws = c.is_whitespace();
            if ws {
                if self.in_word {
                    self.summary.push(' ');
                }
            } else {
                self.saw_visible_text();
                if !self.in_word {
                    self.word_count += 1;
                    self.summary_words += 1;
                }
                if self.summary_words <= SUMMARY_WORDS {
                    self.summary.push(c);
                }
            }
            self.in_word = !ws;
        }
        let (words, visible) = count_words(rest, &mut self.in_word);
        self.word_count += words;
        if self.pre_depth == 0 {
            self.summary_words += words;
        }
        if visible {
            self.saw_visible_text();
        }
    }

    /// Text that is not all whitespace: the open removable element and
    /// link have content.
    fn saw_visible_text(&mut self) {
        self.last_was_br = false;
        self.mark_content();
        if let Some(link) = self.link.as_mut() {
            link.named = true;
        }
    }

    fn break_word(&mut self) {
        if let Some(t) = self.full_text.as_mut() {
            t.push(' ');
        }
        if self.in_word && self.pre_depth == 0 && self.summary_words <= SUMMARY_WORDS {
            self.summary.push(' ');
        }
        self.in_word = false;
    }
}

/// The words that start in `text` (a word continues across text nodes
/// while `in_word`), and whether it holds anything but whitespace, with
/// whitespace as [`char::is_whitespace`] has it. The loop keeps its state in
/// locals and counts without branching on the text: every body's whole text
/// passes here, mostly in short nodes, and a branch per word boundary
/// mispredicts about once a word.
fn count_words(text: &str, in_word: &mut bool) -> (usize, bool) {
    let bytes = text.as_bytes();
    let (mut words, mut visible, mut i) = (0, false, 0);
    let mut after_space = !*in_word;
    while i < bytes.len() {
        let b = bytes[i];
        let space = if b.is_ascii() {
            i += 1;
            (b == b' ') | (b.wrapping_sub(b'\t') < 5)
        } else {
            let c = text[i..].chars().next().expect("i is on a char boundary");
            i += c.len_utf8();
            c.is_whitespace()
        };
        words += usize::from(after_space & !space);
        visible |= !space;
        after_space = space;
    }
    *in_word = !after_space;
    (words, visible)
}

/// Re-renders a sanitized document: one walk over the tree the sanitizer
/// parsed and cleaned, writing it out as html5ever's serializer would, with
/// the house style's changes made on the way. `size_hint`: about how long
/// the markup will be (the HTML the document was parsed from), so that it
/// is not copied as it grows.
pub fn rerender(doc: &Document, size_hint: usize, opts: &RerenderOptions) -> Rerendered {
    let mut state = State {
        full_text: opts.keep_text.then(String::new),
        ..State::default()
    };
    let mut output = write_tree(
        doc.to_dom_node(),
        &mut state,
        String::with_capacity(size_hint),
        opts,
    );

    let ids = assign_heading_ids(&state.headings, &state.other_ids);
    let levels = heading_levels(&state.headings, state.top_level);
    if memchr::memchr(0, output.as_bytes()).is_some() {
        output = resolve_markers(&output, &ids, &levels, &state.image_alts);
    }
    let toc = build_toc(
        state
            .headings
            .iter()
            .zip(ids.iter().zip(&levels))
            .filter(|(h, _)| !h.text.is_empty())
            .map(|(h, (id, &level))| {
                // The TOC links by the id's value; the markup holds it escaped.
                let id = decode_serialized_entities(id).into_owned();
                (level, id, h.text.clone())
            }),
    );
    let mut summary = clean_text(&state.summary);
    if state.summary_words > SUMMARY_WORDS {
        summary = summary
            .split(' ')
            .take(SUMMARY_WORDS)
            .collect::<Vec<_>>()
            .join(" ");
        summary.push('…');
    }
    let text = state
        .full_text
        .take()
        .map(|t| clean_text(&t))
        .unwrap_or_default();
    Rerendered {
        html: output,
        toc,
        word_count: state.word_count,
        summary,
        text,
    }
}

/// The whole article-HTML pass: cut `html` to the limits, sanitize it
/// (relative URLs against `base`), then re-render the sanitizer's tree.
pub fn sanitize_and_rerender(
    html: &str,
    base: Option<LinkBase>,
    opts: &RerenderOptions,
) -> Rerendered {
    let (html, _) = cut_body(html, opts.limits);
    let mut out = rerender(&sanitize_document(html, base), html.len(), opts);
    // Pages and feeds are XML too: characters XML forbids (form feeds,
    // controls, also those the parser decoded from `&#1;`) go.
    if let Cow::Owned(legal) = xml_safe(&out.html) {
        out.html = legal;
    }
    out
}

/// The level each heading is written at. The body's top level becomes
/// `<h2>` only when it is `<h1>` (the page's title is the `<h1>`), and no
/// level is skipped (the page's `<h1>` counts as the first), so the outline
/// stays navigable: an `<h4>` right after an `<h2>` becomes an `<h3>`.
fn heading_levels(headings: &[HeadingFacts], top_level: Option<u8>) -> Vec<u8> {
    let shift = 2u8.saturating_sub(top_level.unwrap_or(2));
    let mut last = 0u8;
    headings
        .iter()
        .map(|h| {
            last = (h.level + shift).min(6).min(last.max(1) + 1);
            last
        })
        .collect()
}

fn heading_level(tag: &str) -> Option<u8> {
    match tag.as_bytes() {
        [b'h', l @ b'1'..=b'6'] => Some(l - b'0'),
        _ => None,
    }
}

/// Elements html5ever writes without an end tag (and without children).
fn is_void(tag: &str) -> bool {
    matches!(
        tag,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "frame"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// `text` escaped as html5ever's serializer escapes it (in an attribute
/// value also `"`), so markup the pass leaves alone comes out byte for byte
/// as the sanitizer would have written it.
fn escape(text: &str, attribute: bool) -> Cow<'_, str> {
    /// Bytes that may need escaping: in text (bit 1) and in attribute
    /// values (bit 2). One load a byte, where a chain of comparisons was
    /// the byte loop's whole cost.
    const SPECIAL: [u8; 256] = {
        let mut table = [0; 256];
        table[b'&' as usize] = 3;
        table[b'<' as usize] = 3;
        table[b'>' as usize] = 3;
        table[0xC2] = 3;
        table[b'"' as usize] = 2;
        table
    };
    let mask = if attribute { 2 } else { 1 };
    let special = |b: &u8| SPECIAL[usize::from(*b)] & mask != 0;
    let bytes = text.as_bytes();
    // Longer text without `0xC2` (most text: it leads only U+0080 to U+00BF)
    // is searched for the other three with memchr's vector search: text
    // nodes are most of every body. Most nodes are a few words, though, and
    // attribute values are short: two searches cost more than one byte loop.
    let vector_search = !attribute && bytes.len() >= 64 && memchr::memchr(0xC2, bytes).is_none();
    let find = |from: usize| {
        let rest = &bytes[from..];
        match vector_search {
            true => memchr::memchr3(b'&', b'<', b'>', rest),
            false => rest.iter().position(special),
        }
        .map(|i| from + i)
    };
    let Some(first) = find(0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::new();
    let mut done = 0;
    let mut at = first;
    loop {
        // `0xC2` leads U+0080 to U+00BF; of those only U+00A0 is escaped.
        let (replacement, len) = match bytes[at] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            _ if bytes.get(at + 1) == Some(&0xA0) => ("&nbsp;", 2),
            _ => ("", 0),
        };
        if len > 0 {
            if out.is_empty() {
                out.reserve(text.len() + 16);
            }
            out.push_str(&text[done..at]);
            out.push_str(replacement);
            done = at + len;
        }
        match find(at + 1) {
            Some(next) => at = next,
            None => break,
        }
    }
    if done == 0 {
        return Cow::Borrowed(text); // Only characters led by 0xC2 other than U+00A0.
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// A start tag on its way out: its attributes as they will be written
/// (values escaped), what goes before it, and whether it goes at all.
struct StartTag<'a> {
    name: &'a str,
    renamed: Option<Rename>,
    attrs: Vec<(&'a str, Cow<'a, str>)>,
    /// Markup written before the tag, even when the element is removed.
    before: String,
    removed: bool,
    /// The element goes if it ends empty, with everything written from its
    /// start tag on.
    removable: bool,
}

/// The name an element is written with instead of its own.
#[derive(Clone, Copy)]
enum Rename {
    /// A heading inside a heading, which may not hold one.
    Span,
    /// The `index`th heading, whose level is known at the end: a marker.
    Heading(usize),
}

/// Writes an element's name, `renamed` or its own.
fn write_name(out: &mut String, name: &str, renamed: Option<Rename>) {
    match renamed {
        None => out.push_str(name),
        Some(Rename::Span) => out.push_str("span"),
        Some(Rename::Heading(index)) => push_marker(out, 'L', index),
    }
}

/// Writes the marker of `kind` for the `index`th heading or image, which
/// [`resolve_markers`] replaces.
fn push_marker(out: &mut String, kind: char, index: usize) {
    use std::fmt::Write;
    write!(out, "\0{kind}{index}\0").expect("writing to a String cannot fail");
}

/// The marker of `kind` for the `index`th heading or image, as a value.
fn marker(kind: char, index: usize) -> String {
    let mut out = String::new();
    push_marker(&mut out, kind, index);
    out
}

impl<'a> StartTag<'a> {
    fn get_attribute(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_ref())
    }

    fn has_attribute(&self, name: &str) -> bool {
        self.get_attribute(name).is_some()
    }

    /// Sets `value`, which is markup already (entities stay as they are),
    /// in place of an existing value or as a new last attribute.
    fn set_attribute(&mut self, name: &'a str, value: &str) {
        let value = Cow::Owned(value.replace('"', "&quot;"));
        match self.attrs.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.attrs.push((name, value)),
        }
    }

    fn remove_attribute(&mut self, name: &str) {
        self.attrs.retain(|(n, _)| *n != name);
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        write_name(out, self.name, self.renamed);
        for (name, value) in &self.attrs {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            out.push_str(value);
            out.push('"');
        }
        out.push('>');
    }
}

/// What the pass does when an element it changed ends.
enum EndAction {
    Heading,
    Table,
    Pre,
    /// A paragraph or link, `removable` when it goes if empty.
    ParagraphOrLink {
        removable: bool,
        is_link: bool,
    },
}

/// An element being written: the walk's place in its children.
struct OpenElement {
    node: Handle,
    next_child: usize,
    renamed: Option<Rename>,
    action: Option<EndAction>,
}

/// Writes the children of `root` (the fragment the sanitizer kept), without
/// recursion: a hostile body may nest as deep as the limits allow.
fn write_tree(root: Handle, s: &mut State, mut out: String, opts: &RerenderOptions) -> String {
    let mut open = vec![OpenElement {
        node: root,
        next_child: 0,
        renamed: None,
        action: None,
    }];
    while let Some(parent) = open.last_mut() {
        let children = parent.node.children.borrow();
        let Some(child) = children.get(parent.next_child) else {
            drop(children);
            let element = open.pop().expect("the loop holds an open element");
            if open.is_empty() {
                break; // The fragment's root is not written.
            }
            close_element(element, s, &mut out);
            continue;
        };
        parent.next_child += 1;
        // Text, most of the nodes, is written where it lies; an element is
        // held on to, as its children are written next.
        let node = match &child.data {
            NodeData::Text { contents } => {
                let decoded = contents.borrow();
                let text = on_text(escape(&decoded, false), &decoded, s);
                out.push_str(&text);
                continue;
            }
            NodeData::Element { .. } => Rc::clone(child),
            // The sanitizer strips comments, and a fragment holds no
            // doctype or processing instruction.
            _ => continue,
        };
        drop(children);
        let NodeData::Element { name, attrs, .. } = &node.data else {
            unreachable!("only elements are held on to")
        };
        let attrs = attrs.borrow();
        let mut tag = StartTag {
            name: &name.local,
            renamed: None,
            attrs: attrs
                .iter()
                .map(|a| (&*a.name.local, escape(&a.value, true)))
                .collect(),
            before: String::new(),
            removed: false,
            removable: false,
        };
        if tag.name == "pre" {
            if let Some(lang) = code_language(&node) {
                tag.set_attribute("data-lang", &escape(&lang, true));
            }
        }
        let action = on_start_tag(&mut tag, s, opts);
        out.push_str(&tag.before);
        if tag.removed {
            continue;
        }
        if tag.removable {
            s.open_removable(out.len());
        }
        tag.write(&mut out);
        // As HTML's serializer does: the parser drops a newline that
        // opens a `pre`, so a text that starts with one gets another.
        if matches!(tag.name, "pre" | "listing") && opens_with_newline(&node) {
            out.push('\n');
        }
        if !is_void(tag.name) {
            let renamed = tag.renamed;
            drop(attrs);
            open.push(OpenElement {
                node,
                next_child: 0,
                renamed,
                action,
            });
        }
    }
    out
}

/// The language of a code block: the sanitizer's `language-*` class on the
/// `pre` or on the `code` it starts with. The theme shows it as a label.
fn code_language(pre: &Handle) -> Option<String> {
    language_class(pre).or_else(|| {
        let children = pre.children.borrow();
        let first = children.iter().find(|c| {
            !matches!(&c.data, NodeData::Text { contents } if contents.borrow().trim().is_empty())
        })?;
        match &first.data {
            NodeData::Element { name, .. } if &*name.local == "code" => language_class(first),
            _ => None,
        }
    })
}

fn language_class(node: &Handle) -> Option<String> {
    let NodeData::Element { attrs, .. } = &node.data else {
        return None;
    };
    let attrs = attrs.borrow();
    let class = attrs.iter().find(|a| &*a.name.local == "class")?;
    class
        .value
        .split_ascii_whitespace()
        .find_map(|c| c.strip_prefix("language-"))
        .map(str::to_string)
}

fn opens_with_newline(node: &Handle) -> bool {
    matches!(
        node.children.borrow().first().map(|c| &c.data),
        Some(NodeData::Text { contents }) if contents.borrow().starts_with('\n')
    )
}

/// Writes an element's end tag with what its [`EndAction`] puts around it,
/// or, when it goes for being empty, cuts it off.
fn close_element(element: OpenElement, s: &mut State, out: &mut String) {
    let mut after = "";
    let mut cut = None;
    match element.action {
        Some(EndAction::Heading) => {
            if let Some(h) = s.heading.take() {
                let text = match clean_text(&h.text) {
                    t if t.is_empty() => clean_text(&h.alt_text),
                    t => t,
                };
                if !text.is_empty() && !h.in_link {
                    out.push_str(r##" <a class="anchor" href="#"##);
                    push_marker(out, 'H', h.index);
                    out.push_str(r##"" aria-label="Link to this section">#</a>"##);
                }
                cut = h.removable.then(|| s.close_removable()).flatten();
                s.headings.push(HeadingFacts {
                    level: h.level,
                    feed_id: h.feed_id,
                    text,
                    removed: cut.is_some(),
                });
            }
            s.break_word();
        }
        Some(EndAction::Table) => after = "</div>",
        Some(EndAction::Pre) => {
            s.pre_depth = s.pre_depth.saturating_sub(1);
            s.in_word = false;
        }
        Some(EndAction::ParagraphOrLink { removable, is_link }) => {
            cut = removable.then(|| s.close_removable()).flatten();
            if let Some(link) = s.link.take().filter(|_| is_link) {
                if !link.named {
                    for i in link.unnamed_images {
                        s.image_alts[i] = link.label.clone().unwrap_or_default();
                    }
                }
            }
        }
        None => {}
    }
    if let Some(start) = cut {
        out.truncate(start);
        return;
    }
    out.push_str("</");
    let NodeData::Element { name, .. } = &element.node.data else {
        unreachable!("only elements are opened")
    };
    write_name(out, &name.local, element.renamed);
    out.push('>');
    out.push_str(after);
}

/// Counts a text node's words and, inside a heading, trims the heading's
/// edges; returns the text to write.
fn on_text<'a>(raw: Cow<'a, str>, decoded: &str, s: &mut State) -> Cow<'a, str> {
    s.text(decoded);
    let Some(h) = s.heading.as_mut() else {
        return raw;
    };
    h.text.push_str(decoded);
    // Trim whitespace at the heading's edges, keep it between words.
    let body = if h.seen_content {
        &raw[..]
    } else {
        raw.trim_start()
    };
    let mut kept = String::new();
    if !body.trim().is_empty() {
        kept.push_str(&std::mem::take(&mut h.pending_ws));
        h.seen_content = true;
    }
    let trimmed = body.trim_end();
    kept.push_str(trimmed);
    h.pending_ws.push_str(&body[trimmed.len()..]);
    Cow::Owned(kept)
}

const HEADING_TAGS: [&str; 6] = ["h1", "h2", "h3", "h4", "h5", "h6"];

fn on_start_tag<'a>(
    el: &mut StartTag<'a>,
    s: &mut State,
    opts: &RerenderOptions,
) -> Option<EndAction> {
    let tag = el.name;
    if let Some(h) = s.heading.as_mut() {
        if !h.pending_ws.is_empty() {
            el.before.push_str(&std::mem::take(&mut h.pending_ws));
        }
        // A wrapper such as `<a>` or `<strong>` is not content itself: the
        // whitespace that opens it is still the heading's edge.
        if tag == "img" {
            h.seen_content = true;
        }
    }
    if !is_inline(tag) {
        s.break_word();
    }
    if tag == "br" {
        if s.last_was_br {
            el.removed = true;
        }
        s.last_was_br = true;
        return None;
    }
    s.last_was_br = false;

    if tag == "img" && is_tracking_pixel(el) {
        el.removed = true;
        return None;
    }
    // A link or an inline wrapper (`<span>`, `<b>`) is content only through
    // what it holds, so `<p><span> </span></p>` is an empty paragraph; one
    // with an id is a link target, and stays.
    let wrapper = matches!(
        tag,
        "a" | "span" | "b" | "i" | "em" | "strong" | "u" | "s" | "small" | "mark" | "sub" | "sup"
    ) && !el.has_attribute("id");
    if !wrapper {
        s.mark_content();
    }
    if tag == "img" {
        if let (Some(h), Some(alt)) = (s.heading.as_mut(), el.get_attribute("alt")) {
            h.alt_text.push(' ');
            h.alt_text.push_str(&decode_serialized_entities(alt));
        }
    }
    let mut level = heading_level(tag);
    if let Some(level) = level {
        s.top_level = Some(s.top_level.map_or(level, |top| top.min(level)));
    }
    if level.is_some() && s.heading.is_some() {
        // The parser keeps a heading inside another when an inline element
        // stands between them (`<h2><b><h3>`). A heading may not hold one,
        // so the inner one becomes a span.
        el.renamed = Some(Rename::Span);
        level = None;
    }
    let id = el.get_attribute("id").map(str::to_string);
    if let (Some(id), None) = (&id, level) {
        // Ids are unique on a page: the first element keeps one, a repeat
        // loses it, so `#id` links have one target.
        if !s.other_ids.insert(id.clone()) {
            el.remove_attribute("id");
        }
    }

    if let Some(level) = level {
        let index = s.headings.len();
        el.renamed = Some(Rename::Heading(index));
        el.set_attribute("id", &marker('H', index));
        el.removable = id.is_none();
        s.heading = Some(Heading {
            index,
            level,
            feed_id: id,
            removable: el.removable,
            in_link: s.link.is_some(),
            ..Heading::default()
        });
        return Some(EndAction::Heading);
    }
    match tag {
        "img" => {
            let upgraded = el.get_attribute("src").and_then(|src| {
                src.get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
                    .then(|| format!("https://{}", &src[7..]))
            });
            if let Some(https) = upgraded {
                el.set_attribute("src", &https);
            }
            // Without alt a screen reader reads the file name; an empty alt
            // tells it to skip an image the feed did not describe. An image
            // that is all a link has gets the link's label once the link is
            // known to have no text (a marker until then): a link needs a name.
            let described = el
                .get_attribute("alt")
                .is_some_and(|alt| !alt.trim().is_empty());
            match s.link.as_mut() {
                Some(link) if described => link.named = true,
                Some(link) if link.label.is_some() => {
                    let index = s.image_alts.len();
                    link.unnamed_images.push(index);
                    s.image_alts.push(String::new());
                    el.set_attribute("alt", &marker('A', index));
                }
                _ if !el.has_attribute("alt") => el.set_attribute("alt", ""),
                _ => {}
            }
            // HTML wants pixel counts here; feeds also write `auto`, `100%`
            // or `600px`. `600px` is kept as `600`, the rest dropped.
            for name in ["width", "height"] {
                let Some(value) = el.get_attribute(name) else {
                    continue;
                };
                match pixel_count(value).map(|px| (px != value).then(|| px.to_string())) {
                    Some(Some(px)) => el.set_attribute(name, &px),
                    Some(None) => {}
                    None => el.remove_attribute(name),
                }
            }
            el.set_attribute("loading", "lazy");
            el.set_attribute("decoding", "async");
            None
        }
        "table" => {
            el.before.push_str(
                r#"<div class="table-wrap" tabindex="0" role="region" aria-label="Table">"#,
            );
            Some(EndAction::Table)
        }
        "pre" => {
            // Code blocks scroll sideways; keyboard users must reach them.
            el.set_attribute("tabindex", "0");
            s.pre_depth += 1;
            Some(EndAction::Pre)
        }
        "p" | "a" => {
            let is_link = tag == "a";
            if is_link {
                let href = el.get_attribute("href").map(str::to_string);
                if let Some(href) = &href {
                    if is_external(href, opts.site_host.as_deref())
                        && !opts.external_link_rel.is_empty()
                    {
                        el.set_attribute("rel", &opts.external_link_rel);
                    }
                }
                s.link = Some(OpenLink {
                    label: href.as_deref().and_then(link_label),
                    named: false,
                    unnamed_images: Vec::new(),
                });
            }
            // An element with an id may be a link target even when empty
            // (`<a id="fn1"></a>`), so only those without go when empty.
            el.removable = id.is_none();
            (is_link || el.removable).then_some(EndAction::ParagraphOrLink {
                removable: el.removable,
                is_link,
            })
        }
        _ => None,
    }
}

/// A name for a link that has nothing else to name it: the host it leads to
/// (`example.org`). Hosts are ASCII letters, digits, `-` and `.` (the url
/// crate writes international names in punycode), so the label is safe in
/// an attribute as it is.
fn link_label(href: &str) -> Option<String> {
    let url = url::Url::parse(href).ok()?;
    let host = url.host_str()?;
    Some(host.strip_prefix("www.").unwrap_or(host).to_string())
}

/// The digits of an image dimension given as `600` or `600px`.
fn pixel_count(value: &str) -> Option<&str> {
    let digits = value.trim().trim_end_matches("px").trim_end();
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// An image of at most 1×1 pixels: there to track readers, not to be seen.
fn is_tracking_pixel(el: &StartTag) -> bool {
    let tiny = |name| {
        el.get_attribute(name).is_some_and(|v| {
            v.trim()
                .trim_end_matches("px")
                .trim()
                .parse::<f32>()
                .is_ok_and(|d| d <= 1.0)
        })
    };
    tiny("width") && tiny("height")
}

fn is_external(href: &str, site_host: Option<&str>) -> bool {
    match url::Url::parse(href) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u.host_str() != site_host,
        _ => false,
    }
}

/// Unique ids for the headings, as serialized: the feed's own (prefixed) id
/// where it gave one that no other element uses, else `fc-` and a slug of the
/// text, different from every id in the body. Removed headings get none.
fn assign_heading_ids(headings: &[HeadingFacts], other_ids: &HashSet<String>) -> Vec<String> {
    let mut used: HashSet<String> = other_ids.clone();
    used.extend(headings.iter().filter_map(|h| h.feed_id.clone()));
    let mut kept_feed_ids: HashSet<&str> = HashSet::new();
    // The next suffix to try for each base: counting up from 2 for every
    // repeat would make a body of many same-named headings quadratic.
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    headings
        .iter()
        .map(|h| {
            if h.removed {
                return String::new();
            }
            if let Some(id) = &h.feed_id {
                if !other_ids.contains(id) && kept_feed_ids.insert(id) {
                    return id.clone();
                }
            }
            let base = match crate::slug::slugify(&h.text) {
                s if s.is_empty() => format!("{ID_PREFIX}section"),
                s => format!("{ID_PREFIX}{s}"),
            };
            let mut candidate = base.clone();
            if used.contains(&candidate) {
                let n = next_suffix.entry(base.clone()).or_insert(2);
                loop {
                    candidate = format!("{base}-{n}");
                    *n += 1;
                    if !used.contains(&candidate) {
                        break;
                    }
                }
            }
            used.insert(candidate.clone());
            candidate
        })
        .collect()
}

/// Replaces the pass's markers: heading id placeholders get their ids,
/// heading names their levels, image alt placeholders their text.
fn resolve_markers(html: &str, ids: &[String], levels: &[u8], image_alts: &[String]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = memchr::memchr(0, rest.as_bytes()) {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = memchr::memchr(0, after.as_bytes()) else {
            rest = after;
            break;
        };
        let marker = &after[..end];
        rest = &after[end + 1..];
        let (kind, index) = marker.split_at(1);
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        out.push_str(match kind {
            "H" => ids.get(index).map_or("", String::as_str),
            "L" => levels
                .get(index)
                .map_or("", |&level| HEADING_TAGS[usize::from(level) - 1]),
            "A" => image_alts.get(index).map_or("", String::as_str),
            _ => "",
        });
    }
    out.push_str(rest);
    out
}

/// Nests a flat list of headings by level.
fn build_toc(flat: impl Iterator<Item = (u8, String, String)>) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, entry: TocEntry) {
        match list.last_mut() {
            Some(last) if last.level < entry.level => insert(&mut last.children, entry),
            _ => list.push(entry),
        }
    }
    let mut toc = Vec::new();
    for (level, id, text) in flat {
        insert(
            &mut toc,
            TocEntry {
                id,
                text,
                level,
                children: Vec::new(),
            },
        );
    }
    toc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_the_char_by_char_rules() {
        fn by_chars(text: &str, attribute: bool) -> String {
            text.chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '\u{a0}' => "&nbsp;".to_string(),
                    '"' if attribute => "&quot;".to_string(),
                    c => c.to_string(),
                })
                .collect()
        }
        let pieces = [
            "", "a", "&", "<", ">", "\"", "\u{a0}", "\u{a1}", "\u{80}", "é", "😀", "&amp;",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}x{c}");
                    for attribute in [false, true] {
                        assert_eq!(
                            escape(&text, attribute),
                            by_chars(&text, attribute),
                            "{text:?}"
                        );
                    }
                }
            }
        }
        assert!(matches!(
            escape("plain \u{a1} text", true),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn counting_words_by_bytes_agrees_with_chars() {
        // Every whitespace char::is_whitespace knows (ASCII and not), next
        // to ASCII and multi-byte letters, in runs and at the edges.
        let whitespace: Vec<char> = (0..=0x3000u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert!(whitespace.contains(&'\u{0b}') && whitespace.contains(&'\u{a0}'));
        let letters = ['a', 'é', '中', '😀', '\u{a1}', '\u{1f}'];
        let mut cases = vec![String::new()];
        // Longer ASCII texts: runs of words and spaces of several lengths,
        // starting in a word or in a space.
        for len in [63, 64, 65, 127, 128, 129, 200] {
            for word in 1..=4 {
                for space in 1..=3 {
                    let unit = format!("{}{}", "w".repeat(word), " \t\n".get(..space).unwrap());
                    for shift in 0..3 {
                        let text: String = " ".repeat(shift) + &unit.repeat(len);
                        cases.push(text[..len.min(text.len())].to_string());
                    }
                }
            }
        }
        for &w in &whitespace {
            for &l in &letters {
                cases.push(format!("{l}{w}{l}{l}{w}{w}"));
                cases.push(format!("{w}{l}{w}"));
                cases.push(format!("{w}{w}"));
            }
        }
        for text in &cases {
            for start_in_word in [false, true] {
                let mut expected_in_word = start_in_word;
                let mut expected = 0;
                for c in text.chars() {
                    let ws = c.is_whitespace();
                    expected += usize::from(!ws && !expected_in_word);
                    expected_in_word = !ws;
                }
                let mut in_word = start_in_word;
                let (words, visible) = count_words(text, &mut in_word);
                assert_eq!(words, expected, "{text:?}");
                assert_eq!(in_word, expected_in_word, "{text:?}");
                assert_eq!(
                    visible,
                    text.chars().any(|c| !c.is_whitespace()),
                    "{text:?}"
                );
            }
        }
    }

    fn render(html: &str) -> Rerendered {
        let opts = RerenderOptions {
            external_link_rel: "noopener noreferrer".into(),
            site_host: Some("digest.example".into()),
            keep_text: true,
            limits: Default::default(),
        };
        let page = url::Url::parse("https://blog.example/posts/a/").unwrap();
        sanitize_and_rerender(html, Some(LinkBase::feed(&page)), &opts)
    }

    /// The top level of the table of contents as (id, text) pairs.
    fn toc_ids_and_texts(r: &Rerendered) -> Vec<(&str, &str)> {
        r.toc
            .iter()
            .map(|t| (t.id.as_str(), t.text.as_str()))
            .collect()
    }

    #[test]
    fn headings_are_demoted_trimmed_and_get_unique_prefixed_ids() {
        let r = render("<h1>\n  Intro\n</h1><h2>  Deep   dive </h2><h1>Intro</h1><h2>Main</h2>");
        assert!(
            r.html
                .contains(r##"<h2 id="fc-intro">Intro <a class="anchor" href="#fc-intro""##),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(r#"<h3 id="fc-deep-dive">Deep   dive <a"#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"<h2 id="fc-intro-2">"#), "{}", r.html);
        // Not `main`: no heading can take the theme's ids or a global's name.
        assert!(r.html.contains(r#"<h3 id="fc-main">"#), "{}", r.html);
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].id, "fc-intro");
        assert_eq!(r.toc[0].children[0].text, "Deep dive");
    }

    #[test]
    fn heading_edges_are_trimmed_inside_links_and_emphasis() {
        let r = render("<h2>\n\n  <a name=\"x\" href=\"#x\">\n  </a>\n  Title here\n</h2><h2><strong>  Bold  </strong></h2>");
        assert!(
            r.html
                .contains(r#"<h2 id="fc-title-here">Title here <a class="anchor""#),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(r#"<h2 id="fc-bold"><strong>Bold</strong> <a class="anchor""#),
            "{}",
            r.html
        );
    }

    #[test]
    fn a_heading_inside_a_heading_becomes_a_span() {
        let r = render("<h1>Top</h1><h2><b><h3 id=\"in\">Inner</h3></b></h2>");
        assert!(
            r.html
                .contains(r#"<h3 id="fc-inner"><b><span id="fc-in">Inner</span></b>"#),
            "{}",
            r.html
        );
        assert_eq!(r.html.matches("<h3").count(), 1, "{}", r.html);
    }

    #[test]
    fn repeated_ids_keep_only_the_first() {
        let r = render("<p id=\"a\">1</p><p id=\"a\">2</p><h2 id=\"a\">A</h2>");
        assert_eq!(r.html.matches(r#"id="fc-a""#).count(), 1, "{}", r.html);
        assert!(
            r.html.starts_with(r#"<p id="fc-a">1</p><p>2</p>"#),
            "{}",
            r.html
        );
    }

    #[test]
    fn many_headings_of_one_name_get_numbered_ids() {
        let body = "<h2>Step</h2>".repeat(5) + "<p id=\"step-3\">taken</p>";
        let r = render(&body);
        let ids: Vec<&str> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "fc-step",
                "fc-step-2",
                "fc-step-4",
                "fc-step-5",
                "fc-step-6"
            ]
        );
    }

    #[test]
    fn a_newline_that_opens_pre_survives() {
        let r = render("<pre>\n\nfirst line</pre>");
        assert_eq!(r.html, "<pre tabindex=\"0\">\n\nfirst line</pre>");
    }

    #[test]
    fn h2_top_level_is_kept() {
        let r = render("<h2>A</h2><h3>B</h3>");
        assert!(r.html.starts_with(r#"<h2 id="fc-a">"#), "{}", r.html);
    }

    #[test]
    fn feed_heading_ids_are_kept_once_and_reach_the_toc_decoded() {
        // As the sanitizer serializes them: prefixed, quotes escaped.
        let r = render(
            r#"<p id="fc-setup">p</p><h2>Setup</h2><h2 id="fc-x&quot; onclick=&quot;y">Quote</h2><h2 id="fc-dup">A</h2><h2 id="fc-dup">B</h2><h2 id="fc-setup">C</h2>"#,
        );
        // The generated id steps around the paragraph's.
        assert!(
            r.html.contains(r#"<h2 id="fc-setup-2">Setup"#),
            "{}",
            r.html
        );
        // The markup keeps the escaped form, in the id and the anchor link.
        assert!(
            r.html.contains(r##"<h2 id="fc-x&quot; onclick=&quot;y">Quote <a class="anchor" href="#fc-x&quot; onclick=&quot;y""##),
            "{}",
            r.html
        );
        // The first heading keeps a repeated id; the later one and one that
        // a paragraph already has get their own.
        assert!(r.html.contains(r#"<h2 id="fc-dup">A"#), "{}", r.html);
        assert!(r.html.contains(r#"<h2 id="fc-b">B"#), "{}", r.html);
        assert!(r.html.contains(r#"<h2 id="fc-c">C"#), "{}", r.html);
        let toc = toc_ids_and_texts(&r);
        assert_eq!(
            toc,
            [
                ("fc-setup-2", "Setup"),
                (r#"fc-x" onclick="y"#, "Quote"),
                ("fc-dup", "A"),
                ("fc-b", "B"),
                ("fc-c", "C")
            ]
        );
    }

    #[test]
    fn empty_headings_go_and_labelless_ones_stay_out_of_the_toc() {
        let r = render(
            r#"<h2></h2><h2> </h2><h2><img src="https://x.example/i.png" alt=""></h2><h2 id="fc-target"></h2><h2>Real</h2><h2><img src="https://x.example/d.png" alt="Flow &amp; diagram"></h2>"#,
        );
        assert!(
            !r.html.contains("<h2></h2>") && !r.html.contains("<h2> </h2>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(r#"<h2 id="fc-section"><img"#)
                && r.html.contains(r#"<h2 id="fc-target"></h2>"#),
            "{}",
            r.html
        );
        assert_eq!(r.html.matches("class=\"anchor\"").count(), 2, "{}", r.html);
        let toc = toc_ids_and_texts(&r);
        // An image heading is labelled by its alt text.
        assert_eq!(
            toc,
            [("fc-real", "Real"), ("fc-flow-diagram", "Flow & diagram")]
        );
    }

    #[test]
    fn a_heading_inside_a_link_gets_no_anchor_link() {
        let r = render(r#"<a href="https://x.example/"><h2>Card</h2></a><h2>Next</h2>"#);
        assert_eq!(r.html.matches("<a ").count(), 2, "{}", r.html);
        assert_eq!(r.toc.len(), 2);
    }

    /// The start of each heading's tag, in order (`<h2`).
    fn heading_tags(html: &str) -> Vec<&str> {
        html.match_indices("<h")
            .map(|(i, _)| &html[i..i + 3])
            .collect()
    }

    #[test]
    fn heading_levels_are_never_skipped() {
        let r = render("<h3>A</h3><h2>B</h2><h5>C</h5><h6>D</h6><h3>E</h3>");
        assert_eq!(
            heading_tags(&r.html),
            ["<h2", "<h2", "<h3", "<h4", "<h3"],
            "{}",
            r.html
        );
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[1].children[0].children[0].text, "D");
    }

    #[test]
    fn an_h1_nested_in_a_heading_still_demotes_every_heading() {
        // The inner `<h1>` becomes a span, but the body still has an `<h1>`:
        // its headings move down a level, as they would beside it.
        let r = render("<h2>A<b><h1>In</h1></b></h2><h2>B</h2><h3>C</h3>");
        assert_eq!(heading_tags(&r.html), ["<h2", "<h3", "<h4"], "{}", r.html);
        let toc_levels: Vec<u8> = std::iter::successors(r.toc.first(), |e| e.children.first())
            .map(|e| e.level)
            .collect();
        assert_eq!(toc_levels, [2, 3, 4], "{:?}", r.toc);
    }

    #[test]
    fn images_get_an_alt_and_valid_dimensions() {
        let r = render(
            r#"<img src="https://cdn.example/a.png" width="600px" height="auto"><img src="https://cdn.example/b.png" alt="B" width="50%" height="40">"#,
        );
        assert!(
            r.html.contains(
                r#"<img src="https://cdn.example/a.png" width="600" alt="" loading="lazy""#
            ),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(r#"<img src="https://cdn.example/b.png" alt="B" height="40" loading"#),
            "{}",
            r.html
        );
    }

    #[test]
    fn a_link_named_by_nothing_but_an_image_gets_its_host_as_the_alt() {
        let r = render(
            r#"<a href="https://www.blog.example/post"><img src="https://cdn.example/a.png" alt=""></a><a href="https://x.example/"><img src="https://cdn.example/b.png"> Title</a><a href="https://y.example/"><img src="https://cdn.example/c.png" alt="Logo"></a>"#,
        );
        assert!(
            r.html
                .contains(r#"<img src="https://cdn.example/a.png" alt="blog.example""#),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(r#"<img src="https://cdn.example/b.png" alt="" loading"#),
            "a link with text names itself: {}",
            r.html
        );
        assert!(r.html.contains(r#"alt="Logo""#), "{}", r.html);
        assert!(!r.html.contains('\0'));
    }

    #[test]
    fn images_are_lazy_https_and_pixels_dropped() {
        let r = render(
            r#"<p><img src="http://cdn.example/a.png" alt="A" width="600" height="400"><img src="https://t.example/p.gif" width="1" height="1"></p>"#,
        );
        assert!(
            r.html.contains(r#"src="https://cdn.example/a.png""#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"loading="lazy""#) && r.html.contains(r#"decoding="async""#));
        assert!(r.html.contains(r#"width="600""#) && r.html.contains(r#"alt="A""#));
        assert!(!r.html.contains("t.example"), "{}", r.html);
    }

    #[test]
    fn upper_case_http_images_and_zero_size_pixels() {
        let r = render(
            r#"<img src="HTTP://cdn.example/a.png?w=1&amp;h=2" alt="A"><img src="https://t.example/p.gif" width="0" height="0px"><img src="https://cdn.example/b.png" width="1" height="300">"#,
        );
        assert!(
            r.html
                .contains(r#"src="https://cdn.example/a.png?w=1&amp;h=2""#),
            "{}",
            r.html
        );
        assert!(!r.html.contains("t.example"), "{}", r.html);
        assert!(
            r.html.contains("b.png"),
            "a thin rule is no pixel: {}",
            r.html
        );
    }

    #[test]
    fn empty_link_targets_stay() {
        let r = render(
            r##"<p><a id="fc-fn1"></a>Note</p><p id="fc-empty"></p><a href="#fc-fn1">1</a>"##,
        );
        assert_eq!(
            r.html,
            r##"<p><a id="fc-fn1"></a>Note</p><p id="fc-empty"></p><a href="#fc-fn1">1</a>"##
        );
    }

    #[test]
    fn empty_paragraphs_links_and_br_runs_collapse() {
        let r = render(
            "<p>\n\n</p><p>a<br><br>\n<br>b</p><p><br></p><a href=\"https://x.example/\"> </a>\
             <p><span> </span></p><p><a href=\"https://x.example/\"><span></span></a></p><p><b><i> </i></b></p>",
        );
        assert_eq!(r.html, "<p>a<br>\nb</p>");
    }

    #[test]
    fn tables_are_wrapped_and_external_links_get_rel() {
        let r = render(
            r#"<table><tr><td>1</td></tr></table><a href="https://x.example/">x</a><a href="https://digest.example/a">in</a>"#,
        );
        assert!(
            r.html.starts_with(r#"<div class="table-wrap""#) && r.html.contains("</table></div>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(r#"<a href="https://x.example/" rel="noopener noreferrer">x</a>"#),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(r#"<a href="https://digest.example/a">in</a>"#),
            "{}",
            r.html
        );
    }

    #[test]
    fn code_is_kept_byte_for_byte_counted_but_not_summarized() {
        let code = r#"<pre class="highlight language-rust"><code><span class="k">let</span> v: Vec&lt;T&gt; = x;</code></pre>"#;
        let r = render(&format!("<p>Intro words here.</p>{code}<p>After.</p>"));
        assert!(
            r.html
                .contains(r#"<code><span class="k">let</span> v: Vec&lt;T&gt; = x;</code></pre>"#),
            "{}",
            r.html
        );
        assert_eq!(r.word_count, 3 + 5 + 1);
        assert_eq!(r.summary, "Intro words here. After.");
        assert_eq!(r.text, "Intro words here. let v: Vec<T> = x; After.");
    }

    #[test]
    fn code_blocks_carry_their_language_for_the_theme() {
        let r = render(
            r#"<pre class="highlight shell"><code>ls</code></pre><pre><code class="language-rust">fn</code></pre><pre>plain</pre>"#,
        );
        assert!(
            r.html.contains(
                r#"<pre class="highlight language-shell" data-lang="shell" tabindex="0">"#
            ),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(r#"<pre data-lang="rust" tabindex="0"><code class="language-rust">"#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"<pre tabindex="0">plain"#), "{}", r.html);
    }

    #[test]
    fn summary_is_cut_at_fifty_words() {
        let text = (1..=80)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let r = render(&format!("<p>{text}</p>"));
        assert!(r.summary.ends_with("w50…"), "{}", r.summary);
        assert_eq!(r.word_count, 80);
    }
}
