//! Adapters: the AWS implementations of the ports and the embedded ones that run the whole
//! product on one machine. Only this module names aws-sdk-* or rusqlite, and each set sits
//! behind its cargo feature (`aws`, `embedded`) so a binary links only the set it runs on.
//! The HTTP clients of the SMS provider and Meta's Conversions API serve both.

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "aws")]
pub mod aws_trust;
#[cfg(feature = "aws")]
pub mod cognito;
#[cfg(feature = "aws")]
pub mod dynamo;
#[cfg(feature = "aws")]
pub mod eventbridge;
#[cfg(feature = "aws")]
pub mod kms_vault;
#[cfg(feature = "aws")]
pub mod lazy_client;
#[cfg(feature = "aws")]
pub mod s3_files;
#[cfg(feature = "aws")]
pub mod sqs;

#[cfg(feature = "embedded")]
pub mod local_bus;
#[cfg(feature = "embedded")]
pub mod local_capi;
#[cfg(feature = "embedded")]
pub mod local_queue;
#[cfg(feature = "embedded")]
pub mod outbox;
#[cfg(feature = "embedded")]
pub mod sqlite;

pub mod invite_links;
pub mod local_files;
pub mod local_vault;
pub mod meta_capi;
pub mod twilio;
