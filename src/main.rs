//! The `broadsheet` command line: parses arguments and calls the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
        /// Fail (exit 1, site not written) when any snapshot had to be skipped
        #[arg(long)]
        strict: bool,
        /// Print only errors and the summary line
        #[arg(long, short)]
        quiet: bool,
        /// Also build pages marked `draft: true`
        #[arg(long)]
        drafts: bool,
    },
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
        } => {
            let opts = broadsheet::BuildOptions {
                root,
                output,
                base_url,
                strict,
                drafts,
            };
            match broadsheet::build(&opts) {
                Ok(summary) => {
                    if !quiet {
                        for w in &summary.warnings {
                            eprintln!("warning: {w}");
                        }
                    }
                    println!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
