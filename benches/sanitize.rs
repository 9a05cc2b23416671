//! Throughput of the body pipeline (sanitize, then re-render the sanitized
//! tree) on the real seed bodies in `content/feeds/`, in bytes of feed HTML
//! per second. "sanitize" is ammonia alone, parsing and writing out, as the
//! benchmark kit's floor runs it.

use std::path::Path;

use broadsheet::ingest::parse_snapshot;
use broadsheet::rerender::{rerender, sanitize_and_rerender, RerenderOptions};
use broadsheet::sanitize::{sanitize_article, sanitize_document, LinkBase};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use url::Url;

/// Every seed entry's body with the URL its relative links resolve against.
fn seed_bodies() -> Vec<(String, Option<Url>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/feeds");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("reading content/feeds")
        .map(|e| e.expect("listing content/feeds").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| {
            let bytes = std::fs::read(path).expect("reading a seed snapshot");
            parse_snapshot(&bytes)
                .expect("parsing a seed snapshot")
                .entries
        })
        .map(|e| {
            let base = e.links.first().and_then(|l| Url::parse(l).ok());
            (e.body, base)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let bodies = seed_bodies();
    assert_eq!(bodies.len(), 22, "the seed snapshots hold 22 entries");
    let total: usize = bodies.iter().map(|(b, _)| b.len()).sum();
    let opts = RerenderOptions {
        external_link_rel: "noopener noreferrer".into(),
        site_host: Some("digest.example".into()),
        keep_text: false,
        limits: Default::default(),
    };
    let mut group = c.benchmark_group("seed bodies");
    group.throughput(Throughput::Bytes(total as u64));
    // What ../shared/bench/floor does per body: ammonia's default policy,
    // serialized. The gap to `sanitize` is what our policy costs.
    let floor = ammonia::Builder::default();
    group.bench_function("floor: ammonia default policy", |b| {
        b.iter(|| {
            for (html, _) in &bodies {
                std::hint::black_box(floor.clean(html).to_string());
            }
        })
    });
    group.bench_function("sanitize", |b| {
        b.iter(|| {
            for (html, base) in &bodies {
                std::hint::black_box(sanitize_article(html, base.as_ref().map(LinkBase::feed)));
            }
        })
    });
    let documents: Vec<_> = bodies
        .iter()
        .map(|(html, base)| {
            (
                sanitize_document(html, base.as_ref().map(LinkBase::feed)),
                html.len(),
            )
        })
        .collect();
    group.bench_function("rerender", |b| {
        b.iter(|| {
            for (doc, size_hint) in &documents {
                std::hint::black_box(rerender(doc, *size_hint, &opts));
            }
        })
    });
    group.bench_function("sanitize + rerender", |b| {
        b.iter(|| {
            for (html, base) in &bodies {
                std::hint::black_box(sanitize_and_rerender(
                    html,
                    base.as_ref().map(LinkBase::feed),
                    &opts,
                ));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
