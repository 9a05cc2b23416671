//! The editor's own words: Markdown (pages, edition introductions, notes)
//! to HTML with pulldown-cmark, and YAML front matter. The HTML then goes
//! through the same sanitize and re-render pass as feed bodies.

use anyhow::{bail, Result};
use pulldown_cmark::{html, Event, Options, Parser};
use url::Url;

use crate::rerender::{sanitize_and_rerender, RerenderOptions, Rerendered};
use crate::sanitize::LinkBase;

/// The editor's Markdown as sanitized HTML for the page at `path` below
/// `site_base` (`""` for the site root): relative links resolve against that
/// page, root-relative ones (`/about/`), in Markdown links and raw HTML
/// alike, below the site root (see [`LinkBase::site_root`]).
pub fn editor_html(
    markdown: &str,
    site_base: &Url,
    path: &str,
    opts: &RerenderOptions,
) -> Rerendered {
    let page = site_base.join(path).ok();
    let base = page.as_ref().map(|page| LinkBase {
        page,
        site_root: Some(site_base),
    });
    sanitize_and_rerender(&markdown_to_html(markdown), base, opts)
}

/// Markdown to HTML with tables, footnotes, strikethrough, task lists and
/// `{#id}` heading attributes.
pub fn markdown_to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    // Task list checkboxes are form controls, which the sanitizer removes;
    // they become the ballot-box characters a screen reader announces.
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::TaskListMarker(done) => Event::Text(if done { "☑ " } else { "☐ " }.into()),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// A Markdown file split into its YAML front matter and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatter<'a> {
    /// The YAML between the `---` lines; empty when the file has none.
    pub yaml: &'a str,
    pub body: &'a str,
    /// The file line on which the YAML starts, to turn serde_yaml's line
    /// numbers into the file's.
    pub yaml_first_line: usize,
}

/// Splits `---\nyaml\n---\nbody`. A file without a leading `---` has no
/// front matter; one that opens it and never closes it is an error.
pub fn split_front_matter(text: &str) -> Result<FrontMatter<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return Ok(FrontMatter {
            yaml: "",
            body: text,
            yaml_first_line: 1,
        });
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Ok(FrontMatter {
                yaml: &rest[..offset],
                body: &rest[offset + line.len()..],
                yaml_first_line: 2,
            });
        }
        offset += line.len();
    }
    bail!("the front matter opened by `---` on line 1 is never closed: add a line `---` after it")
}

/// Rewrites serde_yaml's "at line N" to the line in the whole file.
pub fn yaml_error_in_file(err: &serde_yaml::Error, first_line: usize) -> String {
    match err.location() {
        Some(loc) => {
            let msg = err.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            format!("line {}: {msg}", loc.line() + first_line - 1)
        }
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_enabled() {
        let html = markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ x[^1]\n\n[^1]: note\n\n- [x] done\n- [ ] todo\n\n## Title {#custom}\n");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
        assert!(html.contains("footnote"), "{html}");
        assert!(html.contains("☑ done") && html.contains("☐ todo"), "{html}");
        assert!(html.contains(r#"<h2 id="custom">"#), "{html}");
        assert!(!html.contains("<input"), "{html}");
    }

    #[test]
    fn root_relative_links_go_below_the_site_root() {
        let site = Url::parse("https://d.example/digest/").unwrap();
        let opts = RerenderOptions::default();
        let html = editor_html(
            "[a](/about/) [r][ref] ![i](/img.png) [b](//cdn.example/x) [c](/\\\\h/x) [d](next/) [e](https://x.example/y) <a href=\"/raw/\">raw</a>\n\n<img src=\"/raw.png\" alt=\"raw\">\n\n[ref]: /editions/#top\n",
            &site,
            "page/",
            &opts,
        )
        .html;
        for needle in [
            r#"href="https://d.example/digest/about/""#,
            r#"href="https://d.example/digest/editions/#top""#,
            r#"src="https://d.example/digest/img.png""#,
            r#"href="https://cdn.example/x""#,
            r#"href="https://d.example/digest/%5Ch/x""#,
            r#"href="https://d.example/digest/page/next/""#,
            r#"href="https://x.example/y""#,
            r#"href="https://d.example/digest/raw/""#,
            r#"src="https://d.example/digest/raw.png""#,
        ] {
            assert!(html.contains(needle), "{needle} missing from {html}");
        }
    }

    #[test]
    fn front_matter_is_split_with_line_numbers() {
        let fm = split_front_matter("---\ntitle: About\nweight: 2\n---\n# Hi\n").unwrap();
        assert_eq!(fm.yaml, "title: About\nweight: 2\n");
        assert_eq!(fm.body, "# Hi\n");
        assert_eq!(fm.yaml_first_line, 2);
        let none = split_front_matter("# Just text\n").unwrap();
        assert_eq!(none.yaml, "");
        assert!(split_front_matter("---\ntitle: x\n").is_err());
    }

    #[test]
    fn yaml_errors_point_at_the_file_line() {
        let fm = split_front_matter("---\ntitle: About\nweight: [\n---\nbody").unwrap();
        let err = serde_yaml::from_str::<serde_yaml::Value>(fm.yaml).unwrap_err();
        let msg = yaml_error_in_file(&err, fm.yaml_first_line);
        assert!(
            msg.starts_with("line 4:") || msg.starts_with("line 3:"),
            "{msg}"
        );
    }
}
