//! A lead's contact task, kept on the lead's item: completing it.

use super::*;

/// Marks lead `id`'s contact task done by `actor` (idempotent: one already done comes back
/// as it is, with `false`) and takes it out of the open-task indexes. The lead's version
/// moves on, so an edit based on the lead as it was cannot put the task back. `None`: no
/// such lead, or it has no contact task.
pub async fn complete_contact_task(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Lead, bool)>, StoreError> {
    optimistically(|| async move {
        let (lead, stored) = match load(store, tenant, id).await {
            Ok(found) => found,
            Err(LeadWriteError::NotFound) => return Ok(Attempt::Done(None)),
            Err(LeadWriteError::Store(e)) => return Err(e),
            Err(e) => return Err(StoreError::Corrupt(e.to_string())),
        };
        if lead.contact.due_at.is_none() {
            return Ok(Attempt::Done(None));
        }
        if lead.contact.done.is_some() {
            return Ok(Attempt::Done(Some((lead, false))));
        }
        let mut next = lead.clone();
        next.contact.done = Some((actor.to_owned(), now));
        next.version = lead.version + 1;
        let item = lead_item(
            &next,
            stale_kept(&stored),
            stored_i64(&stored, "initial_value"),
        )?;
        let write = Write::put(item).with_check(version_check(lead.version));
        Ok(retry::write(store, write, &["version"])
            .await?
            .map(|()| Some((next, true))))
    })
    .await
}

/// Gives lead `id` the contact task `due_at` (done by whom and when, if it was) unless it has
/// one: how a contact task stored as its own item before tasks lived on the lead is folded
/// in (`crate::store::tasks::fold_legacy`). `false`: no such lead, or it has one already.
pub async fn adopt_contact_task(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    due_at: DateTime<Utc>,
    done: Option<(String, DateTime<Utc>)>,
) -> Result<bool, StoreError> {
    optimistically(|| {
        let done = done.clone();
        async move {
            let (lead, stored) = match load(store, tenant, id).await {
                Ok(found) => found,
                Err(LeadWriteError::NotFound) => return Ok(Attempt::Done(false)),
                Err(LeadWriteError::Store(e)) => return Err(e),
                Err(e) => return Err(StoreError::Corrupt(e.to_string())),
            };
            if lead.contact.due_at.is_some() {
                return Ok(Attempt::Done(false));
            }
            let mut next = lead.clone();
            next.contact = ContactTask {
                due_at: Some(due_at),
                done,
            };
            next.version = lead.version + 1;
            let item = lead_item(
                &next,
                stale_kept(&stored),
                stored_i64(&stored, "initial_value"),
            )?;
            let write = Write::put(item).with_check(version_check(lead.version));
            Ok(retry::write(store, write, &["version"])
                .await?
                .map(|()| true))
        }
    })
    .await
}
