//! Key layout of the single table (DESIGN §4), in one place: every partition and sort key
//! the store writes is made here (`key_layout_is_stable` below lists them all, so a change
//! that would orphan stored items fails a test).
//!
//! | item | PK | SK | index entries |
//! |---|---|---|---|
//! | tenant settings / registry | `T#t` / `TENANTS` | `SETTINGS` / `t` | |
//! | SMS senders the operator allowed the tenant / the tenants allowed one sender | `T#t` / `SENDER#<sender>` | `SMS_SENDERS` / `T#t` | |
//! | job watermark | `JOBS` | job name | |
//! | lead (with its contact task) | `T#t#LEADS` | lead id (ULID: sorts by creation) | GSI1 `T#t#LS#status` / id; GSI2 `STALE#yyyy-mm-ddThh` / `T#t#L#id` while open; while its task is open GSI3 `T#t#TASKS#open` / `<due ms>`, GSI4 `T#t#TASKS#open#A#<assignee>` / `<due ms>` |
//! | lead status event / note | `T#t#L#id` | `E#<version, 20 digits>` / `N#ulid` | |
//! | phone claim (dedupe window; then the latest lead with the phone) | `T#t#U#phone#+353…` | `U` | |
//! | customer | `T#t#C#id` | `C` | GSI1–7 `T#t#CBY#<sort>` / value#id |
//! | booking / timeline entry / due work / owned pointer / pair pointer | `T#t#C#id` | `B#booking` / `TL#ulid` / `DUE#seg`, `DUE#milestones` / `OWN#<pk>\|<sk>` / `DUP#pair` | due: GSI2 `DUE#seg#<hour>`, `DUE#ms#<hour>` / `T#t#C#id` |
//! | owner of a booking id, customer phone, customer email | `T#t#U#booking#…` / `T#t#U#cphone#…` / `T#t#U#cemail#…` | `U` | |
//! | search item | `T#t#Q#<first two characters>` | `token#customer` | |
//! | duplicate pair | `T#t#DUPS` | pair id | |
//! | message / opt-out / provider's id of a text | `T#t#MSG#id` / `T#t#U#optout#+353…` / `T#t#U#smsid#…` | `M` / `U` / `U` | messages: GSI1 `T#t#MSGS` |
//! | call seen / missed call | `T#t#U#call#…` / `T#t#MCALLS` | `U` / id | open: GSI1 `T#t#MCALLS#open` |
//! | conversion sent / dropped | `T#t#CAPI#SENT` / `T#t#CAPI#DROPPED` | event id | |
//! | captures in one minute (rate limit; expires) | `T#t#RATE` | `capture#<minutes since epoch>` | |
//! | webhook signature applied (replay memory; expires) | `T#t#U#sig#<fingerprint>` | `U` | |
//! | texts in one UTC day, in all and to one number (caps; expire) | `T#t#RATE` | `sms#<day>`, `sms#<day>#<number hash>` | |
//! | sign-ups from one address in one hour (rate limit; expires) | `RATE#signup` | `<address hash>#<hours since epoch>` | |
//! | counters | `T#t#STATS` | `M#yyyy-mm` (counted leads, watermark) / `BOARD` (status deltas) | |
//! | member / a person's membership (one per email and tenant) | `T#t#MEMBERS` / `PERSON#<email>` | member id / `T#t` | |
//! | merged customer (where it went, its last record) | `T#t#C#id` | `MERGED` | |
//! | import / refused row of an import | `T#t#IMPORTS` / `T#t#IMP#id` | import id (ULID) / `R#<sheet row, 10 digits>` | |
//! | local account / session / invite / first-run setup done (crm-local's own sign-in) | `PERSON#<email>` / `SESSION#<id>` / `INVITE#<sha256>` / `SETUP` | `ACCOUNT` / `S` / `I` / `DONE` | |
//!
//! Leads sit in one partition per tenant with the ULID as sort key, so the newest-first list
//! is a query of the table itself and costs no index write (DESIGN suggested a list GSI; this
//! keeps the property, O(page) reads, for one index write less per capture).

use chrono::{DateTime, Utc};

use crate::domain::lead::LeadStatus;
use crate::ports::store::{Index, Key};

/// The board index: leads by status, newest first.
pub const BOARD_INDEX: Index = Index::Gsi(1);
/// The stale-due index: open leads by the hour they go stale.
pub const STALE_INDEX: Index = Index::Gsi(2);
/// Open contact tasks of a tenant, soonest due first (entries of lead items).
pub const OPEN_TASKS_INDEX: Index = Index::Gsi(3);
/// Open contact tasks of one assignee, soonest due first.
pub const ASSIGNEE_TASKS_INDEX: Index = Index::Gsi(4);

pub fn settings(tenant: &str) -> Key {
    Key::new(format!("T#{tenant}"), "SETTINGS")
}

pub const TENANTS_PK: &str = "TENANTS";

pub fn tenant_registry(tenant: &str) -> Key {
    Key::new(TENANTS_PK, tenant)
}

pub fn leads_pk(tenant: &str) -> String {
    format!("T#{tenant}#LEADS")
}

pub fn lead(tenant: &str, id: &str) -> Key {
    Key::new(leads_pk(tenant), id)
}

/// The tenant of a lead partition.
pub fn tenant_of_leads_pk(pk: &str) -> Option<&str> {
    pk.strip_prefix("T#")?.strip_suffix("#LEADS")
}

/// Partition of a lead's status events and notes.
pub fn lead_children_pk(tenant: &str, id: &str) -> String {
    format!("T#{tenant}#L#{id}")
}

/// The tenant and lead of a lead's children partition (`T#t#L#id`).
pub fn lead_of_children_pk(pk: &str) -> Option<(&str, &str)> {
    pk.strip_prefix("T#")?.rsplit_once("#L#")
}

/// Status events sort by the lead version they created: unique (the same transaction checks
/// the version) and in the order the changes were applied, whatever the clocks said.
pub fn status_event_sk(version: u64) -> String {
    format!("{STATUS_EVENT_PREFIX}{version:020}")
}

/// A ULID made again the same from the same inputs: `millis` as its time, its randomness
/// drawn from `seed` (what a redone step or the other side of a pair must find again).
pub fn derived_id(millis: u64, seed: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(seed);
    let mut random = [0u8; 16];
    random[6..].copy_from_slice(&digest[..10]);
    ulid::Ulid::from_parts(millis, u128::from_be_bytes(random)).to_string()
}

/// A ULID for `at` that sorts after every id this process made before, even within one
/// millisecond (notes written in a burst stay in order).
pub fn sequential_id(at: DateTime<Utc>) -> String {
    static GENERATOR: std::sync::Mutex<Option<ulid::Generator>> = std::sync::Mutex::new(None);
    let fallback = || ulid::Ulid::from_datetime(at.into()).to_string();
    let Ok(mut guard) = GENERATOR.lock() else {
        return fallback();
    };
    guard
        .get_or_insert_with(ulid::Generator::new)
        .generate_from_datetime(at.into())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| fallback())
}

/// Sort-key prefix of a lead's status events.
pub const STATUS_EVENT_PREFIX: &str = "E#";
/// Sort-key prefix of a lead's notes.
pub const NOTE_PREFIX: &str = "N#";

pub fn note_sk(note_id: &str) -> String {
    format!("{NOTE_PREFIX}{note_id}")
}

pub fn board_pk(tenant: &str, status: LeadStatus) -> String {
    format!("T#{tenant}#LS#{}", status.as_str())
}

pub fn stale_bucket(at: DateTime<Utc>) -> String {
    format!("STALE#{}", at.format("%Y-%m-%dT%H"))
}

pub fn stale_member(tenant: &str, id: &str) -> String {
    format!("T#{tenant}#L#{id}")
}

/// `(tenant, lead id)` of a stale-due index entry.
pub fn parse_stale_member(member: &str) -> Option<(&str, &str)> {
    member.strip_prefix("T#")?.split_once("#L#")
}

pub fn phone_claim(tenant: &str, e164: &str) -> Key {
    Key::new(format!("T#{tenant}#U#phone#{e164}"), "U")
}

pub fn stats_pk(tenant: &str) -> String {
    format!("T#{tenant}#STATS")
}

pub const STATS_BOARD: &str = "BOARD";

/// Sort-key prefix of a tenant's month counters.
pub const STATS_MONTH_PREFIX: &str = "M#";

pub fn stats_month_sk(month: &str) -> String {
    format!("{STATS_MONTH_PREFIX}{month}")
}

/// `yyyy-mm` of an instant (UTC).
pub fn month_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

/// Where a scheduled job keeps the hour it has done up to.
pub fn job_watermark(job: &str) -> Key {
    Key::new("JOBS", job)
}

// Customers and what hangs off them.

pub fn customer_pk(tenant: &str, id: &str) -> String {
    format!("T#{tenant}#C#{id}")
}

pub fn customer_key(tenant: &str, id: &str) -> Key {
    Key::new(customer_pk(tenant, id), "C")
}

/// Sort-key prefix of a customer's bookings.
pub const BOOKING_PREFIX: &str = "B#";

pub fn booking_key(tenant: &str, customer: &str, booking: &str) -> Key {
    Key::new(
        customer_pk(tenant, customer),
        format!("{BOOKING_PREFIX}{booking}"),
    )
}

/// Which customer a booking id belongs to (written with the booking's first fact).
pub fn booking_owner_key(tenant: &str, booking: &str) -> Key {
    Key::new(format!("T#{tenant}#U#booking#{booking}"), "U")
}

pub fn phone_owner_key(tenant: &str, e164: &str) -> Key {
    Key::new(format!("T#{tenant}#U#cphone#{e164}"), "U")
}

pub fn email_owner_key(tenant: &str, email: &str) -> Key {
    Key::new(format!("T#{tenant}#U#cemail#{email}"), "U")
}

/// The tenant and customer of a customer's partition (`T#t#C#id`).
pub fn customer_of_pk(pk: &str) -> Option<(&str, &str)> {
    pk.strip_prefix("T#")?.rsplit_once("#C#")
}

/// Sort-key prefix of a customer's timeline entries.
pub const TIMELINE_PREFIX: &str = "TL#";

pub fn timeline_key(tenant: &str, customer: &str, entry_id: &str) -> Key {
    Key::new(
        customer_pk(tenant, customer),
        format!("{TIMELINE_PREFIX}{entry_id}"),
    )
}

/// Sort-key prefix of a pointer, in a customer's partition, to an item of theirs kept
/// elsewhere (a message, a missed call): deleting the customer deletes what it points to.
pub const OWNED_POINTER: &str = "OWN#";

/// The pointer that makes `owned` the customer's.
pub fn owned_pointer_key(tenant: &str, customer: &str, owned: &Key) -> Key {
    Key::new(
        customer_pk(tenant, customer),
        format!("{OWNED_POINTER}{}|{}", owned.pk, owned.sk),
    )
}

/// The item a pointer's sort key points to.
pub fn pointed(sk: &str) -> Option<Key> {
    let (pk, sk) = sk.strip_prefix(OWNED_POINTER)?.split_once('|')?;
    Some(Key::new(pk, sk))
}

/// Sort-key prefix of a customer's pointer to a duplicate pair they are in.
pub const DUP_POINTER: &str = "DUP#";

/// What is left of a customer merged into another: which one (old links answer 301), and
/// the record as it was (a merge interrupted after the record went resumes from it).
pub fn merged_key(tenant: &str, customer: &str) -> Key {
    Key::new(customer_pk(tenant, customer), "MERGED")
}

pub fn dup_pointer_key(tenant: &str, customer: &str, pair: &str) -> Key {
    Key::new(
        customer_pk(tenant, customer),
        format!("{DUP_POINTER}{pair}"),
    )
}

pub fn duplicates_pk(tenant: &str) -> String {
    format!("T#{tenant}#DUPS")
}

/// The index partition of a tenant's customers in one sort order (`ltv`, `name`, …).
pub fn customer_sort_pk(tenant: &str, sort: &str) -> String {
    format!("T#{tenant}#CBY#{sort}")
}

/// The partition of search items starting as `token` does (its first two characters).
pub fn search_pk(tenant: &str, token: &str) -> String {
    let head: String = token.chars().take(2).collect();
    format!("T#{tenant}#Q#{head}")
}

pub fn search_key(tenant: &str, token: &str, customer: &str) -> Key {
    Key::new(search_pk(tenant, token), format!("{token}#{customer}"))
}

/// A customer's item of due work of a kind (`seg`, `milestones`).
pub fn due_key(tenant: &str, customer: &str, kind: &str) -> Key {
    Key::new(customer_pk(tenant, customer), format!("DUE#{kind}"))
}

/// The due-index bucket of work of a kind (`seg`, `ms`) acted on in an hour (`hour_label`).
pub fn due_bucket(kind: &str, hour_label: &str) -> String {
    format!("DUE#{kind}#{hour_label}")
}

// Messages.

pub fn message_key(tenant: &str, id: &str) -> Key {
    Key::new(format!("T#{tenant}#MSG#{id}"), "M")
}

pub fn messages_pk(tenant: &str) -> String {
    format!("T#{tenant}#MSGS")
}

/// A number's opt-out (STOP), keyed by a hash of the number so that it outlives the
/// number's erasure without holding it: a person who is erased stays unsubscribed.
pub fn opt_out_key(tenant: &str, e164: &str) -> Key {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{tenant}:{e164}").as_bytes());
    Key::new(
        format!("T#{tenant}#U#optout#h{}", hex::encode(&digest[..16])),
        "U",
    )
}

/// Where opt-outs were kept before they were keyed by hash (read and removed, never written).
pub fn legacy_opt_out_key(tenant: &str, e164: &str) -> Key {
    Key::new(format!("T#{tenant}#U#optout#{e164}"), "U")
}

/// Where a provider's message id names ours.
pub fn provider_message_key(tenant: &str, provider_id: &str) -> Key {
    Key::new(format!("T#{tenant}#U#smsid#{provider_id}"), "U")
}

// Calls.

/// The claim on a telephony call id (a call is recorded once).
pub fn call_seen_key(tenant: &str, call_id: &str) -> Key {
    Key::new(format!("T#{tenant}#U#call#{call_id}"), "U")
}

pub fn missed_calls_pk(tenant: &str) -> String {
    format!("T#{tenant}#MCALLS")
}

pub fn missed_call_key(tenant: &str, id: &str) -> Key {
    Key::new(missed_calls_pk(tenant), id)
}

pub fn open_missed_pk(tenant: &str) -> String {
    format!("T#{tenant}#MCALLS#open")
}

// Tasks.

/// Instants in index keys: fixed width, so text order is time order.
pub fn instant_key(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A lead's place in the open-task indexes, soonest due first: the due instant in epoch
/// milliseconds (13 digits until 2286: text order is time order). Nothing else: it is billed
/// on every write of the lead, and index sort keys need not be unique (ties come in key
/// order, which for leads is creation order).
pub fn open_task_due_key(due: DateTime<Utc>) -> String {
    format!("{:013}", due.timestamp_millis())
}

/// The partition (GSI3) that listed every contact task while tasks were items of their own:
/// read only to fold them into their leads (`store::tasks::fold_legacy`).
pub fn legacy_tasks_pk(tenant: &str) -> String {
    format!("T#{tenant}#TASKS")
}

pub fn open_tasks_pk(tenant: &str) -> String {
    format!("T#{tenant}#TASKS#open")
}

pub fn assignee_tasks_pk(tenant: &str, assignee: &str) -> String {
    format!("T#{tenant}#TASKS#open#A#{assignee}")
}

// Conversions (Meta CAPI).

pub fn capi_sent_key(tenant: &str, event_id: &str) -> Key {
    Key::new(format!("T#{tenant}#CAPI#SENT"), event_id)
}

pub fn capi_dropped_pk(tenant: &str) -> String {
    format!("T#{tenant}#CAPI#DROPPED")
}

/// Texts a tenant sent on one UTC day (`day`: days since the epoch), and with `number`
/// (a hash of the E.164 number) those to one number; they expire a day after.
pub fn sms_cap_key(tenant: &str, day: i64, number: Option<&str>) -> Key {
    let sk = match number {
        Some(n) => format!("sms#{day}#{n}"),
        None => format!("sms#{day}"),
    };
    Key::new(format!("T#{tenant}#RATE"), sk)
}

/// Sign-ups from one client address (`client`: its hash) in one hour (hours since the
/// epoch); it expires a minute after its window.
pub fn signup_limit_key(client: &str, hour: i64) -> Key {
    Key::new("RATE#signup", format!("{client}#{hour}"))
}

/// The SMS senders the operator allowed a tenant (numbers or messaging service ids).
pub fn sms_senders_key(tenant: &str) -> Key {
    Key::new(format!("T#{tenant}"), "SMS_SENDERS")
}

/// The tenants allowed a sender (a partition per sender): who shares it.
pub fn sender_tenants_pk(sender: &str) -> String {
    format!("SENDER#{sender}")
}

/// `tenant` is allowed `sender`.
pub fn sender_tenant_key(sender: &str, tenant: &str) -> Key {
    Key::new(sender_tenants_pk(sender), format!("T#{tenant}"))
}

// Webhook replay memory.

/// A signed webhook request applied (`fingerprint`: of what its signature signs), kept for
/// the signature's window so a replay is recognised; it expires after.
pub fn signature_seen_key(tenant: &str, fingerprint: &str) -> Key {
    Key::new(format!("T#{tenant}#U#sig#{fingerprint}"), "U")
}

// Rate limits.

/// A tenant's count of public captures in one minute (`minute`: minutes since the epoch),
/// with each client address's own count beside it; it expires a minute after its window.
pub fn capture_limit_key(tenant: &str, minute: i64) -> Key {
    Key::new(format!("T#{tenant}#RATE"), format!("capture#{minute}"))
}

// Imports (issue 19).

pub fn imports_pk(tenant: &str) -> String {
    format!("T#{tenant}#IMPORTS")
}

pub fn import_key(tenant: &str, id: &str) -> Key {
    Key::new(imports_pk(tenant), id)
}

/// Partition of an import's refused rows (the error report), in file order.
pub fn import_rows_pk(tenant: &str, id: &str) -> String {
    format!("T#{tenant}#IMP#{id}")
}

pub fn refused_row_key(tenant: &str, id: &str, row: u64) -> Key {
    Key::new(import_rows_pk(tenant, id), format!("R#{row:010}"))
}

/// Where an import's file is kept in the file store.
pub fn import_file(tenant: &str, id: &str) -> String {
    format!("imports/{tenant}/{id}")
}

// Members and local accounts.

pub fn members_pk(tenant: &str) -> String {
    format!("T#{tenant}#MEMBERS")
}

pub fn member_key(tenant: &str, id: &str) -> Key {
    Key::new(members_pk(tenant), id)
}

/// A person's partition: their memberships (one item per tenant) and local account.
pub fn person_pk(email: &str) -> String {
    format!("PERSON#{email}")
}

/// Sort-key prefix of a person's memberships.
pub const MEMBERSHIP_PREFIX: &str = "T#";

/// The person's membership of `tenant`: its existence keeps one member per email and tenant.
pub fn membership_key(email: &str, tenant: &str) -> Key {
    Key::new(person_pk(email), format!("{MEMBERSHIP_PREFIX}{tenant}"))
}

pub fn account_key(email: &str) -> Key {
    Key::new(person_pk(email), "ACCOUNT")
}

pub fn session_key(id: &str) -> Key {
    Key::new(format!("SESSION#{id}"), "S")
}

/// Written once by crm-local's first-run setup, in the transaction that founds the first
/// business: a second setup racing it is refused.
pub fn setup_done() -> Key {
    Key::new("SETUP", "DONE")
}

/// An invite, under the SHA-256 (hex) of its token: the token itself is never stored.
pub fn invite_key(token_sha256: &str) -> Key {
    Key::new(format!("INVITE#{token_sha256}"), "I")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key the store writes, for tenant `t`: changing one orphans what is stored under
    /// the old one, so it must be a deliberate change of this list (and a migration).
    #[test]
    fn key_layout_is_stable() {
        let k = |key: Key| format!("{} | {}", key.pk, key.sk);
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-14T12:34:56Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        let layout = [
            k(settings("t")),
            k(tenant_registry("t")),
            k(job_watermark("stale_leads")),
            k(lead("t", "L1")),
            board_pk("t", LeadStatus::FollowUp),
            stale_bucket(at),
            stale_member("t", "L1"),
            format!("{} | {}", lead_children_pk("t", "L1"), status_event_sk(7)),
            note_sk("N1"),
            open_task_due_key(at),
            legacy_tasks_pk("t"),
            open_tasks_pk("t"),
            assignee_tasks_pk("t", "u1"),
            k(phone_claim("t", "+353871234567")),
            format!("{} | {}", stats_pk("t"), stats_month_sk("2026-01")),
            STATS_BOARD.to_owned(),
            k(customer_key("t", "C1")),
            customer_sort_pk("t", "ltv"),
            k(booking_key("t", "C1", "BK-1")),
            k(booking_owner_key("t", "BK-1")),
            k(phone_owner_key("t", "+353871234567")),
            k(email_owner_key("t", "a@b.ie")),
            k(timeline_key("t", "C1", "E1")),
            k(owned_pointer_key("t", "C1", &message_key("t", "M1"))),
            k(dup_pointer_key("t", "C1", "P1")),
            duplicates_pk("t"),
            k(search_key("t", "ann", "C1")),
            k(due_key("t", "C1", "seg")),
            due_bucket("ms", "2026-01-14T03"),
            k(message_key("t", "M1")),
            messages_pk("t"),
            k(opt_out_key("t", "+353871234567")),
            k(legacy_opt_out_key("t", "+353871234567")),
            k(provider_message_key("t", "SM1")),
            k(call_seen_key("t", "CA1")),
            k(missed_call_key("t", "X1")),
            open_missed_pk("t"),
            k(capi_sent_key("t", "lead.captured:L1")),
            capi_dropped_pk("t"),
            k(capture_limit_key("t", 29_470_114)),
            k(signature_seen_key("t", "ab12")),
            k(signup_limit_key("c_0a1b", 491_168)),
            k(sms_senders_key("t")),
            k(sender_tenant_key("+15005550006", "t")),
            k(sms_cap_key("t", 20_467, None)),
            k(sms_cap_key("t", 20_467, Some("c_0a1b"))),
            k(member_key("t", "M1")),
            k(membership_key("a@b.ie", "t")),
            k(account_key("a@b.ie")),
            k(session_key("S1")),
            k(invite_key("ab12")),
            k(setup_done()),
            k(merged_key("t", "C2")),
            k(import_key("t", "I1")),
            k(refused_row_key("t", "I1", 2)),
            import_file("t", "I1"),
        ];
        let expected = [
            "T#t | SETTINGS",
            "TENANTS | t",
            "JOBS | stale_leads",
            "T#t#LEADS | L1",
            "T#t#LS#follow_up",
            "STALE#2026-01-14T12",
            "T#t#L#L1",
            "T#t#L#L1 | E#00000000000000000007",
            "N#N1",
            "1768394096000",
            "T#t#TASKS",
            "T#t#TASKS#open",
            "T#t#TASKS#open#A#u1",
            "T#t#U#phone#+353871234567 | U",
            "T#t#STATS | M#2026-01",
            "BOARD",
            "T#t#C#C1 | C",
            "T#t#CBY#ltv",
            "T#t#C#C1 | B#BK-1",
            "T#t#U#booking#BK-1 | U",
            "T#t#U#cphone#+353871234567 | U",
            "T#t#U#cemail#a@b.ie | U",
            "T#t#C#C1 | TL#E1",
            "T#t#C#C1 | OWN#T#t#MSG#M1|M",
            "T#t#C#C1 | DUP#P1",
            "T#t#DUPS",
            "T#t#Q#an | ann#C1",
            "T#t#C#C1 | DUE#seg",
            "DUE#ms#2026-01-14T03",
            "T#t#MSG#M1 | M",
            "T#t#MSGS",
            "T#t#U#optout#he9621c40a241b8b34ca5be0e490c37d0 | U",
            "T#t#U#optout#+353871234567 | U",
            "T#t#U#smsid#SM1 | U",
            "T#t#U#call#CA1 | U",
            "T#t#MCALLS | X1",
            "T#t#MCALLS#open",
            "T#t#CAPI#SENT | lead.captured:L1",
            "T#t#CAPI#DROPPED",
            "T#t#RATE | capture#29470114",
            "T#t#U#sig#ab12 | U",
            "RATE#signup | c_0a1b#491168",
            "T#t | SMS_SENDERS",
            "SENDER#+15005550006 | T#t",
            "T#t#RATE | sms#20467",
            "T#t#RATE | sms#20467#c_0a1b",
            "T#t#MEMBERS | M1",
            "PERSON#a@b.ie | T#t",
            "PERSON#a@b.ie | ACCOUNT",
            "SESSION#S1 | S",
            "INVITE#ab12 | I",
            "SETUP | DONE",
            "T#t#C#C2 | MERGED",
            "T#t#IMPORTS | I1",
            "T#t#IMP#I1 | R#0000000002",
            "imports/t/I1",
        ];
        assert_eq!(layout.len(), expected.len());
        for (got, want) in layout.iter().zip(expected) {
            assert_eq!(got, want);
        }
        assert_eq!(tenant_of_leads_pk("T#t#LEADS"), Some("t"));
        assert_eq!(
            lead_of_children_pk(&lead_children_pk("t", "L1")),
            Some(("t", "L1"))
        );
        assert_eq!(parse_stale_member("T#t#L#L1"), Some(("t", "L1")));
        assert_eq!(pointed("OWN#T#t#MSG#M1|M"), Some(message_key("t", "M1")));
    }
}
