//! The demo tenant a fresh local install starts with: a day spa with a dozen leads across
//! the pipeline, so the board, lists and analytics have something to show.

use chrono::Duration;
use crm_functions::Ctx;
use crm_shared::domain::lead::{Lead, LeadStatus, NewLead};
use crm_shared::domain::phone;
use crm_shared::domain::source::{Source, Touch};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::store::{leads, tenants};

pub const DEMO_TENANT: &str = "demo";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// (name, phone, service, source, days ago, path through the pipeline, expected value)
const LEADS: &[(&str, &str, &str, Source, i64, &[LeadStatus], i64)] = {
    use LeadStatus::*;
    &[
        ("Aoife Byrne", "087 100 2001", "Massage", Source::MetaAd, 0, &[], 6000),
        ("Ciara Walsh", "087 100 2002", "Facial", Source::Instagram, 1, &[], 7500),
        ("Sean Kelly", "086 100 2003", "Massage", Source::GoogleAd, 2, &[], 6000),
        ("Niamh Doyle", "085 100 2004", "Manicure", Source::MetaAd, 3, &[Contacted], 3500),
        ("Conor Ryan", "083 100 2005", "Spa day", Source::Website, 5, &[Contacted], 15000),
        ("Emma O'Brien", "087 100 2006", "Facial", Source::Referral, 8, &[Contacted, FollowUp], 7500),
        ("Liam Murphy", "086 100 2007", "Massage", Source::MetaAd, 12, &[FollowUp], 6000),
        ("Sarah Nolan", "087 100 2008", "Spa day", Source::GoogleAd, 20, &[Contacted, Booked], 15000),
        ("Jack Brennan", "085 100 2009", "Facial", Source::WalkIn, 26, &[Booked], 7500),
        ("Orla Quinn", "087 100 2010", "Massage", Source::MetaAd, 34, &[Contacted, Booked, Won], 6000),
        ("Darragh Lynch", "086 100 2011", "Spa day", Source::Instagram, 45, &[Booked, Won], 15000),
        ("Grace Kavanagh", "083 100 2012", "Manicure", Source::Facebook, 52, &[Contacted, Lost], 3500),
    ]
};

/// Creates the demo tenant and its leads unless it exists.
pub async fn seed_demo(ctx: &Ctx) -> Result<(), Error> {
    let store = ctx.store.as_ref();
    if tenants::get(store, DEMO_TENANT).await?.is_some() {
        return Ok(());
    }
    let mut settings = TenantSettings::new(DEMO_TENANT, "Demo Day Spa", "IE", "https://booking.example.com/demo-day-spa");
    settings.services = ["Massage", "Facial", "Manicure", "Spa day"].map(String::from).to_vec();
    tenants::create(store, &settings).await?;
    let now = ctx.clock.now();
    for (i, (name, raw, service, source, days_ago, path, value)) in LEADS.iter().enumerate() {
        let created = now - Duration::days(*days_ago) - Duration::minutes(i as i64);
        let id = ulid::Ulid::from_datetime(created.into()).to_string();
        let lead = Lead::create(
            DEMO_TENANT,
            &id,
            NewLead {
                name: (*name).to_owned(),
                phone: phone::normalize(raw, "IE")?,
                phone_raw: (*raw).to_owned(),
                service: Some((*service).to_owned()),
                source: Some(*source),
                touch: Touch::default(),
                expected_value: *value,
                ..NewLead::default()
            },
            created,
        );
        leads::insert(store, &lead, settings.stale_after_hours, settings.dedupe_window_hours, created).await?;
        let mut at = created;
        for status in path.iter() {
            at += Duration::hours(5);
            let reason = (*status == LeadStatus::Lost).then_some("Chose another salon");
            leads::change_status(store, DEMO_TENANT, &id, *status, reason, "seed", None, at.min(now)).await?;
        }
    }
    tracing::info!(tenant = DEMO_TENANT, leads = LEADS.len(), "demo tenant seeded");
    Ok(())
}
