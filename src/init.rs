//! `broadsheet init DIR`: a new digest that builds at once: a commented
//! `content/site.yaml`, an example snapshot, an About page and a copy of the
//! default theme, embedded in the binary by the build script.
//!
//! These are the site's sources, not its output, so they are written here
//! directly rather than through the output sink.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::theme::DEFAULT_THEME;

const SITE_YAML: &str = include_str!("../scaffold/site.yaml");
const EXAMPLE_FEED: &str = include_str!("../scaffold/example.xml");
const ABOUT_PAGE: &str = include_str!("../scaffold/about.md");
const GITIGNORE: &str = include_str!("../scaffold/gitignore");

/// Writes the scaffold into `dir` and returns the files written, relative to
/// it. A directory that exists and is not empty is refused unless `force`
/// (then scaffold files replace files of the same name; others stay).
/// The example entries are dated `today` and the days before, so a fresh
/// digest is not reported stale.
pub fn init(dir: &Path, force: bool, today: DateTime<Utc>) -> Result<Vec<String>> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} exists and is not a directory; choose another path",
            dir.display()
        );
    }
    let not_empty = dir.is_dir()
        && std::fs::read_dir(dir)
            .with_context(|| format!("listing {}", dir.display()))?
            .next()
            .is_some();
    if not_empty && !force {
        bail!(
            "{} is not empty; choose a new directory, or pass --force to write the scaffold into it (files with the same names are replaced)",
            dir.display()
        );
    }

    let day = |days_ago: i64| {
        (today - Duration::days(days_ago)).to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    let feed = EXAMPLE_FEED
        .replace("{{DAY_0}}", &day(0))
        .replace("{{DAY_3}}", &day(3))
        .replace("{{DAY_7}}", &day(7));
    let mut files: Vec<(String, &[u8])> = vec![
        ("content/site.yaml".into(), SITE_YAML.as_bytes()),
        ("content/feeds/example.xml".into(), feed.as_bytes()),
        ("content/pages/about.md".into(), ABOUT_PAGE.as_bytes()),
        (".gitignore".into(), GITIGNORE.as_bytes()),
    ];
    files.extend(
        DEFAULT_THEME
            .iter()
            .map(|(path, bytes)| (format!("themes/default/{path}"), *bytes)),
    );
    for (rel, bytes) in &files {
        let path: PathBuf = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(files.into_iter().map(|(rel, _)| rel).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_theme_is_the_repository_theme() {
        let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let on_disk = walkdir::WalkDir::new(&theme)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .count();
        assert_eq!(DEFAULT_THEME.len(), on_disk);
        for (path, bytes) in DEFAULT_THEME {
            assert_eq!(std::fs::read(theme.join(path)).unwrap(), *bytes, "{path}");
        }
    }

    #[test]
    fn a_non_empty_directory_is_refused_without_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = init(dir.path(), false, Utc::now()).unwrap_err().to_string();
        assert!(
            err.contains("not empty") && err.contains("--force"),
            "{err}"
        );
        assert!(!dir.path().join("content").exists());
        init(dir.path(), true, Utc::now()).unwrap();
        assert!(dir.path().join("content/site.yaml").is_file());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }
}
