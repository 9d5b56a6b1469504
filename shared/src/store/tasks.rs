//! Follow-up tasks (DESIGN §2.1): a new lead gets a "contact lead" task due one business hour
//! after capture. Tasks live with their lead, so the lead's detail reads them in one query.
//!
//! | item | PK | SK | GSI1 (open, by due) | GSI2 (open, by assignee and due) | GSI3 (all, newest first) |
//! |---|---|---|---|---|---|
//! | task | `T#t#L#<lead id>` | `K#<task id>` | `T#t#TASKS#open` / `due#id` | `T#t#TASKS#open#A#<assignee>` / `due#id` | `T#t#TASKS` / `created#id` |
//!
//! The two open indexes are sparse: completing a task takes it out of them. A task's id is
//! `<lead id>.<kind>` (`01J….contact`): it names its lead's partition, so a task is read by
//! its id alone, and the automatic task of a lead is written once however often it is tried.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::lead::Lead;
use crate::domain::task::{contact_task, lead_of, Task, TaskStatus};
use crate::domain::tenant::TenantSettings;
use crate::ports::store::{
    from_item, table, to_item, Check, Cond, Cursor, Index, Item, Query, SkCond, Store, StoreError,
    Write, PK, SK,
};
use crate::store::keys::{self, assignee_tasks_pk, open_tasks_pk, task_key, tasks_pk};
use crate::store::page;
use crate::store::retry::{self, optimistically, Attempt};

/// Open tasks of a tenant, soonest due first.
pub const OPEN_TASKS_INDEX: Index = Index::Gsi(1);
/// Open tasks of one assignee, soonest due first.
pub const ASSIGNEE_TASKS_INDEX: Index = Index::Gsi(2);
/// Every task of a tenant, newest first.
pub const ALL_TASKS_INDEX: Index = Index::Gsi(3);

/// Instants in index keys: fixed width, so text order is time order.
fn instant_key(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn task_item(t: &Task) -> Result<Item, StoreError> {
    let key = task_key(&t.tenant_id, &t.lead_id, &t.id);
    let mut item = to_item(t)?;
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    let due = format!("{}#{}", instant_key(t.due_at), t.id);
    item.insert("due_key".into(), instant_key(t.due_at).into());
    let mut index = |index: Index, pk: String, sk: String| {
        if let Index::Gsi(n) = index {
            item.insert(table::gsi_pk(n), pk.into());
            item.insert(table::gsi_sk(n), sk.into());
        }
    };
    if t.status == TaskStatus::Open {
        index(OPEN_TASKS_INDEX, open_tasks_pk(&t.tenant_id), due.clone());
        if let Some(a) = &t.assignee {
            index(
                ASSIGNEE_TASKS_INDEX,
                assignee_tasks_pk(&t.tenant_id, a),
                due,
            );
        }
    }
    index(
        ALL_TASKS_INDEX,
        tasks_pk(&t.tenant_id),
        format!("{}#{}", instant_key(t.created_at), t.id),
    );
    Ok(item)
}

/// Writes a new lead's contact task: one put, no read. Written already → `Ok(false)`.
pub async fn create_contact_task(
    store: &dyn Store,
    lead: &Lead,
    settings: &TenantSettings,
) -> Result<bool, StoreError> {
    let task = contact_task(lead, settings);
    match store
        .write(Write::put(task_item(&task)?).with_check(Check::new("task_exists", Cond::NotExists)))
        .await
    {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed("task_exists")) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn get(store: &dyn Store, tenant: &str, id: &str) -> Result<Option<Task>, StoreError> {
    let Some(lead) = lead_of(id) else {
        return Ok(None);
    };
    store
        .get(&task_key(tenant, lead, id))
        .await?
        .map(|i| from_item(&i))
        .transpose()
}

/// A lead's tasks, in id order.
pub async fn of_lead(
    store: &dyn Store,
    tenant: &str,
    lead_id: &str,
) -> Result<Vec<Task>, StoreError> {
    store
        .query(
            &Query::new(Index::Primary, keys::lead_children_pk(tenant, lead_id))
                .sk(SkCond::BeginsWith(keys::TASK_PREFIX.into()))
                .limit(100),
        )
        .await?
        .typed()
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
            _ => (ALL_TASKS_INDEX, tasks_pk(tenant)),
        }
    }
}

/// A page of tasks. Open ones come soonest due first from their sparse index (one per
/// assignee too), read O(page); done or all come newest first from the tenant's task index,
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
            // `due#id` up to and including `due`: `$` sorts right after `#`.
            sk = SkCond::Lt(format!("{}$", instant_key(by)));
        }
    } else {
        if let Some(s) = filter.status {
            conds.push(Cond::Eq("status".into(), s.as_str().into()));
        }
        if let Some(a) = &filter.assignee {
            conds.push(Cond::Eq("assignee".into(), a.clone().into()));
        }
        if let Some(by) = filter.due_by {
            conds.push(Cond::Le("due_key".into(), instant_key(by).into()));
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
    page::fill(store, q, limit, cursor).await
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
    optimistically(|| async move {
        let Some(before) = get(store, tenant, id).await? else {
            return Ok(Attempt::Done(None));
        };
        if before.status == TaskStatus::Done {
            return Ok(Attempt::Done(Some((before, false))));
        }
        let mut after = before.clone();
        after.status = TaskStatus::Done;
        after.completed_by = Some(actor.to_owned());
        after.completed_at = Some(now);
        after.version = before.version + 1;
        let write = Write::put(task_item(&after)?).with_check(Check::new(
            "task_version",
            Cond::Eq("version".into(), before.version.into()),
        ));
        Ok(retry::write(store, write, &["task_version"])
            .await?
            .map(|()| Some((after, true))))
    })
    .await
}
