//! `broadsheet serve`: a real server on a free port, a real file watcher.
//! A page is fetched, a snapshot is edited, the rebuilt page and the reload
//! signal are seen, a failed rebuild keeps the last good site, and nothing
//! outside the output directory can be fetched.
#![cfg(feature = "serve")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// The server process; killed when dropped, so a failing test leaves none.
struct Served {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(root: &Path, output: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
            .args(["serve", "--port", "0", "--root"])
            .arg(root)
            .arg("--output")
            .arg(output)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let out_log = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://") {
                    let _ = tx.send(line[at + 7..].trim_end_matches(|c| c != '/').to_string());
                }
                out_log.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        let err_log = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                err_log.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("serve did not start: {}", log.lock().unwrap()));
        Served {
            child,
            addr: addr.trim_end_matches('/').to_string(),
            log,
        }
    }

    /// A raw GET, so that targets such as `/../x` reach the server as written.
    fn get(&self, target: &str) -> Response {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        Response {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.get("/__broadsheet/status").body).unwrap()
    }

    /// Polls the reload endpoint until `done` holds (bounded).
    fn wait_for(&self, what: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let status = self.status();
            if done(&status) {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}; last status {status}; log:\n{}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    /// The value of a header, by its exact name.
    fn header(&self, name: &str) -> Option<&str> {
        self.head
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
    }

    /// The reload script's side of the protocol: the build generation the
    /// page came from, which the script compares with the status it polls,
    /// and the address it polls.
    fn reload_script(&self) -> (u64, &str) {
        let generation = self
            .body
            .split_once("var generation = ")
            .and_then(|(_, rest)| rest.split_once(';'))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("no generation in the page:\n{}", self.body));
        let polled = self
            .body
            .split_once("fetch(\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(url, _)| url)
            .unwrap_or_else(|| panic!("the page polls nothing:\n{}", self.body));
        (generation, polled)
    }
}

fn feed(title: &str) -> Vec<u8> {
    rss(
        "Blog",
        &format!(
            "<item><title>{title}</title><link>https://blog.example/post</link><guid>https://blog.example/post</guid><pubDate>Fri, 15 May 2026 10:00:00 +0000</pubDate><description>&lt;p&gt;Body text.&lt;/p&gt;</description></item>"
        ),
    )
}

#[test]
fn serves_rebuilds_reloads_and_stays_inside_the_output() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &feed("First title"))]);
    let output = f.root().join("served");
    let server = Served::start(f.root(), &output);

    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(home.head.contains("text/html"), "{}", home.head);
    assert!(home.body.contains("First title"));
    // Links point at the local server, not the configured base_url.
    assert!(home.body.contains(&format!("http://{}/", server.addr)));
    // The reload script is in the response, never in the files.
    assert!(home.body.contains("/__broadsheet/status"));
    let on_disk = std::fs::read_to_string(output.join("index.html")).unwrap();
    assert!(!on_disk.contains("__broadsheet") && !on_disk.contains("<script"));
    let status = server.status();
    assert_eq!(status["generation"], 1);
    assert!(status["error"].is_null());
    // The script polls the status the test reads, and a page holds the
    // generation it was built in: equal, so it does not reload.
    assert_eq!(home.reload_script(), (1, "/__broadsheet/status"));

    // Edit a snapshot: the page is rebuilt and the generation moves on.
    std::fs::write(
        f.root().join("content/feeds/blog.xml"),
        feed("Second title"),
    )
    .unwrap();
    server.wait_for("the rebuild", |s| s["generation"] == 2);
    let home = server.get("/");
    assert!(home.body.contains("Second title") && !home.body.contains("First title"));
    // An open page of generation 1 now sees 2 and reloads; the reloaded page
    // is of generation 2 and stays.
    assert_eq!(home.reload_script().0, 2);
    assert_eq!(server.get("/articles/second-title/").status, 200);

    // A failed rebuild: the error is reported, the last good site served.
    let config = f.root().join("content/site.yaml");
    std::fs::write(&config, format!("{SITE_YAML}per_pgae: 3\n")).unwrap();
    let status = server.wait_for("the error", |s| !s["error"].is_null());
    let error = status["error"].as_str().unwrap();
    assert!(
        error.contains("site.yaml") && error.contains("per_pgae"),
        "{error}"
    );
    assert_eq!(status["generation"], 2);
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Second title"));
    // The page does not reload (same generation) and its overlay shows the
    // status's error, whose text is set as text.
    assert_eq!(home.reload_script().0, 2);
    assert!(home.body.contains("broadsheet-error-overlay"));
    assert!(home.body.contains("overlay.textContent = ") && home.body.contains("+ error;"));
    std::fs::write(&config, SITE_YAML).unwrap();
    let status = server.wait_for("the recovery", |s| s["generation"] == 3);
    // No error: the overlay is hidden, and the page reloads into generation 3.
    assert!(status["error"].is_null());
    assert_eq!(server.get("/").reload_script().0, 3);

    // Directories without their slash are redirected; unknown paths get the
    // site's 404 page.
    // The redirect starts with one `/` however many were asked for: `//tags/`
    // would send a browser to the host `tags`. The query is kept.
    for (target, location) in [
        ("/tags", "/tags/"),
        ("//tags", "/tags/"),
        ("///tags", "/tags/"),
        ("/tags?page=2", "/tags/?page=2"),
    ] {
        let r = server.get(target);
        assert_eq!(r.status, 302, "{target}");
        assert_eq!(r.header("Location"), Some(location), "{target}: {}", r.head);
    }
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"));

    // Nothing outside the output directory, however it is asked for.
    let secret = f.root().join("secret.txt");
    std::fs::write(&secret, "SECRET-TEXT").unwrap();
    std::os::unix::fs::symlink(&secret, output.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(f.root(), output.join("up")).unwrap();
    for target in [
        "/../secret.txt",
        "/articles/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/articles/..%2F..%2Fsecret.txt",
        "/..%5Csecret.txt",
        "/leak.txt",
        "/up/secret.txt",
        "/up/content/site.yaml",
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    ] {
        let r = server.get(target);
        assert_eq!(r.status, 404, "{target}");
        assert!(
            !r.body.contains("SECRET-TEXT")
                && !r.body.contains("root:")
                && !r.body.contains("per_page"),
            "{target} leaked: {}",
            r.body
        );
    }
}

#[test]
fn a_source_folder_made_after_the_start_is_watched() {
    let f = Fixture::new(SITE_YAML, &[("blog.xml", &feed("First title"))]);
    assert!(!f.root().join("static").exists());
    let server = Served::start(f.root(), &f.root().join("served"));
    assert_eq!(server.get("/new.txt").status, 404);

    let static_dir = f.root().join("static");
    std::fs::create_dir(&static_dir).unwrap();
    std::fs::write(static_dir.join("new.txt"), "first").unwrap();
    server.wait_for("the rebuild", |s| s["generation"] == 2);
    let added = server.get("/new.txt");
    assert_eq!((added.status, added.body.as_str()), (200, "first"));

    // Changes inside the new folder are seen too.
    std::fs::write(static_dir.join("new.txt"), "second").unwrap();
    server.wait_for("the second rebuild", |s| s["generation"] == 3);
    assert_eq!(server.get("/new.txt").body, "second");
}
