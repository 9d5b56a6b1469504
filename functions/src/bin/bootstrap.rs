//! The one binary of every Lambda function. Lambda names the function in `_HANDLER` (the
//! template's `Handler`: a route's function name from the route table, or a worker's), and
//! `crm_functions::lambda::serve` runs it. One binary means `sam build` builds once for all
//! functions (they share CodeUri, Metadata and architecture) and copies the artifact.

#[tokio::main]
async fn main() -> Result<(), crm_functions::lambda::Error> {
    let name = std::env::var("_HANDLER")
        .map_err(|_| "_HANDLER is not set: Lambda sets it to the function's Handler")?;
    crm_functions::lambda::serve(&name).await
}
