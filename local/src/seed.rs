//! The demo tenant a fresh local install starts with: a day spa with a dozen leads across
//! the pipeline, so the board, lists and analytics have something to show.

use chrono::Duration;
use crm_functions::Ctx;
use crm_shared::domain::booking::{BookingFact, BookingKind, Contact};
use crm_shared::domain::lead::{Lead, LeadStatus, NewLead};
use crm_shared::domain::phone;
use crm_shared::domain::secret::Secret;
use crm_shared::domain::source::{Source, Touch};
use crm_shared::domain::tenant::{LandingSettings, TenantSettings};
use crm_shared::store::{customers, leads, tenants};

pub const DEMO_TENANT: &str = "demo";
/// The demo tenant's webhook secret (local use only): `POST /hooks/demo/bookings` must be
/// signed with it.
pub const DEMO_WEBHOOK_SECRET: &str = "demo-webhook-secret";

/// One demo customer: who, and their bookings (service, days from now, outcome, amount).
struct DemoCustomer {
    name: &'static str,
    phone: &'static str,
    email: &'static str,
    bookings: &'static [(&'static str, i64, BookingKind, i64)],
}

/// Phones of the demo customers, the first one's in particular (tests look it up).
pub const DEMO_CUSTOMER_PHONE: &str = "087 200 3001";

const CUSTOMERS: &[DemoCustomer] = {
    use BookingKind::*;
    &[
        DemoCustomer {
            name: "Orla Brennan",
            phone: DEMO_CUSTOMER_PHONE,
            email: "orla.brennan@example.ie",
            bookings: &[
                ("Massage", -300, BookingCompleted, 6000),
                ("Spa day", -200, BookingCompleted, 15000),
                ("Massage", -120, BookingCompleted, 6000),
                ("Facial", -60, BookingCompleted, 7500),
                ("Spa day", -20, BookingCompleted, 15000),
                ("Massage", 6, BookingCreated, 0),
            ],
        },
        DemoCustomer {
            name: "Declan Murphy",
            phone: "087 200 3002",
            email: "declan.murphy@example.ie",
            bookings: &[
                ("Massage", -40, BookingCompleted, 6000),
                ("Massage", -25, BookingNoShow, 0),
                ("Massage", -10, BookingCancelled, 0),
                ("Massage", -5, BookingNoShow, 0),
            ],
        },
        DemoCustomer {
            name: "Grace Nolan",
            phone: "086 200 3003",
            email: "grace.nolan@example.ie",
            bookings: &[("Manicure", -250, BookingCompleted, 3500)],
        },
        DemoCustomer {
            name: "Fiona Healy",
            phone: "085 200 3004",
            email: "fiona.healy@example.ie",
            bookings: &[("Facial", 3, BookingCreated, 0)],
        },
    ]
};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// One demo lead: who, from where, how long ago, and its way through the pipeline.
struct DemoLead {
    name: &'static str,
    phone: &'static str,
    service: &'static str,
    source: Source,
    days_ago: i64,
    path: &'static [LeadStatus],
    value: i64,
}

const LEADS: &[DemoLead] = {
    use LeadStatus::*;
    &[
        DemoLead {
            name: "Aoife Byrne",
            phone: "087 100 2001",
            service: "Massage",
            source: Source::MetaAd,
            days_ago: 0,
            path: &[],
            value: 6000,
        },
        DemoLead {
            name: "Ciara Walsh",
            phone: "087 100 2002",
            service: "Facial",
            source: Source::Instagram,
            days_ago: 1,
            path: &[],
            value: 7500,
        },
        DemoLead {
            name: "Sean Kelly",
            phone: "086 100 2003",
            service: "Massage",
            source: Source::GoogleAd,
            days_ago: 2,
            path: &[],
            value: 6000,
        },
        DemoLead {
            name: "Niamh Doyle",
            phone: "085 100 2004",
            service: "Manicure",
            source: Source::MetaAd,
            days_ago: 3,
            path: &[Contacted],
            value: 3500,
        },
        DemoLead {
            name: "Conor Ryan",
            phone: "083 100 2005",
            service: "Spa day",
            source: Source::Website,
            days_ago: 5,
            path: &[Contacted],
            value: 15000,
        },
        DemoLead {
            name: "Emma O'Brien",
            phone: "087 100 2006",
            service: "Facial",
            source: Source::Referral,
            days_ago: 8,
            path: &[Contacted, FollowUp],
            value: 7500,
        },
        DemoLead {
            name: "Liam Murphy",
            phone: "086 100 2007",
            service: "Massage",
            source: Source::MetaAd,
            days_ago: 12,
            path: &[FollowUp],
            value: 6000,
        },
        DemoLead {
            name: "Sarah Nolan",
            phone: "087 100 2008",
            service: "Spa day",
            source: Source::GoogleAd,
            days_ago: 20,
            path: &[Contacted, Booked],
            value: 15000,
        },
        DemoLead {
            name: "Jack Brennan",
            phone: "085 100 2009",
            service: "Facial",
            source: Source::WalkIn,
            days_ago: 26,
            path: &[Booked],
            value: 7500,
        },
        DemoLead {
            name: "Orla Quinn",
            phone: "087 100 2010",
            service: "Massage",
            source: Source::MetaAd,
            days_ago: 34,
            path: &[Contacted, Booked, Won],
            value: 6000,
        },
        DemoLead {
            name: "Darragh Lynch",
            phone: "086 100 2011",
            service: "Spa day",
            source: Source::Instagram,
            days_ago: 45,
            path: &[Booked, Won],
            value: 15000,
        },
        DemoLead {
            name: "Grace Kavanagh",
            phone: "083 100 2012",
            service: "Manicure",
            source: Source::Facebook,
            days_ago: 52,
            path: &[Contacted, Lost],
            value: 3500,
        },
    ]
};

/// Creates the demo tenant and its leads unless it exists.
pub async fn seed_demo(ctx: &Ctx) -> Result<(), Error> {
    let store = ctx.store.as_ref();
    if tenants::get(store, DEMO_TENANT).await?.is_some() {
        return Ok(());
    }
    let mut settings = TenantSettings::new(
        DEMO_TENANT,
        "Demo Day Spa",
        "IE",
        "https://booking.example.com/demo-day-spa",
    );
    settings.services = ["Massage", "Facial", "Manicure", "Spa day"]
        .map(String::from)
        .to_vec();
    settings.webhook_secret = Some(Secret::plain(DEMO_WEBHOOK_SECRET));
    settings.landing = LandingSettings {
        headline: Some("Relax at Demo Day Spa".to_owned()),
        logo_url: None,
        rating: Some(4.8),
        review_count: Some(212),
        address: Some("12 Harbour Road, Howth, Dublin".to_owned()),
        reply_within_minutes: Some(15),
    };
    tenants::seal_secrets(ctx.vault.as_ref(), &mut settings).await?;
    tenants::create(store, &settings).await?;
    let now = ctx.clock.now();
    for (i, demo) in LEADS.iter().enumerate() {
        let created = now - Duration::days(demo.days_ago) - Duration::minutes(i as i64);
        let id = ulid::Ulid::from_datetime(created.into()).to_string();
        let lead = Lead::create(
            DEMO_TENANT,
            &id,
            NewLead {
                name: demo.name.to_owned(),
                phone: phone::normalize(demo.phone, "IE")?,
                phone_raw: demo.phone.to_owned(),
                service: Some(demo.service.to_owned()),
                source: Some(demo.source),
                touch: Touch::default(),
                expected_value: demo.value,
                ..NewLead::default()
            },
            created,
        );
        leads::insert(
            store,
            &lead,
            settings.stale_after_hours,
            settings.dedupe_window_hours,
            created,
        )
        .await?;
        let mut at = created;
        for status in demo.path {
            at += Duration::hours(5);
            let reason = (*status == LeadStatus::Lost).then_some("Chose another salon");
            let change = leads::StatusChange {
                to: *status,
                reason,
                actor: "seed",
                expected_version: None,
            };
            leads::change_status(store, DEMO_TENANT, &id, &change, at.min(now)).await?;
        }
    }
    for (c, demo) in CUSTOMERS.iter().enumerate() {
        let contact = Contact {
            name: Some(demo.name.to_owned()),
            phone: Some(phone::normalize(demo.phone, "IE")?),
            email: Some(demo.email.to_owned()),
        };
        for (b, (service, days, outcome, amount)) in demo.bookings.iter().enumerate() {
            let booking_id = format!("DEMO-{}{:02}", c + 1, b + 1);
            let start = now + Duration::days(*days);
            let facts = if *outcome == BookingKind::BookingCreated {
                vec![(BookingKind::BookingCreated, 1)]
            } else {
                vec![(BookingKind::BookingCreated, 1), (*outcome, 2)]
            };
            for (kind, version) in facts {
                let paid = kind == BookingKind::BookingCompleted;
                let fact = BookingFact {
                    kind,
                    booking_id: booking_id.clone(),
                    version,
                    start,
                    service: Some((*service).to_owned()),
                    staff: None,
                    amount: paid.then_some(*amount),
                    currency: paid.then(|| settings.currency.clone()),
                    paid: paid.then_some(true),
                    lead_id: None,
                    source: None,
                };
                customers::ingest(store, &settings, &fact, &contact, now).await?;
            }
        }
    }
    tracing::info!(
        tenant = DEMO_TENANT,
        leads = LEADS.len(),
        customers = CUSTOMERS.len(),
        "demo tenant seeded"
    );
    Ok(())
}
