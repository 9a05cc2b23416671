//! Incremental builds: the ingest cache, the page records and the spare
//! site. Whatever the cache and the spare hold (stale, damaged, tampered
//! with), a build with them writes exactly the site a build without them
//! writes.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use broadsheet::progress::Progress;
use broadsheet::BuildOptions;
use common::*;

fn item(n: usize, title: &str) -> String {
    format!(
        "<item><title>{title}</title><link>https://blog{n}.example/post</link><guid>https://blog{n}.example/post</guid>\
         <pubDate>Fri, {day:02} May 2026 10:00:00 +0000</pubDate><category>k8s</category>\
         <description>&lt;h1&gt;Heading {n}&lt;/h1&gt;&lt;p&gt;Body of {title}.&lt;/p&gt;</description></item>",
        day = n + 1
    )
}

/// The seed snapshots and three small ones, so a change to one snapshot
/// leaves most of the site as it was.
fn site() -> Fixture {
    let f = Fixture::seeds(SITE_YAML);
    for n in 0..3 {
        write_feed(&f, n, &format!("Post {n}"));
    }
    f
}

fn write_feed(f: &Fixture, n: usize, title: &str) {
    let path = f.root().join(format!("content/feeds/blog{n}.xml"));
    // A new file, as an editor's tools write one.
    let _ = std::fs::remove_file(&path);
    std::fs::write(path, rss(&format!("Blog {n}"), &item(n, title))).unwrap();
}

fn options(f: &Fixture, output: &str, cache: Option<&Path>) -> BuildOptions {
    BuildOptions {
        output: Some(f.root().join(output)),
        cache_dir: cache.map(Path::to_path_buf),
        ..f.options()
    }
}

fn cache_dir(f: &Fixture) -> PathBuf {
    f.root().join("cache")
}

/// Builds the site as it is now without any cache into a fresh directory
/// and asserts `output` holds exactly the same files.
fn assert_same_as_cold(f: &Fixture, output: &str) {
    let cold = format!("cold-{output}");
    broadsheet::build(&options(f, &cold, None)).unwrap();
    let (warm, cold) = (tree(&f.root().join(output)), tree(&f.root().join(cold)));
    assert_eq!(
        warm.keys().collect::<Vec<_>>(),
        cold.keys().collect::<Vec<_>>(),
        "the incremental build has other files"
    );
    for (path, bytes) in &cold {
        assert!(
            bytes == &warm[path],
            "{path} differs from a build without the cache"
        );
    }
}

fn entries(f: &Fixture) -> Vec<PathBuf> {
    let mut list: Vec<_> = std::fs::read_dir(cache_dir(f).join("ingest"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    list.sort();
    list
}

#[test]
fn rebuilds_take_unchanged_snapshots_from_the_cache_and_equal_a_cold_build() {
    let f = site();
    let cache = cache_dir(&f);
    let opts = options(&f, "public", Some(&cache));
    let first = broadsheet::build(&opts).unwrap();
    assert_eq!(first.cached_snapshots, Some(0));
    assert_eq!(entries(&f).len(), 5);
    assert_same_as_cold(&f, "public");

    // One snapshot changes: the other four come from the cache, the first
    // build's site is kept as the spare for the next one.
    write_feed(&f, 1, "Post one, retitled");
    let second = broadsheet::build(&opts).unwrap();
    assert_eq!(second.cached_snapshots, Some(4));
    assert!(f.root().join(".public.spare").is_dir());
    assert_same_as_cold(&f, "public");
    let page = f
        .root()
        .join("public/articles/post-one-retitled/index.html");
    assert!(std::fs::read_to_string(page)
        .unwrap()
        .contains("Post one, retitled"));

    // A third build stages the spare (the first site) and must undo all of
    // it that changed: the retitled article's old page goes.
    write_feed(&f, 2, "Post two, retitled");
    let third = broadsheet::build(&opts).unwrap();
    assert_eq!(third.cached_snapshots, Some(4));
    assert_same_as_cold(&f, "public");
    assert!(!f.root().join("public/articles/post-1").exists());
    assert!(!f.root().join("public/articles/post-2").exists());

    // Entries of the replaced snapshots were pruned: one per snapshot.
    assert_eq!(entries(&f).len(), 5);
}

/// Builds with `opts`; how many pages of each template were rendered (as
/// `--timings` reports them), and how many articles the site has.
fn build_counting_renders(opts: &BuildOptions) -> (BTreeMap<String, usize>, usize) {
    let progress = Progress::new(false, true);
    let summary = broadsheet::build::build_with_progress(opts, &progress).unwrap();
    let report = progress.timings_report().unwrap();
    let renders = report
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (template, count) = (words.last()?, words.get(words.len().checked_sub(2)?)?);
            Some((template.to_string(), count.parse().ok()?))
        })
        .collect();
    (renders, summary.articles)
}

#[test]
fn a_rebuild_renders_only_the_pages_whose_inputs_changed() {
    let f = site();
    let opts = options(&f, "public", Some(&cache_dir(&f)));
    let (first, articles) = build_counting_renders(&opts);
    assert_eq!(first["article.html"], articles);

    // Nothing changed: nothing is rendered, the site stays the same.
    let (unchanged, _) = build_counting_renders(&opts);
    assert!(unchanged.is_empty(), "{unchanged:?}");
    assert_same_as_cold(&f, "public");

    // One article retitled: its page, and the listings that show it.
    write_feed(&f, 1, "Post one, retitled");
    let (second, _) = build_counting_renders(&opts);
    assert_eq!(second["article.html"], 1, "{second:?}");
    let total = |renders: &BTreeMap<String, usize>| renders.values().sum::<usize>();
    assert!(
        total(&second) * 3 < total(&first),
        "{second:?} of {first:?}"
    );
    assert_same_as_cold(&f, "public");

    // The next build stages in the spare, the site of two builds ago,
    // which lacks the first retitled page: that one is rendered again,
    // beside the newly retitled one.
    write_feed(&f, 2, "Post two, retitled");
    let (third, _) = build_counting_renders(&opts);
    assert_eq!(third["article.html"], 2, "{third:?}");
    assert_same_as_cold(&f, "public");
}

#[test]
fn a_body_changed_past_its_summary_is_rendered_again() {
    // Two articles in one snapshot, 60 words each: the last word of the
    // second changes, which leaves its title, summary, word count and
    // table of contents (all the card shows) as they were.
    let f = site();
    let path = f.root().join("content/feeds/long.xml");
    let words = |last: &str| format!("{} {last}", "word ".repeat(59));
    let write = |last: &str| {
        let items: String = [("a", words("first")), ("b", words(last))]
            .iter()
            .map(|(slug, body)| {
                format!(
                    "<item><title>Long {slug}</title><link>https://long.example/{slug}</link>\
                     <pubDate>Fri, 01 May 2026 10:00:00 +0000</pubDate><description>&lt;p&gt;{body}&lt;/p&gt;</description></item>"
                )
            })
            .collect();
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, rss("Long", &items)).unwrap();
    };
    write("alpha");
    let opts = options(&f, "public", Some(&cache_dir(&f)));
    build_counting_renders(&opts);

    write("omega");
    let (renders, _) = build_counting_renders(&opts);
    let page = std::fs::read_to_string(f.root().join("public/articles/long-b/index.html")).unwrap();
    assert!(page.contains("omega") && !page.contains("alpha"), "{page}");
    // Both articles of the snapshot: a body is known by its snapshot.
    assert_eq!(renders.get("article.html"), Some(&2), "{renders:?}");
    assert_same_as_cold(&f, "public");
}

#[test]
fn an_editors_note_renders_its_article_page_again() {
    // A note changes the article's card, not its snapshot: the body and
    // the page's path stay, so only the card can tell the page changed.
    let f = site();
    let opts = options(&f, "public", Some(&cache_dir(&f)));
    build_counting_renders(&opts);
    std::fs::write(
        f.root().join("content/site.yaml"),
        format!(
            "{SITE_YAML}curation:\n  notes:\n    - article: https://blog1.example/post\n      note: Read the *second* half twice.\n"
        ),
    )
    .unwrap();
    let (renders, _) = build_counting_renders(&opts);
    assert_eq!(renders["article.html"], 1, "{renders:?}");
    assert!(
        std::fs::read_to_string(f.root().join("public/articles/post-1/index.html"))
            .unwrap()
            .contains("Read the <em>second</em> half twice.")
    );
    assert_same_as_cold(&f, "public");
}

#[test]
fn a_template_or_a_site_setting_renders_every_page_again() {
    let f = site();
    let opts = options(&f, "public", Some(&cache_dir(&f)));
    let (_, articles) = build_counting_renders(&opts);
    build_counting_renders(&opts);

    // Every page extends base.html: a site copy of it with one more line.
    let base = std::fs::read_to_string(Path::new(REPO).join("themes/default/templates/base.html"))
        .unwrap()
        .replace("<body", "<!-- site base -->\n<body");
    std::fs::create_dir_all(f.root().join("templates")).unwrap();
    std::fs::write(f.root().join("templates/base.html"), base).unwrap();
    let (renders, _) = build_counting_renders(&opts);
    assert_eq!(renders["article.html"], articles);
    assert_same_as_cold(&f, "public");
    assert!(
        std::fs::read_to_string(f.root().join("public/articles/post-1/index.html"))
            .unwrap()
            .contains("<!-- site base -->")
    );

    // The site's title is on every page.
    std::fs::write(
        f.root().join("content/site.yaml"),
        SITE_YAML.replace("Test Digest", "Retitled Digest"),
    )
    .unwrap();
    let (renders, _) = build_counting_renders(&opts);
    assert_eq!(renders["article.html"], articles);
    assert_same_as_cold(&f, "public");
}

#[test]
fn a_page_changed_in_place_is_rendered_again() {
    use std::io::{Seek, SeekFrom, Write};
    let f = site();
    let opts = options(&f, "public", Some(&cache_dir(&f)));
    broadsheet::build(&opts).unwrap();
    // The second build links the unchanged pages: the site and the spare
    // share their files.
    broadsheet::build(&opts).unwrap();
    // Change times tick every few milliseconds (see src/page_manifest.rs).
    std::thread::sleep(std::time::Duration::from_millis(50));
    let page = f.root().join("public/articles/post-1/index.html");
    let size = std::fs::metadata(&page).unwrap().len();
    let mut file = std::fs::OpenOptions::new().write(true).open(&page).unwrap();
    file.seek(SeekFrom::Start(size / 2)).unwrap();
    file.write_all(b"#").unwrap();
    drop(file);
    assert_eq!(std::fs::metadata(&page).unwrap().len(), size);

    broadsheet::build(&opts).unwrap();
    assert_same_as_cold(&f, "public");
    broadsheet::build(&opts).unwrap();
    assert_same_as_cold(&f, "public");
}

#[test]
fn a_setting_ingest_reads_makes_every_entry_stale() {
    let f = site();
    let cache = cache_dir(&f);
    let opts = options(&f, "public", Some(&cache));
    broadsheet::build(&opts).unwrap();
    assert!(f.root().join("public/tags/k8s").is_dir());

    std::fs::write(
        f.root().join("content/site.yaml"),
        format!("{SITE_YAML}curation:\n  tag_aliases:\n    k8s: kubernetes\n"),
    )
    .unwrap();
    let summary = broadsheet::build(&opts).unwrap();
    assert_eq!(summary.cached_snapshots, Some(0));
    assert!(f.root().join("public/tags/kubernetes").is_dir());
    assert!(!f.root().join("public/tags/k8s").exists());
    assert_same_as_cold(&f, "public");

    // A setting ingest does not read (the title) keeps the entries.
    std::fs::write(
        f.root().join("content/site.yaml"),
        format!("{SITE_YAML}curation:\n  tag_aliases:\n    k8s: kubernetes\n")
            .replace("Test Digest", "Renamed Digest"),
    )
    .unwrap();
    let summary = broadsheet::build(&opts).unwrap();
    assert_eq!(summary.cached_snapshots, Some(5));
    assert_same_as_cold(&f, "public");
}

#[test]
fn damaged_entries_are_ingested_again() {
    let f = site();
    let cache = cache_dir(&f);
    let opts = options(&f, "public", Some(&cache));
    broadsheet::build(&opts).unwrap();
    let list = entries(&f);
    // Cut short, emptied, and garbage of the right shape.
    let bytes = std::fs::read(&list[0]).unwrap();
    std::fs::write(&list[0], &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(&list[1], b"").unwrap();
    let mut garbage = std::fs::read(&list[2]).unwrap();
    let middle = garbage.len() / 3;
    garbage[24..middle].fill(b'x');
    std::fs::write(&list[2], garbage).unwrap();
    // Leftovers of a killed build.
    std::fs::write(cache.join("ingest/.entry-killed"), b"half").unwrap();

    let summary = broadsheet::build(&opts).unwrap();
    assert_eq!(summary.cached_snapshots, Some(2));
    assert_same_as_cold(&f, "public");
    assert!(!cache.join("ingest/.entry-killed").exists());
    let summary = broadsheet::build(&opts).unwrap();
    assert_eq!(
        summary.cached_snapshots,
        Some(5),
        "the entries were rewritten"
    );
}

#[test]
fn a_tampered_spare_is_cleaned_and_never_leads_a_write_outside_the_output() {
    let f = site();
    let cache = cache_dir(&f);
    let opts = options(&f, "public", Some(&cache));
    broadsheet::build(&opts).unwrap();
    broadsheet::build(&opts).unwrap();
    let spare = f.root().join(".public.spare");
    assert!(spare.is_dir());

    // Links out of the spare where the site writes, a stale page, a file
    // where a directory must be and a directory where a file must be.
    // The links lead to copies of the very pages the build writes there,
    // so a build that followed them would find them up to date and publish
    // the links.
    let outside = f.root().join("outside");
    std::fs::rename(spare.join("tags"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, spare.join("tags")).unwrap();
    std::fs::rename(spare.join("atom.xml"), outside.join("atom.xml")).unwrap();
    std::os::unix::fs::symlink(outside.join("atom.xml"), spare.join("atom.xml")).unwrap();
    let outside_before = tree(&outside);
    std::fs::create_dir_all(spare.join("stale/page")).unwrap();
    std::fs::write(spare.join("stale/page/index.html"), "stale").unwrap();
    std::fs::remove_dir_all(spare.join("authors")).unwrap();
    std::fs::write(spare.join("authors"), "a file").unwrap();
    std::fs::remove_file(spare.join("index.html")).unwrap();
    std::fs::create_dir(spare.join("index.html")).unwrap();

    broadsheet::build(&opts).unwrap();
    assert_eq!(
        tree(&outside),
        outside_before,
        "a write went through a link"
    );
    assert!(!f.root().join("public/stale").exists());
    for entry in walkdir::WalkDir::new(f.root().join("public")) {
        let entry = entry.unwrap();
        assert!(
            !entry.path_is_symlink(),
            "the site publishes a link: {}",
            entry.path().display()
        );
    }
    assert_same_as_cold(&f, "public");
}

#[test]
fn a_failed_build_staged_in_the_spare_leaves_the_live_site_untouched() {
    let f = site();
    // A build without the cache, then one with it: the second hard-links
    // its unchanged pages to the first's, and keeps the first as the spare,
    // so the spare and the live site share files.
    broadsheet::build(&options(&f, "public", None)).unwrap();
    let cache = cache_dir(&f);
    let opts = options(&f, "public", Some(&cache));
    broadsheet::build(&opts).unwrap();
    assert!(f.root().join(".public.spare").is_dir());
    let live = tree(&f.root().join("public"));

    // Every article page changes, then a later template fails.
    let yaml = f.root().join("content/site.yaml");
    let changed = std::fs::read_to_string(&yaml)
        .unwrap()
        .replace("title: Test Digest", "title: Changed Digest");
    std::fs::write(&yaml, changed).unwrap();
    std::fs::write(
        f.root().join("themes/default/templates/tag.html"),
        "{% extends \"base.html\" %}{% block content %}{{ no_such_variable.name }}{% endblock content %}",
    )
    .unwrap();
    assert!(broadsheet::build(&opts).is_err());
    let after = tree(&f.root().join("public"));
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        live.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &live {
        assert!(
            bytes == &after[path],
            "the failed build changed the live {path}"
        );
    }
}

#[test]
fn builds_without_the_cache_keep_no_spare() {
    let f = site();
    let opts = options(&f, "public", None);
    broadsheet::build(&opts).unwrap();
    broadsheet::build(&opts).unwrap();
    let siblings: Vec<_> = std::fs::read_dir(f.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public"))
        .collect();
    assert!(siblings.is_empty(), "{siblings:?}");
    assert!(!cache_dir(&f).exists());
}

#[test]
fn a_cache_inside_the_output_is_refused() {
    let f = site();
    let cache = f.public().join("cache");
    let error = broadsheet::build(&options(&f, "public", Some(&cache))).unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("inside the output directory"), "{message}");
    assert!(!f.public().exists(), "a site was written");
}

#[test]
fn records_that_cannot_be_written_fail_the_build_after_publishing_and_say_so() {
    let f = site();
    let cache = cache_dir(&f);
    let opts = options(&f, "public", Some(&cache));
    broadsheet::build(&opts).unwrap();
    let last = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "last"))
        .expect("the first build keeps page records");
    // Where the next records are written first: a directory now.
    std::fs::create_dir(last.with_extension("new")).unwrap();

    write_feed(&f, 1, "Post one, retitled");
    let err = format!("{:#}", broadsheet::build(&opts).unwrap_err());
    assert!(
        err.contains("the site was published") && err.contains("render every page"),
        "{err}"
    );
    assert_same_as_cold(&f, "public");

    // The next build renders what it cannot prove unchanged and succeeds
    // once the way is clear.
    std::fs::remove_dir(last.with_extension("new")).unwrap();
    write_feed(&f, 2, "Post two, retitled");
    broadsheet::build(&opts).unwrap();
    assert_same_as_cold(&f, "public");
}
