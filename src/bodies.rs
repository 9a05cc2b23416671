//! Where rendered article bodies wait between ingest and render. Bodies are
//! the bulk of the data: they are written to disk as soon as they are
//! sanitized and read back once, when their page is rendered, so only
//! metadata stays in memory.
//!
//! A store has segments: segment 0 is an unnamed temporary spool; files of
//! the ingest cache are added as further segments, so a cached snapshot's
//! bodies are read where they lie and never copied.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Where one body sits in the store, and its identity: what an article
/// page's fingerprint takes for the body, so that a rebuild need not read a
/// body to know its page is unchanged. The ingest cache sets it when it
/// stores the body (a hash of the entry's name, which hashes everything that
/// decides the entry, and of the body's place in it); without a cache it is
/// zero, and no page is fingerprinted (page records live in the cache).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyRef {
    segment: u32,
    offset: u64,
    len: u64,
    identity: [u8; 32],
}

impl BodyRef {
    /// The same bytes in `segment`, `base` bytes further on: how a range in
    /// a cache file's body section becomes a range of the store.
    pub fn relocated(self, segment: u32, base: u64) -> BodyRef {
        BodyRef {
            segment,
            offset: self.offset + base,
            ..self
        }
    }

    /// Where the body ends; `None` if that overflows (a damaged cache entry).
    pub fn end(self) -> Option<u64> {
        self.offset.checked_add(self.len)
    }

    /// The body's identity.
    pub fn identity(&self) -> &[u8; 32] {
        &self.identity
    }

    /// The same body, known by `identity`.
    pub fn identified(self, identity: [u8; 32]) -> BodyRef {
        BodyRef { identity, ..self }
    }

    /// `body`, laid out at `offset` of a buffer (see [`BodyBuffer`]).
    fn at(offset: u64, body: &[u8]) -> BodyRef {
        BodyRef {
            segment: 0,
            offset,
            len: body.len() as u64,
            identity: [0; 32],
        }
    }
}

/// The spool and the cache files that hold bodies.
pub struct BodyStore {
    segments: RwLock<Vec<Arc<File>>>,
    spool_end: Mutex<u64>,
}

impl BodyStore {
    pub fn new() -> Result<BodyStore> {
        let spool = tempfile::tempfile().context("creating a temporary file for article bodies")?;
        Ok(BodyStore {
            segments: RwLock::new(vec![Arc::new(spool)]),
            spool_end: Mutex::new(0),
        })
    }

    /// Writes `bodies` (one snapshot's, laid out by a [`BodyBuffer`]) to the
    /// spool; their refs move by where they landed.
    pub fn put_buffer(&self, bodies: &BodyBuffer) -> Result<u64> {
        // Reserve the range under the lock, write outside it: positional
        // writes to disjoint ranges need no ordering.
        let base = {
            let mut end = self.spool_end.lock().unwrap_or_else(|e| e.into_inner());
            let base = *end;
            *end += bodies.bytes.len() as u64;
            base
        };
        self.segment(0)
            .write_all_at(&bodies.bytes, base)
            .context("spooling article bodies")?;
        Ok(base)
    }

    /// Adds a file whose bytes hold bodies; returns its segment number.
    pub fn add_segment(&self, file: File) -> u32 {
        let mut segments = self.segments.write().unwrap_or_else(|e| e.into_inner());
        segments.push(Arc::new(file));
        (segments.len() - 1) as u32
    }

    pub fn get(&self, r: BodyRef) -> Result<String> {
        let mut buf = vec![0; r.len as usize];
        self.segment(r.segment)
            .read_exact_at(&mut buf, r.offset)
            .context("reading back an article body")?;
        String::from_utf8(buf).context("a stored article body is not UTF-8")
    }

    fn segment(&self, n: u32) -> Arc<File> {
        let segments = self.segments.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&segments[n as usize])
    }
}

/// One snapshot's bodies, laid end to end in memory until they go to the
/// spool or into a cache file (a snapshot is a few MB at most).
#[derive(Default)]
pub struct BodyBuffer {
    bytes: Vec<u8>,
}

impl BodyBuffer {
    /// A buffer with room for `len` bytes of bodies.
    pub fn with_capacity(len: usize) -> BodyBuffer {
        BodyBuffer {
            bytes: Vec::with_capacity(len),
        }
    }

    /// Appends `body`; the ref is relative to the buffer's start.
    pub fn push(&mut self, body: &str) -> BodyRef {
        let r = BodyRef::at(self.bytes.len() as u64, body.as_bytes());
        self.bytes.extend_from_slice(body.as_bytes());
        r
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_through_the_spool_and_a_segment() {
        let store = BodyStore::new().unwrap();
        let mut first = BodyBuffer::default();
        let a = first.push("<p>first</p>");
        let b = first.push("<p>zweite — ü</p>");
        let empty = first.push("");
        let base = store.put_buffer(&first).unwrap();
        let mut second = BodyBuffer::default();
        let c = second.push("<p>third</p>");
        let base2 = store.put_buffer(&second).unwrap();
        assert_eq!(
            store.get(b.relocated(0, base)).unwrap(),
            "<p>zweite — ü</p>"
        );
        assert_eq!(store.get(a.relocated(0, base)).unwrap(), "<p>first</p>");
        assert_eq!(store.get(empty.relocated(0, base)).unwrap(), "");
        assert_eq!(store.get(c.relocated(0, base2)).unwrap(), "<p>third</p>");

        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"headerBODY").unwrap();
        let segment = store.add_segment(file);
        let d = BodyRef::at(0, b"BODY").relocated(segment, 6);
        assert_eq!(store.get(d).unwrap(), "BODY");
    }
}
