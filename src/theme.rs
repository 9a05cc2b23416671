//! The theme: tera templates, static files and `theme.yaml`.
//!
//! Template lookup, first match wins:
//! 1. the site's own `templates/` (plain names such as `article.html`);
//! 2. the theme's `themes/<name>/templates/`, also reachable by the qualified
//!    name `<name>/article.html`, so a site template can extend the theme's
//!    and override one block;
//! 3. the default theme compiled into the binary (`builtin/article.html`),
//!    so a site with a missing template, or with no `themes/` at all, builds.
//!
//! Static files are layered the same way (built-in, theme, site: a later one
//! replaces an earlier one at the same path). CSS and JS files get a content
//! hash in their name; templates get their URLs from `asset(path=...)`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use tera::Tera;

use crate::discover::files_under;
use crate::errors::InFile;

/// The name under which the built-in theme's templates are registered, and
/// the theme name that falls back to it when `themes/default/` is absent.
pub const BUILTIN_THEME: &str = "default";

// The default theme's files (path inside the theme, contents), embedded by
// build.rs: the built-in fallback of every lookup, and what `init` copies.
include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

/// The built-in files under `dir/` of the default theme, by path inside `dir`.
fn builtin(dir: &str) -> impl Iterator<Item = (&'static str, &'static [u8])> + '_ {
    DEFAULT_THEME.iter().filter_map(move |(path, bytes)| {
        path.strip_prefix(dir)
            .and_then(|p| p.strip_prefix('/'))
            .map(|p| (p, *bytes))
    })
}

/// `themes/<name>/theme.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeManifest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Defaults for the `extra` map; the site's `extra:` overrides them key by key.
    #[serde(default)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

/// One file of the site's static assets.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Path in the output, fingerprinted for CSS and JS (`style.1a2b3c4d5e.css`).
    pub output_path: String,
    pub bytes: Vec<u8>,
    /// Where it comes from, for messages: `static/x.png` (relative to the
    /// site), `themes/<name>/static/x.png`, or the built-in theme's.
    pub source: String,
    /// Its file; `None` for the built-in theme's.
    pub file: Option<PathBuf>,
}

/// A loaded theme, ready to render.
pub struct Theme {
    pub name: String,
    pub manifest: ThemeManifest,
    pub tera: Tera,
    /// Static files by source path (`style.css`), after layering.
    pub assets: BTreeMap<String, Asset>,
    /// The file each template on disk came from, by template name.
    files: BTreeMap<String, PathBuf>,
    /// A hash of every template and of the URL `asset()` gives each static
    /// file: what pages are rendered with, besides their variables.
    pub version: blake3::Hash,
}

impl Theme {
    /// A tera error (which names the template, line and column) with the
    /// template's file added.
    pub fn explain(&self, e: tera::Error) -> anyhow::Error {
        let msg = format!("{e}");
        let file = self
            .files
            .iter()
            .filter(|(name, _)| {
                msg.contains(&format!(" {name}:")) || msg.contains(&format!("'{name}'"))
            })
            .max_by_key(|(name, _)| name.len())
            .map(|(_, file)| file.clone());
        match file {
            Some(file) => {
                let message = format!("in the template {}:\n{msg}", file.display());
                InFile::new(file, message).into()
            }
            None => anyhow!("{msg}"),
        }
    }
}

/// Loads theme `name` from `root/themes/<name>/` and the site's templates and
/// static files from `root/templates/` and `root/static/`. `site_root_path`
/// is the URL path the site is served under (`/` or `/digest/`).
pub fn load_theme(root: &Path, name: &str, site_root_path: &str) -> Result<Theme> {
    let theme_dir = root.join("themes").join(name);
    let on_disk = theme_dir.is_dir();
    if !on_disk && name != BUILTIN_THEME {
        let message = format!(
            "theme `{name}` not found: there is no directory {} (check the `theme` key in content/site.yaml, or remove it to use the built-in default theme)",
            theme_dir.display()
        );
        return Err(InFile::new(root.join("content").join("site.yaml"), message).into());
    }
    let manifest = read_manifest(&theme_dir.join("theme.yaml"))?;

    let mut assets = BTreeMap::new();
    for (path, bytes) in builtin("static") {
        let source = format!("the built-in theme's static/{path}");
        assets.insert(path.to_string(), asset(path, bytes.to_vec(), source, None));
    }
    for (dir, shown) in static_dirs(root, name) {
        read_static(&dir, &shown, &mut assets)?;
    }

    let mut tera = Tera::default();
    tera.set_fallback_prefixes(fallback_prefixes(name))
        .context("setting up template lookup")?;
    let urls: BTreeMap<String, String> = assets
        .iter()
        .map(|(path, a)| (path.clone(), format!("{site_root_path}{}", a.output_path)))
        .collect();
    let mut version = blake3::Hasher::new();
    let mut hash_text = |text: &str| {
        version.update(&(text.len() as u64).to_le_bytes());
        version.update(text.as_bytes());
    };
    for (path, url) in &urls {
        hash_text(path);
        hash_text(url);
    }
    let templates: Vec<TemplateSource> = template_layers(root, name)?.into_values().collect();
    for t in &templates {
        hash_text(&t.name);
        hash_text(&t.source);
    }
    tera.register_function("asset", move |kwargs: tera::Kwargs, _: &tera::State| -> tera::TeraResult<String> {
        let path: String = kwargs.must_get("path")?;
        urls.get(path.trim_start_matches('/')).cloned().ok_or_else(|| {
            tera::Error::message(format!("asset(path=\"{path}\"): there is no such file in the theme's or the site's static/"))
        })
    });

    let files = templates
        .iter()
        .filter_map(|t| Some((t.name.clone(), t.file.clone()?)))
        .collect();
    let mut theme = Theme {
        name: name.to_string(),
        manifest,
        tera: Tera::default(),
        assets,
        files,
        version: version.finalize(),
    };
    tera.add_raw_templates(
        templates
            .iter()
            .map(|t| (t.name.as_str(), t.source.as_str())),
    )
    .map_err(|e| theme.explain(e))?;
    theme.tera = tera;
    Ok(theme)
}

/// Where a template name not found as given is looked up next, in order.
fn fallback_prefixes(theme: &str) -> [String; 2] {
    [format!("{theme}/"), "builtin/".to_string()]
}

/// Whether the site at `root` with theme `name` has a template called
/// `template`, found as [`load_theme`] finds it; for checks that run before
/// the theme is loaded (a page's `template:`).
pub fn has_template(root: &Path, name: &str) -> Result<impl Fn(&str) -> bool> {
    // Names only: the files are read once, when the theme is loaded.
    let mut names: std::collections::BTreeSet<String> = ["builtin", BUILTIN_THEME]
        .iter()
        .flat_map(|prefix| builtin("templates").map(move |(n, _)| format!("{prefix}/{n}")))
        .collect();
    for (dir, prefix) in template_dirs(root, name) {
        names.extend(
            files_under(&dir)?
                .into_iter()
                .map(|(rel, _)| format!("{prefix}{rel}")),
        );
    }
    let prefixes = fallback_prefixes(name);
    Ok(move |template: &str| {
        names.contains(template)
            || prefixes
                .iter()
                .any(|p| names.contains(&format!("{p}{template}")))
    })
}

/// Every template by name: the built-in ones (as `builtin/` and `default/`),
/// then the default theme's, the theme's and the site's files on disk, a
/// later layer replacing an earlier one template by template.
fn template_layers(root: &Path, name: &str) -> Result<BTreeMap<String, TemplateSource>> {
    // Later layers replace earlier ones template by template. The built-in
    // theme also answers to its qualified name, so `{% extends
    // "default/base.html" %}` works from any site or theme: it names the
    // default theme on disk where that has the template, else the built-in
    // copy.
    let mut layers: BTreeMap<String, TemplateSource> = BTreeMap::new();
    for prefix in ["builtin", BUILTIN_THEME] {
        for (n, src) in builtin("templates") {
            let qualified = format!("{prefix}/{n}");
            let source = String::from_utf8_lossy(src).into_owned();
            layers.insert(
                qualified.clone(),
                TemplateSource {
                    name: qualified,
                    source,
                    file: None,
                },
            );
        }
    }
    for (dir, prefix) in template_dirs(root, name) {
        for t in read_templates(&dir, &prefix)? {
            layers.insert(t.name.clone(), t);
        }
    }
    Ok(layers)
}

/// The folders templates are read from, each with the prefix it gives its
/// templates' names, in layering order: the default theme's on disk, the
/// theme's, the site's (a later one's template replaces an earlier one's).
pub fn template_dirs(root: &Path, name: &str) -> Vec<(PathBuf, String)> {
    let mut dirs = vec![(
        root.join("themes").join(BUILTIN_THEME).join("templates"),
        format!("{BUILTIN_THEME}/"),
    )];
    let theme_dir = root.join("themes").join(name);
    if theme_dir.is_dir() && name != BUILTIN_THEME {
        dirs.push((theme_dir.join("templates"), format!("{name}/")));
    }
    dirs.push((root.join("templates"), String::new()));
    dirs
}

struct TemplateSource {
    name: String,
    source: String,
    file: Option<PathBuf>,
}

fn read_manifest(path: &Path) -> Result<ThemeManifest> {
    if !path.is_file() {
        return Ok(ThemeManifest::default());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_yaml::from_str(&text).with_context(|| format!("in the theme manifest {}", path.display()))
}

fn read_templates(dir: &Path, prefix: &str) -> Result<Vec<TemplateSource>> {
    files_under(dir)?
        .into_iter()
        .map(|(rel, file)| {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("reading the template {}", file.display()))?;
            Ok(TemplateSource {
                name: format!("{prefix}{rel}"),
                source,
                file: Some(file),
            })
        })
        .collect()
}

/// The static directories on disk, in layering order (after the built-in
/// theme's files): the theme's, then the site's, a later file replacing an
/// earlier one at the same path; each with its path as messages show it.
pub fn static_dirs(root: &Path, name: &str) -> [(PathBuf, String); 2] {
    [
        (
            root.join("themes").join(name).join("static"),
            format!("themes/{name}/static"),
        ),
        (root.join("static"), "static".to_string()),
    ]
}

/// Adds the files under `dir` (`shown` in messages) to `assets`, each
/// replacing the one at its path.
fn read_static(dir: &Path, shown: &str, assets: &mut BTreeMap<String, Asset>) -> Result<()> {
    for (rel, file) in files_under(dir)? {
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let source = format!("{shown}/{rel}");
        assets.insert(rel.clone(), asset(&rel, bytes, source, Some(file)));
    }
    Ok(())
}

fn asset(path: &str, bytes: Vec<u8>, source: String, file: Option<PathBuf>) -> Asset {
    Asset {
        output_path: fingerprinted(path, &bytes),
        bytes,
        source,
        file,
    }
}

/// `css/site.css` -> `css/site.<hash>.css` for CSS and JS; other files keep
/// their names. The hash is of the content, so a changed file gets a new URL
/// and every URL can be cached for a year.
fn fingerprinted(path: &str, bytes: &[u8]) -> String {
    let Some((stem, ext)) = path.rsplit_once('.') else {
        return path.to_string();
    };
    if !matches!(ext, "css" | "js") {
        return path.to_string();
    }
    let hash = blake3::hash(bytes).to_hex();
    format!("{stem}.{}.{ext}", &hash[..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_theme_is_the_default_theme_on_disk() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        for sub in ["templates", "static"] {
            let on_disk: Vec<(String, Vec<u8>)> = files_under(&dir.join(sub))
                .unwrap()
                .into_iter()
                .map(|(r, p)| (r, std::fs::read(p).unwrap()))
                .collect();
            let mut compiled: Vec<(String, Vec<u8>)> = builtin(sub)
                .map(|(r, b)| (r.to_string(), b.to_vec()))
                .collect();
            compiled.sort();
            let mut on_disk = on_disk;
            on_disk.sort();
            assert!(
                on_disk == compiled,
                "the embedded {sub}/ differs from themes/default/{sub}/"
            );
        }
    }

    #[test]
    fn css_and_js_are_fingerprinted() {
        let a = fingerprinted("style.css", b"body{}");
        assert!(
            a.starts_with("style.") && a.ends_with(".css") && a.len() == "style..css".len() + 10,
            "{a}"
        );
        assert_ne!(a, fingerprinted("style.css", b"body{color:red}"));
        assert_eq!(fingerprinted("img/logo.png", b"x"), "img/logo.png");
        assert!(fingerprinted("js/search.js", b"x").starts_with("js/search."));
    }
}
