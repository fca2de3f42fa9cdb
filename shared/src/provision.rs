//! Preparing a deployment with no operator step: the template's custom
//! resource (`Custom::SigningKeys`, backed by the token function, the only one
//! that may write the keyset) creates the first signing key at deploy time,
//! so that the JWKS a relying party or gateway fetches at start-up already
//! holds the key of the first tokens. CloudFormation sends the event and
//! waits for the answer at the presigned `ResponseURL` (AWS CloudFormation
//! User Guide, "Custom resources": the response object).

use crate::state::State;
use serde::Deserialize;
use serde_json::{json, Value};

/// A CloudFormation custom-resource request (the fields this answers with).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Event {
    pub request_type: String,
    #[serde(rename = "ResponseURL")]
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
}

/// Whether a Lambda event is a custom-resource request (not an HTTP one).
pub fn is_custom_resource(event: &Value) -> bool {
    event.get("RequestType").is_some() && event.get("ResponseURL").is_some()
}

/// The id of the one resource: the keyset stays with the (retained) table.
const PHYSICAL_ID: &str = "signing-keys";

/// Handles the request and sends CloudFormation its answer. Create and
/// Update make sure a signing key exists; Delete keeps the keys (the table
/// outlives the stack). `Err`: the answer could not be delivered.
pub async fn handle(state: &State, event: &Event, now: i64) -> Result<Value, String> {
    let outcome = match event.request_type.as_str() {
        "Create" | "Update" => crate::admin::keys::prepare(state, now)
            .await
            .map(|k| json!({ "Kid": k["kid"] }))
            .map_err(|e| e.to_string()),
        _ => Ok(json!({})),
    };
    let answer = match &outcome {
        Ok(data) => json!({ "Status": "SUCCESS", "Data": data }),
        Err(why) => json!({ "Status": "FAILED", "Reason": why }),
    };
    let mut answer = answer;
    for (k, v) in [
        ("PhysicalResourceId", PHYSICAL_ID),
        ("StackId", &event.stack_id),
        ("RequestId", &event.request_id),
        ("LogicalResourceId", &event.logical_resource_id),
    ] {
        answer[k] = json!(v);
    }
    tracing::info!(request_type = %event.request_type, ok = outcome.is_ok(), "custom resource");
    let out = state.outbound().map_err(|e| e.description)?;
    let url = url::Url::parse(&event.response_url).map_err(|e| e.to_string())?;
    // The presigned URL is https; only a local stack answers over http.
    let local = crate::config::is_loopback_http(&state.config.issuer);
    out.check_url(&url, local).map_err(|e| e.to_string())?;
    // The presigned URL was signed with no content type.
    let req = out
        .request(reqwest::Method::PUT, url)
        .header(reqwest::header::CONTENT_TYPE, "")
        .body(answer.to_string());
    out.send(req, 4096).await.map_err(|e| e.to_string())?;
    Ok(answer)
}
