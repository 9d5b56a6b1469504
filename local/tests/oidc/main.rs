//! The OIDC verifier against a real issuer on 127.0.0.1 (discovery + JWKS over HTTP), with
//! tokens signed by real RSA and P-256 keys (test-only fixtures).

mod sign_in;
mod stub_issuer;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use crm_local::config::OidcClient;
use crm_local::oidc::{InvalidToken, OidcError, OidcVerifier, VerifiedIdentity, VerifierSettings};
use crm_shared::http::problem::ApiError;
use crm_shared::ports::clock::{Clock, FixedClock};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};
use stub_issuer::StubIssuer;
use tokens::{ec_jwk, es256, rs256, rsa_jwk, sign, unsigned, with_payload, EC_KID, RSA_KID};

const CLIENT_ID: &str = "crm-admin-spa";

/// Before the time these tests run: a token the verifier accepts was checked on its clock,
/// not the system's.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("date"))
}

struct World {
    issuer: StubIssuer,
    clock: Arc<FixedClock>,
    verifier: OidcVerifier,
}

impl World {
    async fn new(keys: Vec<Value>) -> Self {
        let issuer = StubIssuer::start(keys).await;
        let verifier_for = issuer.url.clone();
        Self::verifying(issuer, &verifier_for)
    }

    fn verifying(issuer: StubIssuer, configured_issuer: &str) -> Self {
        let clock = Arc::new(FixedClock::at(start()));
        let verifier = verifier(configured_issuer, clock.clone());
        Self {
            issuer,
            clock,
            verifier,
        }
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// Good ID token claims for this issuer and client, issued now, valid ten minutes.
    fn claims(&self) -> Value {
        json!({
            "iss": self.issuer.url,
            "aud": CLIENT_ID,
            "sub": "person-1",
            "iat": self.now(),
            "exp": self.now() + 600,
            "nonce": "nonce-1",
            "email": "owner@example.com",
            "email_verified": true,
            "name": "Ada Owner",
        })
    }

    fn claims_with(&self, changes: Value) -> Value {
        let mut claims = self.claims();
        for (k, v) in changes.as_object().into_iter().flatten() {
            if v.is_null() {
                claims.as_object_mut().map(|c| c.remove(k));
            } else {
                claims[k] = v.clone();
            }
        }
        claims
    }

    async fn verify(&self, token: &str) -> Result<VerifiedIdentity, OidcError> {
        self.verifier.verify(token, Some("nonce-1")).await
    }

    fn past_the_refetch_interval(&self) {
        self.clock.advance(TimeDelta::seconds(31));
    }
}

fn verifier(issuer: &str, clock: Arc<FixedClock>) -> OidcVerifier {
    verifier_waiting(issuer, clock, Duration::from_secs(2))
}

fn verifier_waiting(issuer: &str, clock: Arc<FixedClock>, timeout: Duration) -> OidcVerifier {
    let client = OidcClient {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        scope: None,
        name: None,
    };
    let settings = VerifierSettings {
        http_timeout: timeout,
        ..VerifierSettings::default()
    };
    OidcVerifier::with_settings(&client, clock, settings).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(result: Result<VerifiedIdentity, OidcError>) -> InvalidToken {
    match result {
        Err(OidcError::InvalidToken(reason)) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

#[tokio::test]
async fn an_rs256_token_verifies_and_the_keys_are_fetched_once() {
    let w = World::new(vec![rsa_jwk(), ec_jwk()]).await;
    let identity = w
        .verify(&rs256(&w.claims()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        identity,
        VerifiedIdentity {
            issuer: w.issuer.url.clone(),
            sub: "person-1".into(),
            email: Some("owner@example.com".into()),
            email_verified: true,
            name: Some("Ada Owner".into()),
        }
    );
    assert_eq!(identity.verified_email(), Some("owner@example.com"));
    for _ in 0..3 {
        assert!(w.verify(&rs256(&w.claims())).await.is_ok());
    }
    assert_eq!(
        (w.issuer.discovery_fetches(), w.issuer.jwks_fetches()),
        (1, 1)
    );
}

#[tokio::test]
async fn an_es256_token_verifies() {
    let w = World::new(vec![rsa_jwk(), ec_jwk()]).await;
    let identity = w
        .verify(&es256(&w.claims()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(identity.sub, "person-1");
}

#[tokio::test]
async fn nothing_is_fetched_until_the_first_token_arrives() {
    let w = World::new(vec![rsa_jwk()]).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        (w.issuer.discovery_fetches(), w.issuer.jwks_fetches()),
        (0, 0)
    );
}

#[tokio::test]
async fn concurrent_first_tokens_share_one_discovery_and_one_jwks_fetch() {
    let w = Arc::new(World::new(vec![rsa_jwk(), ec_jwk()]).await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let w = w.clone();
        tasks.spawn(async move {
            let token = if i % 2 == 0 {
                rs256(&w.claims())
            } else {
                es256(&w.claims())
            };
            w.verify(&token).await.map(|_| ())
        });
    }
    while let Some(done) = tasks.join_next().await {
        assert_eq!(done.ok(), Some(Ok(())));
    }
    assert_eq!(
        (w.issuer.discovery_fetches(), w.issuer.jwks_fetches()),
        (1, 1)
    );
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let w = World::new(vec![rsa_jwk()]).await;
    let token = rs256(&w.claims_with(json!({"iss": "https://accounts.example.org"})));
    assert_eq!(refused(w.verify(&token).await), InvalidToken::WrongIssuer);
}

#[tokio::test]
async fn a_token_for_another_client_is_refused() {
    let w = World::new(vec![rsa_jwk()]).await;
    let token = rs256(&w.claims_with(json!({"aud": "someone-elses-app"})));
    assert_eq!(refused(w.verify(&token).await), InvalidToken::WrongAudience);
    let token = rs256(&w.claims_with(json!({"aud": ["a", "b"]})));
    assert_eq!(refused(w.verify(&token).await), InvalidToken::WrongAudience);
}

#[tokio::test]
async fn an_audience_list_must_contain_the_client_and_azp_must_be_the_client() {
    let w = World::new(vec![rsa_jwk()]).await;
    let several = w.claims_with(json!({"aud": ["api", CLIENT_ID], "azp": CLIENT_ID}));
    assert!(w.verify(&rs256(&several)).await.is_ok());
    let for_another = w.claims_with(json!({"aud": ["api", CLIENT_ID], "azp": "api"}));
    assert_eq!(
        refused(w.verify(&rs256(&for_another)).await),
        InvalidToken::WrongAuthorizedParty
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_beyond_the_leeway() {
    let w = World::new(vec![rsa_jwk()]).await;
    let now = w.now();
    let just_expired = w.claims_with(json!({"iat": now - 700, "exp": now - 30}));
    assert!(w.verify(&rs256(&just_expired)).await.is_ok());
    let expired = w.claims_with(json!({"iat": now - 700, "exp": now - 61}));
    assert_eq!(
        refused(w.verify(&rs256(&expired)).await),
        InvalidToken::Expired
    );
}

#[tokio::test]
async fn a_token_not_valid_yet_or_issued_in_the_future_is_refused() {
    let w = World::new(vec![rsa_jwk()]).await;
    let now = w.now();
    let not_yet = w.claims_with(json!({"nbf": now + 120}));
    assert_eq!(
        refused(w.verify(&rs256(&not_yet)).await),
        InvalidToken::NotYetValid
    );
    let future = w.claims_with(json!({"iat": now + 120, "exp": now + 900}));
    assert_eq!(
        refused(w.verify(&rs256(&future)).await),
        InvalidToken::IssuedInFuture
    );
}

#[tokio::test]
async fn a_token_without_exp_iat_or_sub_is_refused() {
    let w = World::new(vec![rsa_jwk()]).await;
    for claim in ["exp", "iat", "sub"] {
        let token = rs256(&w.claims_with(json!({ claim: null })));
        assert_eq!(
            refused(w.verify(&token).await),
            InvalidToken::MissingClaim(claim.into()),
            "{claim}"
        );
    }
}

#[tokio::test]
async fn a_nonce_other_than_the_sign_in_requests_is_refused() {
    let w = World::new(vec![rsa_jwk()]).await;
    let token = rs256(&w.claims_with(json!({"nonce": "replayed"})));
    assert_eq!(refused(w.verify(&token).await), InvalidToken::NonceMismatch);
    let without = rs256(&w.claims_with(json!({"nonce": null})));
    assert_eq!(
        refused(w.verify(&without).await),
        InvalidToken::NonceMismatch
    );
    // A caller that sent no nonce does not check one.
    assert!(w.verifier.verify(&without, None).await.is_ok());
}

#[tokio::test]
async fn an_unknown_kid_after_a_key_rotation_is_fetched_once_then_verifies() {
    let w = World::new(vec![rsa_jwk()]).await;
    assert!(w.verify(&rs256(&w.claims())).await.is_ok());
    assert_eq!(w.issuer.jwks_fetches(), 1);
    w.issuer.publish(vec![ec_jwk()]);
    w.past_the_refetch_interval();
    let identity = w.verify(&es256(&w.claims())).await;
    assert!(identity.is_ok(), "{identity:?}");
    assert!(w.verify(&es256(&w.claims())).await.is_ok());
    assert_eq!(w.issuer.jwks_fetches(), 2);
    // The discovery document is not fetched again for a new key.
    assert_eq!(w.issuer.discovery_fetches(), 1);
    // The rotated-out key is gone with the set it was in.
    assert_eq!(
        refused(w.verify(&rs256(&w.claims())).await),
        InvalidToken::UnknownKey(Some(RSA_KID.into()))
    );
}

#[tokio::test]
async fn a_flood_of_unknown_kids_refetches_the_keys_at_most_once_per_interval() {
    let w = Arc::new(World::new(vec![rsa_jwk()]).await);
    assert!(w.verify(&rs256(&w.claims())).await.is_ok());
    let bogus = |w: &World, i: usize| {
        let kid = format!("made-up-{i}");
        sign(
            Algorithm::RS256,
            Some(&kid),
            &tokens::rsa_key(),
            &w.claims(),
        )
    };
    // Right after a fetch, unknown kids cost the issuer nothing.
    for i in 0..10 {
        assert!(matches!(
            refused(w.verify(&bogus(&w, i)).await),
            InvalidToken::UnknownKey(Some(_))
        ));
    }
    assert_eq!(w.issuer.jwks_fetches(), 1);
    // Once the interval has passed, a concurrent flood makes one fetch between them.
    w.past_the_refetch_interval();
    // Signed beforehand: RSA signing (pure Rust, unoptimised in tests) would hold up the
    // runtime the issuer's stub answers on.
    let flood: Vec<String> = (0..50).map(|i| bogus(&w, 100 + i)).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for token in flood {
        let w = w.clone();
        tasks.spawn(async move { w.verify(&token).await.err() });
    }
    while let Some(done) = tasks.join_next().await {
        let done = done.ok().flatten();
        assert!(
            matches!(
                done,
                Some(OidcError::InvalidToken(InvalidToken::UnknownKey(_)))
            ),
            "{done:?}"
        );
    }
    assert_eq!(w.issuer.jwks_fetches(), 2);
    w.clock.advance(TimeDelta::seconds(29));
    assert!(w.verify(&bogus(&w, 999)).await.is_err());
    assert_eq!(w.issuer.jwks_fetches(), 2);
    w.clock.advance(TimeDelta::seconds(2));
    assert!(w.verify(&bogus(&w, 1000)).await.is_err());
    assert_eq!(w.issuer.jwks_fetches(), 3);
    // The known key still verifies throughout.
    assert!(w.verify(&rs256(&w.claims())).await.is_ok());
}

#[tokio::test]
async fn alg_none_and_hs256_are_refused_before_any_key_is_fetched() {
    let w = World::new(vec![rsa_jwk()]).await;
    let none = unsigned(&json!({"alg": "none", "typ": "JWT"}), &w.claims(), "");
    assert_eq!(
        refused(w.verify(&none).await),
        InvalidToken::UnsupportedAlgorithm("none".into())
    );
    // The classic confusion: HMAC keyed with the issuer's public key, naming its kid.
    let public = rsa_jwk()["n"].as_str().unwrap_or_default().to_owned();
    let hs = sign(
        Algorithm::HS256,
        Some(RSA_KID),
        &EncodingKey::from_secret(public.as_bytes()),
        &w.claims(),
    );
    assert_eq!(
        refused(w.verify(&hs).await),
        InvalidToken::UnsupportedAlgorithm("HS256".into())
    );
    assert_eq!(
        (w.issuer.discovery_fetches(), w.issuer.jwks_fetches()),
        (0, 0)
    );
}

#[tokio::test]
async fn an_alg_that_is_not_the_keys_is_refused() {
    let w = World::new(vec![rsa_jwk(), ec_jwk()]).await;
    // ES256 signed with the EC key but naming the RSA key's kid…
    let on_rsa_kid = sign(
        Algorithm::ES256,
        Some(RSA_KID),
        &tokens::ec_key(),
        &w.claims(),
    );
    assert_eq!(
        refused(w.verify(&on_rsa_kid).await),
        InvalidToken::KeyAlgorithmMismatch {
            alg: "ES256".into(),
            kid: Some(RSA_KID.into())
        }
    );
    // …and RS256 naming the EC key's.
    let on_ec_kid = sign(
        Algorithm::RS256,
        Some(EC_KID),
        &tokens::rsa_key(),
        &w.claims(),
    );
    assert!(matches!(
        refused(w.verify(&on_ec_kid).await),
        InvalidToken::KeyAlgorithmMismatch { .. }
    ));
}

#[tokio::test]
async fn a_tampered_payload_or_signature_is_refused() {
    let w = World::new(vec![rsa_jwk(), ec_jwk()]).await;
    let genuine = rs256(&w.claims());
    let promoted = with_payload(&genuine, &w.claims_with(json!({"sub": "someone-else"})));
    assert_eq!(
        refused(w.verify(&promoted).await),
        InvalidToken::BadSignature
    );
    let genuine = es256(&w.claims());
    let promoted = with_payload(
        &genuine,
        &w.claims_with(json!({"email": "ceo@example.com"})),
    );
    assert_eq!(
        refused(w.verify(&promoted).await),
        InvalidToken::BadSignature
    );
    // A signature altered by one character.
    let genuine = rs256(&w.claims());
    let (rest, signature) = genuine.rsplit_once('.').unwrap_or_default();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let altered = format!("{rest}.{flipped}{}", &signature[1..]);
    assert_eq!(
        refused(w.verify(&altered).await),
        InvalidToken::BadSignature
    );
}

#[tokio::test]
async fn what_is_not_a_jwt_is_refused() {
    let w = World::new(vec![rsa_jwk()]).await;
    for token in ["", "not-a-token", "a.b.c", "e30.e30.e30"] {
        assert_eq!(
            refused(w.verify(token).await),
            InvalidToken::Malformed,
            "{token}"
        );
    }
}

#[tokio::test]
async fn an_issuer_that_is_down_is_unavailable_503() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let down = format!("http://127.0.0.1:{port}");
    let clock = Arc::new(FixedClock::at(start()));
    let verifier = verifier(&down, clock.clone());
    let claims = json!({"iss": down, "aud": CLIENT_ID, "sub": "p", "iat": start().timestamp(), "exp": start().timestamp() + 600});
    let error = verifier
        .verify(&rs256(&claims), None)
        .await
        .err()
        .unwrap_or_else(|| panic!("verified against an issuer that is down"));
    assert!(
        matches!(error, OidcError::IssuerUnreachable { .. }),
        "{error:?}"
    );
    assert!(error.is_upstream());
    let answer = ApiError::from(error);
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn an_issuer_that_never_answers_times_out_as_unavailable() {
    // Accepts connections and holds them open without a byte in reply.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let silent = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let clock = Arc::new(FixedClock::at(start()));
    let verifier = verifier_waiting(&silent, clock, Duration::from_millis(300));
    let claims = json!({"iss": silent, "aud": CLIENT_ID, "sub": "p", "iat": start().timestamp(), "exp": start().timestamp() + 600});
    let began = std::time::Instant::now();
    let result = verifier.verify(&rs256(&claims), None).await;
    assert!(
        matches!(result, Err(OidcError::IssuerUnreachable { .. })),
        "{result:?}"
    );
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
    holder.abort();
}

#[tokio::test]
async fn a_failing_jwks_is_unavailable_not_retried_within_the_interval_then_recovers() {
    let w = World::new(vec![rsa_jwk()]).await;
    w.issuer.answer_jwks_with(StatusCode::INTERNAL_SERVER_ERROR);
    for _ in 0..5 {
        assert!(matches!(
            w.verify(&rs256(&w.claims())).await,
            Err(OidcError::IssuerUnreachable { .. })
        ));
    }
    assert_eq!(w.issuer.jwks_fetches(), 1);
    w.issuer.answer_jwks_with(StatusCode::OK);
    w.past_the_refetch_interval();
    assert!(w.verify(&rs256(&w.claims())).await.is_ok());
    assert_eq!(w.issuer.jwks_fetches(), 2);
    // The discovery document is read again after a failure: the JWKS may have moved.
    assert_eq!(w.issuer.discovery_fetches(), 2);
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_is_a_misconfiguration_503() {
    let w = World::new(vec![rsa_jwk()]).await;
    w.issuer.name_issuer("https://accounts.example.org");
    let error = w
        .verify(&rs256(&w.claims()))
        .await
        .err()
        .unwrap_or_else(|| panic!("verified against a lying issuer"));
    assert!(
        matches!(error, OidcError::IssuerMisconfigured(_)),
        "{error:?}"
    );
    assert_eq!(
        ApiError::from(error).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(w.issuer.jwks_fetches(), 0);
}

#[tokio::test]
async fn the_token_must_name_the_issuer_exactly_as_its_discovery_document_does() {
    // The configuration drops a trailing slash (`https://tenant.example/` is configured as
    // `https://tenant.example`); the issuer's document and its tokens keep it.
    let issuer = StubIssuer::start(vec![rsa_jwk()]).await;
    let with_slash = format!("{}/", issuer.url);
    issuer.name_issuer(&with_slash);
    let configured = issuer.url.clone();
    let w = World::verifying(issuer, &configured);
    let identity = w
        .verify(&rs256(&w.claims_with(json!({"iss": with_slash}))))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(identity.issuer, with_slash);
    assert_eq!(
        refused(w.verify(&rs256(&w.claims())).await),
        InvalidToken::WrongIssuer
    );
}

#[tokio::test]
async fn a_withdrawn_key_stops_verifying_once_the_cached_keys_are_older_than_an_hour() {
    let w = World::new(vec![rsa_jwk(), ec_jwk()]).await;
    assert!(w.verify(&rs256(&w.claims())).await.is_ok());
    w.issuer.publish(vec![ec_jwk()]);
    w.clock.advance(TimeDelta::minutes(59));
    assert!(w.verify(&rs256(&w.claims())).await.is_ok());
    assert_eq!(w.issuer.jwks_fetches(), 1);
    w.clock.advance(TimeDelta::minutes(2));
    assert_eq!(
        refused(w.verify(&rs256(&w.claims())).await),
        InvalidToken::UnknownKey(Some(RSA_KID.into()))
    );
    assert!(w.verify(&es256(&w.claims())).await.is_ok());
    assert_eq!(w.issuer.jwks_fetches(), 2);
}

#[tokio::test]
async fn an_unverified_email_is_no_verified_email() {
    let w = World::new(vec![rsa_jwk()]).await;
    let identity = w
        .verify(&rs256(&w.claims_with(json!({"email_verified": false}))))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(identity.email.as_deref(), Some("owner@example.com"));
    assert_eq!(identity.verified_email(), None);
}

#[test]
fn the_fixture_jwks_are_the_public_halves_of_the_fixture_keys() {
    let public = |key: &EncodingKey, alg| {
        let jwk =
            jsonwebtoken::jwk::Jwk::from_encoding_key(key, alg).unwrap_or_else(|e| panic!("{e}"));
        serde_json::to_value(jwk).unwrap_or_else(|e| panic!("{e}"))
    };
    let rsa = public(&tokens::rsa_key(), Algorithm::RS256);
    assert_eq!((&rsa["n"], &rsa["e"]), (&rsa_jwk()["n"], &rsa_jwk()["e"]));
    let ec = public(&tokens::ec_key(), Algorithm::ES256);
    assert_eq!((&ec["x"], &ec["y"]), (&ec_jwk()["x"], &ec_jwk()["y"]));
    assert_eq!(ec["crv"], ec_jwk()["crv"]);
}
