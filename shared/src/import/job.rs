//! An import: one uploaded file on its way to becoming customers. It waits in `mapping`
//! while the owner checks the columns (and previews), is `queued` when started, `running`
//! while the imports worker goes through its rows a chunk at a time (`next_row` is the
//! checkpoint: rows before it are done and counted), and ends `done`, `cancelled` or
//! `failed` (the file could not be read again).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::import::mapping::Field;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Uploaded: the mapping and options can change, the preview runs.
    Mapping,
    /// Started, waiting for the worker.
    Queued,
    Running,
    Done,
    Cancelled,
    /// Stopped for good (`error` says why); the rows done stay done.
    Failed,
}

impl ImportStatus {
    /// Whether the import can no longer change.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled | Self::Failed)
    }
}

/// What a row matching an existing customer (same phone or email) does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnExisting {
    /// Fills what the customer lacks (contacts, birthday, address, opening balances), adds
    /// the row's tags and note; never overwrites what staff entered.
    #[default]
    Update,
    /// Leaves the customer as they are; the row counts as skipped.
    Skip,
}

/// Rows by what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportCounts {
    /// Rows in the file (its header aside).
    pub total: u64,
    /// Rows done: created + updated + skipped + refused.
    pub done: u64,
    pub created: u64,
    pub updated: u64,
    /// Duplicates within the file, and existing customers left as they are.
    pub skipped: u64,
    /// Rows that cannot be a customer (the error report lists each with why).
    pub refused: u64,
}

impl ImportCounts {
    pub fn add(&mut self, outcome: &RowOutcome) {
        self.done += 1;
        match outcome {
            RowOutcome::Create => self.created += 1,
            RowOutcome::Update { .. } => self.updated += 1,
            RowOutcome::Skip { .. } => self.skipped += 1,
            RowOutcome::Refuse { .. } => self.refused += 1,
        }
    }
}

/// What happens (preview) or happened (worker) to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RowOutcome {
    /// A new customer.
    Create,
    /// An existing customer with the row's phone or email gets what the row adds.
    Update { customer_id: String },
    /// Nothing is written, for `reason`.
    Skip {
        reason: String,
        /// The existing customer, when that is why.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        customer_id: Option<String>,
    },
    /// The row cannot be a customer: each field and why.
    Refuse {
        errors: Vec<crate::domain::validation::FieldError>,
    },
}

/// An import as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Import {
    pub id: String,
    pub tenant_id: String,
    /// As uploaded (for the owner's eyes only).
    pub file_name: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// What the file was read as: `utf-8`, `utf-16`, `windows-1252` (CSV only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub encoding: Option<String>,
    /// The CSV delimiter found (`,` `;` tab `|`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub delimiter: Option<String>,
    pub bytes: u64,
    /// The file's header row.
    pub columns: Vec<String>,
    /// The field each column fills (`null`: left out); suggested at upload.
    pub mapping: Vec<Option<Field>>,
    pub on_existing: OnExisting,
    /// Tags every imported customer gets.
    #[serde(default)]
    pub tags: Vec<String>,
    pub status: ImportStatus,
    pub counts: ImportCounts,
    /// 0–100.
    pub percent: u8,
    /// The checkpoint: rows before it (0-based, header aside) are done.
    #[serde(default)]
    pub next_row: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<String>,
    /// Who uploaded it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub finished_at: Option<DateTime<Utc>>,
    pub version: u64,
}

impl Import {
    /// A file just uploaded as `sheet`: waiting in `mapping` with the suggested mapping,
    /// rows that exist match existing customers by updating them, no tags.
    pub fn uploaded(
        id: String,
        tenant: &str,
        file_name: String,
        bytes: u64,
        sheet: crate::import::file::Sheet,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Self {
        use crate::import::file::{Encoding, Format};
        let (format, encoding, delimiter) = match sheet.format {
            Format::Xlsx => ("xlsx", None, None),
            Format::Delimited {
                delimiter,
                encoding,
            } => (
                "csv",
                Some(match encoding {
                    Encoding::Utf8 => "utf-8",
                    Encoding::Utf16 => "utf-16",
                    Encoding::Windows1252 => "windows-1252",
                }),
                Some(if delimiter == b'\t' {
                    "tab".to_owned()
                } else {
                    char::from(delimiter).to_string()
                }),
            ),
        };
        let mut import = Import {
            id,
            tenant_id: tenant.to_owned(),
            file_name,
            format: format.into(),
            encoding: encoding.map(str::to_owned),
            delimiter,
            bytes,
            mapping: crate::import::mapping::suggest(&sheet.headers),
            columns: sheet.headers,
            on_existing: OnExisting::Update,
            tags: Vec::new(),
            status: ImportStatus::Mapping,
            counts: ImportCounts::default(),
            percent: 0,
            next_row: 0,
            error: None,
            created_by: created_by.to_owned(),
            created_at: now,
            updated_at: now,
            started_at: None,
            finished_at: None,
            version: 1,
        };
        import.set_counts(ImportCounts {
            total: sheet.rows.len() as u64,
            ..ImportCounts::default()
        });
        import
    }

    /// Keeps `percent` in step with the counts.
    pub fn set_counts(&mut self, counts: ImportCounts) {
        self.counts = counts;
        self.percent = (counts.done * 100)
            .checked_div(counts.total)
            .map_or(100, |p| p.min(100) as u8);
    }
}

/// A refused row as the error report lists it: its number in the file (the header is row 1,
/// so the first client is row 2, as a spreadsheet shows it), why, and its cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedRow {
    pub row: u64,
    pub reasons: Vec<String>,
    pub cells: Vec<String>,
}

/// The spreadsheet row number of data row `index` (0-based, header aside).
pub fn sheet_row(index: usize) -> u64 {
    index as u64 + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_percent_follows_them() {
        let mut counts = ImportCounts {
            total: 3,
            ..ImportCounts::default()
        };
        counts.add(&RowOutcome::Create);
        counts.add(&RowOutcome::Refuse { errors: vec![] });
        assert_eq!((counts.done, counts.created, counts.refused), (2, 1, 1));
        let mut import = Import {
            id: "i".into(),
            tenant_id: "t".into(),
            file_name: "f.csv".into(),
            format: "csv".into(),
            encoding: None,
            delimiter: None,
            bytes: 1,
            columns: vec![],
            mapping: vec![],
            on_existing: OnExisting::Update,
            tags: vec![],
            status: ImportStatus::Running,
            counts: ImportCounts::default(),
            percent: 0,
            next_row: 0,
            error: None,
            created_by: "u".into(),
            created_at: DateTime::<Utc>::default(),
            updated_at: DateTime::<Utc>::default(),
            started_at: None,
            finished_at: None,
            version: 1,
        };
        import.set_counts(counts);
        assert_eq!(import.percent, 66);
        assert_eq!(sheet_row(0), 2, "the first client is the sheet's row 2");
    }
}
