use std::process::ExitCode;

fn main() -> ExitCode {
    common::cli::main("participation-auth", vec![auth::SERVICE])
}
