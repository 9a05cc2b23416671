//! The command line around a build: timings, progress output off a
//! terminal, and exit codes.

mod common;

use std::process::Command;

use common::*;

fn run(args: &[&str], ci: bool) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    cmd.args(args);
    if ci {
        cmd.env("CI", "true");
    } else {
        cmd.env_remove("CI");
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn timings_list_every_stage_and_template() {
    let f = Fixture::seeds(SITE_YAML);
    let root = f.root().to_str().unwrap();
    let (code, stdout, stderr) = run(&["build", "--root", root, "--timings"], false);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("built 22 articles"), "{stdout}");
    for stage in [
        "config",
        "discover",
        "ingest",
        "curate",
        "render articles",
        "render listings",
        "static files",
        "publish",
        "total",
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(stage) && l.ends_with(" ms")),
            "no time for {stage}:\n{stderr}"
        );
    }
    let article = stderr
        .lines()
        .find(|l| l.ends_with("  article.html"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let renders: Vec<&str> = article.split_whitespace().collect();
    assert_eq!(renders[renders.len() - 2], "22", "{article}");
    // Timings never reach the site: two builds stay byte-identical.
    let first = tree(&f.public());
    run(&["build", "--root", root], false);
    assert_eq!(tree(&f.public()), first);
}

#[test]
fn off_a_terminal_only_the_summary_is_printed() {
    let f = Fixture::seeds(SITE_YAML);
    let root = f.root().to_str().unwrap();
    for ci in [false, true] {
        let (code, stdout, stderr) = run(&["build", "--root", root], ci);
        assert_eq!(code, 0);
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        // No progress bar redraws in a log.
        assert!(
            !stderr.contains('\r') && !stderr.contains('\u{1b}'),
            "{stderr:?}"
        );
    }
}

#[test]
fn exit_codes_follow_the_readme() {
    let f = Fixture::seeds(SITE_YAML);
    let root = f.root().to_str().unwrap();
    assert_eq!(run(&["build", "--root", root], false).0, 0);
    std::fs::write(f.root().join("content/site.yaml"), "title: [").unwrap();
    let (code, _, stderr) = run(&["build", "--root", root], false);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: in the site config") && stderr.contains("site.yaml"),
        "{stderr}"
    );
    assert_eq!(run(&["build", "--no-such-flag"], false).0, 2);
    assert_eq!(run(&["frobnicate"], false).0, 2);
}
