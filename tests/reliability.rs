//! Kill-safe output and determinism, with the real binary.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// Polls `done` every few milliseconds for up to two minutes.
fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(120) {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    false
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // The spare is the previous site, kept on purpose (see output.rs).
        .filter(|n| n.starts_with(".public.") && n != ".public.spare")
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

    // Kill points spread over the whole build: some while it parses, most
    // at growing delays after it has started writing its staging directory.
    let mut killed_while_writing = 0;
    for step in 0..9u32 {
        let mut child = Command::new(BIN)
            .args(["build", "--quiet", "--root"])
            .arg(f.root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if step % 3 == 0 {
            std::thread::sleep(full.mul_f64(0.1 * f64::from(step + 1) / 3.0));
        } else {
            let writing =
                wait_for(|| !leftovers(f.root()).is_empty() || child.try_wait().unwrap().is_some());
            assert!(writing, "the build neither started writing nor finished");
            std::thread::sleep(Duration::from_millis(25 * u64::from(step)));
        }
        let still_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if still_running && !leftovers(f.root()).is_empty() {
            killed_while_writing += 1;
        }
        assert!(tree(&out) == before, "the site changed after kill {step}");
    }
    assert!(
        killed_while_writing >= 3,
        "only {killed_while_writing} kills landed while the build was writing"
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
