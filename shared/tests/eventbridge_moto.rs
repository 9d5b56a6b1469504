//! The event bus adapters: `EventBridgeBus` against moto (bus → rule → SQS queue), and the
//! in-process `LocalBus` routing by detail-type as the template's rules do.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::{DateTime, Utc};
use crm_shared::adapters::eventbridge::EventBridgeBus;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::domain::customer::Milestone;
use crm_shared::domain::events::{Event, LeadCaptured, LeadStatusChanged, MilestoneReached};
use crm_shared::domain::lead::LeadStatus;
use crm_shared::domain::source::Source;
use crm_shared::ports::bus::{Envelope, EventBus, SOURCE};
use serde_json::{json, Value};

/// A bus on moto with one rule routing `lead.captured` to a fresh SQS queue.
struct Routed {
    bus: EventBridgeBus,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

async fn routed_bus(case: &str) -> Routed {
    let config = support::sdk_config().await;
    let events = aws_sdk_eventbridge::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let bus_name = support::unique_name(&format!("bus-{case}"));
    let queue_name = support::unique_name(&format!("q-{case}"));

    events
        .create_event_bus()
        .name(&bus_name)
        .send()
        .await
        .expect("create bus");
    let queue_url = sqs
        .create_queue()
        .queue_name(&queue_name)
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("queue arn");
    let pattern = json!({"source": [SOURCE], "detail-type": ["lead.captured"]});
    events
        .put_rule()
        .name("lead-captured-to-queue")
        .event_bus_name(&bus_name)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .expect("put rule");
    events
        .put_targets()
        .rule("lead-captured-to-queue")
        .event_bus_name(&bus_name)
        .targets(
            Target::builder()
                .id("queue")
                .arn(queue_arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("put targets");
    Routed {
        bus: EventBridgeBus::new(events, bus_name),
        sqs,
        queue_url,
    }
}

impl Routed {
    /// Receives until `count` messages arrived or a few seconds passed; returns their bodies.
    async fn receive(&self, count: usize) -> Vec<Value> {
        let mut bodies = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while bodies.len() < count && Instant::now() < deadline {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive");
            for message in out.messages() {
                let body = message.body().expect("message body");
                bodies.push(serde_json::from_str(body).expect("event JSON"));
            }
        }
        bodies
    }
}

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-14T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn lead_captured(n: u32) -> Event {
    Event::LeadCaptured(LeadCaptured {
        event_id: format!("ev-{n}"),
        tenant_id: "t1".into(),
        lead_id: format!("L{n}"),
        source: Source::MetaAd,
        created_at: at(),
    })
}

fn milestone_reached() -> Event {
    Event::MilestoneReached(MilestoneReached {
        event_id: "x".into(),
        tenant_id: "t1".into(),
        customer_id: "C1".into(),
        milestone: Milestone::FirstBooking,
    })
}

fn status_changed() -> Event {
    Event::LeadStatusChanged(LeadStatusChanged {
        event_id: "y".into(),
        tenant_id: "t1".into(),
        lead_id: "L1".into(),
        from: Some(LeadStatus::New),
        to: LeadStatus::Contacted,
        actor: "u1".into(),
        at: at(),
    })
}

fn envelope(event: &Event) -> Envelope {
    Envelope::of(event).expect("envelope")
}

#[tokio::test]
async fn lead_captured_reaches_the_queue_its_rule_targets() {
    let routed = routed_bus("captured").await;
    let other = milestone_reached();
    routed
        .bus
        .publish(vec![other, lead_captured(1)])
        .await
        .expect("publish");

    let bodies = routed.receive(2).await;
    assert_eq!(
        bodies.len(),
        1,
        "only lead.captured matches the rule: {bodies:?}"
    );
    let event = &bodies[0];
    assert_eq!(event["source"], SOURCE);
    assert_eq!(event["detail-type"], "lead.captured");
    assert_eq!(event["detail"], envelope(&lead_captured(1)).detail);
}

#[tokio::test]
async fn more_than_ten_events_are_published_in_chunks() {
    let routed = routed_bus("chunks").await;
    let events: Vec<Event> = (0..23).map(lead_captured).collect();
    routed.bus.publish(events).await.expect("publish 23 events");

    let bodies = routed.receive(23).await;
    let mut ids: Vec<String> = bodies
        .iter()
        .map(|b| {
            b["detail"]["event_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    ids.sort();
    let mut expected: Vec<String> = (0..23).map(|n| format!("ev-{n}")).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn rejected_entries_fail_the_publish() {
    let routed = routed_bus("rejected").await;
    let nameless = Envelope {
        detail_type: String::new(),
        source: SOURCE.into(),
        detail: json!({"tenant_id": "t1"}),
    };
    let result = routed
        .bus
        .put(vec![envelope(&lead_captured(1)), nameless])
        .await;
    let err = result.expect_err("an entry without detail-type is rejected");
    assert!(err.0.contains("InvalidArgument"), "{err}");
}

#[tokio::test]
async fn local_bus_routes_by_detail_type() {
    let bus = LocalBus::new();
    let seen: Arc<Mutex<Vec<Envelope>>> = Arc::default();
    let sink = Arc::clone(&seen);
    bus.subscribe(
        &["lead.captured", "lead.status_changed"],
        Arc::new(move |event| {
            sink.lock().expect("sink").push(event);
            Box::pin(async { Ok(()) })
        }),
    );
    let reached = milestone_reached();
    let changed = status_changed();
    bus.publish(vec![lead_captured(1), reached.clone(), changed.clone()])
        .await
        .expect("publish");

    let routed = seen.lock().expect("seen").clone();
    assert_eq!(
        routed,
        vec![envelope(&lead_captured(1)), envelope(&changed)]
    );
    assert_eq!(
        bus.published(),
        vec![
            envelope(&lead_captured(1)),
            envelope(&reached),
            envelope(&changed)
        ]
    );
}
