//! Adapters: the AWS implementations of the ports and the embedded ones that run the whole
//! product on one machine. Only this module names aws-sdk-* or rusqlite.

pub mod aws;
pub mod dynamo;
pub mod eventbridge;
pub mod local_bus;
pub mod local_capi;
pub mod local_queue;
pub mod meta_capi;
pub mod outbox;
pub mod sqlite;
pub mod sqs;
pub mod twilio;
