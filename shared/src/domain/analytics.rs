//! Lead analytics from counters (DESIGN §3 `GET /leads/analytics`): never from scanning leads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::lead::LeadStatus;

/// Lead counts for one period (a month, or all time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCounts {
    pub leads: i64,
    pub won: i64,
    pub by_source: BTreeMap<String, i64>,
    /// Leads won, by the source they came from (counted when they are won).
    #[serde(default)]
    pub won_by_source: BTreeMap<String, i64>,
}

impl LeadCounts {
    pub fn add(&mut self, other: &LeadCounts) {
        self.leads += other.leads;
        self.won += other.won;
        for (k, v) in &other.by_source {
            *self.by_source.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.won_by_source {
            *self.won_by_source.entry(k.clone()).or_default() += v;
        }
    }
}

/// One board column's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnTotals {
    pub count: i64,
    /// Sum of expected value, minor units.
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MonthPoint {
    /// `yyyy-mm`.
    pub month: String,
    pub leads: i64,
    pub won: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Analytics)]
pub struct LeadAnalytics {
    pub total: i64,
    pub new_this_month: i64,
    pub converted: i64,
    /// Won ÷ total, 0–1, rounded to 4 places.
    #[schema(minimum = 0)]
    pub conversion_rate: f64,
    pub by_source: BTreeMap<String, i64>,
    /// Leads won by source since counting by source began: with `by_source`, the conversion
    /// of each source.
    pub won_by_source: BTreeMap<String, i64>,
    pub by_status: BTreeMap<String, i64>,
    /// This month's new leads against last month's, in percent; null when last month had none.
    #[schema(required)]
    pub growth_pct: Option<f64>,
    /// The last 12 months, oldest first, this month last.
    pub trend: Vec<MonthPoint>,
}

/// The 12 `yyyy-mm` labels ending with `this_month` (oldest first).
pub fn last_12_months(year: i32, month: u32) -> Vec<String> {
    let mut out = Vec::with_capacity(12);
    let (mut y, mut m) = (year, month as i32);
    for _ in 0..12 {
        out.push(format!("{y:04}-{m:02}"));
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Builds the analytics answer from the all-time counts, the board columns and the last 12
/// months' counts (`months` keyed by `yyyy-mm`; missing months count as zero).
pub fn summarize(
    all_time: &LeadCounts,
    board: &BTreeMap<LeadStatus, ColumnTotals>,
    months: &BTreeMap<String, LeadCounts>,
    labels: &[String],
) -> LeadAnalytics {
    let count = |label: &String| months.get(label).cloned().unwrap_or_default();
    let trend: Vec<MonthPoint> = labels
        .iter()
        .map(|l| {
            let c = count(l);
            MonthPoint {
                month: l.clone(),
                leads: c.leads,
                won: c.won,
            }
        })
        .collect();
    let this = trend.last().map(|p| p.leads).unwrap_or(0);
    let last = trend.iter().rev().nth(1).map(|p| p.leads).unwrap_or(0);
    let growth_pct = (last > 0).then(|| round((this - last) as f64 * 100.0 / last as f64, 1));
    let converted = board.get(&LeadStatus::Won).map(|c| c.count).unwrap_or(0);
    let conversion_rate = if all_time.leads > 0 {
        round(converted as f64 / all_time.leads as f64, 4)
    } else {
        0.0
    };
    LeadAnalytics {
        total: all_time.leads,
        new_this_month: this,
        converted,
        conversion_rate,
        by_source: all_time.by_source.clone(),
        won_by_source: all_time.won_by_source.clone(),
        by_status: LeadStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    board.get(s).map(|c| c.count).unwrap_or(0),
                )
            })
            .collect(),
        growth_pct,
        trend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_cross_the_year_boundary() {
        let m = last_12_months(2026, 2);
        assert_eq!(m.first().map(String::as_str), Some("2025-03"));
        assert_eq!(m.last().map(String::as_str), Some("2026-02"));
        assert_eq!(m.len(), 12);
    }

    #[test]
    fn growth_and_conversion_come_from_the_counters() {
        let labels = last_12_months(2026, 11);
        let mut months = BTreeMap::new();
        months.insert(
            "2026-10".to_owned(),
            LeadCounts {
                leads: 4,
                won: 1,
                ..Default::default()
            },
        );
        months.insert(
            "2026-11".to_owned(),
            LeadCounts {
                leads: 6,
                won: 0,
                ..Default::default()
            },
        );
        let all = LeadCounts {
            leads: 10,
            won: 1,
            by_source: [("meta_ad".to_owned(), 7)].into(),
            won_by_source: [("meta_ad".to_owned(), 1)].into(),
        };
        let board = [(LeadStatus::Won, ColumnTotals { count: 2, value: 0 })].into();
        let a = summarize(&all, &board, &months, &labels);
        assert_eq!(a.total, 10);
        assert_eq!(a.new_this_month, 6);
        assert_eq!(a.growth_pct, Some(50.0));
        assert_eq!(a.converted, 2);
        assert_eq!(a.conversion_rate, 0.2);
        assert_eq!(a.by_status.get("won"), Some(&2));
        assert_eq!(a.by_status.get("new"), Some(&0));
        assert_eq!(a.trend.len(), 12);
        assert_eq!(a.won_by_source.get("meta_ad"), Some(&1));
    }

    #[test]
    fn no_leads_last_month_means_no_growth_figure() {
        let labels = last_12_months(2026, 11);
        let a = summarize(
            &LeadCounts::default(),
            &BTreeMap::new(),
            &BTreeMap::new(),
            &labels,
        );
        assert_eq!(a.growth_pct, None);
        assert_eq!(a.conversion_rate, 0.0);
    }
}
