//! Follow-up tasks (DESIGN §2.1): a new lead gets a "contact lead" task due one business hour
//! after capture. The task is kept on the lead's own item ([`crate::domain::lead::ContactTask`];
//! the lead codec writes its index entries), so a capture writes no task item:
//!
//! | list | read from |
//! |---|---|
//! | open, soonest due first | GSI3 `T#t#TASKS#open` / `<due ms>` (sparse: open tasks only) |
//! | open of one assignee | GSI4 `T#t#TASKS#open#A#<assignee>` / `<due ms>` |
//! | done, or all, newest first | the tenant's lead partition, newest first, filtered |
//!
//! A task's id is `<lead id>.contact`: it names its lead, so it is read by its id alone.

use chrono::{DateTime, Utc};

use crate::domain::task::{lead_of, task_of, Task, TaskStatus, CONTACT_KIND};
use crate::ports::store::{
    from_item, table, Cond, Cursor, Index, Item, Key, Query, SkCond, Store, StoreError, Write, SK,
};
use crate::store::keys::{
    self, assignee_tasks_pk, open_task_due_key, open_tasks_pk, ASSIGNEE_TASKS_INDEX,
    OPEN_TASKS_INDEX,
};
use crate::store::leads::{self, codec};
use crate::store::page;

/// The lead a task id names, when it names a contact task.
fn contact_lead(id: &str) -> Option<&str> {
    let lead = lead_of(id)?;
    (id.len() == lead.len() + 1 + CONTACT_KIND.len() && id.ends_with(CONTACT_KIND)).then_some(lead)
}

pub async fn get(store: &dyn Store, tenant: &str, id: &str) -> Result<Option<Task>, StoreError> {
    let Some(lead) = contact_lead(id) else {
        return Ok(None);
    };
    Ok(leads::get(store, tenant, lead)
        .await?
        .as_ref()
        .and_then(task_of))
}

/// Which tasks a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFilter {
    /// None → open and done.
    pub status: Option<TaskStatus>,
    /// Only this user's.
    pub assignee: Option<String>,
    /// Only those due at or before this instant.
    pub due_by: Option<DateTime<Utc>>,
}

impl TaskFilter {
    /// The index and partition the list reads (a client's cursor must belong to it).
    pub fn partition(&self, tenant: &str) -> (Index, String) {
        match (&self.status, &self.assignee) {
            (Some(TaskStatus::Open), Some(a)) => {
                (ASSIGNEE_TASKS_INDEX, assignee_tasks_pk(tenant, a))
            }
            (Some(TaskStatus::Open), None) => (OPEN_TASKS_INDEX, open_tasks_pk(tenant)),
            _ => (Index::Primary, keys::leads_pk(tenant)),
        }
    }
}

/// The task of a lead item read by a task list.
fn decode(item: &Item) -> Result<Task, StoreError> {
    let lead = codec::lead_from_item(item)?;
    task_of(&lead).ok_or_else(|| StoreError::Corrupt(format!("lead {} has no task", lead.id)))
}

/// A page of tasks. Open ones come soonest due first from their sparse index (one per
/// assignee too), read O(page); done or all come newest first from the tenant's leads,
/// filtered.
pub async fn list(
    store: &dyn Store,
    tenant: &str,
    filter: &TaskFilter,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<Task>, Option<Cursor>), StoreError> {
    let (index, pk) = filter.partition(tenant);
    let open = filter.status == Some(TaskStatus::Open);
    let mut conds = Vec::new();
    let mut sk = SkCond::All;
    if open {
        if let Some(by) = filter.due_by {
            sk = SkCond::Le(open_task_due_key(by));
        }
    } else {
        // A done task keeps its due instant in `task_due`; an open one in its open-task
        // index entry.
        let open_sk = || match OPEN_TASKS_INDEX {
            Index::Gsi(n) => table::gsi_sk(n),
            Index::Primary => SK.to_owned(),
        };
        let done = Cond::AttrExists(codec::TASK_DONE_AT.into());
        conds.push(match filter.status {
            Some(TaskStatus::Done) => done,
            _ => Cond::Or(vec![done, Cond::AttrExists(open_sk())]),
        });
        if let Some(a) = &filter.assignee {
            conds.push(Cond::Eq("assignee".into(), a.clone().into()));
        }
        if let Some(by) = filter.due_by {
            conds.push(Cond::Or(vec![
                Cond::Le(codec::TASK_DUE.into(), by.timestamp_millis().into()),
                Cond::Le(open_sk(), open_task_due_key(by).into()),
            ]));
        }
    }
    let cond = match conds.len() {
        0 => None,
        1 => conds.pop(),
        _ => Some(Cond::And(conds)),
    };
    let mut q = Query::new(index, pk).sk(sk).filter(cond);
    if !open {
        q = q.descending();
    }
    page::fill_with(store, q, limit, cursor, decode).await
}

/// Completes a task (idempotent: one already done comes back as it is, with `false`) and
/// takes it out of the open indexes. `None`: no such task.
pub async fn complete(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Task, bool)>, StoreError> {
    let Some(lead) = contact_lead(id) else {
        return Ok(None);
    };
    Ok(
        leads::complete_contact_task(store, tenant, lead, actor, now)
            .await?
            .and_then(|(lead, changed)| task_of(&lead).map(|t| (t, changed))),
    )
}

/// Contact tasks stored before they lived on their lead (an item `K#<lead>.contact` in the
/// lead's partition, every one listed in GSI3 `T#t#TASKS`, a partition nothing else uses):
/// each is folded into its lead and then deleted, so a store written by an earlier version
/// lists them again. Safe to run again (a lead that has its task keeps it); O(legacy tasks).
/// How many it folded.
pub async fn fold_legacy(store: &dyn Store, tenant: &str) -> Result<usize, StoreError> {
    let mut folded = 0;
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(LEGACY_INDEX, keys::legacy_tasks_pk(tenant))
                    .limit(100)
                    .after(cursor.take()),
            )
            .await?;
        for item in &page.items {
            let Some(key) = Key::of(item) else {
                continue;
            };
            let task: Task = from_item(item)?;
            let done = task.completed_by.clone().zip(task.completed_at);
            leads::adopt_contact_task(store, tenant, &task.lead_id, task.due_at, done).await?;
            store.write(Write::Delete { key, check: None }).await?;
            folded += 1;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(folded),
        }
    }
}

/// The index the legacy task items listed every task in.
const LEGACY_INDEX: Index = Index::Gsi(3);
