//! The queue consumers on the SQS adapter, against moto's SQS (queues made as the template
//! makes them: a dead-letter queue and a redrive policy with maxReceiveCount 5): the same
//! `send_sms` that runs on the local queue elsewhere sends a text taken from SQS, parks a
//! refused one and a malformed one in the dead-letter queue with their reasons.

#[path = "../../shared/tests/support/mod.rs"]
mod support;

use std::sync::Arc;

use crm_functions::usecases::messaging::{enqueue, Outgoing};
use crm_functions::workers::send_sms;
use crm_functions::{Ctx, Ports};
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::local_capi::RecordingCapi;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::message::{MessageKind, MessageStatus};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::clock::FixedClock;
use crm_shared::ports::queue::{pump, QueueName};
use crm_shared::ports::sms::{Sms, SmsError, SmsProvider};
use crm_shared::store::{messages, tenants};

/// Refuses every text, as a provider does an invalid number.
struct Refusing;

#[async_trait::async_trait]
impl SmsProvider for Refusing {
    async fn send(&self, _: &Sms) -> Result<String, SmsError> {
        Err(SmsError::Rejected(
            "HTTP 400 code 21211: invalid number".into(),
        ))
    }
}

async fn world(sms: Arc<dyn SmsProvider>) -> (Ctx, TenantSettings) {
    // Noon in Dublin: outside quiet hours.
    let clock = Arc::new(FixedClock::at(
        chrono::DateTime::parse_from_rfc3339("2026-01-14T12:00:00Z")
            .expect("time")
            .to_utc(),
    ));
    let store = SqliteStore::in_memory().expect("store");
    let settings = TenantSettings::new("glow", "Glow Spa", "IE", "https://book.example/glow");
    tenants::create(&store, &settings).await.expect("tenant");
    let ctx = Ctx::new(Ports {
        store: Arc::new(store),
        bus: Arc::new(LocalBus::new()),
        clock,
        queue: Arc::new(support::sqs_queue(QueueName::Sms).await),
        sms,
        capi: Arc::new(RecordingCapi::new()),
        directory: Arc::new(crm_shared::ports::directory::SelfSignUp),
        vault: Arc::new(crm_shared::adapters::local_vault::LocalVault::ephemeral()),
    });
    (ctx, settings)
}

fn text(id: &str, ctx: &Ctx) -> Outgoing {
    Outgoing {
        id: id.into(),
        kind: MessageKind::Manual,
        to: "+353871234567".into(),
        name: "Aoife Byrne".into(),
        customer_id: None,
        lead_id: None,
        missed_call_id: None,
        body: Some("Your voucher is ready.".into()),
        not_before: ctx.clock.now(),
        created_by: "test".into(),
    }
}

/// Feeds `send_sms` from SQS until a receive comes back empty.
async fn drain(ctx: &Ctx) {
    while pump(ctx.queue.as_ref(), QueueName::Sms, 30, 0, |batch| {
        send_sms::consume(ctx, batch)
    })
    .await
    .expect("pump")
        > 0
    {}
}

#[tokio::test]
async fn a_text_taken_from_sqs_is_sent_once() {
    let outbox = Outbox::new();
    let (ctx, settings) = world(Arc::new(outbox.clone())).await;
    enqueue(&ctx, &settings, text("m1", &ctx))
        .await
        .expect("enqueue");
    drain(&ctx).await;
    assert_eq!(outbox.sent().len(), 1);
    let m = messages::get(ctx.store.as_ref(), "glow", "m1")
        .await
        .expect("get")
        .expect("message");
    assert_eq!(m.status, MessageStatus::Sent);
    // A redelivered task (SQS is at least once) sends nothing more.
    ctx.queue
        .send(
            QueueName::Sms,
            r#"{"tenant_id":"glow","message_id":"m1"}"#,
            0,
        )
        .await
        .expect("send");
    drain(&ctx).await;
    assert_eq!(outbox.sent().len(), 1);
    assert!(ctx
        .queue
        .dead_letters(QueueName::Sms, 10)
        .await
        .expect("dlq")
        .is_empty());
}

#[tokio::test]
async fn refused_and_malformed_tasks_wait_in_the_sqs_dead_letter_queue_with_their_reasons() {
    let (ctx, settings) = world(Arc::new(Refusing)).await;
    enqueue(&ctx, &settings, text("bad", &ctx))
        .await
        .expect("enqueue");
    ctx.queue
        .send(QueueName::Sms, "not json", 0)
        .await
        .expect("send");
    drain(&ctx).await;
    let m = messages::get(ctx.store.as_ref(), "glow", "bad")
        .await
        .expect("get")
        .expect("message");
    assert_eq!(m.status, MessageStatus::Failed);
    let mut reasons: Vec<String> = ctx
        .queue
        .dead_letters(QueueName::Sms, 10)
        .await
        .expect("dlq")
        .into_iter()
        .filter_map(|d| d.reason)
        .collect();
    reasons.sort();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0], "HTTP 400 code 21211: invalid number");
    assert!(reasons[1].starts_with("not an sms task"), "{reasons:?}");
}
