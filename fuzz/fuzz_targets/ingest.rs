//! Bytes to articles: parse a snapshot and carry every entry through
//! normalize, sanitize, re-render and the body spool, as a build does.
#![no_main]

use std::sync::OnceLock;

use broadsheet::bodies::BodyStore;
use broadsheet::config::Config;
use libfuzzer_sys::fuzz_target;

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        // Panics the ingest stage catches (inside feed-rs, say) are handled
        // input, as in a build; every other panic still aborts for libFuzzer.
        // With BROADSHEET_FUZZ_ABORT_ON_CAUGHT_PANIC=1 libFuzzer's own hook
        // stays, so a caught panic aborts too and each new kind can be found
        // and triaged (see fuzz/seed.sh).
        if std::env::var_os("BROADSHEET_FUZZ_ABORT_ON_CAUGHT_PANIC").is_none_or(|v| v != "1") {
            broadsheet::ingest::install_panic_hook();
        }
        Config::parse("title: Fuzz\nbase_url: https://fuzz.example/\n").unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    // A fresh spool per input: one shared spool would grow for the whole run.
    let bodies = BodyStore::new().unwrap();
    if let Ok(source) = broadsheet::load::ingest_snapshot_bytes(data, "fuzz.xml", config(), &bodies) {
        for a in &source.articles {
            assert!(a.link.as_deref().is_none_or(|l| l.starts_with("http://") || l.starts_with("https://")));
            assert!(!a.title.chars().any(|c| c.is_control()));
            let body = bodies.get(a.body).unwrap();
            assert!(!body.to_ascii_lowercase().contains("<script"), "{body}");
        }
    }
});
