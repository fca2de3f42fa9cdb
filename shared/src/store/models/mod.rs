//! The items of the table, mapped to and from DynamoDB by `serde_dynamo`.

/// The tenant used when a request names none.
pub const DEFAULT_TENANT: &str = "default";

mod authorization;
mod client;
mod items;
mod people;

pub use authorization::*;
pub use client::*;
pub use items::*;
pub use people::*;
