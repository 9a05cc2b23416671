//! Stage 1: find the feed snapshots under `content/feeds/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// File extensions that mark a feed snapshot.
pub const SNAPSHOT_EXTENSIONS: &[&str] = &["xml", "rss", "atom", "rdf", "json"];

/// One snapshot file found on disk.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SnapshotFile {
    /// Path relative to the feeds directory with `/` separators; the key of
    /// the snapshot's entry under `sources:` in the config.
    pub key: String,
    pub path: PathBuf,
}

/// Walks `feeds_dir` (any depth) and returns the snapshots sorted by key, so
/// every later stage sees them in the same order on every machine.
pub fn discover_snapshots(feeds_dir: &Path) -> Result<Vec<SnapshotFile>> {
    if !feeds_dir.is_dir() {
        anyhow::bail!(
            "the feeds directory {} does not exist: put feed snapshots (.xml .rss .atom .rdf .json) there",
            feeds_dir.display()
        );
    }
    let mut found: Vec<SnapshotFile> = files_under(feeds_dir)?
        .into_iter()
        .filter(|(key, _)| {
            Path::new(key)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| SNAPSHOT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .map(|(key, path)| SnapshotFile { key, path })
        .collect();
    found.sort();
    Ok(found)
}

/// Every regular file under `dir` (any depth, sorted by name within each
/// directory) with its `/`-separated path relative to `dir`; none when `dir`
/// does not exist. Symlinks are not followed, so a content or theme
/// directory cannot lead the build to read files elsewhere on the machine.
pub fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
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
        out.push((rel, entry.into_path()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_snapshots_at_any_depth_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("b/deep")).unwrap();
        for f in ["z.xml", "a.JSON", "b/deep/c.atom", "notes.txt", "b/x.rdf"] {
            std::fs::write(d.join(f), "").unwrap();
        }
        let keys: Vec<_> = discover_snapshots(d)
            .unwrap()
            .into_iter()
            .map(|s| s.key)
            .collect();
        assert_eq!(keys, ["a.JSON", "b/deep/c.atom", "b/x.rdf", "z.xml"]);
    }

    #[test]
    fn missing_dir_is_an_error_naming_it() {
        let err = discover_snapshots(Path::new("/nonexistent/feeds")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/feeds"));
    }
}
