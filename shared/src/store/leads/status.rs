//! The pipeline: status changes with their insert-only events and board counters, and
//! stale leads.

use super::*;

/// Flags an open lead stale (nobody booked it in time): the flag, and an insert-only event
/// (status unchanged, actor `system`) in one versioned transaction; the lead leaves the
/// stale-due index. `None` when it is booked, won, lost or already stale (so a job can run
/// the same bucket again).
pub async fn mark_stale(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Lead, StatusEvent)>, LeadWriteError> {
    optimistically(|| async move {
        let (lead, stored) = match load(store, tenant, id).await {
            Ok(found) => found,
            Err(LeadWriteError::NotFound) => return Ok(Attempt::Done(None)),
            Err(e) => return Err(e),
        };
        if !lead.status.is_open() || lead.stale {
            return Ok(Attempt::Done(None));
        }
        let mut next = lead.clone();
        next.stale = true;
        next.updated_at = now;
        next.version = lead.version + 1;
        let event = StatusEvent {
            id: keys::sequential_id(now),
            lead_id: id.to_owned(),
            from: Some(lead.status),
            to: lead.status,
            actor: "system".into(),
            reason: Some("stale: not booked in time".into()),
            at: now,
        };
        let mut event_item = to_item(&event)?;
        event_item.insert(PK.into(), keys::lead_children_pk(tenant, id).into());
        event_item.insert(SK.into(), keys::status_event_sk(next.version).into());
        event_item.insert("type".into(), "stale".into());
        // What `lead.stale` reports besides the event (read from this item's stream record).
        event_item.insert(
            "lead_created_at".into(),
            serde_json::to_value(lead.created_at)
                .map_err(|e| StoreError::Invalid(e.to_string()))?,
        );
        let item = lead_item(
            &next,
            StaleDue::Keep(None),
            stored_i64(&stored, "initial_value"),
        )?;
        let mut writes = vec![
            Write::put(item).with_check(version_check(lead.version)),
            Write::put(event_item).with_check(Check::new("event_id", Cond::NotExists)),
        ];
        if let Some(customer) = &lead.customer_id {
            writes.push(crate::store::customers::status_entry_write(
                tenant, customer, &event,
            )?);
        }
        Ok(commit_versioned(store, tenant, id, writes, false)
            .await?
            .map(|()| Some((next, event))))
    })
    .await
}

/// A requested status change.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange<'a> {
    pub to: LeadStatus,
    pub reason: Option<&'a str>,
    /// Who asks: a user's `sub`, or `system`.
    pub actor: &'a str,
    /// The version the caller read (`If-Match`), if it insists on it.
    pub expected_version: Option<u64>,
}

/// Moves a lead along the pipeline, writing the insert-only status event and the board
/// counters in the same transaction as the lead.
pub async fn change_status(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    change: &StatusChange<'_>,
    now: DateTime<Utc>,
) -> Result<(Lead, StatusEvent), LeadWriteError> {
    let StatusChange {
        to,
        reason,
        actor,
        expected_version,
    } = *change;
    optimistically(|| async move {
        let (lead, stored) = load(store, tenant, id).await?;
        if expected_version.is_some_and(|v| v != lead.version) {
            return Err(LeadWriteError::StaleVersion {
                current: lead.version,
            });
        }
        let next = transition(&lead, to, reason, now)?;
        let event = StatusEvent {
            // Monotonic within the process: changes made in one burst keep their order.
            id: keys::sequential_id(now),
            lead_id: id.to_owned(),
            from: Some(lead.status),
            to,
            actor: actor.to_owned(),
            reason: next.lost_reason.clone(),
            at: now,
        };
        let mut event_item = to_item(&event)?;
        event_item.insert(PK.into(), keys::lead_children_pk(tenant, id).into());
        event_item.insert(SK.into(), keys::status_event_sk(next.version).into());
        event_item.insert("type".into(), "status".into());
        let item = rewritten_item(&next, &stored)?;
        let value = lead.expected_value;
        let mut writes = vec![
            Write::put(item).with_check(version_check(lead.version)),
            Write::put(event_item).with_check(Check::new("event_id", Cond::NotExists)),
            Write::Update {
                key: board_key(tenant),
                update: Update::default()
                    .add(format!("n_{}", lead.status.as_str()), -1)
                    .add(format!("n_{}", to.as_str()), 1)
                    .add(format!("v_{}", lead.status.as_str()), -value)
                    .add(format!("v_{}", to.as_str()), value),
                check: None,
            },
        ];
        if let Some(customer) = &lead.customer_id {
            writes.push(crate::store::customers::status_entry_write(
                tenant, customer, &event,
            )?);
        }
        if to == LeadStatus::Won {
            writes.push(Write::Update {
                key: Key::new(
                    keys::stats_pk(tenant),
                    keys::stats_month_sk(&keys::month_of(now)),
                ),
                update: Update::default().add("won", 1).add(
                    format!(
                        "{}{}",
                        crate::store::stats::WON_BY_SOURCE,
                        lead.source.as_str()
                    ),
                    1,
                ),
                check: None,
            });
        }
        Ok(
            commit_versioned(store, tenant, id, writes, expected_version.is_some())
                .await?
                .map(|()| (next, event)),
        )
    })
    .await
}
