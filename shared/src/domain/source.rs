//! Lead sources (first touch) and the touch data they are derived from (DESIGN §2.1).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    MetaAd,
    GoogleAd,
    Instagram,
    Facebook,
    Whatsapp,
    Gmb,
    Website,
    Organic,
    Referral,
    WalkIn,
    PhoneCall,
    Qr,
    Manual,
    Import,
}

impl Source {
    pub const ALL: [Source; 14] = [
        Source::MetaAd,
        Source::GoogleAd,
        Source::Instagram,
        Source::Facebook,
        Source::Whatsapp,
        Source::Gmb,
        Source::Website,
        Source::Organic,
        Source::Referral,
        Source::WalkIn,
        Source::PhoneCall,
        Source::Qr,
        Source::Manual,
        Source::Import,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::MetaAd => "meta_ad",
            Source::GoogleAd => "google_ad",
            Source::Instagram => "instagram",
            Source::Facebook => "facebook",
            Source::Whatsapp => "whatsapp",
            Source::Gmb => "gmb",
            Source::Website => "website",
            Source::Organic => "organic",
            Source::Referral => "referral",
            Source::WalkIn => "walk_in",
            Source::PhoneCall => "phone_call",
            Source::Qr => "qr",
            Source::Manual => "manual",
            Source::Import => "import",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a visit came from: campaign parameters, click ids and the pages involved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Touch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub utm_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub utm_medium: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub utm_campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub utm_term: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub utm_content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub fbclid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub fbp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub gclid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub referrer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub page_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub ip: Option<String>,
}

/// The latest visit that brought someone back (DESIGN §2.1: last touch is kept too): its
/// source, when, and its campaign fields and click ids (never the address or browser: the
/// first touch keeps those once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LastTouch {
    pub source: Source,
    pub at: chrono::DateTime<chrono::Utc>,
    #[serde(flatten)]
    pub touch: Touch,
}

impl LastTouch {
    /// A visit from `source` at `at` with what `touch` says of its campaign.
    pub fn of(source: Source, touch: &Touch, at: chrono::DateTime<chrono::Utc>) -> Self {
        LastTouch {
            source,
            at,
            touch: Touch {
                user_agent: None,
                ip: None,
                ..touch.clone()
            },
        }
    }

    /// The later of `current` and `new` (the current one when they are as recent).
    pub fn latest(current: Option<LastTouch>, new: LastTouch) -> LastTouch {
        match current {
            Some(c) if c.at >= new.at => c,
            _ => new,
        }
    }
}

impl Touch {
    /// Meta's click id as the `_fbc` cookie holds it (`fb.1.<ms>.<fbclid>`), derived rather
    /// than stored: it repeats the fbclid, and each stored byte is billed on every write.
    pub fn fbc(&self, created_ms: i64) -> Option<String> {
        self.fbclid
            .as_deref()
            .map(|f| format!("fb.1.{created_ms}.{f}"))
    }

    /// Fills campaign fields the form did not send from the landing URL's query, then drops
    /// those parameters from the stored URL (they are kept once, in their own fields).
    pub fn absorb_page_url_params(&mut self) {
        let Some(url) = self.page_url.take() else {
            return;
        };
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b.to_owned(), q.to_owned()),
            None => {
                self.page_url = Some(url);
                return;
            }
        };
        let (query, fragment) = match query.split_once('#') {
            Some((q, f)) => (q.to_owned(), Some(f.to_owned())),
            None => (query, None),
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let value = || {
                serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={v}"))
                    .ok()
                    .and_then(|mut p| p.pop())
                    .map(|(_, v)| v)
                    .filter(|v| !v.is_empty() && v.chars().count() <= 500)
            };
            let slot = match k {
                "utm_source" => &mut self.utm_source,
                "utm_medium" => &mut self.utm_medium,
                "utm_campaign" => &mut self.utm_campaign,
                "utm_term" => &mut self.utm_term,
                "utm_content" => &mut self.utm_content,
                "fbclid" => &mut self.fbclid,
                "gclid" => &mut self.gclid,
                _ => {
                    kept.push(pair.to_owned());
                    continue;
                }
            };
            if slot.is_none() {
                *slot = value();
            }
        }
        let mut url = base;
        if !kept.is_empty() {
            url.push('?');
            url.push_str(&kept.join("&"));
        }
        if let Some(f) = fragment {
            url.push('#');
            url.push_str(&f);
        }
        self.page_url = Some(url);
    }
}

/// The first-touch source of a visit that did not state one, from its click ids, campaign
/// parameters and referrer, most specific first.
pub fn derive_source(touch: &Touch) -> Source {
    let utm = touch
        .utm_source
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let medium = touch
        .utm_medium
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let paid = matches!(
        medium.as_str(),
        "cpc" | "ppc" | "paid" | "paid_social" | "paidsocial" | "ad" | "ads" | "display"
    );
    if touch.fbclid.is_some() {
        return Source::MetaAd;
    }
    if touch.gclid.is_some() {
        return Source::GoogleAd;
    }
    match utm.as_str() {
        "facebook" | "fb" | "instagram" | "ig" | "meta" => return Source::MetaAd,
        "google" | "adwords" if paid => return Source::GoogleAd,
        "google" | "adwords" => return Source::Organic,
        "whatsapp" | "wa" => return Source::Whatsapp,
        "gmb" | "google_business" | "gbp" => return Source::Gmb,
        "qr" | "qrcode" | "qr_code" => return Source::Qr,
        "referral" | "friend" => return Source::Referral,
        "" => {}
        // A campaign we cannot attribute to a network we report on.
        _ => return Source::Website,
    }
    let host = touch
        .referrer
        .as_deref()
        .and_then(referrer_host)
        .unwrap_or_default();
    if host.is_empty() {
        return Source::Website;
    }
    if host.ends_with("instagram.com") {
        Source::Instagram
    } else if host.ends_with("facebook.com") || host.ends_with("fb.com") || host == "fb.me" {
        Source::Facebook
    } else if host.ends_with("whatsapp.com") || host == "wa.me" {
        Source::Whatsapp
    } else if host.contains("google.")
        || host.ends_with("bing.com")
        || host.ends_with("duckduckgo.com")
    {
        Source::Organic
    } else {
        Source::Referral
    }
}

fn referrer_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?.split(':').next()?;
    let host = host.trim().to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_owned()).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(f: impl FnOnce(&mut Touch)) -> Touch {
        let mut t = Touch::default();
        f(&mut t);
        t
    }

    #[test]
    fn fbclid_means_a_meta_ad() {
        assert_eq!(
            derive_source(&touch(|t| t.fbclid = Some("abc".into()))),
            Source::MetaAd
        );
    }

    #[test]
    fn utm_source_facebook_or_instagram_means_a_meta_ad() {
        for s in ["facebook", "Instagram", "ig", "fb"] {
            let t = touch(|t| t.utm_source = Some(s.into()));
            assert_eq!(derive_source(&t), Source::MetaAd, "{s}");
        }
    }

    #[test]
    fn gclid_means_a_google_ad() {
        assert_eq!(
            derive_source(&touch(|t| t.gclid = Some("g".into()))),
            Source::GoogleAd
        );
    }

    #[test]
    fn paid_google_is_an_ad_and_unpaid_google_is_organic() {
        let paid = touch(|t| {
            t.utm_source = Some("google".into());
            t.utm_medium = Some("cpc".into());
        });
        assert_eq!(derive_source(&paid), Source::GoogleAd);
        assert_eq!(
            derive_source(&touch(|t| t.utm_source = Some("google".into()))),
            Source::Organic
        );
    }

    #[test]
    fn referrers_map_to_their_networks() {
        let cases = [
            ("https://l.instagram.com/?u=x", Source::Instagram),
            ("https://m.facebook.com/", Source::Facebook),
            ("https://www.google.ie/search?q=spa", Source::Organic),
            ("https://wa.me/123", Source::Whatsapp),
            ("https://blog.example.org/post", Source::Referral),
        ];
        for (r, s) in cases {
            assert_eq!(
                derive_source(&touch(|t| t.referrer = Some(r.into()))),
                s,
                "{r}"
            );
        }
    }

    #[test]
    fn campaign_parameters_move_from_the_page_url_into_their_fields() {
        let mut t = touch(|t| {
            t.utm_source = Some("facebook".into());
            t.page_url = Some("https://x.ie/p/demo/book?utm_source=ig&utm_campaign=autumn%20offer&fbclid=F1&lang=en#form".into());
        });
        t.absorb_page_url_params();
        assert_eq!(
            t.page_url.as_deref(),
            Some("https://x.ie/p/demo/book?lang=en#form")
        );
        assert_eq!(
            t.utm_source.as_deref(),
            Some("facebook"),
            "the form's value wins"
        );
        assert_eq!(t.utm_campaign.as_deref(), Some("autumn offer"));
        assert_eq!(t.fbclid.as_deref(), Some("F1"));
        assert_eq!(
            t.fbc(1_700_000_000_000).as_deref(),
            Some("fb.1.1700000000000.F1")
        );
    }

    #[test]
    fn nothing_known_means_the_website() {
        assert_eq!(derive_source(&Touch::default()), Source::Website);
    }

    #[test]
    fn source_names_round_trip() {
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
    }
}
