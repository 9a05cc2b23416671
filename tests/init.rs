//! `broadsheet init`: the scaffold builds at once and checks clean.

mod common;

use std::path::Path;
use std::process::Command;

use broadsheet::{BuildOptions, Progress};
use common::*;

#[test]
fn the_scaffold_builds_and_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("digest");
    let today = chrono::Utc::now();
    let files = broadsheet::init::init(&site, false, today).unwrap();
    assert!(files.contains(&"content/pages/about.md".to_string()));

    let about = std::fs::read_to_string(site.join("content/pages/about.md")).unwrap();
    let front_matter = about.split("---").nth(1).unwrap();
    for key in ["title: About", "description:", "weight:"] {
        assert!(front_matter.contains(key), "{front_matter}");
    }
    // The theme is a copy of the repository's default theme.
    assert_eq!(
        tree(&site.join("themes/default")),
        tree(&Path::new(REPO).join("themes/default"))
    );

    let opts = BuildOptions {
        root: site.clone(),
        ..BuildOptions::default()
    };
    let summary = broadsheet::build(&opts).unwrap();
    assert_eq!(summary.articles, 3);
    assert_eq!(summary.warnings, []);
    let page = |url: &str| {
        let path = site.join("public").join(url).join("index.html");
        scraper::Html::parse_document(&std::fs::read_to_string(path).unwrap())
    };
    let index = page("");
    assert_eq!(
        text_of(&select(&index, ".site-title")[0]),
        "My Engineering Digest"
    );
    assert_eq!(select(&index, ".card").len(), 3);
    // The example's k8s tag went through the scaffold's alias.
    assert!(site.join("public/tags/kubernetes/index.html").is_file());
    let article = page("articles/welcome-to-your-digest");
    assert_eq!(
        text_of(&select(&article, "h1")[0]),
        "Welcome to your digest"
    );

    // Fresh, so not stale; and nothing broken.
    let report = broadsheet::check(&opts, today, &Progress::hidden());
    assert_eq!(report.problems, [], "{}", report.to_text(true));
}

fn init_cmd(dir: &Path, force: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    cmd.arg("init").arg(dir);
    if force {
        cmd.arg("--force");
    }
    cmd.output().unwrap()
}

#[test]
fn a_non_empty_directory_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "mine").unwrap();
    let out = init_cmd(dir.path(), false);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not empty") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let out = init_cmd(dir.path(), true);
    assert_eq!(out.status.code(), Some(0));
    assert!(dir.path().join("content/site.yaml").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("README.md")).unwrap(),
        "mine"
    );

    // A new directory needs no --force.
    let out = init_cmd(&dir.path().join("new/site"), false);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("broadsheet serve"), "{stdout}");
}
