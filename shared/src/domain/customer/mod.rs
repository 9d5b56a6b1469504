//! A customer (DESIGN §2.2): the record with its profile, KPIs and classifications, and the
//! rules that move it: the classifications (segment, tier, auto tags, stage, at-risk,
//! milestones), classifying a customer again, and what a booking fact does to them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::booking::{BookingTotals, Contact};
use crate::domain::lead::Lead;
use crate::domain::source::Source;

mod booking;
mod classify;
mod merge;
mod reclassify;

pub use booking::*;
pub use classify::*;
pub use merge::*;
pub use reclassify::*;

/// A journey stage and when the customer entered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StageChange {
    pub stage: JourneyStage,
    pub at: DateTime<Utc>,
}

/// A loyalty tier and when the customer reached it (up or down: a refund can lower it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TierChange {
    pub tier: Tier,
    pub at: DateTime<Utc>,
}

/// A customer: profile, KPIs and classifications, kept current by every booking fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    /// E.164; the first is the primary.
    #[serde(default)]
    #[schema(required)]
    pub phones: Vec<String>,
    /// Lowercased; the first is the primary.
    #[serde(default)]
    #[schema(required)]
    pub emails: Vec<String>,
    /// First-touch source, never overwritten by what comes later: the lead that became this
    /// customer's, else how they came (a booking: what the booking system says, else
    /// `organic`; a call: `phone_call`; by hand: as entered, else `manual`; an import: the
    /// file's, else `import`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub source: Option<Source>,
    /// The latest touch of the leads that became this customer (absent when none did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_touch: Option<crate::domain::source::LastTouch>,
    #[serde(default)]
    #[schema(required)]
    pub lead_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub date_of_birth: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub preferred_language: Option<String>,
    /// Consent to marketing messages (transactional ones need none).
    #[serde(default)]
    #[schema(required)]
    pub marketing_consent: bool,
    /// Tags staff set by hand: never touched by classification.
    #[serde(default)]
    #[schema(required)]
    pub tags: BTreeSet<String>,
    #[serde(default)]
    #[schema(required)]
    pub auto_tags: BTreeSet<String>,
    #[serde(default)]
    #[schema(required)]
    pub totals: BookingTotals,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_visit: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_booking: Option<DateTime<Utc>>,
    /// Scheduled bookings and their start: the next booking is the earliest still ahead.
    #[serde(default)]
    #[schema(required)]
    pub upcoming: BTreeMap<String, DateTime<Utc>>,
    pub segment: Segment,
    /// Loyalty points earned over the customer's lifetime (from what they paid).
    #[serde(default)]
    #[schema(required)]
    pub points: i64,
    /// Points spent on rewards (`POST /customers/{id}/points/redeem`).
    #[serde(default)]
    #[schema(required)]
    pub points_redeemed: i64,
    /// Points that can still be redeemed: earned less redeemed, never below zero (a refund
    /// can take earned points below what was already redeemed).
    #[serde(default)]
    #[schema(required)]
    pub points_available: i64,
    pub tier: Tier,
    /// The tiers the customer has held, oldest first (empty for customers made before it
    /// was kept).
    #[serde(default)]
    #[schema(required)]
    pub tier_history: Vec<TierChange>,
    pub stage: JourneyStage,
    #[serde(default)]
    #[schema(required)]
    pub stage_history: Vec<StageChange>,
    #[serde(default)]
    #[schema(required)]
    pub at_risk: bool,
    #[serde(default)]
    #[schema(required)]
    pub milestones: BTreeSet<Milestone>,
    /// When the last review request went out (at most one per 90 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub review_requested_at: Option<DateTime<Utc>>,
    /// When a classification next changes by time alone (the daily job's due date).
    /// When a classification next changes by time alone (the segment refresh's due date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_change: Option<DateTime<Utc>>,
    /// When the next daily milestone (anniversary, VIP status) falls due (the milestone
    /// job's due date); none when every one is awarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_milestone: Option<DateTime<Utc>>,
    pub member_since: DateTime<Utc>,
    /// What the client brought from the business's previous system (an import): opening
    /// balances shown beside the KPIs, never counted as bookings this product saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub opening: Option<OpeningBalance>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// Visits and spend a client had in the business's previous system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpeningBalance {
    #[serde(default)]
    pub visits: u32,
    /// In minor units of the business's currency.
    #[serde(default)]
    pub spend: i64,
}

impl Customer {
    /// A new customer with this id, from a booking's contact and the lead it converts.
    pub fn new(
        id: String,
        tenant: &str,
        contact: &Contact,
        lead: Option<&Lead>,
        now: DateTime<Utc>,
    ) -> Self {
        let name = contact
            .name
            .clone()
            .or_else(|| lead.map(|l| l.name.clone()))
            .unwrap_or_default();
        let phones: Vec<String> = contact
            .phone
            .clone()
            .or_else(|| lead.map(|l| l.phone.clone()))
            .into_iter()
            .collect();
        let emails: Vec<String> = contact
            .email
            .clone()
            .or_else(|| lead.and_then(|l| l.email.clone()).map(|e| e.to_lowercase()))
            .into_iter()
            .collect();
        Customer {
            id,
            tenant_id: tenant.to_owned(),
            name,
            phones,
            emails,
            source: lead.map(|l| l.source),
            last_touch: lead.map(Lead::latest_touch),
            lead_ids: lead.map(|l| l.id.clone()).into_iter().collect(),
            date_of_birth: None,
            gender: None,
            address: None,
            company: None,
            preferred_language: None,
            marketing_consent: lead.is_some_and(|l| l.consent.is_some()),
            tags: BTreeSet::new(),
            auto_tags: BTreeSet::new(),
            totals: BookingTotals::default(),
            last_visit: None,
            last_booking: None,
            upcoming: BTreeMap::new(),
            segment: Segment::Lead,
            points: 0,
            points_redeemed: 0,
            points_available: 0,
            tier: Tier::Bronze,
            tier_history: vec![TierChange {
                tier: Tier::Bronze,
                at: now,
            }],
            stage: JourneyStage::Discovery,
            stage_history: vec![StageChange {
                stage: JourneyStage::Discovery,
                at: now,
            }],
            at_risk: false,
            milestones: BTreeSet::new(),
            next_change: None,
            review_requested_at: None,
            next_milestone: None,
            member_since: now,
            opening: None,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    /// The earliest scheduled booking at or after `now`.
    pub fn next_booking(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.upcoming.values().filter(|s| **s >= now).min().copied()
    }
}

/// When the customer's next daily milestone falls due at `now`: at once (kept at the time it
/// was first filed) when one is reached but not awarded, else the next anniversary.
pub fn milestone_due(c: &Customer, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (reached, next) =
        daily_milestones(c.member_since, &c.totals, c.tier, &c.milestones, tz, now);
    if reached.is_empty() {
        next
    } else {
        Some(match c.next_milestone {
            Some(t) if t <= now => t,
            _ => now,
        })
    }
}

/// A customer's editable profile (every field optional on a patch; `None`: unchanged).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub name: Option<String>,
    /// The full list, primary first (replaces the current one).
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub date_of_birth: Option<Option<chrono::NaiveDate>>,
    pub gender: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub preferred_language: Option<Option<String>>,
    pub marketing_consent: Option<bool>,
    /// The acquisition source, as staff enter or correct it.
    pub source: Option<Source>,
}

impl Profile {
    /// Applies the fields given to `c`.
    pub fn apply(&self, c: &mut Customer) {
        if let Some(v) = &self.name {
            c.name = v.clone();
        }
        if let Some(v) = self.source {
            c.source = Some(v);
        }
        if let Some(v) = &self.phones {
            c.phones = v.clone();
        }
        if let Some(v) = &self.emails {
            c.emails = v.clone();
        }
        if let Some(v) = &self.date_of_birth {
            c.date_of_birth = *v;
        }
        if let Some(v) = &self.gender {
            c.gender = v.clone();
        }
        if let Some(v) = &self.address {
            c.address = v.clone();
        }
        if let Some(v) = &self.company {
            c.company = v.clone();
        }
        if let Some(v) = &self.preferred_language {
            c.preferred_language = v.clone();
        }
        if let Some(v) = self.marketing_consent {
            c.marketing_consent = v;
        }
    }
}

/// A note staff wrote on a customer (on their timeline too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = CustomerNote)]
pub struct Note {
    pub id: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub edited_at: Option<DateTime<Utc>>,
}
