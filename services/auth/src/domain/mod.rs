//! Types and rules of the auth service, without I/O.
pub mod commune_query;
pub mod display_name;
pub mod password;
pub mod realm;
pub mod signup;
