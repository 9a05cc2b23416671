//! The ingest cache: what each snapshot became (its articles' metadata and
//! their sanitized, re-rendered bodies), kept on disk between builds so an
//! unchanged snapshot is neither parsed nor sanitized again.
//!
//! An entry's name is a hash of everything that decides its contents: the
//! snapshot's bytes and its path, the settings ingest reads (see
//! [`IngestFingerprint`]) and the version of the code that produced it
//! ([`CODE_VERSION`]: a hash of the sources and of Cargo.lock, made at
//! compile time). A changed input is a different name, so a stale entry is
//! never found, only left behind; a build removes the entries it did not
//! use. Entries are written to a temporary file and renamed, and checked for
//! their exact length when read, so a killed build leaves no entry that
//! could be read half.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

use crate::bodies::{BodyBuffer, BodyStore};
use crate::curate::IngestedSource;

include!(concat!(env!("OUT_DIR"), "/code_version.rs"));

/// Starts every entry; the digit changes with the file layout.
const MAGIC: &[u8; 8] = b"BSINGST1";
/// Magic, the metadata's length, the bodies' length.
const HEADER_LEN: u64 = 8 + 8 + 8;
const ENTRY_SUFFIX: &str = ".entry";

/// The part of an entry's name shared by every snapshot of one build: the
/// code version and the settings ingest reads. Built by the loader from its
/// own options, so nothing it reads can be left out by mistake elsewhere.
#[derive(Clone)]
pub struct IngestFingerprint(blake3::Hash);

impl IngestFingerprint {
    /// `settings` is a stable description (e.g. `{:?}` of ordered maps and
    /// plain structs) of every setting that changes what ingest produces.
    pub fn new(settings: &str) -> IngestFingerprint {
        let mut h = blake3::Hasher::new();
        h.update(CODE_VERSION.as_bytes());
        h.update(&(settings.len() as u64).to_le_bytes());
        h.update(settings.as_bytes());
        IngestFingerprint(h.finalize())
    }
}

/// An open cache directory.
pub struct IngestCache {
    dir: PathBuf,
    /// Entries this build read or wrote; the rest go in [`IngestCache::prune`].
    used: Mutex<BTreeSet<String>>,
}

/// What a lookup found.
pub struct CacheEntryName(String);

impl CacheEntryName {
    /// The identity of the body of the `index`th article of the entry:
    /// the name hashes everything that decides the entry's contents, so the
    /// name and the index decide the body, and hashing them stands for
    /// hashing the body's bytes (about as many as the snapshot's).
    fn body_identity(&self, index: usize) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(self.0.as_bytes());
        h.update(&(index as u64).to_le_bytes());
        *h.finalize().as_bytes()
    }
}

impl IngestCache {
    /// Opens (creating it if need be) the cache at `dir`.
    pub fn open(dir: &Path) -> Result<IngestCache> {
        let dir = dir.join("ingest");
        std::fs::create_dir_all(&dir).with_context(|| {
            format!(
                "creating the cache directory {} (pass --cache-dir to put it elsewhere, or --no-cache)",
                dir.display()
            )
        })?;
        Ok(IngestCache {
            dir,
            used: Mutex::new(BTreeSet::new()),
        })
    }

    /// The name of the entry for one snapshot. `source_settings` describes
    /// the per-snapshot settings (its `sources:` entry in site.yaml).
    pub fn entry_name(
        fingerprint: &IngestFingerprint,
        key: &str,
        source_settings: &str,
        bytes: &[u8],
    ) -> CacheEntryName {
        let mut h = blake3::Hasher::new();
        h.update(fingerprint.0.as_bytes());
        for part in [key.as_bytes(), source_settings.as_bytes(), bytes] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part);
        }
        CacheEntryName(h.finalize().to_hex().to_string())
    }

    fn path(&self, name: &CacheEntryName) -> PathBuf {
        self.dir.join(format!("{}{ENTRY_SUFFIX}", name.0))
    }

    fn mark_used(&self, name: &CacheEntryName) {
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.0.clone());
    }

    /// The cached snapshot, its bodies added to `bodies` as a segment; `None`
    /// when there is no entry or it cannot be read whole (it is then
    /// ingested again and rewritten).
    pub fn load(&self, name: &CacheEntryName, bodies: &BodyStore) -> Option<IngestedSource> {
        let file = File::open(self.path(name)).ok()?;
        let mut header = [0u8; HEADER_LEN as usize];
        file.read_exact_at(&mut header, 0).ok()?;
        if &header[..8] != MAGIC {
            return None;
        }
        let meta_len = u64::from_le_bytes(header[8..16].try_into().ok()?);
        let bodies_len = u64::from_le_bytes(header[16..24].try_into().ok()?);
        let file_len = file.metadata().ok()?.len();
        if HEADER_LEN.checked_add(meta_len)?.checked_add(bodies_len)? != file_len {
            return None;
        }
        let mut meta = vec![0u8; usize::try_from(meta_len).ok()?];
        file.read_exact_at(&mut meta, HEADER_LEN).ok()?;
        let mut source: IngestedSource = serde_json::from_slice(&meta).ok()?;
        let base = HEADER_LEN + meta_len;
        if source
            .articles
            .iter()
            .any(|a| a.body.end().is_none_or(|end| end > bodies_len))
        {
            return None;
        }
        source.relocate_bodies(bodies.add_segment(file, base), base);
        self.mark_used(name);
        Some(source)
    }

    /// Writes the entry for a freshly ingested snapshot whose body refs
    /// point into `buffer`, and moves its bodies there: the entry's file
    /// becomes a segment of `bodies` and the refs are relocated to it. Each
    /// body gets its identity here (see `CacheEntryName::body_identity`).
    pub fn store(
        &self,
        name: &CacheEntryName,
        source: &mut IngestedSource,
        buffer: &BodyBuffer,
        bodies: &BodyStore,
    ) -> Result<()> {
        for (index, article) in source.articles.iter_mut().enumerate() {
            article.body = article.body.identified(name.body_identity(index));
        }
        let path = self.path(name);
        let write = || -> Result<(File, u64)> {
            let meta = serde_json::to_vec(&*source).context("encoding the entry")?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".entry-")
                .tempfile_in(&self.dir)?;
            let file = tmp.as_file_mut();
            file.write_all(MAGIC)?;
            file.write_all(&(meta.len() as u64).to_le_bytes())?;
            file.write_all(&(buffer.as_bytes().len() as u64).to_le_bytes())?;
            file.write_all(&meta)?;
            file.write_all(buffer.as_bytes())?;
            Ok((tmp.persist(&path)?, meta.len() as u64))
        };
        let (file, meta_len) = write().with_context(|| {
            format!(
                "writing the cache entry {} (pass --no-cache to build without the cache)",
                path.display()
            )
        })?;
        let base = HEADER_LEN + meta_len;
        source.relocate_bodies(bodies.add_segment(file, base), base);
        self.mark_used(name);
        Ok(())
    }

    /// Removes the entries this build did not use (older versions of
    /// snapshots, settings or code) and leftovers of killed builds; returns
    /// how many files went.
    pub fn prune(&self) -> Result<usize> {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let mut removed = 0;
        let entries = std::fs::read_dir(&self.dir)
            .with_context(|| format!("listing the cache directory {}", self.dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let keep = name
                .strip_suffix(ENTRY_SUFFIX)
                .is_some_and(|stem| used.contains(stem));
            let ours = name.ends_with(ENTRY_SUFFIX) || name.starts_with(".entry-");
            if ours && !keep {
                std::fs::remove_file(entry.path()).with_context(|| {
                    format!("removing the stale cache entry {}", entry.path().display())
                })?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}
