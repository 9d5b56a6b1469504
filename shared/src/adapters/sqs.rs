//! `SqsQueue`: the queue port on Amazon SQS. Each queue's dead-letter queue is its redrive
//! target (`maxReceiveCount` = `MAX_RECEIVES` in the template); `dead_letter` sends there
//! directly with the reason as a message attribute.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName};
use aws_sdk_sqs::Client;

use crate::adapters::lazy_client::LazyClient;
use crate::ports::queue::{
    DeadLetter, Queue, QueueError, QueueName, Received, MAX_BATCH, MAX_DELAY_SECS,
};

/// The attribute that carries a dead letter's reason.
const REASON: &str = "reason";

/// A queue's URL and its dead-letter queue's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueUrls {
    pub url: String,
    pub dlq_url: String,
}

#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: LazyClient<Client>,
    urls: HashMap<QueueName, QueueUrls>,
}

fn unavailable<E: std::error::Error>(e: E) -> QueueError {
    QueueError::Unavailable(DisplayErrorContext(&e).to_string())
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl SqsQueue {
    pub fn new(client: Client, urls: HashMap<QueueName, QueueUrls>) -> Self {
        Self::lazy(LazyClient::ready(client), urls)
    }

    /// On a client made when a queue is first used (most functions never queue anything).
    pub fn lazy(client: LazyClient<Client>, urls: HashMap<QueueName, QueueUrls>) -> Self {
        Self { client, urls }
    }

    fn urls(&self, queue: QueueName) -> Result<&QueueUrls, QueueError> {
        self.urls
            .get(&queue)
            .ok_or(QueueError::NotConfigured(queue.as_str()))
    }
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(
        &self,
        queue: QueueName,
        body: &str,
        delay_secs: u32,
    ) -> Result<String, QueueError> {
        let out = self
            .client
            .get()
            .send_message()
            .queue_url(&self.urls(queue)?.url)
            .message_body(body)
            .delay_seconds(int(delay_secs.min(MAX_DELAY_SECS)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.message_id.unwrap_or_default())
    }

    async fn dead_letter(
        &self,
        queue: QueueName,
        body: &str,
        reason: &str,
    ) -> Result<(), QueueError> {
        let attribute = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(reason)
            .build()
            .map_err(|e| QueueError::Unavailable(e.to_string()))?;
        self.client
            .get()
            .send_message()
            .queue_url(&self.urls(queue)?.dlq_url)
            .message_body(body)
            .message_attributes(REASON, attribute)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn receive(
        &self,
        queue: QueueName,
        max: u32,
        visibility_secs: u32,
    ) -> Result<Vec<Received>, QueueError> {
        let out = self
            .client
            .get()
            .receive_message()
            .queue_url(&self.urls(queue)?.url)
            .max_number_of_messages(int(max.clamp(1, MAX_BATCH)))
            .visibility_timeout(int(visibility_secs))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| Received {
                receive_count: m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1),
                message_id: m.message_id.unwrap_or_default(),
                receipt: m.receipt_handle.unwrap_or_default(),
                body: m.body.unwrap_or_default(),
            })
            .collect())
    }

    async fn delete(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError> {
        self.client
            .get()
            .delete_message()
            .queue_url(&self.urls(queue)?.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn release(
        &self,
        queue: QueueName,
        receipt: &str,
        delay_secs: u32,
    ) -> Result<(), QueueError> {
        self.client
            .get()
            .change_message_visibility()
            .queue_url(&self.urls(queue)?.url)
            .receipt_handle(receipt)
            .visibility_timeout(int(delay_secs))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Reads the DLQ without taking its messages (visibility 0).
    async fn dead_letters(
        &self,
        queue: QueueName,
        max: u32,
    ) -> Result<Vec<DeadLetter>, QueueError> {
        let out = self
            .client
            .get()
            .receive_message()
            .queue_url(&self.urls(queue)?.dlq_url)
            .max_number_of_messages(int(max.clamp(1, MAX_BATCH)))
            .visibility_timeout(0)
            .message_attribute_names(REASON)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| DeadLetter {
                reason: m
                    .message_attributes
                    .as_ref()
                    .and_then(|a| a.get(REASON))
                    .and_then(|v| v.string_value.clone()),
                body: m.body.unwrap_or_default(),
            })
            .collect())
    }
}
