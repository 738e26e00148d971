//! The all-in-one platform: every service mounted in one process.
use common::server::ServiceSpec;

pub mod demo;

/// Every service, in the order they are mounted, and the mail worker.
pub fn services() -> Vec<ServiceSpec> {
    vec![auth::SERVICE, consultation::SERVICE, notifications::SERVICE, notifications::WORKER]
}
