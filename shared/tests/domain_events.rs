//! The domain events on the wire (DESIGN §5): one sample per `domain::events::Event` variant
//! in `events/domain/`, each a whole EventBridge envelope as a consumer receives it. Each
//! reads into the typed event (the envelope's other fields ignored) and writes back to the
//! same detail-type and detail, so publishers and consumers agree on every field.

use std::path::PathBuf;

use crm_shared::domain::events::Event;
use crm_shared::ports::bus::{Envelope, SOURCE};
use serde_json::Value;

fn sample(detail_type: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events/domain")
        .join(format!("{detail_type}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (one sample per variant)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_event_round_trips_through_its_sample_envelope() {
    for detail_type in Event::DETAIL_TYPES {
        let wire = sample(detail_type);
        assert_eq!(wire["source"], SOURCE, "{detail_type}");
        let event: Event = serde_json::from_value(wire.clone())
            .unwrap_or_else(|e| panic!("{detail_type} does not read: {e}"));
        assert_eq!(event.detail_type(), *detail_type);
        assert_eq!(event.tenant_id(), wire["detail"]["tenant_id"]);
        assert_eq!(event.event_id(), wire["detail"]["event_id"]);

        let envelope = Envelope::of(&event).unwrap_or_else(|e| panic!("{detail_type}: {e}"));
        assert_eq!(envelope.detail_type, *detail_type);
        assert_eq!(envelope.source, SOURCE);
        assert_eq!(
            envelope.detail, wire["detail"],
            "{detail_type} writes back another detail"
        );
        let read: Envelope = serde_json::from_value(wire).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read.event().map(|r| r.ok()),
            Some(Some(event)),
            "{detail_type} read through the envelope"
        );
    }
}

#[test]
fn every_sample_is_a_variant() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events/domain");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter_map(|f| {
            f.path()
                .file_stem()
                .and_then(|s| s.to_str())
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    let mut types: Vec<String> = Event::DETAIL_TYPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    types.sort();
    assert_eq!(names, types);
}

#[test]
fn a_detail_that_is_not_ours_is_no_event_and_ours_malformed_is_an_error() {
    let booking: Envelope = serde_json::from_value(serde_json::json!({
        "detail-type": "BookingCreated", "source": "booking.system", "detail": {"tenant_id": "demo"}
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(booking.event().is_none());
    let broken = Envelope {
        detail_type: "lead.captured".into(),
        source: SOURCE.into(),
        detail: serde_json::json!({"tenant_id": "demo"}),
    };
    assert!(matches!(broken.event(), Some(Err(_))));
}
