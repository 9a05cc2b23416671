//! A spool for rendered article bodies. Bodies are the bulk of the data; they
//! are written here as soon as they are sanitized and read back once, when
//! their page is rendered, so only metadata stays in memory.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;

use anyhow::{Context, Result};

/// Where one body sits in the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BodyRef {
    offset: u64,
    len: u64,
}

/// An unnamed temporary file (deleted by the OS when dropped) of bodies.
pub struct BodyStore {
    file: File,
    end: Mutex<u64>,
}

impl BodyStore {
    pub fn new() -> Result<BodyStore> {
        let file = tempfile::tempfile().context("creating a temporary file for article bodies")?;
        Ok(BodyStore {
            file,
            end: Mutex::new(0),
        })
    }

    pub fn put(&self, body: &str) -> Result<BodyRef> {
        // Reserve the range under the lock, write outside it: positional
        // writes to disjoint ranges need no ordering.
        let r = {
            let mut end = self.end.lock().unwrap_or_else(|e| e.into_inner());
            let r = BodyRef {
                offset: *end,
                len: body.len() as u64,
            };
            *end += r.len;
            r
        };
        self.file
            .write_all_at(body.as_bytes(), r.offset)
            .context("spooling an article body")?;
        Ok(r)
    }

    pub fn get(&self, r: BodyRef) -> Result<String> {
        let mut buf = vec![0; r.len as usize];
        self.file
            .read_exact_at(&mut buf, r.offset)
            .context("reading back an article body")?;
        String::from_utf8(buf).context("an article body in the spool is not UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip() {
        let store = BodyStore::new().unwrap();
        let a = store.put("<p>first</p>").unwrap();
        let b = store.put("<p>zweite — ü</p>").unwrap();
        let empty = store.put("").unwrap();
        assert_eq!(store.get(b).unwrap(), "<p>zweite — ü</p>");
        assert_eq!(store.get(a).unwrap(), "<p>first</p>");
        assert_eq!(store.get(empty).unwrap(), "");
    }
}
