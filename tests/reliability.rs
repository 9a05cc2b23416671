//! Kill-safe output and determinism, with the real binary.

mod common;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
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

/// `broadsheet build` of the site at `root`, quietly.
fn build_command(root: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["build", "--quiet", "--root"])
        .arg(root)
        .stdout(Stdio::null());
    command
}

fn run_build(root: &Path, output: &Path, threads: usize, extra_args: &[&str]) {
    let status = build_command(root)
        .arg("--output")
        .arg(output)
        .args(extra_args)
        .env("RAYON_NUM_THREADS", threads.to_string())
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

/// Where the build with process id `pid` writes the site before the swap
/// (see output.rs).
fn staging_dir(root: &Path, pid: u32) -> PathBuf {
    root.join(format!(".public.staging-{pid}"))
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // The spare is the previous site, kept on purpose (see output.rs).
        .filter(|n| n.starts_with(".public.") && n != ".public.spare")
        .collect()
}

/// The default cache directory's ingest entries (see cache.rs).
fn cache_entries(root: &Path) -> PathBuf {
    root.join(".broadsheet-cache/ingest")
}

/// Cache entries being written when a build was killed (cache.rs writes an
/// entry as `.entry-*` and renames it when whole).
fn cache_temp_files(root: &Path) -> Vec<String> {
    std::fs::read_dir(cache_entries(root))
        .map(|dir| {
            dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".entry-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs a build of `root` to the end; returns how long after its start its
/// staging directory appeared, and how long it took.
fn timed_build(root: &Path) -> (Duration, Duration) {
    let started = Instant::now();
    let mut child = build_command(root).spawn().unwrap();
    let staging = staging_dir(root, child.id());
    let mut writing_after = None;
    let finished = wait_for(|| {
        if writing_after.is_none() && staging.exists() {
            writing_after = Some(started.elapsed());
        }
        child.try_wait().unwrap().is_some()
    });
    assert!(finished && child.wait().unwrap().success());
    (
        writing_after.expect("the build wrote no staging directory"),
        started.elapsed(),
    )
}

/// xorshift64: enough to spread kill points, and replayable from its seed.
struct Xorshift(u64);

impl Xorshift {
    fn new(seed: u64) -> Xorshift {
        // Zero is xorshift's one fixed point.
        Xorshift(seed | 1)
    }

    /// A fraction in [0, 1).
    fn fraction(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `BROADSHEET_KILL_SEED` replays the kill points of an earlier run; without
/// it each run draws a new seed.
fn kill_seed() -> u64 {
    match std::env::var("BROADSHEET_KILL_SEED") {
        Ok(seed) => seed
            .parse()
            .expect("BROADSHEET_KILL_SEED is a whole number"),
        Err(_) => RandomState::new().build_hasher().finish(),
    }
}

#[test]
fn a_killed_build_leaves_the_previous_site_intact_and_the_next_build_cleans_up() {
    let seed = kill_seed();
    println!("kill points from seed {seed}: BROADSHEET_KILL_SEED={seed} replays them");
    let mut random = Xorshift::new(seed);
    let f = large_site(20, 30);
    let out = f.public();
    let (_, cold) = timed_build(f.root());
    let (warm_writing_after, warm) = timed_build(f.root());
    let writing = warm - warm_writing_after;
    let before = tree(&out);
    assert!(before.len() > 600, "{} files", before.len());

    // Every third build starts from an empty cache and is killed at a random
    // point of the whole build, often while it parses and writes cache
    // entries; the others are killed at a random point after they started
    // writing their staging directory.
    let mut killed_while_writing = 0;
    let mut killed_while_caching = 0;
    // The window was timed once, maybe while other tests loaded the
    // machine: a build that outruns it halves it, and kills go on (up to
    // 30) until at least 9 were made and 3 landed while writing.
    let mut window = writing;
    let mut kills = 0;
    for step in 0..30 {
        if kills >= 9 && killed_while_writing >= 3 {
            break;
        }
        kills += 1;
        let from_scratch = step % 3 == 0;
        if from_scratch && cache_entries(f.root()).exists() {
            std::fs::remove_dir_all(cache_entries(f.root())).unwrap();
        }
        let mut child = build_command(f.root())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let staging = staging_dir(f.root(), child.id());
        if from_scratch {
            std::thread::sleep(cold.mul_f64(random.fraction()));
        } else {
            let started = wait_for(|| staging.exists() || child.try_wait().unwrap().is_some());
            assert!(started, "the build neither started writing nor finished");
            std::thread::sleep(window.mul_f64(random.fraction()));
        }
        let still_running = child.try_wait().unwrap().is_none();
        if !from_scratch && !still_running {
            window /= 2;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if still_running && staging.exists() {
            killed_while_writing += 1;
        }
        if !cache_temp_files(f.root()).is_empty() {
            killed_while_caching += 1;
        }
        assert!(tree(&out) == before, "the site changed after kill {step}");
    }
    println!(
        "{kills} kills: {killed_while_writing} while writing the site, {killed_while_caching} while writing a cache entry"
    );
    assert!(
        killed_while_writing >= 3,
        "only {killed_while_writing} kills landed while the build was writing"
    );

    // A kill rarely lands in the few microseconds an entry is written; this
    // is what one leaves, so that the clean-up of it is always checked.
    std::fs::create_dir_all(cache_entries(f.root())).unwrap();
    std::fs::write(cache_entries(f.root()).join(".entry-k1lled"), b"BSINGST1").unwrap();
    run_build(f.root(), &out, 2, &[]);
    assert!(leftovers(f.root()).is_empty(), "{:?}", leftovers(f.root()));
    assert!(
        cache_temp_files(f.root()).is_empty(),
        "{:?}",
        cache_temp_files(f.root())
    );
    assert!(tree(&out) == before);
}

#[test]
fn output_is_byte_identical_across_threads_paths_and_runs() {
    let f = large_site(6, 30);
    let seeds = Fixture::seeds(SITE_YAML);
    for site in [&f, &seeds] {
        // Without the cache every build parses and renders every snapshot
        // itself: a cached build would only repeat the first one's ingest.
        let outputs: Vec<_> = [(1, "one"), (4, "many"), (1, "again/one"), (3, "again/many")]
            .into_iter()
            .map(|(threads, dir)| {
                let out = site.root().join("out").join(dir);
                run_build(site.root(), &out, threads, &["--no-cache"]);
                tree(&out)
            })
            .collect();
        assert!(!site.root().join(".broadsheet-cache").exists());
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
