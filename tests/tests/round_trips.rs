//! DynamoDB requests per endpoint, how many are sequential, and the capacity
//! units they consume by DynamoDB's sizing rules: the limits the design promises
//! (2 sequential round trips for the code and refresh grants, 1 for userinfo; at
//! most 4 WRU for a code or refresh grant, 1 for client credentials, 1 RRU for
//! userinfo). A regression fails the build.

use oauth_tests::*;
use shared::store::RoundTrips;

fn report(what: &str, rt: RoundTrips) -> RoundTrips {
    println!(
        "{what}: {} DynamoDB requests, {} sequential, {} RRU, {} WRU",
        rt.requests, rt.sequential, rt.rru, rt.wru
    );
    rt
}

#[tokio::test]
async fn each_endpoint_makes_the_fewest_sequential_dynamodb_round_trips() {
    let env = env().await;
    let store = &env.state.store;
    let (client, secret) = env
        .client(|c| {
            c.grants = [
                "authorization_code",
                "refresh_token",
                "password",
                "client_credentials",
            ]
            .map(String::from)
            .to_vec()
        })
        .await;
    let secret = secret.unwrap();
    env.user(None, EMAIL, PASSWORD, "{}").await;
    let mut browser = Browser::default();
    let q = browser
        .authorize_code(
            &env,
            &authorize_url(&client.client_id, &[]),
            EMAIL,
            PASSWORD,
        )
        .await;

    // Signed in, consent remembered: straight back with a code.
    store.round_trips();
    let page = browser
        .get(&env, &authorize_url(&client.client_id, &[]))
        .await;
    assert_eq!(page.status(), 302);
    let rt = report(
        "authorize (signed in, consent remembered)",
        store.round_trips(),
    );
    assert_eq!(
        (rt.requests, rt.sequential),
        (4, 3),
        "client ∥ session, consent, code"
    );

    let (status, t, _) = env.redeem(&client.client_id, &secret, &q["code"]).await;
    assert_eq!(status, 200);
    let rt = report("authorization_code grant", store.round_trips());
    assert_eq!(
        (rt.requests, rt.sequential),
        (3, 2),
        "client ∥ grant, then one write"
    );
    assert!(rt.wru <= 4.0, "code grant: {} WRU", rt.wru);

    let (status, r, _) = env
        .refresh(
            &client.client_id,
            &secret,
            t["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    let rt = report("refresh_token grant", store.round_trips());
    assert_eq!(
        (rt.requests, rt.sequential),
        (3, 2),
        "client ∥ grant, then one write"
    );
    assert!(rt.wru <= 4.0, "refresh grant: {} WRU", rt.wru);

    let resp = env
        .userinfo(get(
            "/oauth/userinfo",
            &[(
                "authorization",
                &format!("Bearer {}", r["access_token"].as_str().unwrap()),
            )],
        ))
        .await;
    assert_eq!(resp.status(), 200);
    let rt = report("userinfo", store.round_trips());
    assert_eq!((rt.requests, rt.sequential), (1, 1));
    assert!(rt.rru <= 1.0, "userinfo: {} RRU", rt.rru);

    let (status, _, _) = env
        .token_form(&[
            ("grant_type", "password"),
            ("username", EMAIL),
            ("password", PASSWORD),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(status, 200);
    let rt = report("password grant", store.round_trips());
    assert_eq!(
        (rt.requests, rt.sequential),
        (6, 2),
        "client ∥ user ∥ attempt reserved, then the grant written ∥ the attempt given back ∥ the consent recorded"
    );

    let (status, _, _) = env
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(status, 200);
    let rt = report("client_credentials grant", store.round_trips());
    assert_eq!((rt.requests, rt.sequential), (2, 2));
    assert!(rt.wru <= 1.0, "client_credentials: {} WRU", rt.wru);

    let (status, _) = {
        let resp = env
            .token(post_form(
                "/oauth/introspect",
                &[
                    ("token", t["access_token"].as_str().unwrap()),
                    ("client_id", &client.client_id),
                    ("client_secret", &secret),
                ],
                &[],
            ))
            .await;
        (resp.status(), ())
    };
    assert_eq!(status, 200);
    let rt = report("introspection", store.round_trips());
    assert_eq!((rt.requests, rt.sequential), (2, 1), "client ∥ grant");
}
