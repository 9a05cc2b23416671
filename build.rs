//! Embeds the default theme (themes/default/) in the binary: the built-in
//! fallback of every template and static file lookup, and what
//! `broadsheet init` copies into a new digest. Every file under the
//! directory is listed, so a new template needs no change here.
//!
//! Also stamps the code's version for the ingest cache: a hash of every
//! source file and of Cargo.lock, so a cache entry made by other code (a
//! changed policy, a dependency update) is never read.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    write_code_version(&manifest);
    let theme = manifest.join("themes").join("default");
    println!("cargo:rerun-if-changed={}", theme.display());
    let mut files = Vec::new();
    collect(&theme, &mut files);
    files.sort();
    let mut out = String::from(
        "/// The default theme's files: path inside the theme, contents.\npub const DEFAULT_THEME: &[(&str, &[u8])] = &[\n",
    );
    for file in &files {
        let rel = file
            .strip_prefix(&theme)
            .expect("collected under the theme")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("default_theme.rs");
    std::fs::write(&dest, out).expect("writing the embedded theme list");
}

/// Regular files under `dir`, symlinks skipped like the theme loader does.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("listing the theme");
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            collect(&entry.path(), files);
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
}

/// `CODE_VERSION`: a hash of src/, build.rs and Cargo.lock (paths and
/// contents, in sorted order). SipHash with its fixed keys is stable for
/// one toolchain, which is all a build cache needs.
fn write_code_version(manifest: &Path) {
    use std::hash::{Hash, Hasher};
    let mut files = Vec::new();
    collect(&manifest.join("src"), &mut files);
    files.push(manifest.join("build.rs"));
    files.push(manifest.join("Cargo.lock"));
    files.sort();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let mut halves = [0u64; 2];
    for (i, half) in halves.iter_mut().enumerate() {
        #[allow(deprecated)]
        let mut h = std::hash::SipHasher::new_with_keys(i as u64, 0x6272_6f61_6473_6874);
        for file in &files {
            file.strip_prefix(manifest).unwrap_or(file).hash(&mut h);
            std::fs::read(file).unwrap_or_default().hash(&mut h);
        }
        *half = h.finish();
    }
    let out = format!(
        "/// A hash of the code that produced a cache entry (see build.rs).\npub const CODE_VERSION: &str = \"{:016x}{:016x}\";\n",
        halves[0], halves[1]
    );
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("code_version.rs");
    std::fs::write(&dest, out).expect("writing the code version");
}
