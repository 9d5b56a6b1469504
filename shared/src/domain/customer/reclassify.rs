//! Classifying a customer again (DESIGN §2.2): the one rule a booking fact
//! ([`super::apply_booking`]), a customer made by hand and the daily segment refresh all
//! apply, with the timeline entries its changes make.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{
    classify, Customer, Facts, JourneyStage, Segment, StageChange, Thresholds, Tier, TierChange,
};
use crate::domain::timeline::Entry;

/// What a reclassification changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reclassified {
    pub segment: Option<(Segment, Segment)>,
    pub stage: Option<(JourneyStage, JourneyStage)>,
    pub tier: Option<(Tier, Tier)>,
    /// Auto tags gained and lost (manual tags are never touched).
    pub tags_added: Vec<String>,
    pub tags_removed: Vec<String>,
    pub at_risk: Option<(bool, bool)>,
}

impl Reclassified {
    /// The timeline entries of the changes: `(type, text, data)`.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        if let Some((from, to)) = self.segment {
            out.push((
                "segment",
                format!("Segment {from:?} → {to:?}"),
                json!({"from": from, "to": to}),
            ));
        }
        if let Some((from, to)) = self.stage {
            out.push((
                "stage",
                format!("Stage {from:?} → {to:?}"),
                json!({"from": from, "to": to}),
            ));
        }
        if let Some((from, to)) = self.tier {
            out.push((
                "tier",
                format!("Tier {from:?} → {to:?}"),
                json!({"from": from, "to": to}),
            ));
        }
        for tag in &self.tags_added {
            out.push((
                "tag",
                format!("Tag {tag} added"),
                json!({"tag": tag, "auto": true, "added": true}),
            ));
        }
        for tag in &self.tags_removed {
            out.push((
                "tag",
                format!("Tag {tag} removed"),
                json!({"tag": tag, "auto": true, "added": false}),
            ));
        }
        if let Some((_, to)) = self.at_risk {
            out.push((
                "at_risk",
                if to { "At risk" } else { "No longer at risk" }.into(),
                json!({"at_risk": to}),
            ));
        }
        out
    }
}

/// Classifies `c` again at `now`, in place: segment, points (and what is left to redeem),
/// tier (with its history), auto tags, at-risk,
/// journey stage (with its history) and when it next changes by time alone. A scheduled
/// booking holds the time-driven changes off until it has passed, so the latest one is the
/// next change when nothing else is ahead (a booking whose outcome never arrives must not
/// keep its customer active for ever).
pub fn reclassify(c: &mut Customer, thresholds: &Thresholds, now: DateTime<Utc>) -> Reclassified {
    let has_upcoming = c.next_booking(now).is_some();
    let class = classify(
        &Facts {
            totals: &c.totals,
            last_booking: c.last_booking,
            last_visit: c.last_visit,
            has_upcoming,
        },
        thresholds,
        now,
    );
    let latest_upcoming = c.upcoming.values().filter(|s| **s >= now).max().copied();
    let changes = Reclassified {
        segment: (c.segment != class.segment).then_some((c.segment, class.segment)),
        stage: (c.stage != class.stage).then_some((c.stage, class.stage)),
        tier: (c.tier != class.tier).then_some((c.tier, class.tier)),
        tags_added: class.auto_tags.difference(&c.auto_tags).cloned().collect(),
        tags_removed: c.auto_tags.difference(&class.auto_tags).cloned().collect(),
        at_risk: (c.at_risk != class.at_risk).then_some((c.at_risk, class.at_risk)),
    };
    c.segment = class.segment;
    c.points = class.points;
    c.points_available = (c.points - c.points_redeemed).max(0);
    c.tier = class.tier;
    if let Some((_, to)) = changes.tier {
        c.tier_history.push(TierChange { tier: to, at: now });
    }
    c.auto_tags = class.auto_tags;
    c.at_risk = class.at_risk;
    c.next_change = class.next_change.or(latest_upcoming);
    if let Some((_, to)) = changes.stage {
        c.stage = to;
        c.stage_history.push(StageChange { stage: to, at: now });
    }
    changes
}
