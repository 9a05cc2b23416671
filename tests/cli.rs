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
        "pages",
        "render articles",
        "render listings",
        "feeds, sitemap, search",
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

/// Publishing replaces the output directory whole: an output that is the
/// site, holds it, or lies in or around its sources or cache is refused
/// before anything is touched.
#[test]
fn an_output_over_the_sites_sources_is_refused_and_nothing_is_deleted() {
    let f = Fixture::seeds(SITE_YAML);
    // The site lives one level down, so that an output holding it stays
    // inside the fixture's temporary directory.
    let outer = f.root().join("outer");
    let root = outer.join("site");
    for folder in ["content", "themes"] {
        copy_dir(&f.root().join(folder), &root.join(folder));
    }
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/logo.txt"), "logo").unwrap();
    let root_arg = root.to_str().unwrap();
    assert_eq!(run(&["build", "--root", root_arg], false).0, 0);
    let before = tree(&outer);

    let cases = [
        (root.clone(), root.clone()),
        (outer.clone(), root.clone()),
        (root.join("content"), root.join("content")),
        (root.join("content/pages"), root.join("content")),
        (root.join("themes"), root.join("themes")),
        (root.join("static/site"), root.join("static")),
        (root.join("templates/new"), root.join("templates")),
        (root.join("public/../content"), root.join("content")),
        (
            root.join(".broadsheet-cache"),
            root.join(".broadsheet-cache"),
        ),
    ];
    for (output, named) in cases {
        let output_arg = output.to_str().unwrap();
        let (code, stdout, stderr) = run(
            &["build", "--root", root_arg, "--output", output_arg],
            false,
        );
        assert_eq!(code, 1, "--output {output_arg}: {stdout}{stderr}");
        assert!(
            stderr.starts_with(&format!("error: the output directory {output_arg} "))
                && stderr.contains(&named.display().to_string())
                && stderr.contains("choose an --output outside"),
            "{stderr}"
        );
        assert_eq!(
            tree(&outer),
            before,
            "--output {output_arg} changed the site"
        );
    }
    // A relative output that leads back to the site is found too.
    let out = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["build", "--root", ".", "--output", "../site"])
        .current_dir(&root)
        .output()
        .unwrap();
    let (code, stderr) = (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is the site directory"), "{stderr}");
    assert_eq!(tree(&outer), before);

    // `serve --output` builds through the same guard.
    #[cfg(feature = "serve")]
    {
        let (code, _, stderr) = run(
            &[
                "serve", "--port", "0", "--root", root_arg, "--output", root_arg,
            ],
            false,
        );
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("is the site directory"), "{stderr}");
        assert_eq!(tree(&outer), before);
    }
}
