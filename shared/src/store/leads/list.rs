//! Reads: one lead with its events, notes and tasks; lists by status, source, assignee,
//! staleness, search text and dates.

use super::*;

/// Most events or notes returned with a lead (the rest belong to the timeline's pages).
const DETAIL_CHILDREN: u32 = 200;

pub async fn detail(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Option<LeadDetail>, StoreError> {
    let Some(lead) = get(store, tenant, id).await? else {
        return Ok(None);
    };
    let pk = keys::lead_children_pk(tenant, id);
    let events = store
        .query(
            &Query::new(Index::Primary, &pk)
                .sk(SkCond::BeginsWith(keys::STATUS_EVENT_PREFIX.into()))
                .limit(DETAIL_CHILDREN),
        )
        .await?
        .typed::<StatusEvent>()?;
    let notes = store
        .query(
            &Query::new(Index::Primary, &pk)
                .sk(SkCond::BeginsWith(keys::NOTE_PREFIX.into()))
                .descending()
                .limit(DETAIL_CHILDREN),
        )
        .await?
        .typed::<Note>()?;
    let tasks = crate::domain::task::task_of(&lead).into_iter().collect();
    Ok(Some(LeadDetail {
        lead,
        events,
        notes,
        tasks,
    }))
}

/// Filters of the lead list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub status: Option<LeadStatus>,
    pub source: Option<Source>,
    pub assignee: Option<String>,
    pub stale: Option<bool>,
    /// Matched against lowercased name, email and phone digits.
    pub q: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

impl ListFilter {
    /// Which index and partition serve this filter: the board index for one status, the
    /// lead partition otherwise.
    pub fn partition(&self, tenant: &str) -> (Index, String) {
        match self.status {
            Some(s) => (BOARD_INDEX, keys::board_pk(tenant, s)),
            None => (Index::Primary, keys::leads_pk(tenant)),
        }
    }

    fn sk_range(&self) -> SkCond {
        let lo = self.created_from.map(|t| ulid_floor(t, false));
        let hi = self.created_to.map(|t| ulid_floor(t, true));
        match (lo, hi) {
            (Some(lo), Some(hi)) => SkCond::Between(lo, hi),
            (Some(lo), None) => SkCond::Ge(lo),
            (None, Some(hi)) => SkCond::Le(hi),
            (None, None) => SkCond::All,
        }
    }

    fn residual(&self) -> Option<Cond> {
        let mut all = Vec::new();
        if let Some(s) = self.source {
            all.push(Cond::Eq("source".into(), s.as_str().into()));
        }
        if let Some(a) = &self.assignee {
            all.push(Cond::Eq("assignee".into(), a.clone().into()));
        }
        match self.stale {
            Some(true) => all.push(Cond::Eq("stale".into(), true.into())),
            // Fresh leads are stored without the flag (see `compact`).
            Some(false) => all.push(Cond::Not(Box::new(Cond::Eq("stale".into(), true.into())))),
            None => {}
        }
        if let Some(q) = &self.q {
            let q = q.to_lowercase();
            let digits: String = q.chars().filter(char::is_ascii_digit).collect();
            let needle = if !digits.is_empty()
                && q.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
            {
                digits
            } else {
                q
            };
            all.push(Cond::Or(vec![
                Cond::Contains("search".into(), needle.clone().into()),
                Cond::Contains("email".into(), needle.into()),
            ]));
        }
        match all.len() {
            0 => None,
            1 => all.pop(),
            _ => Some(Cond::And(all)),
        }
    }
}

/// The smallest (or largest) ULID of the millisecond of `t`: bounds of a created range.
fn ulid_floor(t: DateTime<Utc>, ceiling: bool) -> String {
    let ms = u64::try_from(t.timestamp_millis()).unwrap_or(0);
    let random = if ceiling { u128::MAX } else { 0 };
    ulid::Ulid::from_parts(ms, random).to_string()
}

/// One page of leads, newest first. Filters the index cannot serve are applied to what it
/// returns; a page may be short when a filter is selective, with a cursor to go on.
pub async fn list(
    store: &dyn Store,
    tenant: &str,
    filter: &ListFilter,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<Lead>, Option<Cursor>), StoreError> {
    let (index, pk) = filter.partition(tenant);
    let query = Query::new(index, &pk)
        .sk(filter.sk_range())
        .descending()
        .filter(filter.residual());
    page::fill_with(store, query, limit, cursor, lead_from_item).await
}
