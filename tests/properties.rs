//! Property tests for the functions that stand between a feed's strings and
//! the file system or a link: slugs, URL checks and canonicalization, and
//! the output sink's path check.

use std::collections::HashSet;

use broadsheet::output::checked_relative;
use broadsheet::slug::{assign_unique_slugs, is_safe_slug, slugify, MAX_SLUG_LEN};
use broadsheet::urls::{canonical_url, safe_http_url};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn slugs_are_safe_path_segments(name in any::<String>()) {
        let slug = slugify(&name);
        prop_assert!(slug.is_empty() || is_safe_slug(&slug), "{:?} -> {:?}", name, slug);
        prop_assert!(slug.len() <= MAX_SLUG_LEN);
        if !slug.is_empty() {
            let path = format!("articles/{}/index.html", slug);
            prop_assert!(checked_relative(&path).is_ok());
        }
    }

    #[test]
    fn slugify_is_idempotent(name in any::<String>()) {
        let slug = slugify(&name);
        prop_assert_eq!(slugify(&slug), slug);
    }

    #[test]
    fn unique_slugs_are_unique_safe_and_stable(names in prop::collection::vec("[a-zA-Z0-9 +#./-]{0,12}|\\PC{0,6}", 0..40)) {
        let slugs = assign_unique_slugs(names.iter().map(String::as_str), "untitled");
        prop_assert_eq!(slugs.len(), names.len());
        let unique: HashSet<&String> = slugs.iter().collect();
        prop_assert_eq!(unique.len(), slugs.len(), "{:?}", slugs);
        prop_assert!(slugs.iter().all(|s| is_safe_slug(s)), "{:?}", slugs);
        // The same names in the same order always give the same slugs.
        prop_assert_eq!(assign_unique_slugs(names.iter().map(String::as_str), "untitled"), slugs);
    }

    #[test]
    fn checked_urls_are_http_and_canonical_urls_are_stable(raw in "(https?|javascript|data|ftp|HTTP|JaVaScRiPt)?:?(//)?[a-zA-Z0-9.:@%/?#=&_~ -]{0,40}") {
        let base = url::Url::parse("https://blog.example/posts/").unwrap();
        for checked in [safe_http_url(&raw, None), safe_http_url(&raw, Some(&base))].into_iter().flatten() {
            prop_assert!(matches!(checked.scheme(), "http" | "https"), "{}", checked);
            let canonical = canonical_url(&checked);
            let reparsed = url::Url::parse(&canonical).unwrap();
            prop_assert_eq!(canonical_url(&reparsed), canonical.clone());
            prop_assert!(!canonical.contains('#') && !canonical.contains("utm_"));
        }
    }

    #[test]
    fn the_sink_accepts_exactly_the_paths_that_stay_inside(segments in prop::collection::vec("[a-z0-9.\\\\/-]{0,6}", 1..6)) {
        let rel = segments.join("/");
        let escapes = rel.is_empty()
            || rel.starts_with('/')
            || rel.starts_with("./")
            || rel == "."
            || rel.contains('\\')
            || rel.split('/').any(|s| s == "..");
        prop_assert_eq!(checked_relative(&rel).is_ok(), !escapes, "{:?}", rel);
        if let Ok(path) = checked_relative(&rel) {
            prop_assert!(path.components().all(|c| matches!(c, std::path::Component::Normal(_))));
        }
    }
}
