//! Domain values parsed once at the edge; past it they are trusted.
mod insee_code;
mod slug;

pub use insee_code::{InseeCode, InvalidInseeCode};
pub use slug::{InvalidSlug, Slug};
