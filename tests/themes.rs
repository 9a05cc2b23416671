//! The theme mechanism: lookup order, extension by qualified name, built-in
//! fallbacks, static layering and fingerprinting, template errors.

mod common;

use common::*;

fn blog() -> Vec<u8> {
    rss(
        "Blog",
        "<item><title>Hello</title><link>https://blog.example/hello</link><pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate><category>rust</category><description>&lt;p&gt;Hi&lt;/p&gt;</description></item>",
    )
}

/// A site using `theme`, with the fixture themes copied in and no default theme on disk.
fn site_with_theme(theme: &str) -> Fixture {
    let f = Fixture::new(
        &format!("{SITE_YAML}theme: {theme}\n"),
        &[("blog.xml", &blog())],
    );
    std::fs::remove_dir_all(f.root().join("themes/default")).unwrap();
    copy_dir(
        &std::path::Path::new(REPO).join("tests/fixtures/themes"),
        &f.root().join("themes"),
    );
    f
}

/// The stylesheet the page links to, read from the output.
fn linked_css(f: &Fixture, page: &str) -> String {
    let doc = f.page(page);
    let hrefs = hrefs(&doc, r#"link[rel="stylesheet"]"#);
    assert_eq!(hrefs.len(), 1, "{hrefs:?}");
    let name = hrefs[0].trim_start_matches('/');
    assert!(
        name.starts_with("style.") && name.len() == "style..css".len() + 10,
        "not fingerprinted: {name}"
    );
    std::fs::read_to_string(f.public().join(name)).unwrap()
}

#[test]
fn a_theme_can_override_one_block_by_extension() {
    let f = site_with_theme("extended");
    f.build().unwrap();
    for page in ["/", "/articles/hello/", "/tags/rust/", "/404.html"] {
        let doc = f.page(page);
        let footer = select(&doc, ".site-footer .extended-footer");
        assert_eq!(footer.len(), 1, "{page}");
        assert_eq!(
            text_of(&footer[0]),
            "Curated with care. Accent: teal.",
            "{page}: theme.yaml extra defaults"
        );
        assert_eq!(
            select(&doc, ".skip-link").len(),
            1,
            "{page}: the rest of base.html is the default's"
        );
    }
    assert!(
        linked_css(&f, "/").contains(".skip-link"),
        "the built-in stylesheet is used"
    );
}

#[test]
fn a_theme_extends_the_default_theme_on_disk_when_the_site_has_one() {
    let f = Fixture::new(
        &format!("{SITE_YAML}theme: extended\n"),
        &[("blog.xml", &blog())],
    );
    copy_dir(
        &std::path::Path::new(REPO).join("tests/fixtures/themes"),
        &f.root().join("themes"),
    );
    let base = f.root().join("themes/default/templates/base.html");
    let edited = std::fs::read_to_string(&base)
        .unwrap()
        .replace("Skip to content", "Skip to the articles");
    std::fs::write(&base, edited).unwrap();
    f.build().unwrap();
    let doc = f.page("/articles/hello/");
    assert_eq!(select(&doc, ".extended-footer").len(), 1);
    assert_eq!(
        text_of(&select(&doc, ".skip-link")[0]),
        "Skip to the articles",
        "default/base.html is the site's copy"
    );
}

#[test]
fn the_site_extra_overrides_the_theme_defaults() {
    let f = site_with_theme("extended");
    let yaml = std::fs::read_to_string(f.root().join("content/site.yaml")).unwrap();
    std::fs::write(
        f.root().join("content/site.yaml"),
        format!("{yaml}extra:\n  accent: crimson\n"),
    )
    .unwrap();
    f.build().unwrap();
    assert_eq!(
        text_of(&select(&f.page("/"), ".extended-footer")[0]),
        "Curated with care. Accent: crimson."
    );
}

#[test]
fn a_theme_with_only_a_stylesheet_builds_with_the_builtin_templates() {
    let f = site_with_theme("stylesheet-only");
    f.build().unwrap();
    assert!(linked_css(&f, "/articles/hello/").contains("Georgia"));
    assert_eq!(
        text_of(&select(&f.page("/articles/hello/"), "h1")[0]),
        "Hello"
    );
}

#[test]
fn a_site_without_themes_uses_the_builtin_theme() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    std::fs::remove_dir_all(f.root().join("themes")).unwrap();
    f.build().unwrap();
    assert_eq!(
        text_of(&select(&f.page("/articles/hello/"), "h1")[0]),
        "Hello"
    );
    linked_css(&f, "/");
}

#[test]
fn site_templates_and_static_files_come_first() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    std::fs::create_dir_all(f.root().join("templates")).unwrap();
    std::fs::create_dir_all(f.root().join("static/img")).unwrap();
    std::fs::write(
        f.root().join("templates/tag.html"),
        r#"{% extends "default/tag.html" %}{% block content %}<p class="site-tag">Tag {{ tag.name }}</p>{{ super() }}{% endblock content %}"#,
    )
    .unwrap();
    std::fs::write(f.root().join("static/style.css"), "body { color: #123; }").unwrap();
    std::fs::write(f.root().join("static/img/logo.png"), b"PNG").unwrap();
    f.build().unwrap();
    let tag = f.page("/tags/rust/");
    assert_eq!(text_of(&select(&tag, ".site-tag")[0]), "Tag rust");
    assert_eq!(
        select(&tag, ".card").len(),
        1,
        "super() keeps the default content"
    );
    assert_eq!(linked_css(&f, "/"), "body { color: #123; }");
    assert_eq!(
        std::fs::read(f.public().join("img/logo.png")).unwrap(),
        b"PNG",
        "other files keep their names"
    );
}

#[test]
fn template_errors_name_the_file_and_line() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    std::fs::write(f.root().join("themes/default/templates/tags.html"), "{% extends \"base.html\" %}\n{% block content %}\n{% for t in tags %}\n{% endblock content %}\n").unwrap();
    let err = format!("{:#}", f.build().unwrap_err());
    assert!(err.contains("themes/default/templates/tags.html"), "{err}");
    assert!(err.contains(":4") || err.contains("line 4"), "{err}");

    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    std::fs::write(f.root().join("themes/default/templates/tags.html"), "{% extends \"base.html\" %}\n{% block content %}{{ no_such_variable.name }}{% endblock content %}\n").unwrap();
    let err = format!("{:#}", f.build().unwrap_err());
    assert!(
        err.contains("themes/default/templates/tags.html")
            && err.contains("tags.html:2:")
            && err.contains("no_such_variable"),
        "{err}"
    );
}

#[test]
fn an_inheritance_error_names_the_template_file() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    std::fs::create_dir_all(f.root().join("templates")).unwrap();
    std::fs::write(
        f.root().join("templates/base.html"),
        "{% extends \"base.html\" %}\n",
    )
    .unwrap();
    let err = format!("{:#}", f.build().unwrap_err());
    assert!(
        err.contains("templates/base.html") && err.contains("Circular extend"),
        "{err}"
    );

    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    std::fs::create_dir_all(f.root().join("templates")).unwrap();
    std::fs::write(
        f.root().join("templates/tag.html"),
        "{% extends \"default/no-such.html\" %}\n",
    )
    .unwrap();
    let err = format!("{:#}", f.build().unwrap_err());
    assert!(
        err.contains("templates/tag.html") && err.contains("default/no-such.html"),
        "{err}"
    );
}

#[test]
fn extending_the_default_theme_finds_templates_its_copy_on_disk_lacks() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    std::fs::remove_file(f.root().join("themes/default/templates/tag.html")).unwrap();
    std::fs::create_dir_all(f.root().join("templates")).unwrap();
    std::fs::write(
        f.root().join("templates/tag.html"),
        "{% extends \"default/tag.html\" %}{% block title %}Tagged {{ super() }}{% endblock title %}",
    )
    .unwrap();
    f.build().unwrap();
    let tag = f.page("/tags/rust/");
    assert!(text_of(&select(&tag, "title")[0]).starts_with("Tagged "));
    assert_eq!(
        select(&tag, ".card").len(),
        1,
        "the built-in tag page's content"
    );
}

#[test]
fn the_default_theme_css_stays_under_15_kb() {
    let dir = std::path::Path::new(REPO).join("themes/default/static");
    let total: u64 = walkdir::WalkDir::new(&dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.path().extension().is_some_and(|x| x == "css"))
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert!(total > 0 && total < 15 * 1024, "{total} bytes of CSS");
}

#[test]
fn a_missing_theme_is_an_error_naming_the_key() {
    let f = Fixture::new(
        &format!("{SITE_YAML}theme: fancy\n"),
        &[("blog.xml", &blog())],
    );
    let err = format!("{:#}", f.build().unwrap_err());
    assert!(
        err.contains("theme `fancy` not found") && err.contains("site.yaml"),
        "{err}"
    );
}

#[test]
fn every_default_template_is_documented_in_the_theme_contract() {
    let dir = std::path::Path::new(REPO).join("themes/default/templates");
    let contract = std::fs::read_to_string(std::path::Path::new(REPO).join("themes/README.md"))
        .expect("themes/README.md documents the template contract");
    let mut templates = Vec::new();
    for entry in walkdir::WalkDir::new(&dir) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&dir).unwrap();
            templates.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    assert!(templates.len() > 10, "{templates:?}");
    let missing: Vec<&String> = templates
        .iter()
        .filter(|t| !contract.contains(&format!("`{t}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "themes/README.md does not document {missing:?}"
    );
}

#[test]
fn a_static_file_never_replaces_what_the_site_makes() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    // Without a cache into an empty staging directory; with one, staged in
    // the spare site, where a file of the old site is replaced in place.
    for cache_dir in [None, Some(f.root().join(".cache"))] {
        let opts = broadsheet::BuildOptions {
            cache_dir,
            ..f.options()
        };
        broadsheet::build(&opts).unwrap();
        broadsheet::build(&opts).unwrap();
        let before = tree(&f.public());
        for (file, made) in [
            ("static/404.html", "404.html"),
            ("static/atom.xml", "atom.xml"),
            ("static/sitemap.xml", "sitemap.xml"),
            ("static/search-index.json", "search-index.json"),
            ("static/tags/rust/index.html", "tags/rust/index.html"),
            // A file where the site has a directory, or inside a page.
            ("static/tags", "tags"),
            ("static/404.html/logo.png", "404.html"),
            ("themes/default/static/index.html", "index.html"),
        ] {
            let path = f.root().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "<p>mine</p>").unwrap();
            let err = format!("{:#}", broadsheet::build(&opts).unwrap_err());
            assert!(
                err.contains(&format!(
                    "{file} would replace {made}, which the site makes itself"
                )),
                "{file}: {err}"
            );
            assert!(
                tree(&f.public()) == before,
                "{file}: the failed build changed the published site"
            );
            match file.strip_prefix("static/") {
                Some(_) => std::fs::remove_dir_all(f.root().join("static")).unwrap(),
                None => std::fs::remove_file(&path).unwrap(),
            }
        }
        broadsheet::build(&opts).unwrap();
        assert!(tree(&f.public()) == before);
    }
}

#[test]
fn the_sites_own_robots_txt_replaces_the_generated_one() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &blog())]);
    f.build().unwrap();
    let generated = std::fs::read_to_string(f.public().join("robots.txt")).unwrap();
    assert!(generated.contains("\nSitemap: "), "{generated}");
    let own = "User-agent: *\nDisallow: /tags/\n";
    std::fs::create_dir_all(f.root().join("static")).unwrap();
    std::fs::write(f.root().join("static/robots.txt"), own).unwrap();
    f.build().unwrap();
    assert_eq!(
        std::fs::read_to_string(f.public().join("robots.txt")).unwrap(),
        own
    );
}
