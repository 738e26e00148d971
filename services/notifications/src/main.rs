use std::process::ExitCode;

fn main() -> ExitCode {
    common::cli::main("participation-notifications", vec![notifications::SERVICE])
}
