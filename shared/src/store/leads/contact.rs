//! A lead's contact task, kept on the lead's item: completing it, and adopting one an earlier
//! version stored as an item of its own.

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
    let changed = change_contact(store, tenant, id, |task| {
        (task.due_at.is_some() && task.done.is_none()).then(|| ContactTask {
            done: Some((actor.to_owned(), now)),
            ..task.clone()
        })
    })
    .await?;
    Ok(changed.filter(|(lead, _)| lead.contact.due_at.is_some()))
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
    let changed = change_contact(store, tenant, id, |task| {
        task.due_at.is_none().then(|| ContactTask {
            due_at: Some(due_at),
            done: done.clone(),
        })
    })
    .await?;
    Ok(matches!(changed, Some((_, true))))
}

/// Rewrites lead `id`'s contact task as `change` decides (`None`: leave it as it is), at the
/// lead's next version, retried on a fresh read when another change came first. `None`: no
/// such lead; otherwise the lead as it stands and whether it changed.
async fn change_contact(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    change: impl Fn(&ContactTask) -> Option<ContactTask>,
) -> Result<Option<(Lead, bool)>, StoreError> {
    let change = &change;
    optimistically(|| async move {
        let (lead, stored) = match load(store, tenant, id).await {
            Ok(found) => found,
            Err(LeadWriteError::NotFound) => return Ok(Attempt::Done(None)),
            Err(LeadWriteError::Store(e)) => return Err(e),
            Err(e) => return Err(StoreError::Corrupt(e.to_string())),
        };
        let Some(contact) = change(&lead.contact) else {
            return Ok(Attempt::Done(Some((lead, false))));
        };
        let mut next = lead.clone();
        next.contact = contact;
        next.version = lead.version + 1;
        let write =
            Write::put(rewritten_item(&next, &stored)?).with_check(version_check(lead.version));
        Ok(retry::write(store, write, &["version"])
            .await?
            .map(|()| Some((next, true))))
    })
    .await
}
