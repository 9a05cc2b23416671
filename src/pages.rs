//! The editor's Markdown: pages (`content/pages/*.md`, served at `/<slug>/`)
//! and edition introductions (`content/editions/<id>.md`). Both go through
//! the same sanitize and re-render pass as feed bodies.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use url::Url;

use crate::errors::InFile;
use crate::markdown::{editor_html, split_front_matter, yaml_error_in_file};
use crate::rerender::{RerenderOptions, TocEntry};
use crate::slug::slugify;

/// Top-level URL segments the site itself uses; a page cannot take them.
pub const RESERVED_SLUGS: &[&str] = &[
    "articles", "tags", "authors", "sources", "editions", "page", "search", "static", "404",
];

/// One Markdown page.
#[derive(Debug, Clone)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Navigation order: lower first, then by slug.
    pub weight: i64,
    /// Template to render with; `page.html` by default.
    pub template: String,
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub file: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageFrontMatter {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    draft: bool,
    template: Option<String>,
    #[serde(default)]
    weight: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntroFrontMatter {
    /// Replaces the edition's generated title.
    title: Option<String>,
}

/// An edition introduction.
#[derive(Debug, Clone)]
pub struct EditionIntro {
    pub id: String,
    pub title: Option<String>,
    pub html: String,
    pub file: PathBuf,
}

/// What loading Markdown found: the good files, and one message per bad one.
pub struct Loaded<T> {
    pub items: Vec<T>,
    pub problems: Vec<(PathBuf, String)>,
}

/// Loads `dir/*.md` as pages; drafts only when `drafts` is set. A page
/// whose `template:` is not one `has_template` knows is a problem, found
/// here so that the page is skipped with a warning rather than failing the
/// render.
pub fn load_pages(
    dir: &Path,
    drafts: bool,
    base: &Url,
    opts: &RerenderOptions,
    has_template: &dyn Fn(&str) -> bool,
) -> Result<Loaded<Page>> {
    let mut loaded = Loaded {
        items: Vec::new(),
        problems: Vec::new(),
    };
    for file in markdown_files(dir)? {
        match load_page(&file, base, opts, has_template) {
            Ok((page, draft)) if drafts || !draft => loaded.items.push(page),
            Ok(_) => {}
            Err(e) => loaded.problems.push((file, format!("{e:#}"))),
        }
    }
    // Pages of the same slug are found side by side in slug order (their
    // weights may differ), before the navigation's order.
    loaded
        .items
        .sort_by(|a, b| a.slug.cmp(&b.slug).then_with(|| a.file.cmp(&b.file)));
    for pair in loaded.items.windows(2) {
        if pair[0].slug == pair[1].slug {
            let message = format!(
                "{} and {} both make the page /{}/: rename one",
                pair[0].file.display(),
                pair[1].file.display(),
                pair[0].slug
            );
            return Err(InFile::new(&pair[1].file, message).into());
        }
    }
    loaded
        .items
        .sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.slug.cmp(&b.slug)));
    Ok(loaded)
}

/// The page in `file` and whether it is a draft.
fn load_page(
    file: &Path,
    base: &Url,
    opts: &RerenderOptions,
    has_template: &dyn Fn(&str) -> bool,
) -> Result<(Page, bool)> {
    let text = std::fs::read_to_string(file).context("reading the page")?;
    let fm = split_front_matter(&text)?;
    if fm.yaml.trim().is_empty() {
        bail!("the page has no front matter: start it with `---`, a line `title: ...`, and `---`");
    }
    let meta: PageFrontMatter = serde_yaml::from_str(fm.yaml).map_err(|e| {
        anyhow!(
            "front matter {}",
            yaml_error_in_file(&e, fm.yaml_first_line)
        )
    })?;
    if let Some(template) = meta.template.as_deref().filter(|t| !has_template(t)) {
        // serde_yaml gives no position for a value it parsed: find the key.
        let line = fm
            .yaml
            .lines()
            .position(|l| l.starts_with("template:"))
            .map_or(fm.yaml_first_line, |i| fm.yaml_first_line + i);
        bail!(
            "front matter line {line}: there is no template `{template}` in templates/, the theme or the built-in theme: name one of them (such as `page.html`) or remove the key"
        );
    }
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug = slugify(&stem);
    if slug.is_empty() || RESERVED_SLUGS.contains(&slug.as_str()) {
        bail!("the file name makes the URL /{slug}/, which the site uses itself; rename the file");
    }
    let body = editor_html(fm.body, base, &format!("{slug}/"), opts);
    let page = Page {
        title: crate::text::clean_text(&meta.title),
        description: crate::text::clean_text(&meta.description),
        weight: meta.weight,
        template: meta.template.unwrap_or_else(|| "page.html".to_string()),
        html: body.html,
        toc: body.toc,
        file: file.to_path_buf(),
        slug,
    };
    Ok((page, meta.draft))
}

/// Loads `dir/<id>.md` edition introductions.
pub fn load_edition_intros(
    dir: &Path,
    base: &Url,
    opts: &RerenderOptions,
) -> Result<Loaded<EditionIntro>> {
    let mut loaded = Loaded {
        items: Vec::new(),
        problems: Vec::new(),
    };
    for file in markdown_files(dir)? {
        let result = (|| -> Result<EditionIntro> {
            let text = std::fs::read_to_string(&file).context("reading the introduction")?;
            let fm = split_front_matter(&text)?;
            let meta: IntroFrontMatter = if fm.yaml.trim().is_empty() {
                IntroFrontMatter::default()
            } else {
                serde_yaml::from_str(fm.yaml).map_err(|e| {
                    anyhow!(
                        "front matter {}",
                        yaml_error_in_file(&e, fm.yaml_first_line)
                    )
                })?
            };
            let id = file
                .file_stem()
                .map(|s| s.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let body = editor_html(fm.body, base, &format!("editions/{id}/"), opts);
            Ok(EditionIntro {
                id,
                title: meta.title.map(|t| crate::text::clean_text(&t)),
                html: body.html,
                file: file.clone(),
            })
        })();
        match result {
            Ok(intro) => loaded.items.push(intro),
            Err(e) => loaded.problems.push((file, format!("{e:#}"))),
        }
    }
    Ok(loaded)
}

/// `*.md` directly in `dir`, sorted; none when `dir` does not exist.
fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let path = entry.path();
        if entry.file_type()?.is_file() && path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> RerenderOptions {
        RerenderOptions::default()
    }

    #[test]
    fn pages_load_sorted_by_weight_and_drafts_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("about.md"),
            "---\ntitle: About\nweight: 2\n---\n# About us\n\nHello <script>x</script>",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("colophon.md"),
            "---\ntitle: Colophon\nweight: 1\n---\nMade with care.",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("wip.md"),
            "---\ntitle: WIP\ndraft: true\n---\nNot yet.",
        )
        .unwrap();
        let base = Url::parse("https://d.example/").unwrap();
        let loaded = load_pages(dir.path(), false, &base, &opts(), &|_| true).unwrap();
        let slugs: Vec<_> = loaded.items.iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs, ["colophon", "about"]);
        assert!(
            loaded.items[1].html.contains(r#"<h2 id="fc-about-us">"#),
            "{}",
            loaded.items[1].html
        );
        assert!(!loaded.items[1].html.contains("script"));
        assert_eq!(
            load_pages(dir.path(), true, &base, &opts(), &|_| true)
                .unwrap()
                .items
                .len(),
            3
        );
    }

    #[test]
    fn bad_front_matter_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.md"),
            "---\ntitle: Bad\nwieght: 3\n---\nx",
        )
        .unwrap();
        std::fs::write(dir.path().join("tags.md"), "---\ntitle: Tags\n---\nx").unwrap();
        let base = Url::parse("https://d.example/").unwrap();
        let loaded = load_pages(dir.path(), false, &base, &opts(), &|_| true).unwrap();
        assert!(loaded.items.is_empty());
        let msgs: Vec<String> = loaded
            .problems
            .iter()
            .map(|(f, m)| format!("{}: {m}", f.display()))
            .collect();
        assert!(
            msgs[0].contains("bad.md") && msgs[0].contains("line 3") && msgs[0].contains("wieght"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("tags.md") && msgs[1].contains("/tags/"),
            "{msgs:?}"
        );
    }
}
