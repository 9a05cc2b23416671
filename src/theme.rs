//! The theme: tera templates and static files.
//!
//! Template lookup: the site's own `templates/` first (plain names such as
//! `article.html`), then the theme's (also reachable by the qualified name
//! `<theme>/article.html`, so a site template can extend the theme's and
//! override one block).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use tera::Tera;

/// A loaded theme, ready to render.
pub struct Theme {
    pub name: String,
    pub tera: Tera,
    /// Directories whose files are copied into the site root, in order; a
    /// later one overrides an earlier one (theme, then site).
    pub static_dirs: Vec<PathBuf>,
    /// The file each template was read from, by template name.
    template_files: BTreeMap<String, PathBuf>,
}

impl Theme {
    /// The file template `name` is read from: the site's own, else the
    /// theme's, as the lookup goes; for naming it in error messages.
    pub fn template_file(&self, name: &str) -> Option<&Path> {
        self.template_files
            .get(name)
            .or_else(|| self.template_files.get(&format!("{}/{name}", self.name)))
            .map(PathBuf::as_path)
    }
}

/// Loads theme `name` from `root/themes/<name>/` and the site's own
/// templates from `root/templates/`. `site_root_path` is the URL path the
/// site is served under (`/` or `/digest/`), for the `asset` function.
pub fn load_theme(root: &Path, name: &str, site_root_path: &str) -> Result<Theme> {
    let theme_dir = root.join("themes").join(name);
    if !theme_dir.join("templates").is_dir() {
        bail!(
            "theme `{name}` not found: {} has no templates/ directory (check the `theme` key in content/site.yaml)",
            theme_dir.display()
        );
    }
    let mut tera = Tera::default();
    tera.set_fallback_prefixes([format!("{name}/")])
        .context("setting up template lookup")?;
    let root_path = site_root_path.to_string();
    tera.register_function(
        "asset",
        move |kwargs: tera::Kwargs, _: &tera::State| -> tera::TeraResult<String> {
            let path: String = kwargs.must_get("path")?;
            Ok(format!("{root_path}{}", path.trim_start_matches('/')))
        },
    );
    let mut templates = read_templates(&theme_dir.join("templates"), &format!("{name}/"))?;
    templates.extend(read_templates(&root.join("templates"), "")?);
    tera.add_raw_templates(templates.iter().map(|(n, c, _)| (n.as_str(), c.as_str())))
        .map_err(|e| template_error(e, &templates))?;

    Ok(Theme {
        name: name.to_string(),
        tera,
        static_dirs: vec![theme_dir.join("static"), root.join("static")],
        template_files: templates
            .into_iter()
            .map(|(name, _, file)| (name, file))
            .collect(),
    })
}

/// `(template name, source, file)` for every `.html`/`.xml`/`.txt` file under `dir`.
fn read_templates(dir: &Path, prefix: &str) -> Result<Vec<(String, String, PathBuf)>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let source = std::fs::read_to_string(entry.path())
            .with_context(|| format!("reading the template {}", entry.path().display()))?;
        out.push((format!("{prefix}{rel}"), source, entry.into_path()));
    }
    Ok(out)
}

/// Tera reports the template name, line and column; add the file path.
fn template_error(e: tera::Error, templates: &[(String, String, PathBuf)]) -> anyhow::Error {
    let msg = format!("{e}");
    let file = templates
        .iter()
        .find(|(name, _, _)| msg.contains(name.as_str()))
        .map(|(_, _, p)| p.display().to_string());
    match file {
        Some(f) => anyhow::anyhow!("in the template {f}:\n{msg}"),
        None => anyhow::anyhow!("in the templates:\n{msg}"),
    }
}
