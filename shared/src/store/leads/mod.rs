//! Lead access patterns (DESIGN §4): each multi-item change one conditional transaction. The
//! rooms: [`codec`] (the stored form of a lead), [`capture`] (a new lead with the claim on
//! its phone), [`list`] (one lead with what hangs off it, lists), [`edit`] (edits, the
//! customer a lead became), [`status`] (the pipeline, stale leads), [`notes`].

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::lead::{is_lead_id, ContactTask, LeadPatch, Note};
use crate::domain::lead::{transition, Lead, LeadStatus, StatusEvent, TransitionError};
use crate::domain::lead_detail::LeadDetail;
use crate::domain::source::{LastTouch, Source};
use crate::ports::store::{
    table, to_item, Check, Cond, Cursor, Index, Item, Key, Query, SkCond, Store, StoreError,
    Update, Write, PK, SK,
};
use crate::store::keys::{self, BOARD_INDEX};
use crate::store::page;
use crate::store::retry::{self, optimistically, Attempt};

mod capture;
pub mod codec;
mod contact;
mod edit;
mod erase;
mod list;
mod notes;
mod status;

pub use capture::*;
pub use codec::{lead_item, StaleDue};
pub use contact::*;
pub use edit::*;
pub use erase::*;
pub use list::*;
pub use notes::*;
pub use status::*;

use codec::{lead_from_item, rewritten_item, stored_i64};

/// Why a lead write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LeadWriteError {
    #[error("lead not found")]
    NotFound,
    #[error("the lead changed since it was read (now version {current})")]
    StaleVersion { current: u64 },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("the phone number already belongs to lead {existing_id} captured in the last day")]
    DuplicatePhone { existing_id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn get(store: &dyn Store, tenant: &str, id: &str) -> Result<Option<Lead>, StoreError> {
    if !is_lead_id(id) {
        return Ok(None);
    }
    store
        .get(&keys::lead(tenant, id))
        .await?
        .map(|i| lead_from_item(&i))
        .transpose()
}

/// The item as stored, with the attributes the lead record does not carry kept.
async fn load(store: &dyn Store, tenant: &str, id: &str) -> Result<(Lead, Item), LeadWriteError> {
    if !is_lead_id(id) {
        return Err(LeadWriteError::NotFound);
    }
    let item = store
        .get(&keys::lead(tenant, id))
        .await?
        .ok_or(LeadWriteError::NotFound)?;
    Ok((lead_from_item(&item)?, item))
}

fn version_check(version: u64) -> Check {
    Check::new("version", Cond::Eq("version".into(), version.into()))
}

fn board_key(tenant: &str) -> Key {
    Key::new(keys::stats_pk(tenant), keys::STATS_BOARD)
}

/// Commits a write guarded by the lead's version (check `version`): `Collided` when another
/// change came first (or a transaction conflict) and the change should be tried again on a
/// fresh read; a caller that insisted on its version gets `StaleVersion` instead.
async fn commit_versioned(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    writes: Vec<Write>,
    insisted: bool,
) -> Result<Attempt<()>, LeadWriteError> {
    match retry::commit(store, writes, &["version", "event_id"]).await {
        Err(StoreError::ConditionFailed("version")) | Ok(Attempt::Collided) if insisted => {
            let current = get(store, tenant, id)
                .await?
                .map(|l| l.version)
                .unwrap_or(0);
            Err(LeadWriteError::StaleVersion { current })
        }
        other => Ok(other?),
    }
}
