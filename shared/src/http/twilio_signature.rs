//! Twilio's request signature (`X-Twilio-Signature`), so the SMS provider's own callbacks
//! (inbound texts, delivery reports) are accepted as Twilio sends them: Twilio cannot sign
//! with our `X-Crm-Signature`. The signature is
//!
//! ```text
//! base64(HMAC-SHA1(auth_token, <full URL as called> + <each POST parameter, sorted by name: name + value>))
//! ```
//!
//! (<https://www.twilio.com/docs/usage/security#validating-requests>). The URL binds the
//! tenant (it is in the path), the auth token is the account's. Twilio's signature carries
//! no timestamp, so a captured request could be replayed: the routes behind it are
//! idempotent (an opt-out, a status that only moves forward).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const HEADER: &str = "x-twilio-signature";

type HmacSha1 = Hmac<Sha1>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwilioSignatureError {
    #[error("the X-Twilio-Signature header is missing")]
    Missing,
    #[error("the X-Twilio-Signature header is not base64")]
    Malformed,
    #[error("the X-Twilio-Signature does not match this URL and these parameters")]
    Mismatch,
}

fn mac(auth_token: &[u8], url: &str, params: &[(String, String)]) -> HmacSha1 {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mut m = HmacSha1::new_from_slice(auth_token)
        .unwrap_or_else(|_| <HmacSha1 as hmac::digest::KeyInit>::new(&Default::default()));
    m.update(url.as_bytes());
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    for (name, value) in sorted {
        m.update(name.as_bytes());
        m.update(value.as_bytes());
    }
    m
}

/// The header value Twilio sends for a POST of `params` to `url` (tests and samples use it).
pub fn sign(auth_token: &[u8], url: &str, params: &[(String, String)]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// The URL with its default port added when it has none, and removed when it has one:
/// Twilio signs the URL as configured, and proxies differ on whether the port survives.
fn port_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    for (scheme, port) in [("https://", ":443"), ("http://", ":80")] {
        let Some(rest) = url.strip_prefix(scheme) else {
            continue;
        };
        let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        match authority.strip_suffix(port) {
            Some(host) => out.push(format!("{scheme}{host}{tail}")),
            None if !authority.contains(':') => {
                out.push(format!("{scheme}{authority}{port}{tail}"))
            }
            None => {}
        }
    }
    out
}

/// Checks `header` for a POST of `params` to `url`, in constant time.
pub fn verify(
    auth_token: &[u8],
    header: Option<&str>,
    url: &str,
    params: &[(String, String)],
) -> Result<(), TwilioSignatureError> {
    let header = header.ok_or(TwilioSignatureError::Missing)?;
    let given = base64::engine::general_purpose::STANDARD
        .decode(header.trim())
        .map_err(|_| TwilioSignatureError::Malformed)?;
    if port_variants(url)
        .iter()
        .any(|u| mac(auth_token, u, params).verify_slice(&given).is_ok())
    {
        Ok(())
    } else {
        Err(TwilioSignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twilio_example() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    const EXAMPLE_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    #[test]
    fn twilio_s_published_example_matches() {
        // The vector of Twilio's own request-validator tests (auth token "12345").
        assert_eq!(
            sign(b"12345", EXAMPLE_URL, &twilio_example()),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        assert_eq!(
            verify(
                b"12345",
                Some("RSOYDt4T1cUTdK1PDd93/VVr8B8="),
                EXAMPLE_URL,
                &twilio_example()
            ),
            Ok(())
        );
    }

    #[test]
    fn parameter_order_does_not_matter_but_every_value_does() {
        let mut reversed = twilio_example();
        reversed.reverse();
        let good = sign(b"12345", EXAMPLE_URL, &twilio_example());
        assert_eq!(
            verify(b"12345", Some(&good), EXAMPLE_URL, &reversed),
            Ok(())
        );
        let mut tampered = twilio_example();
        tampered[2].1 = "9999".into();
        assert_eq!(
            verify(b"12345", Some(&good), EXAMPLE_URL, &tampered),
            Err(TwilioSignatureError::Mismatch)
        );
    }

    #[test]
    fn another_url_token_or_garbage_fails() {
        let good = sign(b"12345", EXAMPLE_URL, &twilio_example());
        let other_tenant = "https://mycompany.com/hooks/other/sms-inbound";
        assert_eq!(
            verify(b"12345", Some(&good), other_tenant, &twilio_example()),
            Err(TwilioSignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"54321", Some(&good), EXAMPLE_URL, &twilio_example()),
            Err(TwilioSignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"12345", None, EXAMPLE_URL, &twilio_example()),
            Err(TwilioSignatureError::Missing)
        );
        assert_eq!(
            verify(
                b"12345",
                Some("not base64!"),
                EXAMPLE_URL,
                &twilio_example()
            ),
            Err(TwilioSignatureError::Malformed)
        );
    }

    #[test]
    fn the_default_port_may_be_there_or_not() {
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        let signed_with = sign(b"12345", with_port, &twilio_example());
        assert_eq!(
            verify(b"12345", Some(&signed_with), EXAMPLE_URL, &twilio_example()),
            Ok(())
        );
        let signed_without = sign(b"12345", EXAMPLE_URL, &twilio_example());
        assert_eq!(
            verify(
                b"12345",
                Some(&signed_without),
                with_port,
                &twilio_example()
            ),
            Ok(())
        );
        assert_eq!(
            port_variants("http://127.0.0.1:3000/x"),
            vec!["http://127.0.0.1:3000/x".to_owned()]
        );
    }
}
