//! The file store (issue 19: uploaded client lists kept whole while their import runs) on
//! both adapters: a directory on one machine, an S3 bucket on moto through the signed
//! PutObject/GetObject/DeleteObject calls. Same answers from both.

mod support;

use crm_shared::adapters::local_files::LocalFiles;
use crm_shared::adapters::s3_files::S3Files;
use crm_shared::ports::files::FileStore;

async fn a_file_put_reads_back_whole_until_deleted(files: &dyn FileStore) {
    let key = "imports/harbour-spa/01JDEM0000000000000000000A";
    assert_eq!(
        files.get(key).await.expect("get"),
        None,
        "nothing there yet"
    );
    // Binary bytes, every value, more than one network read long.
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    files.put(key, bytes.clone()).await.expect("put");
    assert_eq!(
        files.get(key).await.expect("get").as_deref(),
        Some(&bytes[..])
    );
    files
        .put(key, b"name,phone\n".to_vec())
        .await
        .expect("replace");
    assert_eq!(
        files.get(key).await.expect("get").as_deref(),
        Some(&b"name,phone\n"[..]),
        "a put replaces"
    );
    files.delete(key).await.expect("delete");
    assert_eq!(files.get(key).await.expect("get"), None);
    files
        .delete(key)
        .await
        .expect("deleting nothing is no error");
    for bad in ["../escape", "imports//x", "/abs"] {
        assert!(files.put(bad, vec![1]).await.is_err(), "{bad}");
    }
}

#[tokio::test]
async fn local_files_keep_what_is_put() {
    let dir = std::env::temp_dir().join(format!("crm-files-{}", ulid::Ulid::new()));
    a_file_put_reads_back_whole_until_deleted(&LocalFiles::new(&dir)).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn s3_on_moto_keeps_what_is_put() {
    let sdk = support::sdk_config().await;
    let files = S3Files::new(&sdk, &support::unique_name("imports"));
    files.create_bucket().await.expect("bucket on moto");
    a_file_put_reads_back_whole_until_deleted(&files).await;
}
