use std::process::ExitCode;

// jemalloc rather than glibc's allocator: kept pages live among short-lived
// request buffers, and glibc held 60 MiB of freed blocks it could not return
// (35,000 towns: peak 208 MiB against 156 MiB, same throughput).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    common::cli::main_with_demo(
        "participation",
        platform::services(),
        Some(|config| Box::pin(platform::demo::seed(config))),
    )
}
