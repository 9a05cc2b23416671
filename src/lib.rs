//! Broadsheet turns feed snapshots into a curated engineering digest: a
//! static website of articles, tags, authors and sources.
//!
//! The pipeline, one module per stage, data flowing one way:
//! [`config`] -> [`discover`] -> [`ingest`] (within [`parser_bounds`]) ->
//! [`normalize`] -> [`sanitize`]
//! and [`rerender`] (bodies spooled to [`bodies`]) -> [`curate`] into a
//! [`digest::Digest`] -> [`render`] with the [`theme`] -> [`output`]
//! (with the ingest [`cache`], each page's inputs are [`fingerprint`]ed and
//! the sink keeps what it wrote in a [`page_manifest`], so a rebuild renders
//! only the pages whose inputs changed); beside
//! the pages, [`syndicate`] writes the feeds and the OPML blogroll (through
//! [`xml`]), [`sitemap`] the sitemap and robots.txt, and [`search`] the
//! search index. [`load`] runs everything up to the digest; [`mod@build`]
//! renders and writes.
//!
//! The editor's commands around the pipeline: [`init`] scaffolds a new
//! digest, [`mod@check`] renders it without writing and reports problems
//! ([`linkcheck`]), `serve` previews it with live reload (feature `serve`),
//! and [`progress`] draws bars and records timings. An error about one file
//! of the site carries that file as an [`errors::InFile`].

// The re-render pass walks the tree ammonia sanitized, which ammonia exposes
// only under this cfg; .cargo/config.toml sets it.
#[cfg(not(ammonia_unstable))]
compile_error!(
    "build with `--cfg ammonia_unstable` (set in .cargo/config.toml): a RUSTFLAGS or \
     RUSTDOCFLAGS variable in the environment replaces that file's flags, so add the cfg to it"
);

pub mod bodies;
pub mod build;
pub mod cache;
pub mod check;
pub mod config;
pub mod curate;
pub mod digest;
pub mod discover;
pub mod editions;
pub mod errors;
pub mod fingerprint;
pub mod ingest;
pub mod init;
pub mod limits;
pub mod linkcheck;
pub mod load;
pub mod markdown;
pub mod normalize;
pub mod output;
pub mod page_manifest;
pub mod pages;
pub mod parser_bounds;
pub mod progress;
pub mod render;
pub mod rerender;
pub mod sanitize;
pub mod search;
#[cfg(feature = "serve")]
pub mod serve;
pub mod sitemap;
pub mod slug;
pub mod syndicate;
pub mod text;
pub mod theme;
pub mod urls;
pub mod xml;

pub use build::{build, build_with_progress, BuildSummary};
pub use check::{check, CheckReport};
pub use load::{load_site, load_site_with_progress, BuildOptions, LoadedSite, Warning};
pub use progress::Progress;
