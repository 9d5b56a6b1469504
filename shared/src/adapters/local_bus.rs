//! The in-process event bus: routes each event to the subscribers whose rule matches its
//! detail-type, as the EventBridge rules of the template do.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use crate::domain::events::Event;
use crate::ports::bus::{BusError, Envelope, EventBus};

/// A subscriber's handling of one event: done when the event is where it goes (a queue, a
/// consumer), or failed, in which case the publish fails and is tried again (the change
/// log is only forgotten once every event is delivered).
pub type Delivery = Pin<Box<dyn Future<Output = Result<(), BusError>> + Send>>;

/// A subscriber: receives the events whose detail-type it asked for.
pub type Subscriber = Arc<dyn Fn(Envelope) -> Delivery + Send + Sync>;

/// A rule: the detail-types it matches and where they go.
type Rule = (Vec<String>, Subscriber);

/// Most events kept in the published log (tests and debugging read it).
const LOG_LIMIT: usize = 10_000;

#[derive(Default, Clone)]
pub struct LocalBus {
    rules: Arc<RwLock<Vec<Rule>>>,
    /// Every event published, in order (read by tests and `GET /events` style debugging).
    log: Arc<RwLock<Vec<Envelope>>>,
}

impl std::fmt::Debug for LocalBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBus").finish_non_exhaustive()
    }
}

impl LocalBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes events whose detail-type is one of `detail_types` to `subscriber`.
    pub fn subscribe(&self, detail_types: &[&str], subscriber: Subscriber) {
        if let Ok(mut rules) = self.rules.write() {
            rules.push((
                detail_types.iter().map(|s| (*s).to_owned()).collect(),
                subscriber,
            ));
        }
    }

    /// The events published so far.
    pub fn published(&self) -> Vec<Envelope> {
        self.log.read().map(|l| l.clone()).unwrap_or_default()
    }
}

impl LocalBus {
    /// Puts envelopes on the bus, as another system's `PutEvents` would (the booking
    /// system's facts), and delivers each to the subscribers whose rule matches it, in order;
    /// the first failed delivery fails the put.
    pub async fn put(&self, envelopes: Vec<Envelope>) -> Result<(), BusError> {
        let rules = self
            .rules
            .read()
            .map_err(|_| BusError("bus poisoned".into()))?
            .clone();
        for envelope in envelopes {
            if let Ok(mut log) = self.log.write() {
                if log.len() >= LOG_LIMIT {
                    log.drain(..LOG_LIMIT / 2);
                }
                log.push(envelope.clone());
            }
            for (types, subscriber) in &rules {
                if types.contains(&envelope.detail_type) {
                    subscriber(envelope.clone()).await?;
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl EventBus for LocalBus {
    async fn publish(&self, events: Vec<Event>) -> Result<(), BusError> {
        let envelopes = events
            .iter()
            .map(Envelope::of)
            .collect::<Result<Vec<_>, _>>()?;
        self.put(envelopes).await
    }
}
