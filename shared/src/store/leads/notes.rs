//! Notes on a lead.

use super::*;

/// Adds a note to an existing lead.
pub async fn add_note(
    store: &dyn Store,
    tenant: &str,
    lead_id: &str,
    body: &str,
    author: &str,
    now: DateTime<Utc>,
) -> Result<Note, LeadWriteError> {
    if !is_lead_id(lead_id) {
        return Err(LeadWriteError::NotFound);
    }
    let note = Note {
        id: keys::sequential_id(now),
        lead_id: lead_id.to_owned(),
        body: body.to_owned(),
        author: author.to_owned(),
        created_at: now,
    };
    let mut item = to_item(&note)?;
    item.insert(PK.into(), keys::lead_children_pk(tenant, lead_id).into());
    item.insert(SK.into(), keys::note_sk(&note.id).into());
    item.insert("type".into(), "note".into());
    let writes = vec![
        Write::ConditionCheck {
            key: keys::lead(tenant, lead_id),
            check: Check::new("lead", Cond::Exists),
        },
        Write::put(item).with_check(Check::new("note_id", Cond::NotExists)),
    ];
    let (writes, note) = (&writes, &note);
    optimistically(|| async move {
        match retry::commit(store, writes.clone(), &[]).await {
            Err(StoreError::ConditionFailed("lead")) => Err(LeadWriteError::NotFound),
            other => Ok(other?.map(|()| note.clone())),
        }
    })
    .await
}
