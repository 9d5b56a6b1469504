//! Lambda function `stale_leads`: wiring only (see `crm_functions::workers::stale_leads`).

use crm_functions::runtime::{aws_ctx, init_tracing, Error, WarmUp};
use crm_functions::workers::stale_leads;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let ctx = aws_ctx(WarmUp::Table).await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let ctx = ctx.clone();
        async move {
            stale_leads::handle(&ctx, event.payload)
                .await
                .map_err(Error::from)
        }
    }))
    .await
}
