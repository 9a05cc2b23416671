//! The build's stages one at a time, on the example digest in `content/`:
//! ingest (parse, normalize, sanitize, re-render) of each seed snapshot, a
//! whole load, and rendering every page of the loaded site (into a sink
//! that writes nothing, so the disk is not measured). The whole build,
//! writing included, is measured by `benches/whole_build.py`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use broadsheet::bodies::BodyStore;
use broadsheet::build::write_site;
use broadsheet::config::Config;
use broadsheet::load::ingest_snapshot_bytes;
use broadsheet::output::{OutputSink, SiteVisitor};
use broadsheet::{load_site, BuildOptions, Progress};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

struct Discard;

impl SiteVisitor for Discard {
    fn visit(&self, _path: &str, bytes: &[u8]) -> Result<()> {
        std::hint::black_box(bytes);
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("content/site.yaml")).expect("the example's site.yaml");
    let mut feeds: Vec<_> = std::fs::read_dir(root.join("content/feeds"))
        .expect("reading content/feeds")
        .map(|e| e.expect("listing content/feeds").path())
        .collect();
    feeds.sort();

    let mut group = c.benchmark_group("ingest");
    for path in &feeds {
        let bytes = std::fs::read(path).expect("reading a seed snapshot");
        let key = path.file_name().unwrap().to_string_lossy().into_owned();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(key.as_str(), |b| {
            b.iter(|| {
                let bodies = BodyStore::new().unwrap();
                ingest_snapshot_bytes(&bytes, &key, &config, &bodies).unwrap()
            })
        });
    }
    group.finish();

    let opts = BuildOptions {
        root: root.to_path_buf(),
        ..BuildOptions::default()
    };
    let mut group = c.benchmark_group("example digest");
    group.sample_size(20);
    group.bench_function("load", |b| b.iter(|| load_site(&opts).unwrap()));
    let loaded = load_site(&opts).expect("loading the example digest");
    group.bench_function("render every page", |b| {
        b.iter(|| {
            let sink = OutputSink::visiting(Arc::new(Discard));
            write_site(&loaded, &sink, &Progress::hidden()).unwrap();
            sink.files_written()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
