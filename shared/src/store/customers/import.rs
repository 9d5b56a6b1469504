//! Whole customers made elsewhere (an import, a benchmark's population).

use std::collections::BTreeSet;

use super::edit::{owner_writes, taken};
use super::*;
use crate::ports::store::{to_item, Check, Cond, Store, StoreError, Write, PK, SK};

/// The writes of a whole customer made elsewhere (an import, a benchmark's population): the
/// record with its sort positions, the owners of its phones and emails (refused when taken),
/// its search items, its due work (filed by the tenant's zone `tz`) and its bookings.
pub fn import_writes(
    tenant: &str,
    c: &Customer,
    bookings: &[crate::domain::booking::BookingState],
    tz: chrono_tz::Tz,
) -> Result<Vec<Write>, StoreError> {
    let empty = Customer {
        phones: Vec::new(),
        emails: Vec::new(),
        ..c.clone()
    };
    let mut writes = vec![Write::put(customer_item(tenant, c)?)
        .with_check(Check::new("customer_version", Cond::NotExists))];
    writes.extend(owner_writes(tenant, &empty, c));
    writes.extend(token_writes(
        tenant,
        &c.id,
        &BTreeSet::new(),
        &search_tokens(c),
    ));
    writes.extend(due_writes(tenant, None, c, tz));
    for b in bookings {
        let key = booking_key(tenant, &c.id, &b.booking_id);
        let mut item = to_item(b)?;
        item.insert(PK.into(), key.pk.into());
        item.insert(SK.into(), key.sk.into());
        item.insert("customer_id".into(), c.id.clone().into());
        writes.push(Write::put(item));
        let owner = booking_owner_key(tenant, &b.booking_id);
        writes.push(Write::put(owner_item(&owner, &c.id)));
    }
    Ok(writes)
}

/// Writes a whole customer made elsewhere in one transaction (see [`import_writes`]).
pub async fn import(
    store: &dyn Store,
    tenant: &str,
    c: &Customer,
    bookings: &[crate::domain::booking::BookingState],
    tz: chrono_tz::Tz,
) -> Result<(), CustomerWriteError> {
    match store
        .transact(import_writes(tenant, c, bookings, tz)?)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed("customer_phone" | "customer_email")) => {
            Err(taken(store, tenant, c)
                .await?
                .unwrap_or(CustomerWriteError::Store(StoreError::Conflict)))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- Rows of an imported client list (issue 19) ----

use crate::domain::customer::OpeningBalance;
use crate::domain::source::Source;
use crate::domain::tenant::TenantSettings;
use crate::domain::validation::FieldError;
use crate::import::job::{sheet_row, Import, OnExisting, RowOutcome};
use crate::import::row::ImportedClient;
use crate::store::retry::{optimistically, Attempt};

/// The id of what row `index` of import `import_id` makes (`salt`: the customer, its
/// timeline entry, its note): a ULID with the import's time and randomness drawn from the
/// three, so a chunk redone after a crash finds what it made instead of making it twice.
pub fn imported_id(import_id: &str, index: usize, salt: &str) -> String {
    let millis = ulid::Ulid::from_string(import_id)
        .map(|u| u.timestamp_ms())
        .unwrap_or_default();
    keys::derived_id(millis, &format!("{import_id}#{index}#{salt}"))
}

/// What row `index` of `import` does, written nothing yet: refused (it cannot be read), a
/// duplicate of an earlier row of the file, an existing customer's (same phone or email:
/// updated or skipped as the import says), or a new customer. A row whose customer this
/// import already made (a redone chunk) is `Create` again.
pub async fn plan_row(
    store: &dyn Store,
    import: &Import,
    index: usize,
    row: &Result<ImportedClient, Vec<FieldError>>,
    duplicate_of: Option<usize>,
) -> Result<RowOutcome, StoreError> {
    let client = match row {
        Err(errors) => {
            return Ok(RowOutcome::Refuse {
                errors: errors.clone(),
            })
        }
        Ok(client) => client,
    };
    if let Some(earlier) = duplicate_of {
        return Ok(RowOutcome::Skip {
            reason: format!("same phone or email as row {}", sheet_row(earlier)),
            customer_id: None,
        });
    }
    let tenant = &import.tenant_id;
    // Both owners in one read.
    let phone_key = client.phone.as_ref().map(|p| phone_owner_key(tenant, p));
    let email_key = client.email.as_ref().map(|e| email_owner_key(tenant, e));
    let wanted: Vec<Key> = phone_key.iter().chain(&email_key).cloned().collect();
    let found = if wanted.is_empty() {
        Vec::new()
    } else {
        store.get_many(&wanted).await?
    };
    let owner_of = |key: &Option<Key>| {
        let key = key.as_ref()?;
        found
            .iter()
            .find(|item| Key::of(item).as_ref() == Some(key))
            .and_then(|item| item.get("customer_id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (by_phone, by_email) = (owner_of(&phone_key), owner_of(&email_key));
    let mine = imported_id(&import.id, index, "customer");
    if by_phone.as_deref() == Some(mine.as_str()) || by_email.as_deref() == Some(mine.as_str()) {
        return Ok(RowOutcome::Create);
    }
    let existing = match (by_phone, by_email) {
        (Some(a), Some(b)) if a != b => {
            return Ok(RowOutcome::Refuse {
                errors: vec![FieldError {
                    field: "email".into(),
                    reason: format!(
                        "belongs to customer {b} while the phone belongs to customer {a}"
                    ),
                }],
            })
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => return Ok(RowOutcome::Create),
    };
    Ok(match import.on_existing {
        OnExisting::Update => RowOutcome::Update {
            customer_id: existing,
        },
        OnExisting::Skip => RowOutcome::Skip {
            reason: "already a customer".into(),
            customer_id: Some(existing),
        },
    })
}

/// The first-touch source a file names (`Instagram`, `walk-in`), else `import`.
fn source_of(client: &ImportedClient) -> Source {
    client
        .source
        .as_deref()
        .and_then(|s| Source::parse(&s.trim().to_lowercase().replace([' ', '-'], "_")))
        .unwrap_or(Source::Import)
}

fn midnight(date: chrono::NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The opening balance a row brings, if it names one.
fn opening_of(client: &ImportedClient) -> Option<OpeningBalance> {
    (client.visits.is_some() || client.spend_cents.is_some()).then(|| OpeningBalance {
        visits: client.visits.unwrap_or_default(),
        spend: client.spend_cents.unwrap_or_default(),
    })
}

/// The note a row brings, as the customer's note written by the import.
fn note_write(
    tenant: &str,
    customer: &str,
    import: &Import,
    index: usize,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Write, StoreError> {
    let note = Note {
        id: imported_id(&import.id, index, "note"),
        body: body.to_owned(),
        author: format!("import of {}", import.file_name),
        created_at: now,
        edited_at: None,
    };
    Ok(Write::put(super::notes::note_item(
        tenant, customer, &note,
    )?))
}

fn imported_entry(
    import: &Import,
    index: usize,
    text: String,
    now: DateTime<Utc>,
) -> TimelineEntry {
    TimelineEntry {
        id: imported_id(&import.id, index, "entry"),
        kind: "import".into(),
        at: now,
        text,
        data: serde_json::json!({"import_id": import.id, "row": sheet_row(index)}),
    }
}

/// What applying a row did: its outcome, and the customer it made (whose possible
/// duplicates are looked for once the rows made beside it are written too: see
/// [`check_new`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub outcome: RowOutcome,
    pub made: Option<Customer>,
}

impl From<RowOutcome> for Applied {
    fn from(outcome: RowOutcome) -> Self {
        Self {
            outcome,
            made: None,
        }
    }
}

/// Applies a row's planned `outcome`: makes the new customer (with its search items, due
/// work, timeline entry and note) or fills in the existing one. Redone after a crash, it
/// finds what it made (the ids are [`imported_id`]s) and makes nothing twice. Returns the
/// outcome that happened (a phone or email claimed meanwhile turns a create into an update
/// or a skip). Rows of one file may be applied concurrently: two rows never share a phone
/// or email (`earlier_duplicates` skips the later), and two rows meeting one existing
/// customer update it optimistically.
pub async fn apply_row(
    store: &dyn Store,
    settings: &TenantSettings,
    import: &Import,
    index: usize,
    client: &ImportedClient,
    outcome: RowOutcome,
    now: DateTime<Utc>,
) -> Result<Applied, CustomerWriteError> {
    match outcome {
        RowOutcome::Create => create_row(store, settings, import, index, client, now).await,
        RowOutcome::Update { customer_id } => {
            update_row(store, import, index, client, &customer_id, now).await?;
            Ok(RowOutcome::Update { customer_id }.into())
        }
        other => Ok(other.into()),
    }
}

async fn create_row(
    store: &dyn Store,
    settings: &TenantSettings,
    import: &Import,
    index: usize,
    client: &ImportedClient,
    now: DateTime<Utc>,
) -> Result<Applied, CustomerWriteError> {
    let tenant = settings.tenant_id.as_str();
    let tz = crate::domain::hours::zone(&settings.time_zone);
    let id = imported_id(&import.id, index, "customer");
    if get(store, tenant, &id).await?.is_some() {
        return Ok(RowOutcome::Create.into());
    }
    let contact = Contact {
        name: Some(client.name.clone()),
        phone: client.phone.clone(),
        email: client.email.clone(),
    };
    let mut c = Customer::new(id.clone(), tenant, &contact, None, now);
    c.source = Some(source_of(client));
    c.tags = client.tags.iter().chain(&import.tags).cloned().collect();
    c.date_of_birth = client.birthday;
    c.address = client.address.clone();
    c.marketing_consent = client.marketing_consent;
    c.opening = opening_of(client);
    if let Some(since) = client.member_since {
        c.member_since = midnight(since).min(now);
    }
    reclassify(&mut c, &settings.thresholds, now);
    c.next_milestone = milestone_due(&c, tz, now);
    c.version = 1;
    let mut writes = import_writes(tenant, &c, &[], tz)?;
    let text = format!(
        "Imported from {} (row {})",
        import.file_name,
        sheet_row(index)
    );
    writes.push(super::entry_write(
        tenant,
        &id,
        &imported_entry(import, index, text, now),
    )?);
    if let Some(body) = &client.notes {
        writes.push(note_write(tenant, &id, import, index, body, now)?);
    }
    match store.transact(writes).await {
        Ok(()) => Ok(Applied {
            outcome: RowOutcome::Create,
            made: Some(c),
        }),
        Err(StoreError::ConditionFailed("customer_version")) => Ok(RowOutcome::Create.into()),
        Err(StoreError::ConditionFailed("customer_phone" | "customer_email")) => {
            // Claimed since the plan (a booking, staff): the row now meets that customer.
            let row = Ok(client.clone());
            match plan_row(store, import, index, &row, None).await? {
                RowOutcome::Create => Err(CustomerWriteError::Store(StoreError::Conflict)),
                RowOutcome::Update { customer_id } => {
                    update_row(store, import, index, client, &customer_id, now).await?;
                    Ok(RowOutcome::Update { customer_id }.into())
                }
                other => Ok(other.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Fills in what `existing` lacks from the row (never overwriting staff's entries): its
/// phone or email when nobody has it, birthday, address, opening balance; adds the row's and
/// the import's tags, its note, and a timeline entry. Writing it again changes nothing more.
async fn update_row(
    store: &dyn Store,
    import: &Import,
    index: usize,
    client: &ImportedClient,
    existing: &str,
    now: DateTime<Utc>,
) -> Result<(), CustomerWriteError> {
    let tenant = import.tenant_id.as_str();
    optimistically(|| async move {
        let before = super::edit::load_customer(store, tenant, existing).await?;
        let mut after = before.clone();
        if let Some(phone) = &client.phone {
            if !after.phones.contains(phone)
                && owner(store, &phone_owner_key(tenant, phone))
                    .await?
                    .is_none()
            {
                after.phones.push(phone.clone());
            }
        }
        if let Some(email) = &client.email {
            if !after.emails.contains(email)
                && owner(store, &email_owner_key(tenant, email))
                    .await?
                    .is_none()
            {
                after.emails.push(email.clone());
            }
        }
        if after.name.trim().is_empty() {
            after.name = client.name.clone();
        }
        after.date_of_birth = after.date_of_birth.or(client.birthday);
        if after.address.is_none() {
            after.address = client.address.clone();
        }
        if after.opening.is_none() {
            after.opening = opening_of(client);
        }
        after
            .tags
            .extend(client.tags.iter().chain(&import.tags).cloned());
        let mut extra = vec![super::entry_write(
            tenant,
            existing,
            &imported_entry(
                import,
                index,
                format!(
                    "Updated from {} (row {})",
                    import.file_name,
                    sheet_row(index)
                ),
                now,
            ),
        )?];
        if let Some(body) = &client.notes {
            extra.push(note_write(tenant, existing, import, index, body, now)?);
        }
        if after == before {
            // Nothing to fill in (or done before a crash): the entry and note only.
            for write in extra {
                store.write(write).await?;
            }
            return Ok(Attempt::Done(()));
        }
        after.version = before.version + 1;
        after.updated_at = now;
        super::edit::commit(store, tenant, &before, &after, extra).await
    })
    .await
}
