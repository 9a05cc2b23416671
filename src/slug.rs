//! Slugs: the one place that turns untrusted names into path segments.
//!
//! A slug is 1 to [`MAX_SLUG_LEN`] characters of `[a-z0-9-]`, never starting
//! or ending with `-`, so it can never name `.`, `..`, an absolute path or a
//! hidden file, whatever a feed says.

use std::collections::{BTreeMap, HashSet};

pub const MAX_SLUG_LEN: usize = 80;

/// Lower-case ASCII slug of `s`; empty when `s` has no letters or digits.
/// Non-Latin scripts are transliterated (`日本語` -> `ri-ben-yu`), and `+`
/// and `#` are spelled out so `c++` and `c#` stay apart.
pub fn slugify(s: &str) -> String {
    let spelled = s.replace('+', " plus ").replace('#', " sharp ");
    let ascii = deunicode::deunicode(&spelled);
    let mut out = String::with_capacity(ascii.len().min(MAX_SLUG_LEN));
    let mut dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            let sep = dash && !out.is_empty();
            if out.len() + usize::from(sep) + 1 > MAX_SLUG_LEN {
                break;
            }
            if sep {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// Gives every key a unique slug. Keys are processed in the order given, so
/// the first one keeps the bare slug and later ones get `-2`, `-3`, ...;
/// callers pass a stable order (oldest first for articles) so existing URLs
/// do not move when new items arrive. `fallback` names items whose name has
/// no letters or digits.
pub fn assign_unique_slugs<'a>(
    names: impl IntoIterator<Item = &'a str>,
    fallback: &str,
) -> Vec<String> {
    let mut used = HashSet::new();
    let mut next_suffix: BTreeMap<String, usize> = BTreeMap::new();
    names
        .into_iter()
        .map(|name| {
            let base = match slugify(name) {
                s if s.is_empty() => fallback.to_string(),
                s => s,
            };
            let mut candidate = base.clone();
            while !used.insert(candidate.clone()) {
                let n = next_suffix.entry(base.clone()).or_insert(1);
                *n += 1;
                candidate = format!("{base}-{n}");
            }
            candidate
        })
        .collect()
}

/// Whether `s` is a slug this module could have made.
pub fn is_safe_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG_LEN + 12
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_ascii() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("  Kubernetes  "), "kubernetes");
        assert_eq!(slugify("c++"), "c-plus-plus");
        assert_eq!(slugify("C#"), "c-sharp");
        assert_eq!(slugify("日本語"), "ri-ben-yu");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify(""), "");
        assert_eq!(slugify("..."), "");
    }

    #[test]
    fn long_names_are_capped() {
        let s = slugify(&"word ".repeat(100));
        assert!(s.len() <= MAX_SLUG_LEN && is_safe_slug(&s), "{s}");
    }

    #[test]
    fn collisions_get_deterministic_suffixes() {
        let slugs = assign_unique_slugs(["Rust", "rust", "RUST!", "", "rust-2", "..."], "untitled");
        assert_eq!(
            slugs,
            [
                "rust",
                "rust-2",
                "rust-3",
                "untitled",
                "rust-2-2",
                "untitled-2"
            ]
        );
        assert!(slugs.iter().all(|s| is_safe_slug(s)));
    }
}
