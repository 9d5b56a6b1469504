//! Tenant settings are replaced only at the version they were read (PATCH /settings relies
//! on it so that no change is lost to another): on SQLite and on DynamoDB (moto).

mod support;

use std::sync::Arc;

use crm_shared::adapters::local_vault::LocalVault;
use crm_shared::domain::secret::{Purpose, Secret};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::{to_item, Store, StoreError, Write, PK, SK};
use crm_shared::ports::vault::{Unconfigured, Vault};
use crm_shared::store::{keys, tenants};

on_both_stores!(
    "settings-versions":
    a_write_at_an_old_version_is_refused_and_changes_nothing,
    settings_stored_before_versions_count_as_version_0,
    a_missing_tenant_is_not_created_by_a_write,
    a_change_whose_secret_cannot_be_sealed_writes_nothing,
    a_change_seals_what_it_sets_and_what_was_stored_unsealed,
);

fn settings(id: &str) -> TenantSettings {
    TenantSettings::new(id, "Spa One", "IE", "https://book.example/spa")
}

async fn a_write_at_an_old_version_is_refused_and_changes_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    tenants::create(store, &settings("spa"))
        .await
        .expect("create");
    let (mut s, v0) = tenants::versioned(store, "spa")
        .await
        .expect("read")
        .expect("tenant");
    assert_eq!(v0, 0, "a new tenant's settings are at version 0");
    s.business_name = "Spa Two".into();
    assert_eq!(tenants::put(store, &s, v0).await.expect("put"), 1);
    let mut late = s.clone();
    late.business_name = "Spa Late".into();
    let refused = tenants::put(store, &late, v0).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::ConditionFailed(tenants::SETTINGS_CHANGED))
        ),
        "{refused:?}"
    );
    let (now, v) = tenants::versioned(store, "spa")
        .await
        .expect("read")
        .expect("tenant");
    assert_eq!((now.business_name.as_str(), v), ("Spa Two", 1));
    assert_eq!(tenants::put(store, &late, 1).await.expect("put"), 2);
}

async fn settings_stored_before_versions_count_as_version_0(store: Arc<dyn Store>) {
    let store = store.as_ref();
    tenants::create(store, &settings("old"))
        .await
        .expect("create");
    // An item written before settings had versions: no version attribute at all.
    let mut item = to_item(&settings("old")).expect("item");
    let key = keys::settings("old");
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    store.write(Write::put(item)).await.expect("write");
    let (s, v) = tenants::versioned(store, "old")
        .await
        .expect("read")
        .expect("tenant");
    assert_eq!(v, 0);
    assert_eq!(tenants::put(store, &s, 0).await.expect("put"), 1);
    assert!(tenants::put(store, &s, 0).await.is_err(), "0 is spent");
}

async fn a_missing_tenant_is_not_created_by_a_write(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let refused = tenants::put(store, &settings("ghost"), 0).await;
    assert!(
        matches!(refused, Err(StoreError::ConditionFailed(_))),
        "{refused:?}"
    );
    assert!(tenants::get(store, "ghost").await.expect("read").is_none());
}

async fn a_change_whose_secret_cannot_be_sealed_writes_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    tenants::create(store, &settings("spa"))
        .await
        .expect("create");
    let refused = tenants::change(store, &Unconfigured, "spa", None, |s| {
        s.business_name = "Renamed".into();
        s.webhook_secret = Some(Secret::plain("typed-secret-0123456789"));
        Vec::new()
    })
    .await;
    assert!(matches!(
        refused,
        Err(tenants::SettingsChangeError::Vault(_))
    ));
    let (kept, version) = tenants::versioned(store, "spa")
        .await
        .expect("read")
        .expect("tenant");
    assert_eq!(version, 0, "nothing written");
    assert_eq!(kept.business_name, "Spa One");
    assert!(kept.webhook_secret.is_none());
}

async fn a_change_seals_what_it_sets_and_what_was_stored_unsealed(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let mut legacy = settings("spa");
    legacy.meta = Some(crm_shared::domain::tenant::MetaSettings {
        pixel_id: "123456".into(),
        access_token: Secret::plain("EAAB-stored-plain"),
        test_event_code: None,
    });
    tenants::create(store, &legacy).await.expect("create");
    let vault = LocalVault::ephemeral();
    let (changed, _) = tenants::change(store, &vault, "spa", None, |s| {
        s.webhook_secret = Some(Secret::plain("typed-secret-0123456789"));
        Vec::new()
    })
    .await
    .expect("change");
    let stored = tenants::get(store, "spa")
        .await
        .expect("read")
        .expect("tenant");
    assert_eq!(stored, changed);
    let hook = stored.webhook_secret.expect("hook secret");
    let token = stored.meta.expect("meta").access_token;
    assert!(hook.is_sealed() && token.is_sealed());
    let item = store
        .get(&keys::settings("spa"))
        .await
        .expect("get")
        .expect("item");
    let text = serde_json::to_string(&item).expect("json");
    assert!(
        !text.contains("typed-secret") && !text.contains("EAAB-stored-plain"),
        "{text}"
    );
    assert_eq!(
        vault
            .open("spa", Purpose::Webhook, &hook)
            .await
            .expect("open"),
        "typed-secret-0123456789"
    );
    assert_eq!(
        vault
            .open("spa", Purpose::Meta, &token)
            .await
            .expect("open"),
        "EAAB-stored-plain"
    );
}
