//! `symbiomap`: the desktop app with no command, the command line otherwise.

use clap::Parser;
use symbiomap::cli::{self, Cli};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = Cli::parse();
    let result = match args.command {
        Some(command) => cli::run(command),
        None => open_app(args.region),
    };
    cli::flush_stdout();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "gui")]
fn open_app(region: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    symbiomap::ui::run(region)
}

#[cfg(not(feature = "gui"))]
fn open_app(_region: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("this build has no desktop app (built without the `gui` feature); see `symbiomap --help` for the commands")
}
