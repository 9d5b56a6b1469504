//! The queue port's contract, on both adapters: `SqsQueue` against moto's SQS (queues made as
//! the template makes them: a dead-letter queue and a redrive policy with maxReceiveCount 5)
//! and `LocalQueue` on SQLite. Failures are released with no delay instead of waiting out a
//! visibility timeout, so nothing sleeps.

mod support;

use std::sync::Arc;

use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::ports::clock::FixedClock;
use crm_shared::ports::queue::{
    pump, settle, BatchOutcome, Disposition, Queue, QueueName, MAX_RECEIVES,
};

const Q: QueueName = QueueName::Sms;

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at(
        chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .expect("time")
            .to_utc(),
    ))
}

macro_rules! on_both_queues {
    ($($case:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test]
                async fn $case() {
                    let queue = crm_shared::adapters::local_queue::LocalQueue::in_memory(super::clock())
                        .expect("local queue");
                    super::$case(&queue).await;
                }
            )*
        }
        mod sqs {
            $(
                #[tokio::test]
                async fn $case() {
                    let queue = crate::support::sqs_queue(super::Q).await;
                    super::$case(&queue).await;
                }
            )*
        }
    };
}

on_both_queues!(
    a_deleted_message_is_gone,
    a_received_message_is_hidden_until_released,
    a_message_received_five_times_moves_to_the_dead_letter_queue,
    a_dead_letter_keeps_its_reason,
    a_delayed_message_is_not_delivered_at_once,
    pump_deletes_successes_and_brings_failures_back,
    settle_parks_the_last_retry_and_the_dead_with_reasons,
);

async fn a_deleted_message_is_gone(q: &dyn Queue) {
    let id = q.send(Q, r#"{"n":1}"#, 0).await.expect("send");
    let got = q.receive(Q, 10, 30).await.expect("receive");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message_id, id);
    assert_eq!(got[0].body, r#"{"n":1}"#);
    assert_eq!(got[0].receive_count, 1);
    q.delete(Q, &got[0].receipt).await.expect("delete");
    q.release(Q, &got[0].receipt, 0).await.ok();
    assert!(q.receive(Q, 10, 0).await.expect("receive").is_empty());
}

async fn a_received_message_is_hidden_until_released(q: &dyn Queue) {
    q.send(Q, "hidden", 0).await.expect("send");
    let first = q.receive(Q, 10, 300).await.expect("receive");
    assert_eq!(first.len(), 1);
    assert!(
        q.receive(Q, 10, 300).await.expect("receive").is_empty(),
        "in flight, so invisible"
    );
    q.release(Q, &first[0].receipt, 0).await.expect("release");
    let again = q.receive(Q, 10, 300).await.expect("receive");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].message_id, first[0].message_id);
    assert_eq!(again[0].receive_count, 2);
}

async fn a_message_received_five_times_moves_to_the_dead_letter_queue(q: &dyn Queue) {
    q.send(Q, "poison", 0).await.expect("send");
    for n in 1..=MAX_RECEIVES {
        let got = q.receive(Q, 10, 300).await.expect("receive");
        assert_eq!(got.len(), 1, "receive {n}");
        assert_eq!(got[0].receive_count, n);
        q.release(Q, &got[0].receipt, 0).await.expect("release");
    }
    assert!(
        q.receive(Q, 10, 300).await.expect("receive").is_empty(),
        "a sixth receive finds it gone"
    );
    let dead = q.dead_letters(Q, 10).await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "poison");
}

async fn a_dead_letter_keeps_its_reason(q: &dyn Queue) {
    q.dead_letter(Q, "refused", "meta said 400: invalid pixel")
        .await
        .expect("dead letter");
    let dead = q.dead_letters(Q, 10).await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "refused");
    assert_eq!(
        dead[0].reason.as_deref(),
        Some("meta said 400: invalid pixel")
    );
    assert!(q.receive(Q, 10, 0).await.expect("receive").is_empty());
}

async fn a_delayed_message_is_not_delivered_at_once(q: &dyn Queue) {
    q.send(Q, "later", 900).await.expect("send");
    q.send(Q, "now", 0).await.expect("send");
    let got = q.receive(Q, 10, 300).await.expect("receive");
    assert_eq!(
        got.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["now"]
    );
}

async fn pump_deletes_successes_and_brings_failures_back(q: &dyn Queue) {
    for body in ["ok", "fails"] {
        q.send(Q, body, 0).await.expect("send");
    }
    let mut seen = Vec::new();
    // moto may hand out a batch in several receives; pump until both were seen once.
    while seen.len() < 2 {
        let n = pump(q, Q, 300, 0, |batch| {
            let failed = batch
                .iter()
                .filter(|m| m.body == "fails")
                .map(|m| m.message_id.clone())
                .collect();
            seen.extend(batch.into_iter().map(|m| m.body));
            async move { BatchOutcome { failed } }
        })
        .await
        .expect("pump");
        assert!(n > 0, "both messages are visible");
    }
    let back = q.receive(Q, 10, 300).await.expect("receive");
    assert_eq!(
        back.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["fails"]
    );
    assert_eq!(back[0].receive_count, 2);
}

async fn settle_parks_the_last_retry_and_the_dead_with_reasons(q: &dyn Queue) {
    q.send(Q, "flaky", 0).await.expect("send");
    let mut last = None;
    for _ in 0..MAX_RECEIVES {
        let got = q.receive(Q, 1, 300).await.expect("receive").remove(0);
        let failed = settle(q, Q, &got, Disposition::Retry("provider 503".into())).await;
        if failed {
            q.release(Q, &got.receipt, 0).await.expect("release");
        } else {
            q.delete(Q, &got.receipt).await.expect("delete");
        }
        last = Some(failed);
    }
    assert_eq!(
        last,
        Some(false),
        "the fifth failure is parked, not retried"
    );
    q.send(Q, "malformed", 0).await.expect("send");
    let got = q.receive(Q, 1, 300).await.expect("receive").remove(0);
    assert!(!settle(q, Q, &got, Disposition::Dead("not JSON".into())).await);
    assert!(!settle(q, Q, &got, Disposition::Done).await);
    let mut reasons: Vec<String> = q
        .dead_letters(Q, 10)
        .await
        .expect("dead letters")
        .into_iter()
        .filter_map(|d| d.reason)
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            "gave up after 5 attempts: provider 503".to_owned(),
            "not JSON".to_owned()
        ]
    );
}

/// The local queue is a file: what was sent and not yet processed is there after a restart,
/// and a message in flight when the process stopped comes back after its visibility timeout.
#[tokio::test]
async fn the_local_queue_keeps_messages_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("crm-queue-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("queues.sqlite3");
    let clock = clock();
    {
        let q = LocalQueue::open(&path, clock.clone()).expect("open");
        q.send(Q, "in flight", 0).await.expect("send");
        q.send(Q, "waiting", 0).await.expect("send");
        let got = q.receive(Q, 1, 60).await.expect("receive");
        assert_eq!(got[0].body, "in flight");
    }
    let q = LocalQueue::open(&path, clock.clone()).expect("reopen");
    let now = q.receive(Q, 10, 60).await.expect("receive");
    assert_eq!(
        now.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["waiting"]
    );
    q.delete(Q, &now[0].receipt).await.expect("delete");
    clock.advance(chrono::Duration::seconds(61));
    let later = q.receive(Q, 10, 60).await.expect("receive");
    assert_eq!(
        later.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["in flight"]
    );
    assert_eq!(later[0].receive_count, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Delays and visibility follow the injected clock.
#[tokio::test]
async fn the_local_queue_delivers_a_delayed_message_when_its_time_comes() {
    let clock = clock();
    let q = LocalQueue::in_memory(clock.clone()).expect("queue");
    q.send(Q, "in ten minutes", 600).await.expect("send");
    assert!(q.receive(Q, 10, 30).await.expect("receive").is_empty());
    clock.advance(chrono::Duration::seconds(600));
    assert_eq!(q.receive(Q, 10, 30).await.expect("receive").len(), 1);
    assert_eq!(q.depth(Q).expect("depth"), 1);
}
