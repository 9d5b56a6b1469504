//! Tenant settings are cached per process for a few seconds; unknown tenants are not.

use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::{to_item, Store, Write, PK, SK};
use crm_shared::store::{keys, tenants};

#[tokio::test]
async fn settings_are_served_from_the_cache_and_unknown_tenants_are_not_cached() {
    let store = SqliteStore::in_memory().expect("store");
    let cache = tenants::SettingsCache::default();
    assert!(cache.get(&store, "spa").await.expect("read").is_none());
    let settings = TenantSettings::new("spa", "Spa One", "IE", "https://book.example/spa");
    tenants::create(&store, &settings).await.expect("create");
    let first = cache.get(&store, "spa").await.expect("read");
    assert_eq!(
        first.map(|s| s.business_name),
        Some("Spa One".to_owned()),
        "a new tenant is found at once"
    );
    // Change the stored settings behind the cache's back: the cached copy is served.
    let mut renamed = settings.clone();
    renamed.business_name = "Spa Two".into();
    let mut item = to_item(&renamed).expect("item");
    let key = keys::settings("spa");
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    store.write(Write::put(item)).await.expect("write");
    let cached = cache.get(&store, "spa").await.expect("read");
    assert_eq!(cached.map(|s| s.business_name), Some("Spa One".to_owned()));
    assert_eq!(
        tenants::get(&store, "spa")
            .await
            .expect("read")
            .map(|s| s.business_name),
        Some("Spa Two".to_owned())
    );
}
