//! Domain values parsed once at the edge; past it they are trusted.
mod email;
mod insee_code;
mod slug;

pub use email::{Email, InvalidEmail};
pub use insee_code::{InseeCode, InvalidInseeCode};
pub use slug::{DEMO_SLUG, InvalidSlug, Slug};
