//! The roots the AWS clients trust: the Amazon Trust Services roots, which AWS service
//! endpoints (public and VPC endpoints alike) present, instead of the machine's whole CA
//! bundle. Reading and checking the bundle's ~140 roots was most of `aws_config`'s share of
//! a cold start (about 1 ms of a 4.4 ms init); six roots cost a few microseconds, and the
//! functions trust nothing else when they talk to AWS.
//!
//! The certificates are Mozilla's (Debian's `ca-certificates`): Amazon Root CA 1–4,
//! Starfield Services Root CA – G2 and Starfield Class 2 CA, the set AWS documents for its
//! endpoints, valid until 2034–2040.

use aws_config::SdkConfig;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Amazon Trust Services' roots, PEM.
pub const AMAZON_ROOTS_PEM: &[u8] = include_bytes!("aws_trust/amazon-roots.pem");

/// The HTTPS client of every AWS SDK client: the SDK's own (hyper 1, rustls, proxy settings
/// from the environment) on ring — the crypto reqwest's rustls already builds, so no C
/// library (aws-lc) is compiled for the functions — trusting only [`AMAZON_ROOTS_PEM`].
/// The SDK crates are built without their default HTTPS client: every SDK configuration
/// names this one (or [`native_roots_http_client`]).
pub fn http_client() -> SharedHttpClient {
    SharedHttpClient::new(ConnectOnFirstUse(hyper_client()))
}

/// The SDK's client builds a connector (TLS configuration and trust store) whenever an SDK
/// client is built, so that a system CA bundle is read during init rather than on the first
/// request. With six roots compiled in there is nothing worth reading early, and each SDK
/// client built (three per function) would pay for a connector it throws away: this one
/// builds its connector when the first request needs it (in the background warm-up read).
#[derive(Debug)]
struct ConnectOnFirstUse(SharedHttpClient);

impl HttpClient for ConnectOnFirstUse {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

fn hyper_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .tls_context(amazon_tls());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// The same client trusting the machine's CA bundle (what the SDK's default client trusts):
/// for the benchmark that compares the two.
pub fn native_roots_http_client() -> SharedHttpClient {
    Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

fn amazon_tls() -> TlsContext {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_ROOTS_PEM);
    // Infallible with a trust store and no extra server names; the default context
    // (native roots) is the safe answer should that ever change.
    TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .unwrap_or_default()
}

/// Loads the SDK configuration from the environment (Lambda's: region, credentials,
/// `AWS_ENDPOINT_URL` for moto) with [`http_client`].
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http_client())
        .load()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;

    #[test]
    fn the_trust_store_parses_to_the_six_amazon_trust_services_roots() {
        let certs = CertificateDer::pem_slice_iter(AMAZON_ROOTS_PEM)
            .collect::<Result<Vec<_>, _>>()
            .expect("every PEM block parses");
        assert_eq!(certs.len(), 6);
        let mut roots = rustls::RootCertStore::empty();
        let (valid, invalid) = roots.add_parsable_certificates(certs);
        assert_eq!((valid, invalid), (6, 0));
    }
}
