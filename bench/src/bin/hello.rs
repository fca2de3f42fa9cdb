//! A hello-world `lambda_http` function, built with the same release profile
//! and runtime flavour as ours: the baseline `make bench` sets our cold starts
//! beside.

use lambda_http::{run, service_fn, Body, Error, Request, Response};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(|_req: Request| async {
        Ok::<_, Error>(Response::new(Body::from("hello")))
    }))
    .await
}
