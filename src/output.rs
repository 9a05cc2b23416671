//! Stage 7: the one sink every output file goes through.
//!
//! The site is written into a staging directory beside the output directory
//! and swapped in only when the whole build succeeded, so a failed or killed
//! build leaves the previous site exactly as it was. The next build removes
//! whatever a killed one left behind.
//!
//! Rebuilds avoid creating what already exists. An incremental build keeps
//! the site it replaces beside the output as a spare (`.public.spare`) and
//! stages the next build in it: a file holding the right bytes is left as it
//! is, others are rewritten, and what the new site does not have is removed
//! before the swap. Every page is its own directory, and creating and
//! deleting some 30,000 files and directories per build costs more than
//! rendering them. Without a spare, files equal to the site in place are
//! hard-linked from it instead of written.
//!
//! `check` renders through the same sink without touching the disk: each
//! file is handed to a [`SiteVisitor`] instead.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use crate::fingerprint::PageFingerprint;
use crate::page_manifest::{open_beneath, FileIdentity, PageManifest};

/// Where the built site goes.
pub struct OutputSink {
    target: Target,
    /// The page records of incremental builds.
    pages: Option<PageManifest>,
    /// Every path of the new site so far: no file is written twice, and
    /// what a staged spare holds beyond them is removed before the swap.
    written: Mutex<Written>,
    committed: bool,
}

/// The files a build has written, and the directories that hold them.
#[derive(Default)]
struct Written {
    files: HashSet<PathBuf>,
    dirs: HashSet<PathBuf>,
}

impl Written {
    /// What the site already has where `path` would go: the same file, a
    /// directory of its files, or a file where `path` needs a directory.
    fn clash(&self, path: &Path) -> Option<&Path> {
        self.files
            .get(path)
            .or_else(|| self.dirs.get(path))
            .map(PathBuf::as_path)
            .or_else(|| {
                path.ancestors()
                    .skip(1)
                    .find_map(|dir| self.files.get(dir).map(PathBuf::as_path))
            })
    }

    fn insert(&mut self, path: PathBuf) {
        for dir in path.ancestors().skip(1) {
            // A known directory's own ancestors are known already.
            if dir.as_os_str().is_empty() || self.dirs.contains(dir) {
                break;
            }
            self.dirs.insert(dir.to_path_buf());
        }
        self.files.insert(path);
    }
}

enum Target {
    /// Files go into `staging`, which `commit` swaps in as `output`.
    Staging {
        staging: PathBuf,
        output: PathBuf,
        reuse: Reuse,
        /// Where the replaced site is kept for the next build (incremental
        /// builds); `None` removes it.
        spare: Option<PathBuf>,
    },
    /// Nothing is written; every file is handed to the visitor.
    Visitor(Arc<dyn SiteVisitor>),
}

/// What a staging directory starts from.
enum Reuse {
    /// An empty directory; files equal to those of the site in place (if
    /// there is one) are linked from it.
    Fresh { link_from: Option<OwnedFd> },
    /// The spare (`dir` is the staging directory, open): an older site,
    /// updated in place; what the new site does not write is removed
    /// before the swap.
    Spare { dir: OwnedFd },
}

/// Opens a directory, to look up pages beneath it.
fn open_dir(path: &Path) -> Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    rustix::fs::open(
        path,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .with_context(|| format!("opening the directory {}", path.display()))
}

/// Sees every file of the site, in place of the disk. Called from several
/// threads at once, in no particular order.
pub trait SiteVisitor: Send + Sync {
    /// `path` is the file's `/`-separated path inside the site.
    fn visit(&self, path: &str, bytes: &[u8]) -> Result<()>;
}

impl OutputSink {
    /// Prepares a staging directory for `output`, removing leftovers of
    /// earlier builds that did not finish. With a cache directory (an
    /// incremental build), page records are kept in it, the spare of
    /// the last incremental build is staged in and the replaced site becomes
    /// the next spare; without, there is no spare.
    pub fn create(output: &Path, cache_dir: Option<&Path>) -> Result<OutputSink> {
        let incremental = cache_dir.is_some();
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
        let spare = parent.join(sibling_name(name, "spare"));
        let spare_is_dir = spare
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_dir());
        let reuse = if incremental && spare_is_dir {
            std::fs::rename(&spare, &staging)
                .with_context(|| format!("staging the spare site {}", spare.display()))?;
            Reuse::Spare {
                dir: open_dir(&staging)?,
            }
        } else {
            if spare.symlink_metadata().is_ok() {
                remove_entry(&spare)?;
            }
            std::fs::create_dir(&staging)
                .with_context(|| format!("creating the staging directory {}", staging.display()))?;
            let link_from = match output.is_dir() {
                true => Some(open_dir(output)?),
                false => None,
            };
            Reuse::Fresh { link_from }
        };
        Ok(OutputSink {
            target: Target::Staging {
                staging,
                output: output.to_path_buf(),
                reuse,
                spare: incremental.then_some(spare),
            },
            pages: cache_dir.map(|dir| PageManifest::open(dir, output)),
            written: Mutex::default(),
            committed: false,
        })
    }

    /// A sink that writes nothing and hands every file to `visitor`.
    pub fn visiting(visitor: Arc<dyn SiteVisitor>) -> OutputSink {
        OutputSink {
            target: Target::Visitor(visitor),
            pages: None,
            written: Mutex::default(),
            committed: false,
        }
    }

    /// Writes `bytes` at `rel` (a `/`-separated path inside the site).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        self.place(rel, None, || Ok(Cow::Borrowed(bytes)))
    }

    /// Whether pages should come with a fingerprint: only a sink that
    /// keeps page records can use one.
    pub fn takes_fingerprints(&self) -> bool {
        self.pages.is_some()
    }

    /// Writes the page `rel` that `render` renders from inputs with the
    /// fingerprint `fp`. A page recorded with the same fingerprint, whose
    /// file is still in place, is kept as it is, not rendered.
    pub fn write_page(
        &self,
        rel: &str,
        fp: Option<PageFingerprint>,
        render: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<()> {
        self.place(rel, fp, || Ok(Cow::Owned(render()?)))
    }

    fn place<'b>(
        &self,
        rel: &str,
        fp: Option<PageFingerprint>,
        bytes: impl FnOnce() -> Result<Cow<'b, [u8]>>,
    ) -> Result<()> {
        let checked = checked_relative(rel)?;
        {
            let mut written = self.lock_written();
            if let Some(clash) = written.clash(&checked) {
                bail!(
                    "{rel} would replace {}, which this build wrote already: two parts of the site claim the same place",
                    clash.display()
                );
            }
            written.insert(checked.clone());
        }
        let (staging, reuse) = match &self.target {
            Target::Staging { staging, reuse, .. } => (staging, reuse),
            Target::Visitor(visitor) => return visitor.visit(rel, &bytes()?),
        };
        let recorded = fp.zip(self.pages.as_ref());
        let kept = match recorded {
            Some((fp, pages)) => keep_recorded(staging, reuse, pages, rel, &checked, fp)?,
            None => None,
        };
        let Placed(identity) = match kept {
            Some(placed) => placed,
            None => place_bytes(staging, reuse, &checked, &bytes()?)?,
        };
        if let (Some((fp, pages)), Some(identity)) = (recorded, identity) {
            pages.record(rel, fp, identity);
        }
        Ok(())
    }

    fn lock_written(&self) -> std::sync::MutexGuard<'_, Written> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the site already has where a file `rel` would go (the same
    /// file, a directory of files, or a file where `rel` needs a
    /// directory), as a path inside the site.
    pub fn clash(&self, rel: &str) -> Option<String> {
        let path = checked_relative(rel).ok()?;
        let written = self.lock_written();
        written
            .clash(&path)
            .map(|p| p.to_string_lossy().into_owned())
    }

    /// How many files have been written.
    pub fn files_written(&self) -> usize {
        self.lock_written().files.len()
    }

    /// Swaps the staging directory in as the output directory (nothing to do
    /// for a visiting sink).
    pub fn commit(mut self) -> Result<()> {
        self.swap_in()?;
        // Recorded only once published: the records describe the site in place.
        match self.pages.take() {
            Some(pages) => pages.save().context(
                "the site was published, but the records that let the next build keep unchanged pages were not written (it will render every page)",
            ),
            None => Ok(()),
        }
    }

    fn swap_in(&mut self) -> Result<()> {
        let (staging, output, spare) = match &self.target {
            Target::Staging {
                staging,
                output,
                reuse,
                spare,
            } => {
                if matches!(reuse, Reuse::Spare { .. }) {
                    remove_unwritten(staging, &self.lock_written())?;
                }
                (staging.clone(), output.clone(), spare.clone())
            }
            Target::Visitor(_) => return Ok(()),
        };
        // The replaced site, now at `replaced`, is kept as the spare or removed.
        let retire = |replaced: &Path| -> Result<()> {
            match &spare {
                Some(spare) => std::fs::rename(replaced, spare)
                    .with_context(|| format!("keeping the previous site as {}", spare.display())),
                None => std::fs::remove_dir_all(replaced).with_context(|| {
                    format!("removing the previous site, now in {}", replaced.display())
                }),
            }
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
                return retire(&staging);
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
            retire(&old)?;
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

fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
        }
        None => Ok(()),
    }
}

/// A file is in place in the staging directory; the identity of the file,
/// when known.
struct Placed(Option<FileIdentity>);

/// Puts a recorded page in place without rendering it: the spare's file
/// is kept, or the site in place's is linked, when it is the very file a
/// build recorded for `fp`. `None`: the page must be rendered.
fn keep_recorded(
    staging: &Path,
    reuse: &Reuse,
    pages: &PageManifest,
    rel: &str,
    checked: &Path,
    fp: PageFingerprint,
) -> Result<Option<Placed>> {
    match reuse {
        Reuse::Spare { dir, .. } => Ok(pages
            .holds(dir, rel, checked, fp)
            .map(|identity| Placed(Some(identity)))),
        Reuse::Fresh {
            link_from: Some(previous),
        } => {
            if pages.holds(previous, rel, checked, fp).is_none() {
                return Ok(None);
            }
            let path = staging.join(checked);
            create_parent(&path)?;
            Ok(link(previous, checked, &path))
        }
        Reuse::Fresh { link_from: None } => Ok(None),
    }
}

/// Puts `bytes` at `checked` in the staging directory.
fn place_bytes(staging: &Path, reuse: &Reuse, checked: &Path, bytes: &[u8]) -> Result<Placed> {
    match reuse {
        Reuse::Spare { dir, .. } => match holds_exactly(dir, checked, bytes) {
            Some(identity) => Ok(Placed(Some(identity))),
            None => replace_in_spare(staging, checked, bytes),
        },
        Reuse::Fresh { link_from } => {
            let path = staging.join(checked);
            create_parent(&path)?;
            // The file compared is the one linked: both are looked up
            // beneath the same open directory.
            let linked = link_from.as_ref().and_then(|previous| {
                holds_exactly(previous, checked, bytes)?;
                link(previous, checked, &path)
            });
            match linked {
                Some(placed) => Ok(placed),
                None => write_file(&path, bytes),
            }
        }
    }
}

/// Hard-links `rel` beneath `previous` at `path`; `None` if that failed.
fn link(previous: &OwnedFd, rel: &Path, path: &Path) -> Option<Placed> {
    rustix::fs::linkat(
        previous,
        rel,
        rustix::fs::CWD,
        path,
        rustix::fs::AtFlags::empty(),
    )
    .ok()?;
    // Linking changed the file's change time: its identity from now on.
    let meta = path.symlink_metadata().ok();
    Some(Placed(meta.as_ref().and_then(FileIdentity::of)))
}

/// Writes a new file. Never into an existing one: that may share its
/// inode with a page of the live site.
fn write_file(path: &Path, bytes: &[u8]) -> Result<Placed> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(Placed(
        file.metadata().ok().as_ref().and_then(FileIdentity::of),
    ))
}

/// Writes `bytes` at `rel` inside the spare `staging`, first removing
/// whatever of the old site stands in the way: a file where a directory
/// must be, a directory where the file must be, a link where either must
/// be: nothing is written through a link.
fn replace_in_spare(staging: &Path, rel: &Path, bytes: &[u8]) -> Result<Placed> {
    let mut dir = staging.to_path_buf();
    let parents: Vec<_> = rel
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
        .collect();
    for component in parents {
        dir.push(component);
        if dir.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            continue;
        }
        // A file of the old site stands here. Threads writing beside each
        // other may meet here: one's removal may find nothing, and another's
        // directory may appear first, so neither is an error, and a
        // directory is never removed.
        let _ = std::fs::remove_file(&dir);
        if let Err(e) = std::fs::create_dir(&dir) {
            if !dir.symlink_metadata().is_ok_and(|m| m.is_dir()) {
                return Err(e).with_context(|| format!("creating {}", dir.display()));
            }
        }
    }
    // The old file is removed, never overwritten in place: a build without
    // a spare hard-links unchanged pages to the live site's, so a file here
    // may share its inode with a page readers are being served.
    let path = staging.join(rel);
    if path.symlink_metadata().is_ok() {
        remove_entry(&path)?;
    }
    write_file(&path, bytes)
}

fn remove_entry(path: &Path) -> Result<()> {
    let is_dir = path.symlink_metadata().is_ok_and(|m| m.is_dir());
    let removed = if is_dir {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    removed.with_context(|| format!("removing {}", path.display()))
}

/// Removes from the staged spare every file the new site did not write
/// (links and other odd files someone put there too), and every directory
/// it wrote nothing into, whole. Directories are listed in parallel: a
/// rebuild spends most of this call waiting on the listing of every page's
/// directory.
fn remove_unwritten(staging: &Path, written: &Written) -> Result<()> {
    prune(staging, Path::new(""), written)
}

/// Prunes `staging/rel`, a directory of the new site.
fn prune(staging: &Path, rel: &Path, written: &Written) -> Result<()> {
    let dir = staging.join(rel);
    let entries = std::fs::read_dir(&dir)
        .and_then(|entries| entries.collect::<std::io::Result<Vec<_>>>())
        .with_context(|| format!("listing {}", dir.display()))?;
    entries.par_iter().try_for_each(|entry| {
        let rel = rel.join(entry.file_name());
        // A link is neither: it goes.
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        match is_dir {
            true if written.dirs.contains(&rel) => prune(staging, &rel, written),
            false if written.files.contains(&rel) => Ok(()),
            _ => remove_entry(&staging.join(&rel)),
        }
    })
}

/// Whether `rel` beneath `dir` is a regular file holding exactly `bytes`,
/// reached without following a link (so a link someone put in the spare
/// cannot make a page outside it count as written); any doubt is a no.
fn holds_exactly(dir: &OwnedFd, rel: &Path, bytes: &[u8]) -> Option<FileIdentity> {
    use std::io::Read;
    // Without openat2 (kernels before 5.6), every file is rewritten.
    let file = open_beneath(dir, rel, rustix::fs::OFlags::RDONLY)?;
    let meta = file.metadata().ok()?;
    let identity = FileIdentity::of(&meta)?;
    if meta.len() != bytes.len() as u64 {
        return None;
    }
    // Compared a block at a time through one buffer per thread: no
    // allocation per file, and a difference ends the reading.
    thread_local! {
        static BLOCK: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 64 * 1024]);
    }
    let same = BLOCK.with(|block| {
        let mut block = block.borrow_mut();
        let mut file = file;
        let mut expected = bytes;
        loop {
            match file.read(&mut block) {
                Ok(0) => return expected.is_empty(),
                Ok(n) if expected.starts_with(&block[..n]) => expected = &expected[n..],
                Ok(_) => return false,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    });
    same.then_some(identity)
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
    fn no_file_takes_the_place_of_another() {
        let dir = tempfile::tempdir().unwrap();
        let sink = OutputSink::create(&dir.path().join("public"), None).unwrap();
        sink.write("a/b/index.html", b"page").unwrap();
        sink.write("a/b/other.html", b"page").unwrap();
        assert_eq!(
            sink.clash("a/b/index.html").as_deref(),
            Some("a/b/index.html")
        );
        assert_eq!(
            sink.clash("a//b/index.html").as_deref(),
            Some("a/b/index.html")
        );
        // A file where a directory of the site is, or inside a file.
        assert_eq!(sink.clash("a").as_deref(), Some("a"));
        assert_eq!(sink.clash("a/b").as_deref(), Some("a/b"));
        assert_eq!(
            sink.clash("a/b/index.html/x.png").as_deref(),
            Some("a/b/index.html")
        );
        assert_eq!(sink.clash("a/c/index.html"), None);
        assert_eq!(sink.clash("a/b/x.html"), None);
        for rel in ["a/b/index.html", "a", "a/b/index.html/x.png"] {
            let err = sink.write(rel, b"static").unwrap_err();
            assert!(
                err.to_string().contains("which this build wrote already"),
                "{err}"
            );
        }
        assert_eq!(sink.files_written(), 2);
    }

    #[test]
    fn commit_swaps_and_drop_discards() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let sink = OutputSink::create(&out, None).unwrap();
        sink.write("index.html", b"one").unwrap();
        sink.commit().unwrap();
        assert_eq!(std::fs::read(out.join("index.html")).unwrap(), b"one");

        let sink = OutputSink::create(&out, None).unwrap();
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
        let sink = OutputSink::create(&dir.path().join("public"), None).unwrap();
        sink.commit().unwrap();
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, [".publicity", "public"]);
    }
}
