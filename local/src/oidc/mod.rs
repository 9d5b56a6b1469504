//! Verifies the ID tokens of an OpenID Connect provider (`CRM_OIDC_ISSUER`,
//! `CRM_OIDC_CLIENT_ID`) against the keys it publishes: discovery document and JWKS fetched on
//! first use, keys kept in memory, an unknown `kid` answered by one refetch at most every
//! `refetch_interval` (so a flood of made-up kids costs the issuer one request per interval).
//!
//! Keys older than `keys_max_age` are fetched again before use, so a key the issuer withdrew
//! stops verifying. Which account a verified identity signs in to is the caller's business.

mod error;
mod fetch;
mod keys;
mod token;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use crm_shared::ports::clock::Clock;

use crate::config::OidcClient;
pub use error::{InvalidToken, OidcError};
use fetch::ProviderMetadata;
use keys::KeySet;

/// Who the issuer says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// As the issuer's discovery document spells it; `(issuer, sub)` names a person for good.
    pub issuer: String,
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

impl VerifiedIdentity {
    /// The email, only if the issuer says the person proved they own it: an unverified email
    /// must not match a membership.
    pub fn verified_email(&self) -> Option<&str> {
        self.email.as_deref().filter(|_| self.email_verified)
    }
}

/// How long to wait and how often to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierSettings {
    /// For each request to the issuer (connecting included).
    pub http_timeout: Duration,
    /// At most one fetch of the keys per interval, whatever the tokens say.
    pub refetch_interval: Duration,
    /// Keys older than this are fetched again before use, so a key the issuer withdrew stops
    /// verifying tokens; never less than `refetch_interval`.
    pub keys_max_age: Duration,
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
}

impl Default for VerifierSettings {
    fn default() -> Self {
        Self {
            http_timeout: Duration::from_secs(5),
            refetch_interval: Duration::from_secs(30),
            keys_max_age: Duration::from_secs(3600),
            leeway: Duration::from_secs(60),
        }
    }
}

/// Cheap to clone: clones share the cached keys.
#[derive(Clone)]
pub struct OidcVerifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier")
            .field("issuer", &self.inner.issuer)
            .field("client_id", &self.inner.client_id)
            .finish_non_exhaustive()
    }
}

struct Inner {
    issuer: String,
    client_id: String,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    refetch_interval: TimeDelta,
    keys_max_age: TimeDelta,
    leeway_secs: i64,
    /// What verifying reads; replaced whole by a fetch.
    keys: RwLock<Option<Arc<KeySet>>>,
    /// Held while fetching, so concurrent callers wait for one fetch instead of each making
    /// their own.
    fetching: tokio::sync::Mutex<FetchState>,
}

#[derive(Default)]
struct FetchState {
    metadata: Option<ProviderMetadata>,
    last_attempt: Option<DateTime<Utc>>,
    /// Why the last attempt failed, answered again until the interval has passed.
    last_failure: Option<OidcError>,
}

impl OidcVerifier {
    pub fn new(client: &OidcClient, clock: Arc<dyn Clock>) -> Result<Self, reqwest::Error> {
        Self::with_settings(client, clock, VerifierSettings::default())
    }

    pub fn with_settings(
        client: &OidcClient,
        clock: Arc<dyn Clock>,
        settings: VerifierSettings,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(settings.http_timeout)
            .connect_timeout(settings.http_timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("crm-local/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let delta = |d: Duration| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        let refetch_interval = delta(settings.refetch_interval);
        Ok(Self {
            inner: Arc::new(Inner {
                issuer: client.issuer.clone(),
                client_id: client.client_id.clone(),
                http,
                clock,
                refetch_interval,
                keys_max_age: delta(settings.keys_max_age).max(refetch_interval),
                leeway_secs: i64::try_from(settings.leeway.as_secs()).unwrap_or(i64::MAX),
                keys: RwLock::new(None),
                fetching: tokio::sync::Mutex::new(FetchState::default()),
            }),
        })
    }

    /// The issuer as configured.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// Verifies an ID token: signature (RS256 or ES256, with the issuer's key its `kid`
    /// names), `iss`, `aud` (and `azp`), `exp`/`nbf`/`iat` within the leeway, and `nonce`
    /// when the sign-in request sent one.
    pub async fn verify(
        &self,
        id_token: &str,
        expected_nonce: Option<&str>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let header = token::header(id_token)?;
        let kid = header.kid.as_deref();
        let keys = self.keys_for(kid).await?;
        let key = keys.find(kid, header.alg)?;
        let claims = token::decode(id_token, key, &keys.issuer, &self.inner.client_id)?;
        token::check(
            &claims,
            self.inner.clock.now().timestamp(),
            self.inner.leeway_secs,
            &self.inner.client_id,
            expected_nonce,
        )?;
        Ok(VerifiedIdentity {
            issuer: keys.issuer.clone(),
            sub: claims.sub,
            email: claims.email,
            email_verified: claims.email_verified,
            name: claims.name,
        })
    }

    fn cached(&self) -> Option<Arc<KeySet>> {
        match self.inner.keys.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn is_fresh(&self, keys: &KeySet) -> bool {
        self.inner.clock.now() - keys.fetched_at < self.inner.keys_max_age
    }

    /// The cached keys if they are fresh and know `kid`; otherwise the keys after a fetch,
    /// if one is allowed now.
    async fn keys_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, OidcError> {
        let seen = self.cached();
        if let Some(keys) = &seen {
            if self.is_fresh(keys) && keys.knows(kid) {
                return Ok(keys.clone());
            }
        }
        let mut state = self.inner.fetching.lock().await;
        let current = self.cached();
        // Another caller fetched while this one waited: its keys are as new as they get.
        if let Some(keys) = &current {
            let refetched = seen.as_ref().is_none_or(|s| !Arc::ptr_eq(s, keys));
            if refetched && self.is_fresh(keys) {
                return Ok(keys.clone());
            }
        }
        let now = self.inner.clock.now();
        if let Some(last) = state.last_attempt {
            if now - last < self.inner.refetch_interval {
                if let Some(failure) = &state.last_failure {
                    return Err(failure.clone());
                }
                // Fetched a moment ago: a kid unknown then is unknown now.
                if let Some(keys) = current.filter(|k| self.is_fresh(k)) {
                    return Ok(keys);
                }
            }
        }
        state.last_attempt = Some(now);
        match self.fetch(&mut state, now).await {
            Ok(keys) => {
                state.last_failure = None;
                let keys = Arc::new(keys);
                match self.inner.keys.write() {
                    Ok(mut guard) => *guard = Some(keys.clone()),
                    Err(poisoned) => *poisoned.into_inner() = Some(keys.clone()),
                }
                Ok(keys)
            }
            Err(e) => {
                tracing::warn!(issuer = %self.inner.issuer, error = %e, "cannot fetch the identity provider's keys");
                // The JWKS may have moved: read the discovery document again next time.
                state.metadata = None;
                state.last_failure = Some(e.clone());
                Err(e)
            }
        }
    }

    async fn fetch(&self, state: &mut FetchState, now: DateTime<Utc>) -> Result<KeySet, OidcError> {
        let metadata = match &state.metadata {
            Some(m) => m.clone(),
            None => {
                let m = fetch::discover(&self.inner.http, &self.inner.issuer).await?;
                state.metadata = Some(m.clone());
                m
            }
        };
        let document = fetch::jwks(&self.inner.http, &metadata.jwks_uri).await?;
        let keys = KeySet::parse(&document, metadata.issuer, now)?;
        tracing::info!(
            issuer = %self.inner.issuer,
            jwks_uri = %metadata.jwks_uri,
            keys = keys.keys.len(),
            "fetched the identity provider's keys"
        );
        Ok(keys)
    }
}
