//! Kill-safe output and determinism, with the real binary.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_broadsheet");

/// A site of `feeds` snapshots with `items` articles each, with bodies long
/// enough that writing the site takes a while.
fn large_site(feeds: usize, items: usize) -> Fixture {
    let body = "&lt;h2&gt;Section&lt;/h2&gt;&lt;p&gt;Some words about systems, caches and queues.&lt;/p&gt;&lt;pre&gt;&lt;code&gt;let x = 1;&lt;/code&gt;&lt;/pre&gt;".repeat(20);
    let files: Vec<(String, Vec<u8>)> = (0..feeds)
        .map(|f| {
            let items: String = (0..items)
                .map(|i| {
                    format!(
                        "<item><title>Feed {f} article {i}</title><link>https://blog{f}.example/{i}</link>\
                         <pubDate>Mon, {:02} Feb 2026 {:02}:00:00 +0000</pubDate><category>topic{}</category>\
                         <dc:creator>Author {}</dc:creator><description>{body}</description></item>",
                        1 + i % 28,
                        i % 24,
                        i % 30,
                        f % 7
                    )
                })
                .collect();
            (format!("feed{f:03}.xml"), rss(&format!("Blog {f}"), &items))
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    Fixture::new(SITE_YAML, &refs)
}

fn run_build(root: &Path, output: &Path, threads: usize) {
    let status = Command::new(BIN)
        .args(["build", "--quiet", "--root"])
        .arg(root)
        .arg("--output")
        .arg(output)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public."))
        .collect()
}

#[test]
fn a_killed_build_leaves_the_previous_site_intact_and_the_next_build_cleans_up() {
    let f = large_site(20, 30);
    let out = f.public();
    let started = Instant::now();
    run_build(f.root(), &out, 2);
    let full = started.elapsed();
    let before = tree(&out);
    assert!(before.len() > 600, "{} files", before.len());

    // Kill points spread over the whole build, from parsing to the final swap.
    let mut killed_with_leftovers = 0;
    for step in 0..8u32 {
        let delay = full.mul_f64(0.05 + 0.12 * f64::from(step));
        let mut child = Command::new(BIN)
            .args(["build", "--quiet", "--root"])
            .arg(f.root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if !leftovers(f.root()).is_empty() {
            killed_with_leftovers += 1;
        }
        assert!(
            tree(&out) == before,
            "the site changed after a kill at {delay:?}"
        );
    }
    assert!(
        killed_with_leftovers > 0,
        "no kill landed while the build was writing; the test proves nothing"
    );

    run_build(f.root(), &out, 2);
    assert!(leftovers(f.root()).is_empty(), "{:?}", leftovers(f.root()));
    assert!(tree(&out) == before);
}

#[test]
fn output_is_byte_identical_across_threads_paths_and_runs() {
    let f = large_site(6, 30);
    let seeds = Fixture::seeds(SITE_YAML);
    for site in [&f, &seeds] {
        let outputs: Vec<_> = [(1, "one"), (4, "many"), (1, "again/one"), (3, "again/many")]
            .into_iter()
            .map(|(threads, dir)| {
                let out = site.root().join("out").join(dir);
                run_build(site.root(), &out, threads);
                tree(&out)
            })
            .collect();
        for other in &outputs[1..] {
            assert_eq!(
                outputs[0].keys().collect::<Vec<_>>(),
                other.keys().collect::<Vec<_>>()
            );
            for (path, bytes) in &outputs[0] {
                assert!(bytes == &other[path], "{path} differs");
            }
        }
    }
}

#[test]
fn no_output_file_holds_characters_illegal_in_xml() {
    let items = "<item><title>Bell\u{7} \u{1b}[1m vertical\u{b}tab \u{FFFE}</title><link>https://c.example/1</link>\
                 <dc:creator>Nul\u{1}l</dc:creator><category>ta\u{8}g</category>\
                 <description>&lt;p&gt;form\u{c}feed &amp;#1; &amp;#xFFFF; text&lt;/p&gt;</description></item>";
    let f = Fixture::new(SITE_YAML, &[("controls.xml", &rss("Controls\u{2}", items))]);
    f.build().unwrap();
    let pages = tree(&f.public());
    assert!(pages.len() > 8);
    for (path, bytes) in pages {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{path} is not UTF-8"));
        if let Some(c) = text.chars().find(|&c| !broadsheet::text::is_xml_char(c)) {
            panic!("{path} holds U+{:04X}", c as u32);
        }
    }
}
