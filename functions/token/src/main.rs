use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::{service_fn, Error};
use serde_json::Value;

// One thread: Lambda hands an instance one request at a time, and a second
// worker would only add wake-ups (measured by `make bench`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let state: &'static shared::State = Box::leak(Box::new(shared::State::from_env().await?));
    // HTTP API requests, and at deploy time CloudFormation's custom-resource
    // request for the first signing key (token::event).
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        token::event(state, event)
    }))
    .await
}
