//! `broadsheet serve`: build the site, serve it on 127.0.0.1, rebuild when
//! `content/`, `themes/`, `templates/` or `static/` change, and reload open
//! pages.
//!
//! The site is built by the normal build into an output directory (a
//! temporary one unless `--output` is given), so the atomic swap of the
//! output sink means a request never sees a half-written site, and a failed
//! rebuild leaves the last good one in place. Live reload is a small script
//! added to HTML responses only, never to the files: it polls
//! [`STATUS_PATH`], reloads the page when the build generation changes and
//! shows the last build error in an overlay.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecursiveMode, Watcher};
use percent_encoding::percent_decode_str;
use tiny_http::{Header, Method, Request, Response, Server};

use crate::build::{build, BuildSummary, SOURCE_FOLDERS};
use crate::load::BuildOptions;

/// The live-reload endpoint: `{"generation": N, "error": null | "..."}`.
pub const STATUS_PATH: &str = "/__broadsheet/status";

/// Threads answering requests; enough for a few tabs and their assets.
const WORKERS: usize = 4;

/// How long the watcher waits for a burst of changes (an editor's save, a
/// `git checkout`) to settle before rebuilding once.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// What the command line says about serving.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    /// Where the site is built; a temporary directory when `None`.
    pub output: Option<PathBuf>,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the site in the default browser.
    pub open: bool,
    /// Build pages marked `draft: true` too.
    pub drafts: bool,
    /// Where the ingest cache lives; `None` builds without one.
    pub cache_dir: Option<PathBuf>,
}

/// The state open pages poll.
#[derive(Debug, Default)]
struct Status {
    /// Counts successful builds; a page reloads when it changes.
    generation: u64,
    /// The last build's error, when it failed.
    error: Option<String>,
}

/// Builds, serves and rebuilds until the process is stopped.
pub fn serve(opts: &ServeOptions) -> Result<()> {
    let server = Server::http(("127.0.0.1", opts.port)).map_err(|e| {
        anyhow!(
            "cannot listen on 127.0.0.1:{}: {e}; pass another --port (0 picks a free one)",
            opts.port
        )
    })?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .context("the server has no TCP address")?;
    let url = format!("http://127.0.0.1:{port}/");

    let (output, temp) = match &opts.output {
        Some(output) => (output.clone(), None),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("broadsheet-serve-")
                .tempdir()
                .context("creating a temporary directory for the site")?;
            (temp.path().join("site"), Some(temp))
        }
    };
    // Ctrl+C ends the process without unwinding: remove the temporary site
    // here, or it would stay behind.
    let temp_path = temp.as_ref().map(|t| t.path().to_path_buf());
    ctrlc::set_handler(move || {
        if let Some(dir) = &temp_path {
            let _ = std::fs::remove_dir_all(dir);
        }
        std::process::exit(130);
    })
    .context("installing the Ctrl+C handler")?;

    // Watch before the first build: a change made while it runs, or the
    // moment after "serving" is printed, must still start a rebuild.
    let root = opts.root.canonicalize().with_context(|| {
        format!(
            "the site directory {} cannot be read; pass --root the directory holding content/",
            opts.root.display()
        )
    })?;
    let (tx, changes) = std::sync::mpsc::channel();
    let mut watcher = watch_site(&root, tx)?;

    // Links point at this server, whatever base_url the config names.
    let build_opts = BuildOptions {
        root: opts.root.clone(),
        output: Some(output.clone()),
        base_url: Some(url.clone()),
        strict: false,
        drafts: opts.drafts,
        cache_dir: opts.cache_dir.clone(),
    };
    report_build(&build(&build_opts)?);
    let site_dir = output
        .canonicalize()
        .with_context(|| format!("resolving {}", output.display()))?;

    let status = Arc::new(Mutex::new(Status {
        generation: 1,
        error: None,
    }));
    let server = Arc::new(server);
    for _ in 0..WORKERS {
        let server = Arc::clone(&server);
        let status = Arc::clone(&status);
        let site_dir = site_dir.clone();
        std::thread::spawn(move || {
            while let Ok(request) = server.recv() {
                respond(&site_dir, &status, request);
            }
        });
    }
    println!("serving {} at {url} (Ctrl+C to stop)", opts.root.display());
    let _ = std::io::stdout().flush();
    if opts.open {
        if let Err(e) = open::that_detached(&url) {
            eprintln!("warning: could not open a browser ({e}); open {url} yourself");
        }
    }
    rebuild_on_change(&changes, &mut watcher, &root, &build_opts, &status)
}

fn report_build(summary: &BuildSummary) {
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    println!("{summary}");
    let _ = std::io::stdout().flush();
}

type WatchEvents = std::sync::mpsc::Receiver<notify::Result<Event>>;

/// Watches the site's sources; events arrive on `tx` for as long as the
/// returned watcher lives. `root` is canonical, so events name absolute
/// paths under it.
///
/// The site directory itself is watched without its subfolders, so that a
/// source folder created later (`templates/` for a first override, or
/// `static/`) is seen and then watched too; each source folder is watched
/// with its subfolders. Nothing else is watched: the output, the cache and
/// `.git` may be large and change on every build.
fn watch_site(
    root: &Path,
    tx: std::sync::mpsc::Sender<notify::Result<Event>>,
) -> Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(tx).context("starting the file watcher")?;
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .with_context(|| format!("watching {}", root.display()))?;
    for folder in SOURCE_FOLDERS {
        watch_source_folder(&mut watcher, &root.join(folder))?;
    }
    Ok(watcher)
}

/// Watches a source folder with its subfolders, when it exists.
fn watch_source_folder(watcher: &mut impl Watcher, path: &Path) -> Result<()> {
    if path.is_dir() {
        watcher
            .watch(path, RecursiveMode::Recursive)
            .with_context(|| format!("watching {}", path.display()))?;
    }
    Ok(())
}

/// Rebuilds after every settled burst of changes to the sources; a failed
/// build keeps the last good site and records the error for the overlay.
fn rebuild_on_change(
    rx: &WatchEvents,
    watcher: &mut impl Watcher,
    root: &Path,
    opts: &BuildOptions,
    status: &Mutex<Status>,
) -> Result<()> {
    while let Ok(event) = rx.recv() {
        let mut changed = take_change(event, root, watcher);
        // Let a burst (an editor's save, a `git checkout`) settle, then
        // rebuild once.
        loop {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(event) => {
                    let path = take_change(event, root, watcher);
                    changed = changed.or(path);
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
        let Some(changed) = changed else {
            continue;
        };
        println!(
            "{} changed: rebuilding",
            changed.strip_prefix(root).unwrap_or(&changed).display()
        );
        match build(opts) {
            Ok(summary) => {
                report_build(&summary);
                let mut s = status.lock().unwrap_or_else(|e| e.into_inner());
                s.generation += 1;
                s.error = None;
            }
            Err(e) => {
                let message = format!("{e:#}");
                eprintln!("error: {message}\n(still serving the last good site)");
                status.lock().unwrap_or_else(|e| e.into_inner()).error = Some(message);
            }
        }
    }
    Ok(())
}

/// [`source_change`], and a source folder that has just appeared (made or
/// moved in since the start) is watched from now on, with its subfolders.
fn take_change(
    event: notify::Result<Event>,
    root: &Path,
    watcher: &mut impl Watcher,
) -> Option<PathBuf> {
    let path = source_change(event, root)?;
    if path.parent() == Some(root) {
        if let Err(e) = watch_source_folder(watcher, &path) {
            eprintln!("warning: {e:#}; restart serve to see changes there");
        }
    }
    Some(path)
}

/// The source file or folder an event changed, if any: the build itself
/// opens and reads every source (those reads must not start another
/// build), and changes beside the source folders (the output, the cache,
/// an editor's notes) are none of the site's.
fn source_change(event: notify::Result<Event>, root: &Path) -> Option<PathBuf> {
    let event = match event {
        Ok(event) => event,
        Err(e) => {
            eprintln!("warning: the file watcher reported: {e}");
            return None;
        }
    };
    let is_change = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    };
    if !is_change {
        return None;
    }
    event.paths.into_iter().find(|p| is_source_path(root, p))
}

/// Whether `path` is a source folder of the site at `root`, or inside one.
fn is_source_path(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root)
        .ok()
        .and_then(|rest| rest.components().next())
        .is_some_and(|first| SOURCE_FOLDERS.iter().any(|f| first.as_os_str() == *f))
}

/// Where a request path leads inside the site.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    File(PathBuf),
    /// A directory asked for without its trailing slash.
    Redirect(String),
    NotFound,
}

/// Maps a request target to a file inside `site_dir` (canonical). Anything
/// that is not plainly inside it is not found: `..` and `.` segments,
/// whether written or percent-encoded, backslashes, NUL, and symlinks that
/// lead out.
fn resolve(site_dir: &Path, target: &str) -> Resolved {
    let target = target.split('#').next().unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
        return Resolved::NotFound;
    };
    let Some(inside) = decoded.strip_prefix('/') else {
        return Resolved::NotFound;
    };
    let mut candidate = site_dir.to_path_buf();
    for segment in inside.split('/').filter(|s| !s.is_empty()) {
        let plain = !segment.contains(['\\', '\0'])
            && Path::new(segment)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return Resolved::NotFound;
        }
        candidate.push(segment);
    }
    let inside_site = |p: &Path| {
        p.canonicalize()
            .ok()
            .filter(|real| real.starts_with(site_dir))
    };
    let Some(mut file) = inside_site(&candidate) else {
        return Resolved::NotFound;
    };
    if file.is_dir() {
        if !path.ends_with('/') {
            return Resolved::Redirect(directory_location(path, query));
        }
        match inside_site(&file.join("index.html")) {
            Some(index) => file = index,
            None => return Resolved::NotFound,
        }
    }
    if file.is_file() {
        Resolved::File(file)
    } else {
        Resolved::NotFound
    }
}

/// Where a directory asked for without its slash is redirected: its path
/// with the slash, rebuilt from the non-empty segments so that it starts
/// with exactly one `/` (`//host` would send the browser to another host),
/// and the query kept.
fn directory_location(path: &str, query: Option<&str>) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("/{}/{query}", segments.join("/"))
}

fn respond(site_dir: &Path, status: &Mutex<Status>, request: Request) {
    let (generation, error) = {
        let s = status.lock().unwrap_or_else(|e| e.into_inner());
        (s.generation, s.error.clone())
    };
    let response = if !matches!(request.method(), Method::Get | Method::Head) {
        text_response(405, "only GET and HEAD are served")
    } else if request.url().split('?').next() == Some(STATUS_PATH) {
        let body = serde_json::json!({ "generation": generation, "error": error }).to_string();
        Response::from_data(body)
            .with_header(header("Content-Type", "application/json"))
            .with_header(header("Cache-Control", "no-store"))
    } else {
        match resolve(site_dir, request.url()) {
            Resolved::File(file) => file_response(&file, 200, generation),
            Resolved::Redirect(location) => {
                text_response(302, "moved").with_header(header("Location", &location))
            }
            Resolved::NotFound => match inside_404(site_dir) {
                Some(page) => file_response(&page, 404, generation),
                None => text_response(404, "not found"),
            },
        }
    };
    // A client that went away is no concern of the server's.
    let _ = request.respond(response);
}

fn inside_404(site_dir: &Path) -> Option<PathBuf> {
    match resolve(site_dir, "/404.html") {
        Resolved::File(file) => Some(file),
        _ => None,
    }
}

fn file_response(file: &Path, code: u16, generation: u64) -> Response<std::io::Cursor<Vec<u8>>> {
    let Ok(mut bytes) = std::fs::read(file) else {
        return text_response(404, "not found");
    };
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    let content_type = if mime.type_() == mime_guess::mime::TEXT {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    if mime == mime_guess::mime::TEXT_HTML {
        bytes = inject_reload_script(&bytes, generation);
    }
    Response::from_data(bytes)
        .with_status_code(code)
        .with_header(header("Content-Type", &content_type))
        .with_header(header("Cache-Control", "no-store"))
}

fn text_response(code: u16, text: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_data(text.as_bytes().to_vec())
        .with_status_code(code)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}

/// The live-reload script; `GENERATION` is the build the page came from.
/// The overlay's text is set with `textContent`, so an error message can
/// never become markup.
const RELOAD_SCRIPT: &str = r#"<script>
(function () {
  var generation = GENERATION;
  var overlay = null;
  function show(error) {
    if (!overlay) {
      overlay = document.createElement("pre");
      overlay.id = "broadsheet-error-overlay";
      overlay.style.cssText = "position:fixed;inset:0 0 auto 0;z-index:2147483647;margin:0;padding:1em;max-height:60vh;overflow:auto;white-space:pre-wrap;background:#3b0d0d;color:#fff;font:14px/1.4 monospace;border-bottom:4px solid #e33";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "The last rebuild failed; showing the last good site.\n\n" + error;
  }
  function hide() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  function poll() {
    fetch("STATUS_PATH", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.generation !== generation) { location.reload(); return; }
        if (s.error) { show(s.error); } else { hide(); }
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
</script>
"#;

/// Puts the reload script before the last `</body>`, or at the end.
fn inject_reload_script(html: &[u8], generation: u64) -> Vec<u8> {
    let script = RELOAD_SCRIPT
        .replace("GENERATION", &generation.to_string())
        .replace("STATUS_PATH", STATUS_PATH);
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + script.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(script.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("tags/rust")).unwrap();
        std::fs::write(site.join("index.html"), "home").unwrap();
        std::fs::write(site.join("tags/rust/index.html"), "rust").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), site.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), site.join("up")).unwrap();
        let canonical = site.canonicalize().unwrap();
        (dir, canonical)
    }

    #[test]
    fn paths_resolve_inside_the_site_only() {
        let (_dir, site) = site();
        assert_eq!(resolve(&site, "/"), Resolved::File(site.join("index.html")));
        assert_eq!(
            resolve(&site, "/tags/rust/?page=2#x"),
            Resolved::File(site.join("tags/rust/index.html"))
        );
        assert_eq!(
            resolve(&site, "/tags/%72ust/index.html"),
            Resolved::File(site.join("tags/rust/index.html"))
        );
        assert_eq!(
            resolve(&site, "/tags/rust"),
            Resolved::Redirect("/tags/rust/".into())
        );
        for (target, location) in [
            ("//tags", "/tags/"),
            ("///tags//rust", "/tags/rust/"),
            ("/tags?page=2", "/tags/?page=2"),
            ("//tags?x=1#frag", "/tags/?x=1"),
        ] {
            assert_eq!(
                resolve(&site, target),
                Resolved::Redirect(location.into()),
                "{target}"
            );
        }
        for hostile in [
            "/../secret.txt",
            "/tags/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/tags/..%2f..%2fsecret.txt",
            "/..%5csecret.txt",
            "/leak.txt",
            "/up/secret.txt",
            "/up/",
            "/index.html%00",
            "/%ff",
            "secret.txt",
            "/nope.html",
        ] {
            assert_eq!(resolve(&site, hostile), Resolved::NotFound, "{hostile}");
        }
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let out = inject_reload_script(b"<html><body>x</BODY></html>", 7);
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("<html><body>x<script>"), "{out}");
        assert!(out.ends_with("</script>\n</BODY></html>"), "{out}");
        assert!(out.contains("var generation = 7;"), "{out}");
        assert!(out.contains(STATUS_PATH), "{out}");
    }

    #[test]
    fn only_paths_in_source_folders_are_changes() {
        let root = Path::new("/srv/digest");
        for source in [
            "/srv/digest/content/site.yaml",
            "/srv/digest/static",
            "/srv/digest/templates/base.html",
            "/srv/digest/themes/default/static/style.css",
        ] {
            assert!(is_source_path(root, Path::new(source)), "{source}");
        }
        for other in [
            "/srv/digest",
            "/srv/digest/public/index.html",
            "/srv/digest/.public.staging-12/index.html",
            "/srv/digest/.broadsheet-cache/a",
            "/srv/digest/.git/index",
            "/srv/digest/contents/x",
            "/srv/content/site.yaml",
        ] {
            assert!(!is_source_path(root, Path::new(other)), "{other}");
        }
    }
}
