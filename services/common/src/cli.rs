//! The command line shared by every binary: `serve` (default), `migrate`,
//! `operator create`, and `demo` where the binary carries every service.
use std::{future::Future, pin::Pin, process::ExitCode};

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::{
    config::Config,
    db,
    server::{Application, ServiceSpec},
    telemetry,
};

#[derive(Debug, Parser)]
#[command(version, about = "Plateforme de participation citoyenne des communes")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations, then serve HTTP until SIGTERM (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage the platform's operators.
    Operator {
        #[command(subcommand)]
        action: OperatorAction,
    },
    /// Seed a demo town (approved, with staff, citizens and a consultation of
    /// each kind) and print its address and logins.
    Demo,
    /// Ask the server on LISTEN_ADDR whether it is ready (`/readyz`); exit 0 if
    /// so. For container health checks, where there is no shell or curl.
    Health,
}

/// Seeds the demo town and returns what to print.
pub type DemoSeeder = fn(Config) -> Pin<Box<dyn Future<Output = anyhow::Result<String>> + Send>>;

#[derive(Debug, Subcommand)]
enum OperatorAction {
    /// Create an operator and print a one-time link (24 hours) to set the password.
    Create {
        /// The operator's e-mail address.
        #[arg(long)]
        email: String,
    },
}

/// Runs a binary named `name` serving `services`; configuration errors exit with
/// status 2 and one line naming the variable.
pub fn main(name: &'static str, services: Vec<ServiceSpec>) -> ExitCode {
    main_with_demo(name, services, None)
}

/// As [`main`], with `demo` seeding a demo town when asked.
pub fn main_with_demo(name: &'static str, services: Vec<ServiceSpec>, demo: Option<DemoSeeder>) -> ExitCode {
    let matches = Cli::command().name(name).bin_name(name).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    };
    crate::memory::share_allocator_arenas();
    telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if matches!(cli.command, Some(Command::Health)) {
        return crate::health::probe(config.listen_addr);
    }
    let outcome = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Health => Ok(()),
            Command::Serve => serve(config, name, services).await,
            Command::Migrate => migrate(config).await,
            Command::Operator { action: OperatorAction::Create { email } } => {
                let link = crate::operator_cli::create_operator(&config, &email).await?;
                println!("{link}");
                Ok(())
            }
            Command::Demo => match demo {
                Some(seed) => {
                    println!("{}", seed(config).await?);
                    Ok(())
                }
                None => anyhow::bail!("only the all-in-one `participation` binary seeds a demo town"),
            },
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "stopped");
            eprintln!("{name}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config, name: &str, services: Vec<ServiceSpec>) -> anyhow::Result<()> {
    let app = Application::build(config, name, services).await?;
    tracing::info!(port = app.port(), metrics_port = app.metrics_port(), "listening");
    app.run_until_stopped().await.context("server stopped with an error")
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let db = db::connect(&config).await?;
    db::prepare_schema(&config, &db).await?;
    tracing::info!("migrations applied");
    Ok(())
}
