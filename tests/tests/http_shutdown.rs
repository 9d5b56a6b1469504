//! Graceful shutdown loses nothing (DESIGN §7: every accepted lead is durable before 201).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_capture_answered_201_before_a_graceful_shutdown_is_there_after_a_restart() {
    let app = App::start(true).await;
    app.lift_capture_limits(DEMO).await;
    let answered = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..50 {
        // One client each: fifty connections in flight at once.
        let http = reqwest::Client::new();
        let url = format!("{}/public/demo/leads", app.url);
        let answered = answered.clone();
        let name = format!("Inflight {i}");
        let number = phone();
        tasks.push(tokio::spawn(async move {
            let result = http
                .post(url)
                .json(&json!({"name": name, "phone": number}))
                .send()
                .await;
            let out = match result {
                Ok(response) => Some(read(response).await),
                Err(_) => None,
            };
            answered.fetch_add(1, Ordering::SeqCst);
            (name, out)
        }));
    }
    // Shut down while captures are still in flight.
    let start = Instant::now();
    while answered.load(Ordering::SeqCst) < 5 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let dir = app.shutdown().await;

    let mut created = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (name, out) = t.await.unwrap_or_else(|e| panic!("task: {e}"));
        match out {
            Some(r) if r.status == StatusCode::CREATED => {
                let id = r.body["lead_id"].as_str().unwrap_or_default().to_owned();
                created.push((id, name));
            }
            // Unavailable is an honest answer the client retries; nothing else is.
            Some(r) if r.status == StatusCode::SERVICE_UNAVAILABLE => failed += 1,
            Some(r) => panic!(
                "a capture was answered {} during shutdown: {}",
                r.status, r.text
            ),
            None => failed += 1,
        }
    }
    eprintln!(
        "shutdown: {} answered 201, {} refused or cut off",
        created.len(),
        failed
    );
    assert!(
        !created.is_empty(),
        "no capture was answered before the shutdown"
    );
    assert_eq!(created.len() + failed, 50);

    let app = App::open(dir, true, None).await;
    let tok = admin(DEMO);
    for (id, name) in &created {
        let r = app.get_lead(&tok, id).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "lead {id} was answered 201 but is gone: {}",
            r.text
        );
        assert_eq!(r.body["name"], json!(name));
    }
    let all = app.list_all(&tok, "", 100).await;
    assert!(
        all.len() >= DEMO_LEADS + created.len() && all.len() <= DEMO_LEADS + created.len() + failed,
        "{} leads after restart, {} answered 201, {} failed, {} seeded",
        all.len(),
        created.len(),
        failed,
        DEMO_LEADS
    );
    // The restart did not seed the demo tenant a second time.
    let seeded = all
        .iter()
        .filter(|l| {
            l["name"]
                .as_str()
                .is_some_and(|n| !n.starts_with("Inflight"))
        })
        .count();
    assert_eq!(seeded, DEMO_LEADS);
    let _ = app.shutdown().await;
}
