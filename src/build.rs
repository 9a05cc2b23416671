//! Build: render a loaded site and write it atomically.

use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};

use crate::errors::InFile;
use crate::load::{load_site_with_progress, BuildOptions, LoadedSite, Warning};
use crate::output::OutputSink;
use crate::progress::Progress;
use crate::render::{render_site, SiteContent};
use crate::search::write_search_index;
use crate::sitemap::{write_sitemap, ROBOTS_TXT};
use crate::syndicate::write_feeds;
use crate::theme::load_theme;

/// What a build did, for the summary line.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub articles: usize,
    pub sources: usize,
    pub snapshots: usize,
    /// Snapshots taken from the ingest cache; `None` without a cache.
    pub cached_snapshots: Option<usize>,
    pub skipped_snapshots: usize,
    pub merged_duplicates: usize,
    pub excluded: usize,
    pub tags: usize,
    pub authors: usize,
    pub pages_written: usize,
    pub seconds: f64,
    pub warnings: Vec<Warning>,
}

impl std::fmt::Display for BuildSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self
            .cached_snapshots
            .map(|n| format!(", {n} from cache"))
            .unwrap_or_default();
        write!(
            f,
            "built {} from {} ({}{cached}, {} skipped; {} merged, {} excluded), {}, {}: {} written in {:.2} s",
            counted(self.articles, "article"),
            counted(self.sources, "source"),
            counted(self.snapshots, "snapshot"),
            self.skipped_snapshots,
            counted(self.merged_duplicates, "duplicate"),
            self.excluded,
            counted(self.tags, "tag"),
            counted(self.authors, "author"),
            counted(self.pages_written, "file"),
            self.seconds
        )
    }
}

/// `1 article`, `2 articles`.
fn counted(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ => format!("{n} {noun}s"),
    }
}

/// Loads, renders and writes the site; the previous output is replaced only
/// when everything succeeded.
pub fn build(opts: &BuildOptions) -> Result<BuildSummary> {
    build_with_progress(opts, &Progress::hidden())
}

/// [`build`], reporting each stage to `progress`.
pub fn build_with_progress(opts: &BuildOptions, progress: &Progress) -> Result<BuildSummary> {
    let started = Instant::now();
    refuse_output_over_sources(opts)?;
    let loaded = load_site_with_progress(opts, progress)?;
    if opts.strict && !loaded.warnings.is_empty() {
        let list: Vec<String> = loaded.warnings.iter().map(|w| format!("  {w}")).collect();
        bail!(
            "--strict: {} problem(s), the site was not written:\n{}",
            loaded.warnings.len(),
            list.join("\n")
        );
    }
    let sink = OutputSink::create(&opts.output_dir(), opts.cache_dir.as_deref())?;
    write_site(&loaded, &sink, progress)?;
    let pages_written = sink.files_written();
    let stage = progress.stage("publish", None);
    sink.commit()
        .with_context(|| format!("publishing the site into {}", opts.output_dir().display()))?;
    // Only a build that published may judge which entries are stale.
    if let Some(cache) = &loaded.cache {
        cache.prune()?;
    }
    stage.finish();
    let d = &loaded.digest;
    let summary = BuildSummary {
        articles: d.articles.len(),
        sources: d.sources.len(),
        snapshots: loaded.snapshots,
        cached_snapshots: loaded.cache.as_ref().map(|_| loaded.cached_snapshots),
        skipped_snapshots: loaded.skipped,
        merged_duplicates: loaded.curation.merged_duplicates,
        excluded: loaded.curation.excluded,
        tags: d.tags.len(),
        authors: d.authors.len(),
        pages_written,
        seconds: started.elapsed().as_secs_f64(),
        warnings: loaded.warnings.clone(),
    };
    // Freeing every article's metadata takes one core tens of milliseconds
    // (50 ms for 10,000 articles): the site is published, so the pool does
    // it while the caller goes on (the command line exits without waiting).
    rayon::spawn(move || drop(loaded));
    Ok(summary)
}

/// The folders of a site that hold its sources: `serve` watches them, and
/// an output directory in or around one of them is refused, as publishing
/// would replace it with the built site.
pub const SOURCE_FOLDERS: [&str; 4] = ["content", "themes", "templates", "static"];

/// Refuses an output directory whose publication would delete the site's
/// sources or cache: publishing replaces the output directory whole, so it
/// must not be the site directory or an ancestor of it, nor lie in or around
/// a source folder, nor in the ingest cache.
fn refuse_output_over_sources(opts: &BuildOptions) -> Result<()> {
    let output_arg = opts.output_dir();
    let output = real_path(&output_arg)?;
    let root = real_path(&opts.root)?;
    let fix = format!(
        "choose an --output outside the site's sources, such as {}",
        opts.root.join("public").display()
    );
    if root.starts_with(&output) {
        let what = if output == root {
            "is the site directory"
        } else {
            "contains the site directory"
        };
        bail!(
            "the output directory {} {what} {}: publishing replaces the output directory whole and would delete the site's sources; {fix}",
            output_arg.display(),
            opts.root.display()
        );
    }
    for folder in SOURCE_FOLDERS {
        let dir = opts.root.join(folder);
        let real = real_path(&dir)?;
        if output.starts_with(&real) || real.starts_with(&output) {
            bail!(
                "the output directory {} overlaps the source folder {}: publishing replaces the output directory whole and would delete it; {fix}",
                output_arg.display(),
                dir.display()
            );
        }
    }
    // A cache inside the output is refused by the load, which also serves
    // `check`.
    if let Some(cache) = &opts.cache_dir {
        if output.starts_with(real_path(cache)?) {
            bail!(
                "the output directory {} is in the cache directory {}: publishing replaces the output directory whole and would delete cache entries; {fix}",
                output_arg.display(),
                cache.display()
            );
        }
    }
    Ok(())
}

/// `path` made absolute with every symlink of its existing part resolved;
/// the part that does not exist yet (an output directory before the first
/// build) is added as written, `..` taken lexically, which is right there as
/// a path that does not exist holds no symlinks.
fn real_path(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path)
        .with_context(|| format!("resolving the path {}", path.display()))?;
    let mut real = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                real.pop();
            }
            other => real.push(other),
        }
        if let Ok(resolved) = real.canonicalize() {
            real = resolved;
        }
    }
    Ok(real)
}

/// Renders every page of a loaded site into `sink`, with its feeds, sitemap
/// and search index, and copies the static files beside them.
pub fn write_site(loaded: &LoadedSite, sink: &OutputSink, progress: &Progress) -> Result<()> {
    let stage = progress.stage("theme", None);
    let mut theme = load_theme(&loaded.root, &loaded.config.theme, &loaded.site.root)?;
    stage.finish();
    let content = SiteContent {
        digest: &loaded.digest,
        pages: &loaded.pages,
        site: &loaded.site,
        per_page: loaded.config.per_page,
        bodies: &loaded.bodies,
        bodies_read_again: loaded.config.feeds.full_content,
    };
    let pages = render_site(content, &mut theme, sink, progress)?;
    let stage = progress.stage("feeds, sitemap, search", None);
    // A robots.txt among the static files is the editor's own.
    let robots_txt = !theme.assets.contains_key(ROBOTS_TXT);
    // The feeds are written in parallel already; the sitemap and the
    // search index are one file each and go beside them.
    let (feeds, others) = rayon::join(
        || {
            write_feeds(
                &loaded.digest,
                &loaded.site,
                &loaded.config.feeds,
                &loaded.bodies,
                sink,
            )
        },
        || {
            write_sitemap(&loaded.site, &pages, robots_txt, sink)?;
            write_search_index(&loaded.digest, &loaded.site, sink)
        },
    );
    feeds?;
    others?;
    stage.finish();
    // Last, so that a static file at the path of anything the build makes
    // is caught, whatever made it.
    let stage = progress.stage("static files", None);
    for asset in theme.assets.values() {
        if let Some(made) = sink.clash(&asset.output_path) {
            let message = format!(
                "{} would replace {made}, which the site makes itself: remove or rename the static file (to change a page, override its template in templates/)",
                asset.source
            );
            return Err(match &asset.file {
                Some(file) => InFile::new(file, message).into(),
                None => anyhow!(message),
            });
        }
        sink.write(&asset.output_path, &asset.bytes)
            .with_context(|| format!("copying {}", asset.source))?;
    }
    stage.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_counts_in_words() {
        let summary = BuildSummary {
            articles: 1,
            sources: 1,
            snapshots: 2,
            cached_snapshots: Some(1),
            skipped_snapshots: 1,
            merged_duplicates: 1,
            excluded: 0,
            tags: 0,
            authors: 1,
            pages_written: 12,
            seconds: 0.5,
            warnings: Vec::new(),
        };
        assert_eq!(
            summary.to_string(),
            "built 1 article from 1 source (2 snapshots, 1 from cache, 1 skipped; 1 duplicate merged, 0 excluded), 0 tags, 1 author: 12 files written in 0.50 s"
        );
    }
}
