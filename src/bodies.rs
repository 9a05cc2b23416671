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
use std::sync::atomic::{AtomicUsize, Ordering};
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

    /// Where the body lies: its segment, then its offset in it. Reading
    /// bodies in this order reads each cache file through before the next.
    pub fn storage_order(&self) -> (u32, u64) {
        (self.segment, self.offset)
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
    segments: RwLock<Vec<Segment>>,
    spool_end: Mutex<u64>,
}

#[derive(Clone)]
struct Segment {
    file: Arc<File>,
    /// Where its bodies begin (a cache file holds its metadata before them).
    bodies_from: u64,
}

impl BodyStore {
    pub fn new() -> Result<BodyStore> {
        let spool = tempfile::tempfile().context("creating a temporary file for article bodies")?;
        Ok(BodyStore {
            segments: RwLock::new(vec![Segment {
                file: Arc::new(spool),
                bodies_from: 0,
            }]),
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
            .file
            .write_all_at(&bodies.bytes, base)
            .context("spooling article bodies")?;
        Ok(base)
    }

    /// Adds a file that holds bodies from byte `bodies_from` on; returns
    /// its segment number.
    pub fn add_segment(&self, file: File, bodies_from: u64) -> u32 {
        let mut segments = self.segments.write().unwrap_or_else(|e| e.into_inner());
        segments.push(Segment {
            file: Arc::new(file),
            bodies_from,
        });
        (segments.len() - 1) as u32
    }

    pub fn get(&self, r: BodyRef) -> Result<String> {
        let mut buf = vec![0; r.len as usize];
        self.segment(r.segment)
            .file
            .read_exact_at(&mut buf, r.offset)
            .context("reading back an article body")?;
        String::from_utf8(buf).context("a stored article body is not UTF-8")
    }

    /// A pass that reads each of `bodies` once (see [`ReadOnce`]); with
    /// `release`, a cache file's pages are handed back to the kernel once
    /// the pass has read its last body.
    pub fn read_once(
        &self,
        bodies: impl IntoIterator<Item = BodyRef>,
        release: bool,
    ) -> ReadOnce<'_> {
        let segments = self
            .segments
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len();
        let unread: Vec<AtomicUsize> = (0..segments).map(|_| AtomicUsize::new(0)).collect();
        if release {
            for body in bodies {
                if let Some(n) = unread.get(body.segment as usize) {
                    n.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        ReadOnce {
            store: self,
            unread,
        }
    }

    fn segment(&self, n: u32) -> Segment {
        let segments = self.segments.read().unwrap_or_else(|e| e.into_inner());
        segments[n as usize].clone()
    }
}

/// One pass over bodies, each read once: the article pages. Once the pass
/// has read the last body of a cache file, the file's pages are of no more
/// use to this build (a rebuild reads only the bodies of pages it renders
/// again), so they are given back to the kernel and the pages written next
/// reuse that memory. On a machine that returns free memory to its host, as
/// virtual machines do, new memory is what writing costs: at 100,000
/// articles the article pages took 7.7 to 9.7 s instead of 11.3 to 12.8 s
/// (one build at a time; see the README's benchmarks).
/// The spool is not released: it is a deleted file, and releasing its pages
/// would first write them to the disk for nothing.
pub struct ReadOnce<'s> {
    store: &'s BodyStore,
    /// Per segment, the bodies the pass has yet to read; all zero when
    /// nothing is released.
    unread: Vec<AtomicUsize>,
}

impl ReadOnce<'_> {
    pub fn get(&self, r: BodyRef) -> Result<String> {
        let body = self.store.get(r)?;
        if self.read_last_of_segment(r) {
            // Only the bodies: the next build reads every cache file's
            // metadata (37 MB at 10,000 articles), but few bodies. Advice
            // only: if the kernel cannot take it, the pages stay cached,
            // which costs memory, not correctness.
            let segment = self.store.segment(r.segment);
            let _ = rustix::fs::fadvise(
                &*segment.file,
                segment.bodies_from,
                None,
                rustix::fs::Advice::DontNeed,
            );
        }
        Ok(body)
    }

    /// Counts `r` as read; true when it was the last unread body of a cache
    /// file (never for the spool, segment 0).
    fn read_last_of_segment(&self, r: BodyRef) -> bool {
        r.segment != 0
            && self.unread.get(r.segment as usize).is_some_and(|unread| {
                unread.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                    == Ok(1)
            })
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
        let segment = store.add_segment(file, 6);
        let d = BodyRef::at(0, b"BODY").relocated(segment, 6);
        assert_eq!(store.get(d).unwrap(), "BODY");
    }

    #[test]
    fn a_pass_releases_a_cache_file_at_its_last_body_and_never_the_spool() {
        let store = BodyStore::new().unwrap();
        let mut spooled = BodyBuffer::default();
        let spool_body = spooled.push("<p>spooled</p>");
        let spool_body = spool_body.relocated(0, store.put_buffer(&spooled).unwrap());
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"onetwo").unwrap();
        let segment = store.add_segment(file, 0);
        let one = BodyRef::at(0, b"one").relocated(segment, 0);
        let two = BodyRef::at(0, b"two").relocated(segment, 3);

        let pass = store.read_once([two, spool_body, one], true);
        assert_eq!(pass.get(one).unwrap(), "one");
        assert!(!pass.read_last_of_segment(spool_body));
        assert!(pass.read_last_of_segment(two), "the file's last body");
        // Read again (which a pass should not do): counted once only.
        assert!(!pass.read_last_of_segment(two));
        assert!(!pass.read_last_of_segment(one));

        let keeping = store.read_once([one, two], false);
        assert_eq!(keeping.get(one).unwrap(), "one");
        assert!(!keeping.read_last_of_segment(two), "nothing is released");
    }
}
