//! The file store on one machine: a directory (crm-local's `<data dir>/files`), one file per
//! key, written to a temporary name and renamed so a reader never sees half a file.

use std::path::PathBuf;

use crate::ports::files::{is_valid_key, FileStore, FileStoreError};

pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    /// Files under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, FileStoreError> {
        if !is_valid_key(key) {
            return Err(FileStoreError::Unavailable(format!("invalid key {key:?}")));
        }
        Ok(self.root.join(key))
    }
}

fn unavailable(e: std::io::Error) -> FileStoreError {
    FileStoreError::Unavailable(e.to_string())
}

#[async_trait::async_trait]
impl FileStore for LocalFiles {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), FileStoreError> {
        let path = self.path(key)?;
        let temp = path.with_extension(format!("partial-{}", ulid::Ulid::new()));
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&temp, bytes)?;
            std::fs::rename(&temp, &path)
        })
        .await
        .map_err(|e| FileStoreError::Unavailable(e.to_string()))?
        .map_err(unavailable)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FileStoreError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), FileStoreError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(unavailable(e)),
            _ => Ok(()),
        }
    }
}
