use lambda_http::{run, service_fn, Error, Request};

// One thread: Lambda hands an instance one request at a time, and a second
// worker would only add wake-ups (measured by `make bench`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let state: &'static shared::State = Box::leak(Box::new(shared::State::from_env().await?));
    run(service_fn(move |req: Request| async move {
        Ok::<_, std::convert::Infallible>(account::handle(state, req).await)
    }))
    .await
}
