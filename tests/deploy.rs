//! The deploy configuration: `netlify.toml` builds the site (with a deploy
//! preview's own URL) and sends a Content-Security-Policy that every page of
//! the default theme satisfies, with nothing inline.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use scraper::{ElementRef, Html};
use url::Url;

const BIN: &str = env!("CARGO_BIN_EXE_broadsheet");

fn netlify() -> toml::Table {
    let path = Path::new(REPO).join("netlify.toml");
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn str_at<'a>(table: &'a toml::Table, keys: &[&str]) -> &'a str {
    let mut value = table.get(keys[0]).unwrap_or_else(|| panic!("no {keys:?}"));
    for key in &keys[1..] {
        value = value.get(key).unwrap_or_else(|| panic!("no {keys:?}"));
    }
    value.as_str().unwrap()
}

/// The headers netlify.toml sends for `path`: every rule whose `for`
/// pattern matches (Netlify's `*` matches any characters, `/` included).
fn headers_for(config: &toml::Table, path: &str) -> BTreeMap<String, String> {
    let mut headers = BTreeMap::new();
    for rule in config["headers"].as_array().unwrap() {
        if glob_matches(rule["for"].as_str().unwrap(), path) {
            for (k, v) in rule["values"].as_table().unwrap() {
                headers.insert(k.clone(), v.as_str().unwrap().to_string());
            }
        }
    }
    headers
}

fn glob_matches(pattern: &str, path: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let Some(rest) = path.strip_prefix(parts[0]) else {
        return false;
    };
    if parts.len() == 1 {
        return rest.is_empty();
    }
    let mut rest = rest;
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(parts[parts.len() - 1])
}

/// A Content-Security-Policy as directive -> sources.
struct Csp(BTreeMap<String, Vec<String>>);

impl Csp {
    fn parse(header: &str) -> Csp {
        Csp(header
            .split(';')
            .filter_map(|d| {
                let mut words = d.split_whitespace();
                let name = words.next()?.to_ascii_lowercase();
                Some((name, words.map(str::to_string).collect()))
            })
            .collect())
    }

    /// The sources of `directive`, falling back to `default-src` as browsers do.
    fn sources(&self, directive: &str) -> &[String] {
        self.0
            .get(directive)
            .or_else(|| self.0.get("default-src"))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Whether `directive` lets a page of `site` load `url`.
    fn allows(&self, directive: &str, site: &Url, url: &Url) -> bool {
        self.sources(directive)
            .iter()
            .any(|source| match source.as_str() {
                "'self'" => url.origin() == site.origin(),
                s if s.ends_with(':') && !s.starts_with('\'') => url.scheme() == &s[..s.len() - 1],
                s if s.starts_with('\'') => false,
                s => {
                    let (scheme, host) = s.split_once("://").unwrap_or(("", s));
                    let host_ok = match host.strip_prefix("*.") {
                        Some(domain) => url
                            .host_str()
                            .is_some_and(|h| h.ends_with(&format!(".{domain}"))),
                        None => url.host_str() == Some(host.trim_end_matches('/')),
                    };
                    host_ok && (scheme.is_empty() || url.scheme() == scheme)
                }
            })
    }
}

#[test]
fn netlify_builds_the_site_and_previews_use_their_own_url() {
    let config = netlify();
    assert_eq!(str_at(&config, &["build", "publish"]), "public");
    let toolchain: toml::Table = toml::from_str(
        &std::fs::read_to_string(Path::new(REPO).join("rust-toolchain.toml")).unwrap(),
    )
    .unwrap();
    let channel = str_at(&toolchain, &["toolchain", "channel"]);
    assert!(
        channel.split('.').all(|n| n.parse::<u32>().is_ok()),
        "a pinned stable release, not {channel}"
    );

    // Run each context's command as Netlify's shell would, with the
    // compiled binary in place of `cargo run`, on a fixture site.
    let prefix = "cargo run --release --locked -- ";
    for (context, preview_url) in [
        (None, None),
        (
            Some("deploy-preview"),
            Some("https://deploy-preview-42--digest.netlify.app"),
        ),
        (
            Some("branch-deploy"),
            Some("https://feature--digest.netlify.app"),
        ),
    ] {
        let command = match context {
            Some(c) => str_at(&config, &["context", c, "command"]),
            None => str_at(&config, &["build", "command"]),
        };
        // `check`, then `build`: a site with errors is never deployed.
        let steps: Vec<&str> = command
            .split(" && ")
            .map(|step| {
                step.strip_prefix(prefix)
                    .unwrap_or_else(|| panic!("{command}: expected `{prefix}...`"))
            })
            .collect();
        let commands: Vec<&str> = steps.iter().map(|s| s.split(' ').next().unwrap()).collect();
        assert_eq!(commands, ["check", "build"], "{command}");
        let script = steps
            .iter()
            .map(|args| format!("\"$BROADSHEET\" {args} --quiet"))
            .collect::<Vec<_>>()
            .join(" && ");
        // A broken link stops the deploy: nothing is built.
        let broken = Fixture::seeds(SITE_YAML);
        std::fs::create_dir_all(broken.root().join("static")).unwrap();
        std::fs::write(
            broken.root().join("static/broken.html"),
            r#"<a href="/nowhere/">x</a>"#,
        )
        .unwrap();
        let status = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(broken.root())
            .env("BROADSHEET", BIN)
            .env(
                "DEPLOY_PRIME_URL",
                preview_url.unwrap_or("https://unused.example"),
            )
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "{command}");
        assert!(!broken.public().exists(), "{command}");

        let f = Fixture::seeds(SITE_YAML);
        let status = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(f.root())
            .env("BROADSHEET", BIN)
            .env(
                "DEPLOY_PRIME_URL",
                preview_url.unwrap_or("https://unused.example"),
            )
            .status()
            .unwrap();
        assert!(status.success(), "{command}");
        let expected_base = match preview_url {
            Some(url) => format!("{url}/"),
            None => "https://digest.example/".to_string(),
        };
        let canonical = hrefs(&f.page("/"), r#"link[rel="canonical"]"#);
        assert_eq!(canonical, std::slice::from_ref(&expected_base), "{command}");
        let sitemap = std::fs::read_to_string(f.public().join("sitemap.xml")).unwrap();
        assert!(
            sitemap.contains(&format!("<loc>{expected_base}articles/")),
            "{command}"
        );
    }
}

#[test]
fn netlify_sends_the_security_headers() {
    let config = netlify();
    for path in ["/", "/articles/x/", "/search/", "/atom.xml"] {
        let headers = headers_for(&config, path);
        assert_eq!(headers["X-Content-Type-Options"], "nosniff", "{path}");
        assert!(
            matches!(
                headers["Referrer-Policy"].as_str(),
                "strict-origin-when-cross-origin" | "strict-origin" | "no-referrer" | "same-origin"
            ),
            "{path}"
        );
        let csp = Csp::parse(&headers["Content-Security-Policy"]);
        for directive in [
            "script-src",
            "style-src",
            "img-src",
            "connect-src",
            "object-src",
        ] {
            for source in csp.sources(directive) {
                assert!(
                    !source.contains("unsafe") && source != "*" && source != "data:",
                    "{directive} allows {source}"
                );
            }
        }
        assert_eq!(csp.sources("object-src"), ["'none'"]);
        assert_eq!(csp.0["frame-ancestors"], ["'none'"]);
        assert_eq!(csp.0["base-uri"], ["'none'"]);
    }
}

#[test]
fn long_cache_lifetimes_cover_only_fingerprinted_assets() {
    let config = netlify();
    let out = tempfile::tempdir().unwrap();
    let opts = broadsheet::BuildOptions {
        root: REPO.into(),
        output: Some(out.path().join("public")),
        ..Default::default()
    };
    broadsheet::build(&opts).unwrap();
    let mut cached_forever = Vec::new();
    for path in tree(&out.path().join("public")).keys() {
        let headers = headers_for(&config, &format!("/{path}"));
        if headers
            .get("Cache-Control")
            .is_some_and(|c| c.contains("immutable"))
        {
            let name = path.rsplit('/').next().unwrap();
            let parts: Vec<&str> = name.split('.').collect();
            assert!(
                parts.len() == 3
                    && parts[1].len() == 10
                    && parts[1].chars().all(|c| c.is_ascii_hexdigit()),
                "{path} is cached for a year but its name carries no content hash"
            );
            cached_forever.push(parts[2].to_string());
        }
    }
    cached_forever.sort();
    assert_eq!(
        cached_forever,
        ["css", "js"],
        "the stylesheet and the search script"
    );
}

#[test]
fn the_csp_allows_everything_the_default_theme_loads_and_nothing_inline() {
    let config = netlify();
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let opts = broadsheet::BuildOptions {
        root: REPO.into(),
        output: Some(public.clone()),
        ..Default::default()
    };
    broadsheet::build(&opts).unwrap();
    let site = Url::parse("https://broadsheet-digest.netlify.app/").unwrap();
    let mut loads: BTreeMap<&str, usize> = BTreeMap::new();
    let files = tree(&public);
    for (path, bytes) in &files {
        if !path.ends_with(".html") {
            continue;
        }
        let page_url = site.join(path).unwrap();
        let csp = Csp::parse(&headers_for(&config, &format!("/{path}"))["Content-Security-Policy"]);
        let doc = Html::parse_document(&String::from_utf8_lossy(bytes));
        let mut check = |directive: &'static str, reference: &str| {
            let url = page_url.join(reference).unwrap();
            assert!(
                csp.allows(directive, &site, &url),
                "{path}: {directive} does not allow {url}"
            );
            *loads.entry(directive).or_default() += 1;
        };
        for el in doc
            .root_element()
            .descendants()
            .filter_map(ElementRef::wrap)
        {
            let v = el.value();
            assert_ne!(v.name(), "style", "{path}: a <style> element");
            for (attr, value) in v.attrs() {
                assert!(
                    attr != "style" && !attr.starts_with("on"),
                    "{path}: <{} {attr}=\"{value}\"> needs 'unsafe-inline'",
                    v.name()
                );
            }
            match v.name() {
                "script" => {
                    assert!(
                        el.text().all(|t| t.trim().is_empty()),
                        "{path}: an inline script"
                    );
                    check("script-src", v.attr("src").expect("a script without src"));
                }
                "link" if v.attr("rel") == Some("stylesheet") => {
                    check("style-src", v.attr("href").unwrap())
                }
                "link" if matches!(v.attr("rel"), Some("icon" | "manifest" | "preload")) => {
                    panic!(
                        "{path}: the CSP test does not know what <link rel={:?}> loads",
                        v.attr("rel")
                    )
                }
                "img" => check("img-src", v.attr("src").unwrap()),
                "iframe" | "object" | "embed" | "video" | "audio" | "source" | "form" => {
                    panic!("{path}: <{}> is not allowed by the CSP", v.name())
                }
                _ => {}
            }
            if let Some(index) = v.attr("data-index") {
                check("connect-src", index);
            }
        }
    }
    // What the stylesheets load (fonts, images) is checked the same way.
    for (path, bytes) in &files {
        if path.ends_with(".css") {
            let css = String::from_utf8_lossy(bytes);
            assert!(!css.contains("@import"), "{path}: @import");
            let loaded: Vec<&str> = css
                .split("url(")
                .skip(1)
                .map(|r| r.split(')').next().unwrap_or(r))
                .collect();
            assert!(
                loaded.is_empty(),
                "{path} loads {loaded:?}: check them against the CSP here"
            );
        }
    }
    assert!(loads["style-src"] > 50, "{loads:?}");
    assert!(loads["img-src"] > 0, "article images: {loads:?}");
    assert_eq!(loads["script-src"], 1, "only the search page has a script");
    assert_eq!(loads["connect-src"], 1, "only the search page fetches");
}

#[test]
fn netlify_keeps_the_build_cache_where_netlify_saves_it() {
    // Netlify restores /opt/build/cache before a build and saves it after.
    let config = netlify();
    let dir = str_at(&config, &["build", "environment", "BROADSHEET_CACHE_DIR"]);
    assert!(dir.starts_with("/opt/build/cache/"), "{dir}");
}
