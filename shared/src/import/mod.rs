//! Importing a business's client list (issue 19): a CSV or XLSX file read into a sheet of
//! text cells ([`file`]), its columns mapped to customer fields with suggestions the owner
//! can change ([`mapping`]). What each row then becomes, and the work of importing it, build
//! on these.

pub mod file;
pub mod mapping;
