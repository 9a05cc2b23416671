//! Names and URLs from feeds: slugs stay safe path segments, checked URLs are
//! http(s), canonical URLs are stable, and no slug-made path leaves the output.
#![no_main]

use broadsheet::slug::{assign_unique_slugs, is_safe_slug, slugify};
use broadsheet::urls::{canonical_url, safe_http_url};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let slug = slugify(&text);
    assert!(slug.is_empty() || is_safe_slug(&slug), "{slug:?}");
    let names: Vec<&str> = text.split('\n').collect();
    let slugs = assign_unique_slugs(names.iter().copied(), "untitled");
    let mut seen = std::collections::HashSet::new();
    for s in &slugs {
        assert!(is_safe_slug(s), "{s:?}");
        assert!(seen.insert(s), "duplicate slug {s:?}");
        assert!(broadsheet::output::checked_relative(&format!("tags/{s}/index.html")).is_ok());
    }
    let base = url::Url::parse("https://fuzz.example/a/b/").unwrap();
    for candidate in [safe_http_url(&text, None), safe_http_url(&text, Some(&base))].into_iter().flatten() {
        assert!(matches!(candidate.scheme(), "http" | "https"));
        let canonical = canonical_url(&candidate);
        let again = url::Url::parse(&canonical).map(|u| canonical_url(&u));
        assert_eq!(again.as_deref().ok(), Some(canonical.as_str()), "canonical_url is not idempotent");
    }
});
