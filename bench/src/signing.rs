//! What signing costs: a fresh execution environment's first signature (the
//! keyset read and its one KMS `Decrypt`, counted), the CPU of one RS256
//! signature once the key is in memory, and the DynamoDB and KMS requests a
//! warm JWKS or discovery call makes (none).

use crate::warm::Fixture;
use crate::{percentile, thread_cpu};
use oauth_tests::get;
use serde_json::{json, Value};
use shared::State;
use std::time::Instant;

pub async fn measure(f: &Fixture, n: usize) -> Value {
    let st = &f.env.state;
    let now = st.clock.now();
    let claims = json!({ "iss": st.config.issuer, "sub": f.sub, "aud": f.client_id, "iat": now, "exp": now + 600 });
    // Make sure the table has a key (the first signature of a deployment makes it).
    st.keys
        .sign(&st.store, "JWT", &claims, now)
        .await
        .expect("sign");

    // A new execution environment over the same table and KMS key.
    let sdk = shared::store::sdk::sdk_config().await;
    let fresh =
        State::new(st.config.clone(), st.store.clone()).with_kms(aws_sdk_kms::Client::new(&sdk));
    let signer = fresh
        .keys
        .signer
        .as_ref()
        .expect("a signer (KMS_KEY_ID set)");
    fresh.store.round_trips();
    let t0 = Instant::now();
    fresh
        .keys
        .sign(&fresh.store, "JWT", &claims, now)
        .await
        .expect("first signature");
    let first_ms = t0.elapsed().as_secs_f64() * 1e3;
    let first_ddb = fresh.store.round_trips();
    let decrypts = signer.decrypts();

    let mut cpu = Vec::with_capacity(n);
    for _ in 0..n {
        let c0 = thread_cpu();
        fresh
            .keys
            .sign(&fresh.store, "JWT", &claims, now)
            .await
            .expect("sign");
        cpu.push((thread_cpu() - c0).as_secs_f64() * 1e6);
    }
    cpu.sort_by(f64::total_cmp);
    let decrypts_after = signer.decrypts();

    // Warm JWKS and discovery: served from the cached keyset.
    let mut warm_requests = 0;
    for path in [
        "/.well-known/jwks.json",
        "/.well-known/openid-configuration",
    ] {
        userinfo::handle(&fresh, get(path, &[])).await;
        fresh.store.round_trips();
        let resp = userinfo::handle(&fresh, get(path, &[])).await;
        assert_eq!(resp.status(), 200, "{path}");
        warm_requests += fresh.store.round_trips().requests;
    }
    json!({
        "first_signature_ms": first_ms,
        "first_signature_dynamodb_requests": first_ddb.requests,
        "first_signature_kms_decrypts": decrypts,
        "rs256_signature_cpu_us_p50": percentile(&cpu, 50.0),
        "signatures": n,
        "kms_decrypts_after_signatures": decrypts_after,
        "warm_jwks_and_discovery_dynamodb_requests": warm_requests,
    })
}
