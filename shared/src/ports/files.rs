//! The file store (issue 19): files kept whole while work on them runs in steps, such as a
//! client list being imported. In the cloud an S3 bucket (`adapters::s3_files`); on one
//! machine a directory of the data dir (`adapters::local_files`). Keys are paths of
//! `[A-Za-z0-9._/-]` made by the product (`imports/<tenant>/<id>`), never by a caller.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileStoreError {
    /// Not configured for this function (no bucket named).
    #[error("no file store is configured")]
    NotConfigured,
    /// The store could not be reached or refused: try later.
    #[error("file store unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait FileStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing what was there.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), FileStoreError>;
    /// The bytes under `key`; `None` when there are none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FileStoreError>;
    /// Removes `key` (nothing there is no error).
    async fn delete(&self, key: &str) -> Result<(), FileStoreError>;
}

/// Whether `key` is one the product makes: non-empty segments of `[A-Za-z0-9._-]` (no `..`)
/// joined by `/`. Adapters refuse others, so a key never escapes the directory or bucket.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
}

/// A store for functions that keep no files: every call says so.
pub struct Unconfigured;

#[async_trait::async_trait]
impl FileStore for Unconfigured {
    async fn put(&self, _: &str, _: Vec<u8>) -> Result<(), FileStoreError> {
        Err(FileStoreError::NotConfigured)
    }
    async fn get(&self, _: &str) -> Result<Option<Vec<u8>>, FileStoreError> {
        Err(FileStoreError::NotConfigured)
    }
    async fn delete(&self, _: &str) -> Result<(), FileStoreError> {
        Err(FileStoreError::NotConfigured)
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid_key;

    #[test]
    fn keys_are_product_made_paths_that_cannot_escape() {
        assert!(is_valid_key("imports/demo/01JDEM0000000000000000000A"));
        for bad in [
            "", "/abs", "a//b", "a/../b", "..", "a/./b", "a b", "a\\b", "x/",
        ] {
            assert!(!is_valid_key(bad), "{bad:?}");
        }
    }
}
