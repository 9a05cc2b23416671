//! Any HTML through the sanitizer and the re-render pass: as a browser's
//! parser reads the output, it holds no script-capable element, no event
//! handler, no style, and no URL with a scheme other than http(s) or mailto.
#![no_main]

use std::cell::RefCell;

use broadsheet::rerender::{sanitize_and_rerender, RerenderOptions};
use broadsheet::sanitize::LinkBase;
use libfuzzer_sys::fuzz_target;
use lol_html::{element, rewrite_str, RewriteStrSettings};

const FORBIDDEN_ELEMENTS: &[&str] =
    &["script", "style", "iframe", "object", "embed", "form", "input", "svg", "math", "base", "meta", "link", "template", "noscript", "textarea"];

fn violations(html: &str) -> Vec<String> {
    let found = RefCell::new(Vec::new());
    let _ = rewrite_str(
        html,
        RewriteStrSettings::new().append_element_content_handler(element!("*", |el| {
            let name = el.tag_name();
            if FORBIDDEN_ELEMENTS.contains(&name.as_str()) {
                found.borrow_mut().push(format!("<{name}>"));
            }
            for attr in el.attributes() {
                let (n, v) = (attr.name(), attr.value());
                if n.starts_with("on") || n == "style" || n == "srcset" || n == "formaction" {
                    found.borrow_mut().push(format!("{name} {n}"));
                }
                if matches!(n.as_str(), "href" | "src" | "cite" | "action" | "poster") {
                    let v: String = v.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase();
                    // A browser reads `https:/x` as `https://x`: the scheme is what matters.
                    let scheme = v.split_once(':').map(|(s, _)| s);
                    let allowed = matches!(scheme, Some("http" | "https" | "mailto")) || v.starts_with('#');
                    if !allowed {
                        found.borrow_mut().push(format!("{name} {n}={v}"));
                    }
                }
            }
            Ok(())
        })),
    );
    found.into_inner()
}

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let base = url::Url::parse("https://fuzz.example/post/").ok();
    let opts = RerenderOptions { external_link_rel: "noopener".into(), site_host: None, keep_text: true, limits: Default::default() };
    let out = sanitize_and_rerender(&html, base.as_ref().map(LinkBase::feed), &opts);
    let bad = violations(&out.html);
    assert!(bad.is_empty(), "{bad:?} in {}", out.html);
});
