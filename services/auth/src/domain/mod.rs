//! Types and rules of the auth service, without I/O.
pub mod commune_query;
