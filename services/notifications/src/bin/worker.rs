use std::process::ExitCode;

fn main() -> ExitCode {
    common::cli::main("participation-worker", vec![notifications::WORKER])
}
