//! Importing a business's client list (issue 19): a CSV or XLSX file read into a sheet of
//! text cells ([`file`]), its columns mapped to customer fields with suggestions the owner
//! can change ([`mapping`]), each row read as the client it describes or refused field by
//! field ([`row`]). The imports API, its queue worker and the wizard build on these.

pub mod file;
pub mod job;
pub mod mapping;
pub mod row;
