//! The file store in the cloud: one S3 bucket (the template's `ImportsBucket`), objects
//! under the product's keys. Three calls (PutObject, GetObject, DeleteObject) over the HTTPS
//! client the product already has (reqwest with rustls), signed by aws-sigv4 (the SDK's own
//! signer) with the function's credentials: aws-sdk-s3 would add a large crate to every
//! cold `sam build` for these three calls (DESIGN §6, build time). Path-style addresses,
//! so an endpoint override (moto in the tests) works as S3 does.

use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::ports::files::{is_valid_key, FileStore, FileStoreError};

pub struct S3Files {
    sdk: SdkConfig,
    bucket: String,
    /// `https://s3.<region>.amazonaws.com` or the endpoint override.
    base: String,
    region: String,
    http: reqwest::Client,
}

impl S3Files {
    /// The objects of `bucket`, addressed and signed by the SDK configuration's region,
    /// endpoint (`AWS_ENDPOINT_URL`) and credentials.
    pub fn new(sdk: &SdkConfig, bucket: &str) -> Self {
        let region = sdk
            .region()
            .map(|r| r.as_ref().to_owned())
            .unwrap_or_else(|| "us-east-1".into());
        let base = sdk
            .endpoint_url()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        Self {
            sdk: sdk.clone(),
            bucket: bucket.to_owned(),
            base,
            region,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, key: &str) -> Result<String, FileStoreError> {
        if !is_valid_key(key) {
            return Err(FileStoreError::Unavailable(format!("invalid key {key:?}")));
        }
        Ok(format!("{}/{}/{key}", self.base, self.bucket))
    }

    /// Creates the bucket (tests and trials on moto; a deployment's is the stack's).
    pub async fn create_bucket(&self) -> Result<(), FileStoreError> {
        let url = format!("{}/{}", self.base, self.bucket);
        let response = self.send_to(reqwest::Method::PUT, url, Vec::new()).await?;
        match response.status() {
            s if s.is_success() => Ok(()),
            s => Err(refused("CreateBucket", s)),
        }
    }

    /// Sends `method` to the key's URL with `body`, signed.
    async fn send(
        &self,
        method: reqwest::Method,
        key: &str,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, FileStoreError> {
        let url = self.url(key)?;
        self.send_to(method, url, body).await
    }

    async fn send_to(
        &self,
        method: reqwest::Method,
        url: String,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, FileStoreError> {
        let provider = self
            .sdk
            .credentials_provider()
            .ok_or_else(|| FileStoreError::Unavailable("no AWS credentials".into()))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| FileStoreError::Unavailable(format!("credentials: {e}")))?;
        let identity: Identity = credentials.into();
        let mut settings = SigningSettings::default();
        // S3 signs the payload's hash into x-amz-content-sha256.
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| FileStoreError::Unavailable(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            method.as_str(),
            &url,
            std::iter::empty(),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| FileStoreError::Unavailable(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| FileStoreError::Unavailable(e.to_string()))?
            .into_parts();
        let mut request = self.http.request(method, &url);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        request
            .body(body)
            .send()
            .await
            .map_err(|e| FileStoreError::Unavailable(e.to_string()))
    }
}

fn refused(what: &str, status: reqwest::StatusCode) -> FileStoreError {
    FileStoreError::Unavailable(format!("S3 {what} answered {status}"))
}

#[async_trait::async_trait]
impl FileStore for S3Files {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), FileStoreError> {
        let response = self.send(reqwest::Method::PUT, key, bytes).await?;
        match response.status() {
            s if s.is_success() => Ok(()),
            s => Err(refused("PutObject", s)),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FileStoreError> {
        let response = self.send(reqwest::Method::GET, key, Vec::new()).await?;
        match response.status() {
            s if s.is_success() => response
                .bytes()
                .await
                .map(|b| Some(b.to_vec()))
                .map_err(|e| FileStoreError::Unavailable(e.to_string())),
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s => Err(refused("GetObject", s)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), FileStoreError> {
        let response = self.send(reqwest::Method::DELETE, key, Vec::new()).await?;
        match response.status() {
            s if s.is_success() || s == reqwest::StatusCode::NOT_FOUND => Ok(()),
            s => Err(refused("DeleteObject", s)),
        }
    }
}
