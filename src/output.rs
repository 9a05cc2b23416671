//! Stage 7: the one sink every output file goes through.
//!
//! The site is written into a staging directory beside the output directory
//! and swapped in only when the whole build succeeded, so a failed or killed
//! build leaves the previous site exactly as it was. The next build removes
//! whatever a killed one left behind.
//!
//! `check` renders through the same sink without touching the disk: each
//! file is handed to a [`SiteVisitor`] instead.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};

/// Where the built site goes.
pub struct OutputSink {
    target: Target,
    files: AtomicUsize,
    committed: bool,
}

enum Target {
    /// Files go into `staging`, which `commit` swaps in as `output`.
    Staging { staging: PathBuf, output: PathBuf },
    /// Nothing is written; every file is handed to the visitor.
    Visitor(Arc<dyn SiteVisitor>),
}

/// Sees every file of the site, in place of the disk. Called from several
/// threads at once, in no particular order.
pub trait SiteVisitor: Send + Sync {
    /// `path` is the file's `/`-separated path inside the site.
    fn visit(&self, path: &str, bytes: &[u8]) -> Result<()>;
}

impl OutputSink {
    /// Prepares a fresh staging directory for `output`, removing leftovers of
    /// earlier builds that did not finish.
    pub fn create(output: &Path) -> Result<OutputSink> {
        let name = output.file_name().with_context(|| {
            format!("the output path {} must name a directory", output.display())
        })?;
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        if output.is_symlink() || output.exists() && !output.is_dir() {
            bail!("the output path {} exists and is not a directory; remove it or choose another --output", output.display());
        }
        remove_leftovers(&parent, name, output)?;
        let staging = parent.join(sibling_name(
            name,
            &format!("staging-{}", std::process::id()),
        ));
        std::fs::create_dir(&staging)
            .with_context(|| format!("creating the staging directory {}", staging.display()))?;
        Ok(OutputSink {
            target: Target::Staging {
                staging,
                output: output.to_path_buf(),
            },
            files: AtomicUsize::new(0),
            committed: false,
        })
    }

    /// A sink that writes nothing and hands every file to `visitor`.
    pub fn visiting(visitor: Arc<dyn SiteVisitor>) -> OutputSink {
        OutputSink {
            target: Target::Visitor(visitor),
            files: AtomicUsize::new(0),
            committed: false,
        }
    }

    /// Writes `bytes` at `rel` (a `/`-separated path inside the site).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let checked = checked_relative(rel)?;
        let staging = match &self.target {
            Target::Staging { staging, .. } => staging,
            Target::Visitor(visitor) => {
                visitor.visit(rel, bytes)?;
                self.files.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
        };
        let path = staging.join(checked);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// How many files have been written.
    pub fn files_written(&self) -> usize {
        self.files.load(Ordering::Relaxed)
    }

    /// Swaps the staging directory in as the output directory (nothing to do
    /// for a visiting sink).
    pub fn commit(mut self) -> Result<()> {
        let (staging, output) = match &self.target {
            Target::Staging { staging, output } => (staging.clone(), output.clone()),
            Target::Visitor(_) => return Ok(()),
        };
        let old = output.with_file_name(sibling_name(
            output.file_name().unwrap_or_default(),
            &format!("old-{}", std::process::id()),
        ));
        if output.exists() {
            // One atomic exchange where the file system supports it: at every
            // instant either the old or the new site is in place.
            let exchanged = rustix::fs::renameat_with(
                rustix::fs::CWD,
                &staging,
                rustix::fs::CWD,
                &output,
                rustix::fs::RenameFlags::EXCHANGE,
            );
            if exchanged.is_ok() {
                self.committed = true;
                return std::fs::remove_dir_all(&staging).with_context(|| {
                    format!("removing the previous site, now in {}", staging.display())
                });
            }
            // Elsewhere two renames; a build killed between them leaves the
            // old site in `old`, which the next build puts back.
            std::fs::rename(&output, &old)
                .with_context(|| format!("moving the previous site {} aside", output.display()))?;
        }
        std::fs::rename(&staging, &output)
            .with_context(|| format!("moving the new site into {}", output.display()))?;
        self.committed = true;
        if old.exists() {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("removing the previous site {}", old.display()))?;
        }
        Ok(())
    }
}

impl Drop for OutputSink {
    fn drop(&mut self) {
        if let Target::Staging { staging, .. } = &self.target {
            if !self.committed {
                let _ = std::fs::remove_dir_all(staging);
            }
        }
    }
}

/// `.public.staging-123` for output `public`: hidden, beside it, and
/// recognisable as ours.
fn sibling_name(output_name: &std::ffi::OsStr, suffix: &str) -> OsString {
    let mut s = OsString::from(".");
    s.push(output_name);
    s.push(".");
    s.push(suffix);
    s
}

fn remove_leftovers(parent: &Path, output_name: &std::ffi::OsStr, output: &Path) -> Result<()> {
    let prefix = sibling_name(output_name, "");
    let prefix = prefix.to_string_lossy();
    for entry in
        std::fs::read_dir(parent).with_context(|| format!("listing {}", parent.display()))?
    {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let leftover = name
            .strip_prefix(prefix.as_ref())
            .is_some_and(|rest| rest.starts_with("staging-") || rest.starts_with("old-"));
        if !leftover || !entry.file_type()?.is_dir() {
            continue;
        }
        if name
            .strip_prefix(prefix.as_ref())
            .is_some_and(|r| r.starts_with("old-"))
            && !output.exists()
        {
            std::fs::rename(entry.path(), output).with_context(|| {
                format!(
                    "restoring the previous site from {}",
                    entry.path().display()
                )
            })?;
        } else {
            std::fs::remove_dir_all(entry.path()).with_context(|| {
                format!(
                    "removing {} left by an interrupted build",
                    entry.path().display()
                )
            })?;
        }
    }
    Ok(())
}

/// A site path made only of normal components: no root, no `..`, no `.`.
pub fn checked_relative(rel: &str) -> Result<PathBuf> {
    let path = Path::new(rel);
    let ok = !rel.is_empty()
        && !rel.contains('\\')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if !ok {
        bail!("refusing to write `{rel}`: it is not a plain path inside the output directory");
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_output_are_refused() {
        for bad in ["../x", "/etc/passwd", "a/../../x", "", "./a", "a\\..\\b"] {
            assert!(checked_relative(bad).is_err(), "{bad}");
        }
        assert!(checked_relative("tags/rust/index.html").is_ok());
    }

    #[test]
    fn commit_swaps_and_drop_discards() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let sink = OutputSink::create(&out).unwrap();
        sink.write("index.html", b"one").unwrap();
        sink.commit().unwrap();
        assert_eq!(std::fs::read(out.join("index.html")).unwrap(), b"one");

        let sink = OutputSink::create(&out).unwrap();
        sink.write("index.html", b"two").unwrap();
        drop(sink);
        assert_eq!(std::fs::read(out.join("index.html")).unwrap(), b"one");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "staging left behind"
        );
    }

    #[test]
    fn a_visiting_sink_hands_over_files_and_writes_nothing() {
        struct Paths(std::sync::Mutex<Vec<String>>);
        impl SiteVisitor for Paths {
            fn visit(&self, path: &str, bytes: &[u8]) -> Result<()> {
                self.0
                    .lock()
                    .unwrap()
                    .push(format!("{path}={}", bytes.len()));
                Ok(())
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let paths = Arc::new(Paths(Default::default()));
        let sink = OutputSink::visiting(paths.clone());
        sink.write("index.html", b"home").unwrap();
        sink.write("css/style.css", b"css").unwrap();
        assert!(sink.write("../escape.html", b"x").is_err());
        assert_eq!(sink.files_written(), 2);
        sink.commit().unwrap();
        assert_eq!(
            *paths.0.lock().unwrap(),
            ["index.html=4", "css/style.css=3"]
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing was written"
        );
    }

    #[test]
    fn leftovers_of_killed_builds_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".public.staging-999/x")).unwrap();
        std::fs::create_dir_all(dir.path().join(".public.old-998")).unwrap();
        std::fs::create_dir_all(dir.path().join(".publicity")).unwrap();
        let sink = OutputSink::create(&dir.path().join("public")).unwrap();
        sink.commit().unwrap();
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, [".publicity", "public"]);
    }
}
