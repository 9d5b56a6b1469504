//! Customer classifications (DESIGN §2.2): segment, loyalty points and tier, auto tags,
//! journey stage, at-risk, and milestones — pure functions of a customer's booking totals,
//! dates and the tenant's thresholds, with the instant each would next change by time alone.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::booking::BookingTotals;

/// Tenant thresholds (money in minor units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Thresholds {
    /// Completed visits that make a customer a VIP (segment).
    pub vip_visits: i64,
    /// Lifetime value that earns the `vip` tag.
    pub vip_ltv: i64,
    /// Months without a booking after which an active customer is inactive.
    pub inactive_after_months: u32,
    /// Days without a visit after which the `dormant` tag applies.
    pub dormant_after_days: i64,
    /// Completed visits that earn the `loyal` tag.
    pub loyal_visits: i64,
    /// Points per major currency unit paid.
    pub points_per_unit: i64,
    /// Lifetime points for silver, gold, platinum.
    pub tier_points: [i64; 3],
    /// A service name containing this (case-insensitive) as the most-booked earns `spa_lover`.
    pub spa_keyword: String,
    /// Lifetime spend that earns the `high_value` milestone (minor units).
    #[serde(default = "default_high_value_spend")]
    pub high_value_spend: i64,
    /// Completed visits that earn the three visit milestones (`visits10`, `visits25`,
    /// `visits50`: named after their default counts, awarded at the tenant's).
    #[serde(default = "default_visit_milestones")]
    pub visit_milestones: [i64; 3],
}

fn default_high_value_spend() -> i64 {
    50_000
}

fn default_visit_milestones() -> [i64; 3] {
    [10, 25, 50]
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            vip_visits: 10,
            vip_ltv: 100_000,
            inactive_after_months: 6,
            dormant_after_days: 90,
            loyal_visits: 5,
            points_per_unit: 1,
            tier_points: [500, 2_000, 5_000],
            spa_keyword: "spa".into(),
            high_value_spend: default_high_value_spend(),
            visit_milestones: default_visit_milestones(),
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    Lead,
    Active,
    Inactive,
    Vip,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Bronze,
    Silver,
    Gold,
    Platinum,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum JourneyStage {
    Discovery,
    Engagement,
    Activation,
    Retention,
    Advocacy,
    Churned,
}

/// What classifications are computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<'a> {
    pub totals: &'a BookingTotals,
    /// Start of the latest booking of any status.
    pub last_booking: Option<DateTime<Utc>>,
    /// Start of the latest completed booking.
    pub last_visit: Option<DateTime<Utc>>,
    /// Whether a booking is scheduled in the future.
    pub has_upcoming: bool,
}

/// Everything computed, and when it would next change with no new fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub segment: Segment,
    pub points: i64,
    pub tier: Tier,
    pub auto_tags: BTreeSet<String>,
    pub stage: JourneyStage,
    pub at_risk: bool,
    pub next_change: Option<DateTime<Utc>>,
}

pub fn lifetime_points(lifetime_value: i64, t: &Thresholds) -> i64 {
    lifetime_value.max(0) / 100 * t.points_per_unit
}

pub fn tier(points: i64, t: &Thresholds) -> Tier {
    match points {
        p if p >= t.tier_points[2] => Tier::Platinum,
        p if p >= t.tier_points[1] => Tier::Gold,
        p if p >= t.tier_points[0] => Tier::Silver,
        _ => Tier::Bronze,
    }
}

/// More than 3 bookings and more than 30 % of them cancelled or missed.
pub fn at_risk(totals: &BookingTotals) -> bool {
    totals.bookings > 3 && (totals.cancellations + totals.no_shows) * 10 > totals.bookings * 3
}

fn inactive_from(last_booking: DateTime<Utc>, t: &Thresholds) -> DateTime<Utc> {
    last_booking
        .checked_add_months(Months::new(t.inactive_after_months))
        .unwrap_or(last_booking)
}

/// Classifies a customer at `now`.
pub fn classify(f: &Facts<'_>, t: &Thresholds, now: DateTime<Utc>) -> Classification {
    let totals = f.totals;
    let inactive_at = f.last_booking.map(|b| inactive_from(b, t));
    let inactive = inactive_at.is_some_and(|at| at <= now) && !f.has_upcoming;
    let segment = if totals.visits >= t.vip_visits {
        Segment::Vip
    } else if f.last_booking.is_none() {
        Segment::Lead
    } else if inactive {
        Segment::Inactive
    } else {
        Segment::Active
    };
    let points = lifetime_points(totals.lifetime_value, t);
    let tier = tier(points, t);
    let dormant_at = f
        .last_visit
        .map(|v| v + Duration::days(t.dormant_after_days));
    let dormant = dormant_at.is_some_and(|at| at <= now) && !f.has_upcoming;
    let mut auto_tags = BTreeSet::new();
    if totals.lifetime_value >= t.vip_ltv {
        auto_tags.insert("vip".to_owned());
    }
    if totals.visits >= t.loyal_visits && !dormant {
        auto_tags.insert("loyal".to_owned());
    }
    if totals
        .most_booked_service()
        .is_some_and(|s| s.to_lowercase().contains(&t.spa_keyword.to_lowercase()))
    {
        auto_tags.insert("spa_lover".to_owned());
    }
    if dormant {
        auto_tags.insert("dormant".to_owned());
    }
    let stage = if inactive && totals.visits > 0 {
        JourneyStage::Churned
    } else if totals.visits >= t.vip_visits
        || (totals.visits >= t.loyal_visits && totals.lifetime_value >= t.vip_ltv)
    {
        JourneyStage::Advocacy
    } else if totals.visits >= 2 {
        JourneyStage::Retention
    } else if totals.visits == 1 {
        JourneyStage::Activation
    } else if totals.bookings > 0 {
        JourneyStage::Engagement
    } else {
        JourneyStage::Discovery
    };
    // The next instant a classification flips with no new fact: going dormant or inactive.
    let next_change = [dormant_at, inactive_at]
        .into_iter()
        .flatten()
        .filter(|at| *at > now && !f.has_upcoming)
        .min();
    Classification {
        segment,
        points,
        tier,
        auto_tags,
        stage,
        at_risk: at_risk(totals),
        next_change,
    }
}

/// Milestones awarded once per customer (DESIGN §2.2).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    FirstBooking,
    FirstCompleted,
    RepeatCustomer,
    HighValue,
    Visits10,
    Visits25,
    Visits50,
    Anniversary1,
    Anniversary2,
    VipStatus,
    /// Tier upgraded: lifetime points reached silver, gold, platinum (each once).
    TierSilver,
    TierGold,
    TierPlatinum,
}

impl Milestone {
    pub fn as_str(self) -> &'static str {
        match self {
            Milestone::FirstBooking => "first_booking",
            Milestone::FirstCompleted => "first_completed",
            Milestone::RepeatCustomer => "repeat_customer",
            Milestone::HighValue => "high_value",
            Milestone::Visits10 => "visits_10",
            Milestone::Visits25 => "visits_25",
            Milestone::Visits50 => "visits_50",
            Milestone::Anniversary1 => "anniversary_1",
            Milestone::Anniversary2 => "anniversary_2",
            Milestone::VipStatus => "vip_status",
            Milestone::TierSilver => "tier_silver",
            Milestone::TierGold => "tier_gold",
            Milestone::TierPlatinum => "tier_platinum",
        }
    }
}

/// The real-time milestones a customer with these totals and this tier has reached under
/// the tenant's thresholds (the store awards each once).
pub fn reached(totals: &BookingTotals, tier: Tier, t: &Thresholds) -> Vec<Milestone> {
    let mut out = Vec::new();
    if totals.bookings >= 1 {
        out.push(Milestone::FirstBooking);
    }
    if totals.visits >= 1 {
        out.push(Milestone::FirstCompleted);
    }
    if totals.visits >= 2 {
        out.push(Milestone::RepeatCustomer);
    }
    if totals.lifetime_value >= t.high_value_spend {
        out.push(Milestone::HighValue);
    }
    let visits = [
        Milestone::Visits10,
        Milestone::Visits25,
        Milestone::Visits50,
    ];
    for (n, m) in t.visit_milestones.into_iter().zip(visits) {
        if totals.visits >= n {
            out.push(m);
        }
    }
    for (at, m) in [
        (Tier::Silver, Milestone::TierSilver),
        (Tier::Gold, Milestone::TierGold),
        (Tier::Platinum, Milestone::TierPlatinum),
    ] {
        if tier >= at {
            out.push(m);
        }
    }
    out
}

/// The local time of day the daily jobs (segment refresh, milestones) act at.
pub fn daily_job_time() -> chrono::NaiveTime {
    crate::domain::hours::hm(3, 0)
}

/// Completed visits that earn VIP status (the daily milestone).
pub const VIP_STATUS_VISITS: i64 = 50;
/// Lifetime spend that earns VIP status (minor units: 5,000.00).
pub const VIP_STATUS_SPEND: i64 = 500_000;

/// Whether the totals or tier earn the VIP status milestone.
pub fn vip_status_eligible(totals: &BookingTotals, tier: Tier) -> bool {
    totals.visits >= VIP_STATUS_VISITS
        || totals.lifetime_value >= VIP_STATUS_SPEND
        || tier == Tier::Platinum
}

/// When the `years`-year anniversary of `member_since` falls due: the daily time on that
/// date in the tenant's zone (a 29 February member's falls on the 28th).
pub fn anniversary(member_since: DateTime<Utc>, tz: chrono_tz::Tz, years: u32) -> DateTime<Utc> {
    let day = member_since.with_timezone(&tz).date_naive();
    let day = day
        .checked_add_months(Months::new(12 * years))
        .unwrap_or(day);
    crate::domain::hours::at_local(tz, day, daily_job_time())
}

/// The daily milestones (anniversaries, VIP status) a customer has reached at `now` and not
/// been awarded yet, and when the next one not reached falls due (none after the 2-year
/// anniversary). VIP status reached between runs falls due at once (`now`).
pub fn daily_milestones(
    member_since: DateTime<Utc>,
    totals: &BookingTotals,
    tier: Tier,
    awarded: &BTreeSet<Milestone>,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> (Vec<Milestone>, Option<DateTime<Utc>>) {
    let mut reached = Vec::new();
    let mut next = None;
    for (years, m) in [(1, Milestone::Anniversary1), (2, Milestone::Anniversary2)] {
        if awarded.contains(&m) {
            continue;
        }
        let at = anniversary(member_since, tz, years);
        if at <= now {
            reached.push(m);
        } else if next.is_none() {
            next = Some(at);
        }
    }
    if !awarded.contains(&Milestone::VipStatus) && vip_status_eligible(totals, tier) {
        reached.push(Milestone::VipStatus);
    }
    (reached, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
            + Duration::days(d)
    }

    fn totals(bookings: i64, visits: i64, ltv: i64, no_shows: i64, cancels: i64) -> BookingTotals {
        BookingTotals {
            bookings,
            visits,
            lifetime_value: ltv,
            no_shows,
            cancellations: cancels,
            services: [("Spa day".to_owned(), bookings)].into(),
        }
    }

    #[test]
    fn a_customer_without_bookings_is_a_lead_in_discovery() {
        let t = BookingTotals::default();
        let c = classify(
            &Facts {
                totals: &t,
                last_booking: None,
                last_visit: None,
                has_upcoming: false,
            },
            &Thresholds::default(),
            day(0),
        );
        assert_eq!(
            (c.segment, c.stage, c.tier),
            (Segment::Lead, JourneyStage::Discovery, Tier::Bronze)
        );
        assert_eq!(c.next_change, None);
    }

    #[test]
    fn time_alone_moves_active_to_dormant_then_inactive_and_churned() {
        let t = totals(2, 2, 12_000, 0, 0);
        let f = Facts {
            totals: &t,
            last_booking: Some(day(0)),
            last_visit: Some(day(0)),
            has_upcoming: false,
        };
        let th = Thresholds::default();
        let now = classify(&f, &th, day(1));
        assert_eq!(
            (now.segment, now.stage),
            (Segment::Active, JourneyStage::Retention)
        );
        assert_eq!(now.next_change, Some(day(90)), "dormant first");
        let dormant = classify(&f, &th, day(90));
        assert!(dormant.auto_tags.contains("dormant"));
        assert_eq!(dormant.segment, Segment::Active);
        assert!(
            dormant.next_change.is_some_and(|t| t > day(180)),
            "then inactive at six months"
        );
        let later = classify(&f, &th, day(200));
        assert_eq!(
            (later.segment, later.stage),
            (Segment::Inactive, JourneyStage::Churned)
        );
        assert_eq!(later.next_change, None);
    }

    #[test]
    fn an_upcoming_booking_keeps_a_customer_active() {
        let t = totals(3, 2, 0, 0, 0);
        let f = Facts {
            totals: &t,
            last_booking: Some(day(0)),
            last_visit: Some(day(0)),
            has_upcoming: true,
        };
        let c = classify(&f, &Thresholds::default(), day(400));
        assert_eq!(c.segment, Segment::Active);
        assert!(!c.auto_tags.contains("dormant"));
        assert_eq!(c.next_change, None);
    }

    #[test]
    fn vip_tier_tags_and_risk_follow_the_thresholds() {
        let th = Thresholds::default();
        let t = totals(12, 10, 520_000, 1, 1);
        let c = classify(
            &Facts {
                totals: &t,
                last_booking: Some(day(0)),
                last_visit: Some(day(0)),
                has_upcoming: false,
            },
            &th,
            day(1),
        );
        assert_eq!(c.segment, Segment::Vip);
        assert_eq!(c.points, 5_200);
        assert_eq!(c.tier, Tier::Platinum);
        assert!(
            c.auto_tags.contains("vip")
                && c.auto_tags.contains("loyal")
                && c.auto_tags.contains("spa_lover")
        );
        assert_eq!(c.stage, JourneyStage::Advocacy);
        assert!(!c.at_risk);
        assert!(at_risk(&totals(4, 2, 0, 1, 1)));
        assert!(
            !at_risk(&totals(3, 0, 0, 3, 0)),
            "needs more than 3 bookings"
        );
    }

    #[test]
    fn milestones_follow_visits_and_spend() {
        let t = Thresholds::default();
        assert_eq!(
            reached(&totals(1, 0, 0, 0, 0), Tier::Bronze, &t),
            vec![Milestone::FirstBooking]
        );
        let m = reached(&totals(26, 25, 60_000, 0, 0), Tier::Bronze, &t);
        assert!(m.contains(&Milestone::HighValue) && m.contains(&Milestone::Visits25));
        assert!(!m.contains(&Milestone::Visits50));
    }

    #[test]
    fn spend_and_visit_milestones_follow_the_tenants_thresholds() {
        let t = Thresholds {
            high_value_spend: 20_000,
            visit_milestones: [3, 6, 9],
            ..Thresholds::default()
        };
        let m = reached(&totals(7, 6, 25_000, 0, 0), Tier::Bronze, &t);
        assert!(m.contains(&Milestone::HighValue), "{m:?}");
        assert!(m.contains(&Milestone::Visits10) && m.contains(&Milestone::Visits25));
        assert!(!m.contains(&Milestone::Visits50));
        // The defaults would have given none of these.
        let d = reached(
            &totals(7, 6, 25_000, 0, 0),
            Tier::Bronze,
            &Thresholds::default(),
        );
        assert!(!d.contains(&Milestone::HighValue) && !d.contains(&Milestone::Visits10));
    }

    #[test]
    fn each_tier_reached_is_a_tier_upgraded_milestone() {
        let t = Thresholds::default();
        let at = |tier| reached(&totals(1, 1, 0, 0, 0), tier, &t);
        assert!(!at(Tier::Bronze)
            .iter()
            .any(|m| m.as_str().starts_with("tier_")));
        assert_eq!(
            at(Tier::Gold)
                .into_iter()
                .filter(|m| m.as_str().starts_with("tier_"))
                .collect::<Vec<_>>(),
            vec![Milestone::TierSilver, Milestone::TierGold]
        );
        assert!(at(Tier::Platinum).contains(&Milestone::TierPlatinum));
    }

    #[test]
    fn settings_stored_before_the_milestone_thresholds_read_with_their_defaults() {
        let mut old = serde_json::to_value(Thresholds::default()).expect("json");
        let map = old.as_object_mut().expect("object");
        map.remove("high_value_spend");
        map.remove("visit_milestones");
        let t: Thresholds = serde_json::from_value(old).expect("reads");
        assert_eq!(
            (t.high_value_spend, t.visit_milestones),
            (50_000, [10, 25, 50])
        );
    }
}
