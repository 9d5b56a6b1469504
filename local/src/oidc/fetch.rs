//! The two documents fetched from the issuer: its discovery document (OpenID Connect Discovery
//! §4) and the JWKS it points to. Bounded in time and size; every failure is the issuer's.

use reqwest::header::ACCEPT;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::error::OidcError;

/// A discovery document or a JWKS is a few kilobytes; this is far above any real one.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// What this verifier needs from the discovery document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct ProviderMetadata {
    pub issuer: String,
    pub jwks_uri: String,
}

/// `{issuer}/.well-known/openid-configuration`, which must name the configured issuer.
///
/// The configuration drops a trailing `/` from the issuer, so the two are compared without
/// it; tokens are then checked against the document's `issuer`, exactly as written there.
pub(crate) async fn discover(
    http: &reqwest::Client,
    configured_issuer: &str,
) -> Result<ProviderMetadata, OidcError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        configured_issuer.trim_end_matches('/')
    );
    let metadata: ProviderMetadata = get_json(http, &url).await?;
    if metadata.issuer.trim_end_matches('/') != configured_issuer.trim_end_matches('/') {
        return Err(OidcError::IssuerMisconfigured(format!(
            "{url} names the issuer `{}`, not the configured `{configured_issuer}`",
            metadata.issuer
        )));
    }
    if !(metadata.jwks_uri.starts_with("https://") || metadata.jwks_uri.starts_with("http://")) {
        return Err(OidcError::IssuerMisconfigured(format!(
            "{url} has no http(s) jwks_uri (`{}`)",
            metadata.jwks_uri
        )));
    }
    Ok(metadata)
}

pub(crate) async fn jwks(http: &reqwest::Client, jwks_uri: &str) -> Result<Value, OidcError> {
    get_json(http, jwks_uri).await
}

async fn get_json<T: DeserializeOwned>(http: &reqwest::Client, url: &str) -> Result<T, OidcError> {
    let unreachable = |reason: String| OidcError::IssuerUnreachable {
        url: url.to_owned(),
        reason,
    };
    let mut response = http
        .get(url)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| unreachable(error_chain(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(unreachable(format!("answered {status}")));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
    {
        return Err(too_large(url));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreachable(error_chain(&e)))?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(too_large(url));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| {
        OidcError::IssuerMisconfigured(format!("{url} did not answer the expected JSON: {e}"))
    })
}

fn too_large(url: &str) -> OidcError {
    OidcError::IssuerMisconfigured(format!(
        "{url} answered more than {MAX_DOCUMENT_BYTES} bytes"
    ))
}

/// reqwest's own message is "error sending request"; the cause (refused, timed out, TLS) is in
/// its sources.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
