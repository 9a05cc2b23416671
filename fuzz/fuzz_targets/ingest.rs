//! Bytes to articles: parse a snapshot and carry every entry through
//! normalize, sanitize, re-render and the body spool, as a build does.
#![no_main]

use std::sync::OnceLock;

use broadsheet::bodies::BodyStore;
use broadsheet::config::Config;
use libfuzzer_sys::fuzz_target;

fn setup() -> &'static (Config, BodyStore) {
    static SETUP: OnceLock<(Config, BodyStore)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let config = Config::parse("title: Fuzz\nbase_url: https://fuzz.example/\n").unwrap();
        (config, BodyStore::new().unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let (config, bodies) = setup();
    if let Ok(source) = broadsheet::load::ingest_snapshot_bytes(data, "fuzz.xml", config, bodies) {
        for a in &source.articles {
            assert!(a.link.as_deref().is_none_or(|l| l.starts_with("http://") || l.starts_with("https://")));
            assert!(!a.title.chars().any(|c| c.is_control()));
            let body = bodies.get(a.body).unwrap();
            assert!(!body.to_ascii_lowercase().contains("<script"), "{body}");
        }
    }
});
