mod accounts_cmd;
mod export_cmd;
mod import;
mod layers_cmd;
mod partition_cmd;
mod plans_cmd;
mod progress;
mod serve_cmd;
mod simulate;
mod store_arg;
mod store_write;
mod synth;
mod workers_cmd;

use clap::{Parser, Subcommand};

/// wangge (网格): divide a county into governance grids and serve them.
#[derive(Debug, Parser)]
#[command(name = "wangge", version, about, long_about = None)]
pub struct Cli {
    /// Log what happens (or set WANGGE_LOG=debug).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import layers (OSM PBF, GeoJSON, census CSV) into a store.
    Import(Box<import::ImportArgs>),
    /// Generate a synthetic county, deterministic by seed.
    Synth(synth::SynthArgs),
    /// List the layers of a store with feature counts and extents.
    Layers(layers_cmd::LayersArgs),
    /// Partition every village into grids and save them as a plan.
    Partition(Box<partition_cmd::PartitionArgs>),
    /// Export a plan's grids, cells or blocks as GeoJSON.
    Export(export_cmd::ExportArgs),
    /// List the plans of a store, or make one active.
    Plans(plans_cmd::PlansArgs),
    /// Serve a plan's grids, blocks and villages as vector tiles over HTTP.
    Serve(Box<serve_cmd::ServeArgs>),
    /// Accounts that sign in to the web map: add, list, disable, enable.
    Users(accounts_cmd::UsersArgs),
    /// Bearer tokens for programs, phones and big screens: issue, list, revoke.
    Tokens(accounts_cmd::TokensArgs),
    /// Simulated grid workers walking their grids' streets, posting fixes
    /// to a running server with the faults real phones have.
    Simulate(Box<simulate::SimulateArgs>),
    /// The roster of grid workers: import from CSV or JSON, list.
    Workers(workers_cmd::WorkersArgs),
    /// Print the HTTP API's OpenAPI 3.1 document (what /openapi.json serves).
    Openapi,
    /// Make glyph ranges from a font (the server runs this as its helper).
    #[command(hide = true)]
    Glyphs {
        #[arg(long)]
        font: std::path::PathBuf,
        /// Range starts, comma-separated (multiples of 256).
        #[arg(long, value_delimiter = ',')]
        ranges: Vec<u32>,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Import(a) => import::run(*a),
        Command::Synth(a) => synth::run(a),
        Command::Layers(a) => layers_cmd::run(a),
        Command::Partition(a) => partition_cmd::run(*a),
        Command::Export(a) => export_cmd::run(a),
        Command::Plans(a) => plans_cmd::run(a),
        Command::Serve(a) => serve_cmd::run(*a),
        Command::Workers(a) => workers_cmd::run(a),
        Command::Simulate(a) => simulate::run(*a),
        Command::Users(a) => accounts_cmd::users(a),
        Command::Tokens(a) => accounts_cmd::tokens(a),
        Command::Glyphs { font, ranges } => {
            if let Some(bad) = ranges.iter().find(|r| **r % 256 != 0 || **r > 0xFF00) {
                anyhow::bail!("--ranges: {bad} is not a multiple of 256 within 0–65280");
            }
            let made = tileserver::server::make_glyph_ranges(&font, &ranges)
                .map_err(anyhow::Error::msg)?;
            tileserver::server::write_glyph_frames(&mut std::io::stdout().lock(), &made)?;
            Ok(())
        }
        Command::Openapi => {
            let doc = tileserver::server::openapi_document();
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
    }
}

/// The async runtime the stores need; the CLI itself is synchronous.
/// `workers` sets its threads (default: one per core).
fn runtime_with(workers: Option<usize>) -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = workers {
        builder.worker_threads(n);
    }
    builder
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    runtime_with(None)
}
