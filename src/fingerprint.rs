//! Page fingerprints: one hash of everything a page is rendered from, so a
//! rebuild can keep a page whose inputs did not change without rendering
//! it or reading it back (see [`crate::output`]).
//!
//! A page is a pure function of the code (tera and our filters included),
//! the templates, the static files' URLs, the global variables and the
//! page's own variables. The first four are hashed once per build into a
//! [`RenderVersion`]; the page's variables are hashed as they are handed to
//! the template: a page fills a [`PageVars`] once to fingerprint it and
//! again, only if it must be rendered, to fill the template's context. What
//! the template sees and what the fingerprint covers are the same calls, so
//! nothing can be rendered from that the fingerprint missed.
//!
//! Two kinds of value stand in the fingerprint for a hash of themselves
//! (the encoder is not human-readable, and they serialize a hash to such
//! serializers): a card shared by many listing pages ([`Addressed`]), its
//! encoding hashed once per build, and an article's body, hashed when it
//! was sanitized ([`crate::bodies::BodyRef`]), so that an unchanged page is
//! known without reading its body.

use serde::ser::{self, Serialize};

/// What every page of one build is rendered with besides its own variables.
#[derive(Clone)]
pub struct RenderVersion(Option<blake3::Hash>);

impl RenderVersion {
    /// `parts` describe the code and templates (hashed by the caller as
    /// bytes); `globals` are the variables every template sees.
    pub fn new(parts: &[&[u8]], globals: &dyn Fn(&mut PageVars)) -> RenderVersion {
        let mut encoder = Encoder { out: Vec::new() };
        for part in parts {
            encoder.bytes(part);
        }
        // A global that cannot be encoded leaves no version: then no page
        // of the build has a fingerprint.
        RenderVersion(encoder.hash_vars(|vars| {
            globals(vars);
            Ok(())
        }))
    }
}

/// The hash of one page's inputs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PageFingerprint(pub [u8; 32]);

impl PageFingerprint {
    /// The fingerprint of `template` rendered at `out` with the variables
    /// `fill` sets; `None` when a variable cannot be encoded (the page is
    /// then always rendered).
    pub fn of(
        version: &RenderVersion,
        template: &str,
        out: &str,
        fill: &dyn Fn(&mut PageVars) -> anyhow::Result<()>,
    ) -> Option<PageFingerprint> {
        // Room for a listing page's variables without growing.
        let mut encoder = Encoder {
            out: Vec::with_capacity(4096),
        };
        encoder.out.extend_from_slice(version.0?.as_bytes());
        encoder.bytes(template.as_bytes());
        encoder.bytes(out.as_bytes());
        let hash = encoder.hash_vars(fill)?;
        Some(PageFingerprint(*hash.as_bytes()))
    }
}

/// Where a page's variables go: the template's context, or the encoding
/// its fingerprint is taken of.
pub enum PageVars<'c> {
    Context(&'c mut tera::Context),
    Encode(Encoder),
    /// A variable could not be encoded.
    Failed,
}

impl PageVars<'_> {
    /// Whether the variables go to a template (else to a fingerprint):
    /// what only a template needs, such as a body's text, is read then.
    pub fn renders(&self) -> bool {
        matches!(self, PageVars::Context(_))
    }

    pub fn insert<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        match self {
            PageVars::Context(ctx) => ctx.insert(name, value),
            PageVars::Encode(encoder) => {
                encoder.tag(b'v');
                encoder.bytes(name.as_bytes());
                if value.serialize(&mut *encoder).is_err() {
                    *self = PageVars::Failed;
                }
            }
            PageVars::Failed => {}
        }
    }
}

/// The hash of a value's encoding, computed once for a value many pages
/// show.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ContentAddress([u8; 32]);

impl ContentAddress {
    /// `None` when the value cannot be encoded.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Option<ContentAddress> {
        let mut encoder = Encoder { out: Vec::new() };
        value.serialize(&mut encoder).ok()?;
        Some(ContentAddress(*blake3::hash(&encoder.out).as_bytes()))
    }
}

/// A value a template sees whole and a fingerprint sees as its
/// [`ContentAddress`] (when it has one).
pub struct Addressed<'a, T> {
    pub value: &'a T,
    pub address: Option<&'a ContentAddress>,
}

impl<T> Clone for Addressed<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Addressed<'_, T> {}

impl<T: Serialize> Serialize for Addressed<'_, T> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.address {
            Some(address) if !serializer.is_human_readable() => {
                serializer.serialize_bytes(&address.0)
            }
            _ => self.value.serialize(serializer),
        }
    }
}

/// A serde serializer writing a canonical, prefix-free encoding: every
/// value starts with a tag for its kind, strings carry their length,
/// sequences and structs end with a mark. Two values encode alike only if
/// they are alike; a map's entries are sorted by their encoding, as a
/// template sees a map as a set of entries (tera's maps have no order).
pub struct Encoder {
    out: Vec<u8>,
}

#[derive(Debug)]
pub struct EncodeError(String);

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodeError {}

impl ser::Error for EncodeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        EncodeError(msg.to_string())
    }
}

impl Encoder {
    /// The hash of what the encoder holds followed by the variables `fill`
    /// sets; `None` if `fill` failed or a variable could not be encoded.
    fn hash_vars(
        self,
        fill: impl FnOnce(&mut PageVars) -> anyhow::Result<()>,
    ) -> Option<blake3::Hash> {
        let mut vars = PageVars::Encode(self);
        fill(&mut vars).ok()?;
        match vars {
            PageVars::Encode(encoder) => Some(blake3::hash(&encoder.out)),
            _ => None,
        }
    }

    fn tag(&mut self, tag: u8) {
        self.out.push(tag);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.out
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.out.extend_from_slice(bytes);
    }

    fn tagged(&mut self, tag: u8, bytes: &[u8]) -> Result<(), EncodeError> {
        self.tag(tag);
        self.out.extend_from_slice(bytes);
        Ok(())
    }
}

/// Ends a sequence, tuple or struct.
const END: u8 = b'.';
/// Starts each element or field.
const NEXT: u8 = b',';

/// Integers: a tag for the type, then the bytes.
macro_rules! numbers {
    ($($method:ident($ty:ty) => $tag:literal),*) => {$(
        fn $method(self, v: $ty) -> Result<(), EncodeError> {
            self.tagged($tag, &v.to_le_bytes())
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Encoder {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = MapEncoder<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    /// Tells the values that stand in for a hash of themselves to do so.
    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.tagged(b'b', &[v as u8])
    }
    numbers! {
        serialize_i8(i8) => b'1',
        serialize_i16(i16) => b'2',
        serialize_i32(i32) => b'4',
        serialize_i64(i64) => b'8',
        serialize_i128(i128) => b'6',
        serialize_u8(u8) => b'B',
        serialize_u16(u16) => b'W',
        serialize_u32(u32) => b'D',
        serialize_u64(u64) => b'Q',
        serialize_u128(u128) => b'O'
    }
    // Bits, not value: NaN and infinities stay apart from each other and
    // from null, unlike in JSON.
    fn serialize_f32(self, v: f32) -> Result<(), EncodeError> {
        self.tagged(b'f', &v.to_bits().to_le_bytes())
    }
    fn serialize_f64(self, v: f64) -> Result<(), EncodeError> {
        self.tagged(b'F', &v.to_bits().to_le_bytes())
    }
    fn serialize_char(self, v: char) -> Result<(), EncodeError> {
        self.tagged(b'c', &(v as u32).to_le_bytes())
    }
    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        self.tag(b's');
        self.bytes(v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), EncodeError> {
        self.tag(b'y');
        self.bytes(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), EncodeError> {
        self.tagged(b'n', &[])
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EncodeError> {
        self.tag(b'S');
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), EncodeError> {
        self.tagged(b'u', &[])
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), EncodeError> {
        self.tag(b'U');
        self.bytes(name.as_bytes());
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), EncodeError> {
        self.tag(b'e');
        self.bytes(variant.as_bytes());
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.tag(b'N');
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.tag(b'E');
        self.bytes(variant.as_bytes());
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, EncodeError> {
        compound(self, b'[', None)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, EncodeError> {
        compound(self, b'(', None)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, EncodeError> {
        compound(self, b'(', None)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, EncodeError> {
        compound(self, b'T', Some(variant))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapEncoder<'a>, EncodeError> {
        Ok(MapEncoder {
            encoder: self,
            entries: Vec::new(),
        })
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, EncodeError> {
        compound(self, b'{', None)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, EncodeError> {
        compound(self, b'V', Some(variant))
    }
}

/// Sequences, tuples and structs: each element after a `NEXT` mark (a
/// struct field after its name too), then an `END` mark.
pub struct Compound<'a>(&'a mut Encoder);

/// Starts a [`Compound`] of the kind `tag` (of an enum's `variant`).
fn compound<'a>(
    encoder: &'a mut Encoder,
    tag: u8,
    variant: Option<&str>,
) -> Result<Compound<'a>, EncodeError> {
    encoder.tag(tag);
    if let Some(variant) = variant {
        encoder.bytes(variant.as_bytes());
    }
    Ok(Compound(encoder))
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.0.tag(NEXT);
        value.serialize(&mut *self.0)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), EncodeError> {
        self.0.tag(NEXT);
        self.0.bytes(key.as_bytes());
        value.serialize(&mut *self.0)
    }

    fn finish(self) -> Result<(), EncodeError> {
        self.0.tag(END);
        Ok(())
    }
}

macro_rules! compound {
    ($($trait:ident, $method:ident);*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = EncodeError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
                self.element(value)
            }
            fn end(self) -> Result<(), EncodeError> {
                self.finish()
            }
        }
    )*};
}

compound!(
    SerializeSeq, serialize_element;
    SerializeTuple, serialize_element;
    SerializeTupleStruct, serialize_field;
    SerializeTupleVariant, serialize_field
);

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        self.finish()
    }
}

/// A map: each entry (key, then value) encoded on its own, the entries
/// sorted, then written with their lengths.
pub struct MapEncoder<'a> {
    encoder: &'a mut Encoder,
    entries: Vec<Vec<u8>>,
}

impl ser::SerializeMap for MapEncoder<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EncodeError> {
        let mut entry = Encoder { out: Vec::new() };
        key.serialize(&mut entry)?;
        self.entries.push(entry.out);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        let Some(last) = self.entries.pop() else {
            return Err(ser::Error::custom("a map value without its key"));
        };
        let mut entry = Encoder { out: last };
        value.serialize(&mut entry)?;
        self.entries.push(entry.out);
        Ok(())
    }
    fn end(mut self) -> Result<(), EncodeError> {
        self.entries.sort_unstable();
        self.encoder.tag(b'M');
        self.encoder
            .out
            .extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for entry in &self.entries {
            self.encoder.bytes(entry);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn version() -> RenderVersion {
        RenderVersion::new(&[b"code", b"templates"], &|vars| {
            vars.insert("site", "Site")
        })
    }

    fn of(fill: &dyn Fn(&mut PageVars)) -> PageFingerprint {
        PageFingerprint::of(&version(), "page.html", "a/index.html", &|vars| {
            fill(vars);
            Ok(())
        })
        .unwrap()
    }

    #[derive(Serialize)]
    struct Card {
        title: String,
        tags: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        extra: Option<String>,
    }

    fn card(title: &str, tags: &[&str], note: Option<&str>, extra: Option<&str>) -> Card {
        Card {
            title: title.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            note: note.map(Into::into),
            extra: extra.map(Into::into),
        }
    }

    #[test]
    fn the_same_variables_give_the_same_fingerprint() {
        let fill = |vars: &mut PageVars| vars.insert("card", &card("A", &["x"], None, None));
        assert_eq!(of(&fill), of(&fill));
    }

    #[test]
    fn any_change_a_template_could_see_changes_the_fingerprint() {
        let base = of(&|v| v.insert("card", &card("A", &["x", "y"], None, None)));
        let variants: Vec<(&str, PageFingerprint)> = vec![
            (
                "title",
                of(&|v| v.insert("card", &card("B", &["x", "y"], None, None))),
            ),
            (
                "tag split",
                of(&|v| v.insert("card", &card("A", &["xy"], None, None))),
            ),
            (
                "tag order",
                of(&|v| v.insert("card", &card("A", &["y", "x"], None, None))),
            ),
            (
                "one skipped field",
                of(&|v| v.insert("card", &card("A", &["x", "y"], Some("n"), None))),
            ),
            (
                "the other",
                of(&|v| v.insert("card", &card("A", &["x", "y"], None, Some("n")))),
            ),
            (
                "name",
                of(&|v| v.insert("item", &card("A", &["x", "y"], None, None))),
            ),
            (
                "one more variable",
                of(&|v| {
                    v.insert("card", &card("A", &["x", "y"], None, None));
                    v.insert("more", &true);
                }),
            ),
        ];
        for (what, fp) in &variants {
            assert_ne!(*fp, base, "{what}");
        }
        let other_page = PageFingerprint::of(&version(), "page.html", "b/index.html", &|v| {
            v.insert("card", &card("A", &["x", "y"], None, None));
            Ok(())
        });
        assert_ne!(other_page, Some(base));
        let other_globals = RenderVersion::new(&[b"code", b"templates"], &|vars| {
            vars.insert("site", "Other")
        });
        let with_other_globals =
            PageFingerprint::of(&other_globals, "page.html", "a/index.html", &|v| {
                v.insert("card", &card("A", &["x", "y"], None, None));
                Ok(())
            });
        assert_ne!(with_other_globals, Some(base));
    }

    #[test]
    fn floats_stay_apart_from_null_and_each_other() {
        let values = [
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(0.0),
            Some(-0.0),
            None,
        ];
        let fps: Vec<PageFingerprint> = values.iter().map(|x| of(&|v| v.insert("x", x))).collect();
        for (i, a) in fps.iter().enumerate() {
            for b in &fps[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn a_map_is_its_entries_in_any_order_but_not_fewer_or_others() {
        let map = |pairs: &[(&str, &str)]| -> tera::Value {
            let m: BTreeMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            tera::Value::from_serializable(&m)
        };
        let a = of(&|v| v.insert("m", &map(&[("a", "1"), ("b", "2")])));
        // tera's maps iterate in a random order: serialize the same map many times.
        for _ in 0..20 {
            assert_eq!(of(&|v| v.insert("m", &map(&[("b", "2"), ("a", "1")]))), a);
        }
        assert_ne!(of(&|v| v.insert("m", &map(&[("a", "1")]))), a);
        assert_ne!(of(&|v| v.insert("m", &map(&[("a", "12"), ("b", "")]))), a);
        assert_ne!(of(&|v| v.insert("m", &map(&[("a", "2"), ("b", "1")]))), a);
    }

    #[test]
    fn an_addressed_value_is_whole_for_templates_and_its_address_for_fingerprints() {
        let a = card("A", &["x"], None, None);
        let b = card("B", &["x"], None, None);
        let (address_a, address_b) = (
            ContentAddress::of(&a).unwrap(),
            ContentAddress::of(&b).unwrap(),
        );
        let addressed = |value, address| Addressed {
            value,
            address: Some(address),
        };
        assert_eq!(
            tera::Value::from_serializable(&addressed(&a, &address_a)),
            tera::Value::from_serializable(&a)
        );
        let fp_a = of(&|v| v.insert("cards", &[addressed(&a, &address_a)]));
        assert_eq!(
            fp_a,
            of(&|v| v.insert("cards", &[addressed(&a, &address_a)]))
        );
        assert_ne!(
            fp_a,
            of(&|v| v.insert("cards", &[addressed(&b, &address_b)]))
        );
    }
}
