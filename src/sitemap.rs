//! For crawlers: `sitemap.xml` lists every page of the site once, sorted, by
//! absolute URL under `base_url`; past 50,000 URLs (the protocol's limit per
//! file) it becomes a sitemap index of `sitemap-1.xml`, `sitemap-2.xml`, ...
//! `robots.txt` allows everything and points at the sitemap.

use std::io;

use anyhow::{Context, Result};

use crate::output::OutputSink;
use crate::render::SiteInfo;
use crate::xml::{self, XmlWriter};

pub const SITEMAP_PATH: &str = "sitemap.xml";
pub const ROBOTS_TXT: &str = "robots.txt";
const SITEMAP_NAMESPACE: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
/// The sitemap protocol's limit of URLs in one file.
const MAX_URLS_PER_SITEMAP: usize = 50_000;

/// Writes `sitemap.xml` (and its parts, for a large site) and, when asked,
/// `robots.txt`. `pages` are the site's pages as paths inside the site
/// (`""`, `articles/x/`), in any order.
pub fn write_sitemap(
    site: &SiteInfo,
    pages: &[String],
    robots: bool,
    sink: &OutputSink,
) -> Result<()> {
    let mut urls: Vec<String> = pages
        .iter()
        .map(|p| format!("{}{p}", site.base_url))
        .collect();
    urls.sort();
    for (path, xml) in sitemap_files(site, &urls, MAX_URLS_PER_SITEMAP)
        .with_context(|| format!("writing {SITEMAP_PATH}"))?
    {
        sink.write(&path, &xml)?;
    }
    match robots {
        true => sink.write(ROBOTS_TXT, robots_txt(site).as_bytes()),
        false => Ok(()),
    }
}

/// `(path, document)` of the sitemap: one file, or an index and its parts
/// of at most `max_urls` each.
fn sitemap_files(
    site: &SiteInfo,
    urls: &[String],
    max_urls: usize,
) -> io::Result<Vec<(String, Vec<u8>)>> {
    if urls.len() <= max_urls {
        return Ok(vec![(SITEMAP_PATH.to_string(), url_set(urls)?)]);
    }
    let mut files = Vec::new();
    let mut parts = Vec::new();
    for (n, chunk) in urls.chunks(max_urls).enumerate() {
        let path = format!("sitemap-{}.xml", n + 1);
        parts.push(format!("{}{path}", site.base_url));
        files.push((path, url_set(chunk)?));
    }
    let mut w = xml::document()?;
    xml::element(
        &mut w,
        "sitemapindex",
        &[("xmlns", SITEMAP_NAMESPACE)],
        |w| {
            for part in &parts {
                xml::element(w, "sitemap", &[], |w| loc(w, part))?;
            }
            Ok(())
        },
    )?;
    files.insert(0, (SITEMAP_PATH.to_string(), xml::finish(w)));
    Ok(files)
}

fn url_set(urls: &[String]) -> io::Result<Vec<u8>> {
    let mut w = xml::document()?;
    xml::element(&mut w, "urlset", &[("xmlns", SITEMAP_NAMESPACE)], |w| {
        for url in urls {
            xml::element(w, "url", &[], |w| loc(w, url))?;
        }
        Ok(())
    })?;
    Ok(xml::finish(w))
}

fn loc(w: &mut XmlWriter, url: &str) -> io::Result<()> {
    xml::text_element(w, "loc", &[], url)
}

/// Crawlers read `robots.txt` only at the root of a host: for a site under
/// a path (`https://example.org/digest/`) it is written but has no effect.
fn robots_txt(site: &SiteInfo) -> String {
    format!(
        "# Every page of {} may be crawled.\nUser-agent: *\nDisallow:\n\nSitemap: {}{SITEMAP_PATH}\n",
        site.title, site.base_url
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteInfo {
        SiteInfo {
            title: "Digest".into(),
            description: String::new(),
            language: "en".into(),
            base_url: "https://digest.example/sub/".into(),
            root: "/sub/".into(),
            timezone: chrono_tz::UTC,
            extra: Default::default(),
        }
    }

    fn locs(xml: &[u8]) -> Vec<String> {
        let text = std::str::from_utf8(xml).unwrap();
        text.split("<loc>")
            .skip(1)
            .map(|s| s.split("</loc>").next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn past_the_limit_the_sitemap_is_an_index_of_parts() {
        let urls: Vec<String> = (0..5)
            .map(|i| format!("https://digest.example/sub/p{i}/"))
            .collect();
        let files = sitemap_files(&site(), &urls, 2).unwrap();
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "sitemap.xml",
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml"
            ]
        );
        let index = std::str::from_utf8(&files[0].1).unwrap();
        assert!(index.contains("<sitemapindex"), "{index}");
        assert_eq!(
            locs(&files[0].1),
            [
                "https://digest.example/sub/sitemap-1.xml",
                "https://digest.example/sub/sitemap-2.xml",
                "https://digest.example/sub/sitemap-3.xml"
            ]
        );
        let listed: Vec<String> = files[1..].iter().flat_map(|(_, x)| locs(x)).collect();
        assert_eq!(listed, urls);

        let single = sitemap_files(&site(), &urls, 5).unwrap();
        assert_eq!(single.len(), 1);
        assert!(std::str::from_utf8(&single[0].1)
            .unwrap()
            .contains("<urlset"));
        assert_eq!(locs(&single[0].1), urls);
    }

    #[test]
    fn robots_txt_points_at_the_sitemap() {
        let robots = robots_txt(&site());
        assert!(robots.contains("\nSitemap: https://digest.example/sub/sitemap.xml\n"));
        assert!(robots.contains("User-agent: *\nDisallow:\n"));
    }
}
