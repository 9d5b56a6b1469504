//! The demo business the sample events in `events/` are about, in one place for both of its
//! users: `tests/replay_events.rs` seeds it on SQLite, and `examples/seed_samples.rs` seeds
//! it on DynamoDB for `scripts/deploy-check`, which runs the built artifacts on those samples.
//!
//! The samples name fixed ids (tenant `demo`, the lead, the owner and staff member of the
//! admin tokens, the text of the SMS queue sample, the provider's id of a sent text, the
//! webhook secret the signed samples use) and placeholders for records whose ids the store
//! makes (a customer, a note, a missed call): [`seed_named`] records what a sample names and
//! answers each placeholder's real id, which [`fill`] puts into the sample's text.

// Each includer (a test, the seeder) uses its part.
#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use crm_functions::usecases::messaging::{enqueue, Outgoing};
use crm_functions::Ctx;
use crm_shared::domain::booking::{BookingFact, BookingKind, Contact};
use crm_shared::domain::call::{Call, CallStatus};
use crm_shared::domain::hours::{hm, DailySpan};
use crm_shared::domain::lead::{Lead, NewLead};
use crm_shared::domain::member::{Member, MemberStatus, Role};
use crm_shared::domain::message::{Message, MessageKind, MessageStatus};
use crm_shared::domain::task::open_contact_task;
use crm_shared::domain::tenant::{MetaSettings, TenantSettings};
use crm_shared::ports::store::Store;
use crm_shared::store::{calls, customers, leads, members, messages, tenants};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

pub const TENANT: &str = "demo";
/// The lead the lead samples and the conversions sample name.
pub const LEAD: &str = "01JDEMEVNT0000000000000001";
/// The owner and the staff member the admin samples' tokens name (`mid`, `mv` 1).
pub const OWNER: &str = "01JDEMOWNR0000000000000001";
pub const MEMBER: &str = "01JDEMMEMB0000000000000001";
/// The invited member (ciara@demo.example) the pre token sample signs in as.
pub const INVITED: &str = "01JDEMINVT0000000000000001";
pub const INVITED_EMAIL: &str = "Ciara@Demo.example";
/// The text events/sqs/send_sms.json asks to send.
pub const QUEUED_TEXT: &str = "01JDEMMSG00000000000000001";
/// The provider's id of a sent text (events/http/sms_status.json).
pub const PROVIDER_ID: &str = "SM0000000000000000000000000000SAMPLE";
/// The secret the signed samples (`x-crm-signature`) are signed with.
pub const WEBHOOK_SECRET: &str = "demo-webhook-secret";
/// The Meta pixel conversion events of the demo tenant go to.
pub const PIXEL: &str = "1234567890";

/// Placeholder of a customer's id (the customer samples), replaced by one the seeding makes.
pub const CUSTOMER_PLACEHOLDER: &str = "01JDEMCUST0000000000000001";
/// Placeholder of a note of that customer (the customer note samples).
pub const NOTE_PLACEHOLDER: &str = "01JDEMNOTE0000000000000001";
/// Placeholder of a missed call (the missed-call samples).
pub const MISSED_CALL_PLACEHOLDER: &str = "01JDEMMXSD0000000000000001";

/// The demo tenant's settings: webhooks signed with [`WEBHOOK_SECRET`], conversion events to
/// [`PIXEL`], and no quiet hours, so a sample text goes out whatever the hour the check runs.
pub fn settings() -> TenantSettings {
    let mut settings = TenantSettings::new(
        TENANT,
        "Demo Day Spa",
        "IE",
        "https://booking.example.com/demo",
    );
    settings.webhook_secret = Some(WEBHOOK_SECRET.into());
    settings.quiet_hours = DailySpan::new(hm(0, 0), hm(0, 0));
    settings.meta = Some(MetaSettings {
        pixel_id: PIXEL.into(),
        access_token: "token".into(),
        test_event_code: None,
    });
    settings
}

/// The tenant, its sample lead (with its contact task) and its two active members.
pub async fn business(store: &dyn Store, now: DateTime<Utc>) -> Result<(), Error> {
    let settings = settings();
    tenants::create(store, &settings).await?;
    let mut lead = Lead::create(
        TENANT,
        LEAD,
        NewLead {
            name: "Sample Lead".into(),
            phone: "+353879990001".into(),
            phone_raw: "087 999 0001".into(),
            ..NewLead::default()
        },
        now,
    );
    open_contact_task(&mut lead, &settings);
    leads::insert(store, &lead, 48, 24, now).await?;
    for (id, email, role) in [
        (OWNER, "owner@demo.example", Role::Owner),
        (MEMBER, "staff@demo.example", Role::Staff),
    ] {
        let mut member = Member::invited(id.into(), TENANT, email, role, "setup", now);
        member.status = MemberStatus::Active;
        member.sub = Some(format!("user-{}", role.as_str()));
        members::add(store, &member).await?;
    }
    Ok(())
}

/// A staff member invited but not signed in yet: the pre token sample's person.
pub async fn invited_member(store: &dyn Store, now: DateTime<Utc>) -> Result<(), Error> {
    let invited = Member::invited(
        INVITED.into(),
        TENANT,
        INVITED_EMAIL,
        Role::Staff,
        "owner-sub",
        now,
    );
    members::add(store, &invited).await?;
    Ok(())
}

/// A customer, made by a booking; its id.
pub async fn customer(ctx: &Ctx) -> Result<String, Error> {
    let now = ctx.clock.now();
    let fact = BookingFact {
        kind: BookingKind::BookingCreated,
        booking_id: "BK-SEED".into(),
        version: 1,
        start: now,
        service: Some("Massage".into()),
        staff: None,
        amount: None,
        currency: None,
        paid: None,
        lead_id: None,
        source: None,
    };
    let contact = Contact {
        name: Some("Seed Customer".into()),
        phone: Some("+353870000001".into()),
        email: None,
    };
    Ok(
        match customers::ingest(ctx.store.as_ref(), &settings(), &fact, &contact, now).await? {
            customers::Ingested::Applied { customer, .. } => customer.id,
            customers::Ingested::AlreadyApplied { customer_id } => customer_id,
        },
    )
}

/// A note on `customer`; its id.
pub async fn customer_note(ctx: &Ctx, customer: &str) -> Result<String, Error> {
    let note = customers::add_note(
        ctx.store.as_ref(),
        TENANT,
        customer,
        "A note",
        "user-1",
        ctx.clock.now(),
    )
    .await?;
    Ok(note.id)
}

/// A missed call, recorded as the call webhook records one; its id.
pub async fn missed_call(ctx: &Ctx) -> Result<String, Error> {
    let store = ctx.store.as_ref();
    let now = ctx.clock.now();
    let call = Call {
        call_id: "CA-SEED".into(),
        from: "+353870000002".into(),
        to: None,
        status: CallStatus::Missed,
        started_at: now,
        duration_seconds: 0,
        name: Some("Seed Caller".into()),
    };
    let (customer, _) =
        calls::caller(store, &settings(), &call.from, call.name.as_deref(), now).await?;
    let recorded = calls::record(store, TENANT, &call, &customer.id, "Seed Caller", now).await?;
    Ok(recorded
        .missed_call
        .ok_or("the seeded call was not missed")?
        .id)
}

/// A text the provider knows as [`PROVIDER_ID`], sent.
pub async fn sent_message(ctx: &Ctx) -> Result<(), Error> {
    let now = ctx.clock.now();
    let queued = Message {
        id: "01JDEMMSG00000000000000002".into(),
        tenant_id: TENANT.into(),
        kind: MessageKind::Manual,
        to: "+353879990001".into(),
        customer_id: None,
        lead_id: None,
        missed_call_id: None,
        body: "See you Tuesday".into(),
        status: MessageStatus::Queued,
        reason: None,
        provider_id: None,
        not_before: now,
        created_by: "user-1".into(),
        created_at: now,
        updated_at: now,
        sent_at: None,
        claimed_at: None,
        version: 1,
    };
    let messages::Created::New(queued) = messages::create(ctx.store.as_ref(), queued).await? else {
        return Err("the sent sample text already existed".into());
    };
    let mut sent = queued.clone();
    sent.status = MessageStatus::Sent;
    sent.provider_id = Some(PROVIDER_ID.into());
    messages::update(ctx.store.as_ref(), &queued, sent, now).await?;
    Ok(())
}

/// The text [`QUEUED_TEXT`], recorded and queued (on the ctx's queue), due now.
pub async fn queued_text(ctx: &Ctx) -> Result<(), Error> {
    let now = ctx.clock.now();
    enqueue(
        ctx,
        &settings(),
        Outgoing {
            id: QUEUED_TEXT.into(),
            kind: MessageKind::Manual,
            to: "+353879990001".into(),
            name: "Sample Lead".into(),
            customer_id: None,
            lead_id: None,
            missed_call_id: None,
            body: Some("See you on Tuesday.".into()),
            not_before: now,
            created_by: "user-1".into(),
        },
    )
    .await?;
    Ok(())
}

/// The import the import routes' samples name (uploaded, waiting in `mapping`).
pub const IMPORT_PLACEHOLDER: &str = "01JDEMIMPT0000000000000001";

/// A client list uploaded and waiting in `mapping` (its file in the ctx's file store); its id.
pub async fn uploaded_import(ctx: &Ctx) -> Result<String, Error> {
    let csv = "Name,Mobile,Email\nAoife Byrne,087 123 4567,aoife@example.ie\nBad Phone,12,\n";
    let now = ctx.clock.now();
    let id = crm_shared::store::keys::sequential_id(now);
    let sheet = crm_shared::import::file::read(csv.as_bytes())?;
    let import = crm_shared::import::job::Import::uploaded(
        id.clone(),
        TENANT,
        "clients.csv".into(),
        csv.len() as u64,
        sheet,
        "user-1",
        now,
    );
    ctx.files
        .put(
            &crm_shared::store::keys::import_file(TENANT, &id),
            csv.as_bytes().to_vec(),
        )
        .await?;
    crm_shared::store::imports::create(ctx.store.as_ref(), &import).await?;
    Ok(id)
}

/// The pair of possible duplicates the duplicates routes' samples name.
pub const DUPLICATE_PLACEHOLDER: &str = "01JDEMDUPL0000000000000001";

/// Two customers by hand with the same name and phones differing in the last digits: a
/// pending pair; its id.
pub async fn duplicate_pair(ctx: &Ctx) -> Result<String, Error> {
    let now = ctx.clock.now();
    let settings = settings();
    for phone in ["+353870000101", "+353870000199"] {
        let profile = crm_shared::domain::customer::Profile {
            name: Some("Pat Duplicate".into()),
            phones: Some(vec![phone.into()]),
            ..Default::default()
        };
        customers::create(
            ctx.store.as_ref(),
            &settings,
            &profile,
            &Default::default(),
            now,
        )
        .await?;
    }
    let pairs = customers::pairs(ctx.store.as_ref(), TENANT, 10).await?;
    Ok(pairs.first().ok_or("no pair was recorded")?.id.clone())
}

/// Records what a sample names beyond the business (`names(id)`: whether it names `id`),
/// and answers each placeholder it names with the id of the record standing for it.
pub async fn seed_named(
    ctx: &Ctx,
    names: impl Fn(&str) -> bool,
) -> Result<BTreeMap<&'static str, String>, Error> {
    let mut ids = BTreeMap::new();
    if names(CUSTOMER_PLACEHOLDER) {
        let customer = customer(ctx).await?;
        if names(NOTE_PLACEHOLDER) {
            ids.insert(NOTE_PLACEHOLDER, customer_note(ctx, &customer).await?);
        }
        ids.insert(CUSTOMER_PLACEHOLDER, customer);
    }
    if names(MISSED_CALL_PLACEHOLDER) {
        ids.insert(MISSED_CALL_PLACEHOLDER, missed_call(ctx).await?);
    }
    if names(PROVIDER_ID) {
        sent_message(ctx).await?;
    }
    if names(DUPLICATE_PLACEHOLDER) {
        ids.insert(DUPLICATE_PLACEHOLDER, duplicate_pair(ctx).await?);
    }
    if names(IMPORT_PLACEHOLDER) {
        ids.insert(IMPORT_PLACEHOLDER, uploaded_import(ctx).await?);
    }
    Ok(ids)
}

/// Everything any sample names: the business, the records behind every placeholder, the
/// queued text and the invited member. The placeholders' ids.
pub async fn seed_all(ctx: &Ctx) -> Result<BTreeMap<&'static str, String>, Error> {
    let now = ctx.clock.now();
    business(ctx.store.as_ref(), now).await?;
    // Kept sealed, as a deployment keeps them (the deploy check's key on moto).
    tenants::seal_stored_secrets(ctx.store.as_ref(), ctx.vault.as_ref(), TENANT).await?;
    invited_member(ctx.store.as_ref(), now).await?;
    queued_text(ctx).await?;
    seed_named(ctx, |_| true).await
}

/// A sample's text with its placeholders replaced by the ids `seed_named` answered.
pub fn fill(text: &str, ids: &BTreeMap<&'static str, String>) -> String {
    ids.iter().fold(text.to_owned(), |text, (placeholder, id)| {
        text.replace(placeholder, id)
    })
}
