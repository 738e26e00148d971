use std::process::ExitCode;

fn main() -> ExitCode {
    common::cli::main_with_demo(
        "participation",
        platform::services(),
        Some(|config| Box::pin(platform::demo::seed(config))),
    )
}
