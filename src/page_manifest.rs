//! What the last two builds put where: for each page, the fingerprint of
//! its inputs ([`crate::fingerprint`]) and the identity of the file it went
//! into. A rebuild keeps (or links) a page whose fingerprint is unchanged
//! without rendering it, but only when the file it finds is the very file
//! recorded: the same inode, its size and change time untouched. The
//! kernel sets a file's change time on every change and cannot be told
//! otherwise, and the sink never changes a file in place (it writes new
//! ones), so a recorded identity proves the file holds what was rendered.
//! A lost, stale or foreign record therefore only costs renders. (The
//! change time ticks every few milliseconds: a file replaced outside the
//! build within the tick it was written, by one of the same size that got
//! the same inode number, would pass; nothing in a build does that.)
//!
//! The records live in the cache directory, two files per output directory
//! (the last build's and the one before, as the spare holds the site of
//! the build before), named by a hash of the output's path, which they
//! hold too: a build removes the records of output directories that are
//! gone (the temporary sites of `serve`, say), so they do not pile up.

use std::collections::HashMap;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

use crate::fingerprint::PageFingerprint;

/// Starts every record file; the digit changes with the layout.
const MAGIC: &[u8; 8] = b"BSPAGES2";

/// Which file a path leads to, and its state: any change to the file or
/// its name's target changes one of these.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
    size: u64,
    ctime: i64,
    ctime_nsec: i64,
    mtime: i64,
    mtime_nsec: i64,
}

const IDENTITY_LEN: usize = 7 * 8;

impl FileIdentity {
    /// The identity of a regular file; `None` for anything else.
    pub fn of(meta: &std::fs::Metadata) -> Option<FileIdentity> {
        meta.file_type().is_file().then(|| FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            ctime: meta.ctime(),
            ctime_nsec: meta.ctime_nsec(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
        })
    }

    /// The identity of the regular file at `rel` beneath `dir`, reached
    /// without following any link.
    pub fn at(dir: &OwnedFd, rel: &Path) -> Option<FileIdentity> {
        let file = open_beneath(dir, rel, rustix::fs::OFlags::PATH)?;
        FileIdentity::of(&file.metadata().ok()?)
    }

    fn to_bytes(self) -> [u8; IDENTITY_LEN] {
        let mut out = [0; IDENTITY_LEN];
        let fields = [
            self.dev,
            self.ino,
            self.size,
            self.ctime as u64,
            self.ctime_nsec as u64,
            self.mtime as u64,
            self.mtime_nsec as u64,
        ];
        for (chunk, field) in out.chunks_exact_mut(8).zip(fields) {
            chunk.copy_from_slice(&field.to_le_bytes());
        }
        out
    }

    fn from_bytes(bytes: &[u8]) -> FileIdentity {
        let field = |i: usize| {
            let mut b = [0; 8];
            b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            u64::from_le_bytes(b)
        };
        FileIdentity {
            dev: field(0),
            ino: field(1),
            size: field(2),
            ctime: field(3) as i64,
            ctime_nsec: field(4) as i64,
            mtime: field(5) as i64,
            mtime_nsec: field(6) as i64,
        }
    }
}

/// Opens `rel` beneath `dir` with `flags`, following no link on the way
/// (so nothing placed in the tree can lead outside it) nor at the end.
/// Kernels before 5.6 lack `openat2`: then nothing opens.
pub fn open_beneath(dir: &OwnedFd, rel: &Path, flags: rustix::fs::OFlags) -> Option<std::fs::File> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    rustix::fs::openat2(
        dir,
        rel,
        flags | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::NO_SYMLINKS,
    )
    .ok()
    .map(std::fs::File::from)
}

type Record = (String, PageFingerprint, FileIdentity);

/// The records of the last two builds into one output directory, and this
/// build's.
pub struct PageManifest {
    /// The output directory, absolute.
    output: PathBuf,
    last: PathBuf,
    before: PathBuf,
    known: HashMap<String, Vec<(PageFingerprint, FileIdentity)>>,
    placed: Mutex<Vec<Record>>,
}

impl PageManifest {
    /// The records kept in `cache_dir` for `output`. Missing or damaged
    /// files count as empty: they only cost renders.
    pub fn open(cache_dir: &Path, output: &Path) -> PageManifest {
        let output = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
        let key = blake3::hash(output.as_os_str().as_encoded_bytes()).to_hex();
        let name = |which: &str| cache_dir.join(format!("pages-{}.{which}", &key[..16]));
        let (last, before) = (name("last"), name("before"));
        let mut known: HashMap<String, Vec<(PageFingerprint, FileIdentity)>> = HashMap::new();
        for file in [&last, &before] {
            let records = std::fs::read(file)
                .ok()
                .and_then(|b| decode(&b, &output))
                .unwrap_or_default();
            for (rel, fp, id) in records {
                known.entry(rel).or_default().push((fp, id));
            }
        }
        PageManifest {
            output,
            last,
            before,
            known,
            placed: Mutex::new(Vec::new()),
        }
    }

    /// The identity of the file at `rel` beneath `dir` if it is a file
    /// recorded as rendered from inputs with fingerprint `fp`.
    pub fn holds(
        &self,
        dir: &OwnedFd,
        rel: &str,
        checked: &Path,
        fp: PageFingerprint,
    ) -> Option<FileIdentity> {
        let candidates = self.known.get(rel)?;
        if !candidates.iter().any(|(f, _)| *f == fp) {
            return None;
        }
        let found = FileIdentity::at(dir, checked)?;
        candidates
            .iter()
            .any(|&(f, id)| f == fp && id == found)
            .then_some(found)
    }

    /// Notes that this build's `rel`, fingerprint `fp`, is the file `id`.
    pub fn record(&self, rel: &str, fp: PageFingerprint, id: FileIdentity) {
        self.placed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((rel.to_string(), fp, id));
    }

    /// Makes this build's records the last ones, after it was published,
    /// and removes the records of output directories that are gone.
    pub fn save(self) -> Result<()> {
        let mut placed = self.placed.into_inner().unwrap_or_else(|e| e.into_inner());
        placed.sort_by(|a, b| a.0.cmp(&b.0));
        let temp = self.last.with_extension("new");
        std::fs::write(&temp, encode(&self.output, &placed))
            .with_context(|| format!("writing the page record {}", temp.display()))?;
        if self.last.exists() {
            std::fs::rename(&self.last, &self.before)
                .with_context(|| format!("keeping the page record {}", self.before.display()))?;
        }
        std::fs::rename(&temp, &self.last)
            .with_context(|| format!("writing the page record {}", self.last.display()))?;
        if let Some(cache_dir) = self.last.parent() {
            remove_orphaned_records(cache_dir);
        }
        Ok(())
    }
}

/// Removes the record files in `cache_dir` of output directories that
/// are gone, and those an older layout wrote. Best effort: they only take
/// disk. A file that cannot be read is left (it may be a concurrent
/// build's, between its two renames), and so are `.new` files (one may be
/// a concurrent build's, half written; the next save of its output
/// replaces it).
fn remove_orphaned_records(cache_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(cache_dir) else {
        return;
    };
    for path in entries.flatten().map(|entry| entry.path()) {
        let is_record = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.starts_with("pages-") && (n.ends_with(".last") || n.ends_with(".before"))
        });
        if !is_record {
            continue;
        }
        let orphaned = match std::fs::File::open(&path)
            .ok()
            .and_then(|mut file| recorded_for(&mut file))
        {
            Some(RecordedFor::Output(dir)) => !dir.is_dir(),
            Some(RecordedFor::OlderLayout) => true,
            None => false,
        };
        if orphaned {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// What a record file's header says it was written for.
#[derive(Debug, PartialEq)]
enum RecordedFor {
    Output(PathBuf),
    OlderLayout,
}

/// `None` when the header cannot be read whole.
fn recorded_for(file: &mut impl Read) -> Option<RecordedFor> {
    let mut magic = [0; MAGIC.len()];
    file.read_exact(&mut magic).ok()?;
    if magic != *MAGIC {
        // The same name with another layout digit.
        let older = magic[..MAGIC.len() - 1] == MAGIC[..MAGIC.len() - 1];
        return older.then_some(RecordedFor::OlderLayout);
    }
    let mut len = [0; 4];
    file.read_exact(&mut len).ok()?;
    let len = u64::from(u32::from_le_bytes(len));
    // Read through `take`: a damaged length allocates nothing up front.
    let mut path = Vec::new();
    file.take(len).read_to_end(&mut path).ok()?;
    (path.len() as u64 == len)
        .then(|| RecordedFor::Output(PathBuf::from(std::ffi::OsString::from_vec(path))))
}

fn encode(output: &Path, records: &[Record]) -> Vec<u8> {
    let output = output.as_os_str().as_bytes();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&(output.len() as u32).to_le_bytes());
    out.extend_from_slice(output);
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    for (rel, fp, id) in records {
        out.extend_from_slice(&(rel.len() as u32).to_le_bytes());
        out.extend_from_slice(rel.as_bytes());
        out.extend_from_slice(&fp.0);
        out.extend_from_slice(&id.to_bytes());
    }
    out
}

/// The records in `bytes`, if they were written for `output`.
fn decode(bytes: &[u8], output: &Path) -> Option<Vec<Record>> {
    let mut rest = bytes;
    match recorded_for(&mut rest)? {
        RecordedFor::Output(dir) if dir.as_os_str() == output.as_os_str() => {}
        _ => return None,
    }
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
    let mut records = Vec::new();
    for _ in 0..count {
        let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let rel = String::from_utf8(take(len)?.to_vec()).ok()?;
        let fp = PageFingerprint(take(32)?.try_into().ok()?);
        let id = FileIdentity::from_bytes(take(IDENTITY_LEN)?);
        records.push((rel, fp, id));
    }
    Some(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_damage_reads_as_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.html");
        std::fs::write(&file, "<p>a</p>").unwrap();
        let id = FileIdentity::of(&std::fs::metadata(&file).unwrap()).unwrap();
        let records = vec![("a/index.html".to_string(), PageFingerprint([7; 32]), id)];
        let output = Path::new("/srv/site/public");
        let bytes = encode(output, &records);
        let back = decode(&bytes, output).unwrap();
        assert_eq!(back[0].0, records[0].0);
        assert_eq!((back[0].1, back[0].2), (records[0].1, records[0].2));
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], output).is_none(), "cut at {cut}");
        }
        assert!(decode(&bytes, Path::new("/srv/other/public")).is_none());
        assert_eq!(
            recorded_for(&mut bytes.as_slice()),
            Some(RecordedFor::Output(output.to_path_buf()))
        );
        let mut older = bytes.clone();
        older[7] = b'1';
        assert_eq!(
            recorded_for(&mut older.as_slice()),
            Some(RecordedFor::OlderLayout)
        );
        for cut in 0..MAGIC.len() + 4 + output.as_os_str().len() {
            assert_eq!(recorded_for(&mut &bytes[..cut]), None, "cut at {cut}");
        }
        // A damaged length claims 4 GiB: nothing that size is allocated.
        let mut damaged = MAGIC.to_vec();
        damaged.extend_from_slice(&u32::MAX.to_le_bytes());
        damaged.extend_from_slice(b"/srv");
        assert_eq!(recorded_for(&mut damaged.as_slice()), None);
    }

    #[test]
    fn the_records_of_output_directories_that_are_gone_are_removed() {
        let cache = tempfile::tempdir().unwrap();
        let sites = tempfile::tempdir().unwrap();
        let (kept, gone) = (sites.path().join("kept"), sites.path().join("gone"));
        let names = |output: &Path| -> Vec<String> {
            let manifest = PageManifest::open(cache.path(), output);
            [&manifest.last, &manifest.before]
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .to_vec()
        };
        let listing = || -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(cache.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        for output in [&kept, &gone] {
            std::fs::create_dir(output).unwrap();
            // Two builds: a last and a before record.
            PageManifest::open(cache.path(), output).save().unwrap();
            PageManifest::open(cache.path(), output).save().unwrap();
        }
        // An older layout's record, one that cannot be read whole (a
        // concurrent build's, say), and a file that is not a record.
        let older = cache.path().join("pages-0123456789abcdef.last");
        std::fs::write(older, b"BSPAGES1").unwrap();
        let unread = cache.path().join("pages-fedcba9876543210.last");
        std::fs::write(unread, b"BSPAG").unwrap();
        std::fs::write(cache.path().join("notes.txt"), b"mine").unwrap();
        assert_eq!(listing().len(), 7);

        std::fs::remove_dir(&gone).unwrap();
        PageManifest::open(cache.path(), &kept).save().unwrap();
        let mut expected = names(&kept);
        expected.push("notes.txt".to_string());
        expected.push("pages-fedcba9876543210.last".to_string());
        expected.sort();
        assert_eq!(listing(), expected);
    }

    #[test]
    fn a_recorded_file_is_held_until_it_changes_or_is_replaced() {
        let cache = tempfile::tempdir().unwrap();
        let site = tempfile::tempdir().unwrap();
        let dir = rustix::fs::open(
            site.path(),
            rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::RDONLY,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        let page = site.path().join("index.html");
        std::fs::write(&page, "one").unwrap();
        let fp = PageFingerprint([1; 32]);
        // Records that `rel` is the file now at `file`, as a build would.
        let record = |rel: &str, file: &str| {
            let manifest = PageManifest::open(cache.path(), site.path());
            manifest.record(rel, fp, FileIdentity::at(&dir, Path::new(file)).unwrap());
            manifest.save().unwrap();
        };
        record("index.html", "index.html");

        let manifest = PageManifest::open(cache.path(), site.path());
        let rel = Path::new("index.html");
        assert!(manifest.holds(&dir, "index.html", rel, fp).is_some());
        assert!(manifest
            .holds(&dir, "index.html", rel, PageFingerprint([2; 32]))
            .is_none());
        // Another output directory has records of its own.
        assert!(PageManifest::open(cache.path(), cache.path())
            .holds(&dir, "index.html", rel, fp)
            .is_none());

        // Replaced by a file with the same bytes: not the recorded file.
        // (Change times tick coarsely: a replacement within one tick that
        // reused the inode number would pass; see the module's note.)
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::fs::remove_file(&page).unwrap();
        std::fs::write(&page, "one").unwrap();
        assert!(manifest.holds(&dir, "index.html", rel, fp).is_none());

        // A link to the recorded file is never followed.
        let elsewhere = site.path().join("elsewhere.html");
        std::fs::write(&elsewhere, "one").unwrap();
        record("e.html", "elsewhere.html");
        std::os::unix::fs::symlink(&elsewhere, site.path().join("e.html")).unwrap();
        let manifest = PageManifest::open(cache.path(), site.path());
        assert!(manifest
            .holds(&dir, "e.html", Path::new("e.html"), fp)
            .is_none());
    }
}
