//! Seeds the demo business the sample events in `events/` are about (`tests/support/samples.rs`,
//! the same seeding the replay test does on SQLite) into DynamoDB tables through the AWS store
//! adapter, for `scripts/deploy-check`:
//!
//! ```sh
//! TABLE_NAME=t EVENT_BUS_NAME=b SMS_QUEUE_URL=… SMS_DLQ_URL=… \
//!   cargo run -q -p crm-functions --example seed_samples -- [TABLE…]
//! ```
//!
//! Environment as the functions' (the AWS SDK's, `AWS_ENDPOINT_URL` for moto); each TABLE
//! (default: `TABLE_NAME`) gets the whole demo business. Prints one JSON object:
//! `{"webhook_secret": …, "tables": {TABLE: {placeholder id: real id}}}`.

#[path = "../tests/support/samples.rs"]
mod samples;

use std::collections::BTreeMap;

use crm_functions::lambda::config::Config;
use crm_functions::lambda::{ctx, Error};
use crm_shared::adapters::aws::{self, WarmUp};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = Config::from_env()?;
    let mut tables: Vec<String> = std::env::args().skip(1).collect();
    if tables.is_empty() {
        tables.push(config.table_name.clone());
    }
    let mut seeded = BTreeMap::new();
    for table in tables {
        let adapters = aws::connect(
            &table,
            &config.event_bus_name,
            config.queues.clone(),
            WarmUp::No,
        )
        .await;
        let ids = samples::seed_all(&ctx(&config, adapters)?)
            .await
            .map_err(|e| format!("seeding {table}: {e}"))?;
        seeded.insert(table, ids);
    }
    let out = serde_json::json!({
        "webhook_secret": samples::WEBHOOK_SECRET,
        "tables": seeded,
    });
    println!("{out}");
    Ok(())
}
