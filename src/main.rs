//! The `broadsheet` command line: parses arguments and calls the library.

use std::path::PathBuf;
use std::process::ExitCode;

use broadsheet::{BuildOptions, Progress};
use clap::{Args, Parser, Subcommand, ValueEnum};

// Parsing and sanitizing allocate and free millions of small nodes and
// strings on every core; mimalloc's per-thread heaps do that at about half
// the cost of glibc's malloc (profiled: glibc malloc/free were 16% of a
// 10,000-article build). Without transparent huge pages (`no_thp`): with
// them a 2 MiB page counts whole in the resident memory as soon as it is
// touched, which put the peak of a 10,000-article build 20 to 30 MB higher
// at no measurable gain in time. Version 2 of mimalloc (`v2`), not 3: with
// 3 the peak of a 100,000-article build was 1,042 MB against 791 MB, and a
// 10,000-article build had twice the page faults (three alternating builds:
// peak 138-146 MB against 111-113 MB, kernel time 0.95-1.09 s against
// 0.78-0.83 s).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "broadsheet",
    version,
    about = "Build a curated engineering digest from feed snapshots"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site from content/ into public/
    Build {
        /// Site directory, holding content/ and themes/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output directory [default: ROOT/public]
        #[arg(long)]
        output: Option<PathBuf>,
        /// Absolute URL the site is served from, overriding base_url in site.yaml
        #[arg(long)]
        base_url: Option<String>,
        /// Fail (exit 1, site not written) on any warning: a skipped snapshot, page or introduction, or an editor control that does nothing
        #[arg(long)]
        strict: bool,
        /// Print only errors and the summary line
        #[arg(long, short)]
        quiet: bool,
        /// Also build pages marked `draft: true`
        #[arg(long)]
        drafts: bool,
        /// Print the time each stage and each template took
        #[arg(long)]
        timings: bool,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Render everything without writing the site and report problems (exit 1 on errors)
    Check {
        /// Site directory, holding content/ and themes/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Absolute URL the site is served from, overriding base_url in site.yaml
        #[arg(long)]
        base_url: Option<String>,
        /// How to print the report
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Print only errors and the summary line
        #[arg(long, short)]
        quiet: bool,
        /// Print the time each stage and each template took
        #[arg(long)]
        timings: bool,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Serve the site on 127.0.0.1, rebuilding and reloading pages on change
    #[cfg(feature = "serve")]
    Serve {
        /// Site directory, holding content/ and themes/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on (0 picks a free one)
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Build into this directory [default: a temporary one]
        #[arg(long)]
        output: Option<PathBuf>,
        /// Open the site in the default browser
        #[arg(long)]
        open: bool,
        /// Also build pages marked `draft: true`
        #[arg(long)]
        drafts: bool,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Create a new digest in DIR that builds at once
    Init {
        /// Directory to create (refused when it exists and is not empty)
        dir: PathBuf,
        /// Write into a non-empty directory, replacing files of the same names
        #[arg(long)]
        force: bool,
    },
}

/// Where the ingest cache lives (see the README's "Build cache").
#[derive(Args)]
struct CacheArgs {
    /// Keep the ingest cache here [default: ROOT/.broadsheet-cache]
    #[arg(long, env = "BROADSHEET_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Neither read nor write the ingest cache
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
}

impl CacheArgs {
    fn dir(self, root: &std::path::Path) -> Option<PathBuf> {
        (!self.no_cache).then(|| {
            self.cache_dir
                .unwrap_or_else(|| root.join(".broadsheet-cache"))
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    broadsheet::ingest::install_panic_hook();
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            strict,
            quiet,
            drafts,
            timings,
            cache,
        } => {
            let opts = BuildOptions {
                cache_dir: cache.dir(&root),
                root,
                output,
                base_url,
                strict,
                drafts,
            };
            let progress = Progress::new(Progress::bars_wanted(quiet), timings);
            let result = broadsheet::build_with_progress(&opts, &progress);
            print_timings(&progress);
            match result {
                Ok(summary) => {
                    if !quiet {
                        for w in &summary.warnings {
                            eprintln!("warning: {w}");
                        }
                    }
                    println!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Check {
            root,
            base_url,
            format,
            quiet,
            timings,
            cache,
        } => {
            let opts = BuildOptions {
                cache_dir: cache.dir(&root),
                root,
                base_url,
                ..BuildOptions::default()
            };
            let progress = Progress::new(Progress::bars_wanted(quiet), timings);
            let report = broadsheet::check(&opts, chrono::Utc::now(), &progress);
            print_timings(&progress);
            match format {
                Format::Text => print!("{}", report.to_text(!quiet)),
                Format::Json => println!("{}", report.to_json()),
            }
            if report.errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        #[cfg(feature = "serve")]
        Command::Serve {
            root,
            port,
            output,
            open,
            drafts,
            cache,
        } => {
            let opts = broadsheet::serve::ServeOptions {
                cache_dir: cache.dir(&root),
                root,
                output,
                port,
                open,
                drafts,
            };
            match broadsheet::serve::serve(&opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
        Command::Init { dir, force } => {
            match broadsheet::init::init(&dir, force, chrono::Utc::now()) {
                Ok(files) => {
                    println!(
                        "created a new digest in {} ({} files); next: cd {} && broadsheet serve",
                        dir.display(),
                        files.len(),
                        dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

fn print_timings(progress: &Progress) {
    if let Some(report) = progress.timings_report() {
        eprint!("{report}");
    }
}

/// Prints the error with its whole cause chain; exit code 1.
fn fail(e: anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}
