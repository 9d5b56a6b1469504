//! A client list as exported by another tool, read into a [`Sheet`]: XLSX (its first
//! worksheet, by the calamine crate) or delimited text in any common encoding (UTF-8 with or
//! without a byte-order mark, UTF-16 with one, else Windows-1252, which is what spreadsheet
//! programs on Windows write) and any common delimiter (comma, semicolon, tab, pipe: the one
//! that splits the first lines most consistently). Cells stay text as written: a cell that
//! looks like a formula is a name someone typed, never evaluated (exports make it safe with
//! `http::spreadsheet::cell`).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// Bytes a file may have (the API answers 413 over it): 50,000 clients with a dozen columns
/// take about 10 MB as CSV.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;

/// Rows a file may have, its header aside.
pub const MAX_ROWS: usize = 200_000;

/// Columns a file may have.
pub const MAX_COLUMNS: usize = 100;

/// The file's header and rows, every cell text (trimmed), every row as wide as the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// How the file was read (shown to the owner beside the preview).
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Delimited { delimiter: u8, encoding: Encoding },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Windows1252,
}

/// Why a file cannot be read: each says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has a header row but no rows")]
    HeaderOnly,
    #[error("the file is larger than {} MB", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the file has more than {MAX_ROWS} rows; split it")]
    TooManyRows,
    #[error("the file has more than {MAX_COLUMNS} columns")]
    TooManyColumns,
    #[error("the file is neither CSV nor XLSX (it holds binary data)")]
    NotASpreadsheet,
    #[error("the spreadsheet cannot be read: {0}")]
    Unreadable(String),
}

/// A gzip-compressed upload decompressed: `TooLarge` past [`MAX_BYTES`] (a small body that
/// inflates without end is refused as it grows, not after).
pub fn gunzip(compressed: &[u8]) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(compressed)
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| FileError::Unreadable(format!("not valid gzip: {e}")))?;
    if out.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    Ok(out)
}

/// Reads `bytes` as XLSX (by its zip signature) or as delimited text.
pub fn read(bytes: &[u8]) -> Result<Sheet, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty);
    }
    let (format, records) = if bytes.starts_with(b"PK\x03\x04") {
        (Format::Xlsx, xlsx_records(bytes)?)
    } else {
        let (text, encoding) = decode(bytes)?;
        let delimiter = delimiter_of(&text);
        (
            Format::Delimited {
                delimiter,
                encoding,
            },
            delimited_records(&text, delimiter)?,
        )
    };
    sheet(format, records)
}

/// The header (the first row with any text) and the rows after it, blank rows left out.
fn sheet(format: Format, records: Vec<Vec<String>>) -> Result<Sheet, FileError> {
    let mut records = records
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|c| c.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|r| r.iter().any(|c| !c.is_empty()));
    let mut headers = records.next().ok_or(FileError::Empty)?;
    let rows: Vec<Vec<String>> = records.collect();
    if rows.is_empty() {
        return Err(FileError::HeaderOnly);
    }
    if rows.len() > MAX_ROWS {
        return Err(FileError::TooManyRows);
    }
    let width = rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(headers.len());
    if width > MAX_COLUMNS {
        return Err(FileError::TooManyColumns);
    }
    // A column without a header still gets a name the owner can map.
    for i in headers.len()..width {
        headers.push(format!("Column {}", i + 1));
    }
    for (i, h) in headers.iter_mut().enumerate() {
        if h.is_empty() {
            *h = format!("Column {}", i + 1);
        }
    }
    let rows = rows
        .into_iter()
        .map(|mut r| {
            r.resize(width, String::new());
            r
        })
        .collect();
    Ok(Sheet {
        headers,
        rows,
        format,
    })
}

/// The text of a delimited file, and the encoding it was in.
fn decode(bytes: &[u8]) -> Result<(String, Encoding), FileError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        let kind = if encoding == encoding_rs::UTF_8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        return checked_text(text.into_owned()).map(|t| (t, kind));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => checked_text(text.to_owned()).map(|t| (t, Encoding::Utf8)),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            checked_text(text.into_owned()).map(|t| (t, Encoding::Windows1252))
        }
    }
}

/// Text with control characters other than tab and line breaks is not a spreadsheet (an
/// image, a PDF, a zip that is not XLSX posing as CSV).
fn checked_text(text: String) -> Result<String, FileError> {
    let odd = text
        .chars()
        .take(64 * 1024)
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        .count();
    if odd > 0 {
        return Err(FileError::NotASpreadsheet);
    }
    Ok(text)
}

/// Of comma, semicolon, tab and pipe, the one that splits the first lines into the same
/// number of fields (more than one), quotes respected; comma when none does.
fn delimiter_of(text: &str) -> u8 {
    let sample: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    let mut best = (b',', 0usize);
    for delimiter in [b',', b';', b'\t', b'|'] {
        let widths: Vec<usize> = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample.as_bytes())
            .records()
            .map_while(Result::ok)
            .map(|r| r.len())
            .collect();
        let Some(&first) = widths.first() else {
            continue;
        };
        let consistent = widths.iter().filter(|w| **w == first).count();
        if first > 1 && (consistent, first) > (best.1, 0) && consistent * 10 >= widths.len() * 8 {
            best = (delimiter, consistent);
        }
    }
    best.0
}

fn delimited_records(text: &str, delimiter: u8) -> Result<Vec<Vec<String>>, FileError> {
    let mut out = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for record in reader.records() {
        let record = record.map_err(|e| FileError::Unreadable(e.to_string()))?;
        out.push(record.iter().map(str::to_owned).collect());
        if out.len() > MAX_ROWS + 1 {
            return Err(FileError::TooManyRows);
        }
    }
    Ok(out)
}

/// The first worksheet's cells as text: numbers as written (whole numbers without `.0`),
/// dates as `YYYY-MM-DD` (with the time when it has one).
fn xlsx_records(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| FileError::Unreadable(e.to_string()))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| FileError::Unreadable("the workbook has no worksheet".into()))?;
    let range = book
        .worksheet_range(&first)
        .map_err(|e| FileError::Unreadable(e.to_string()))?;
    if range.height() > MAX_ROWS + 1 {
        return Err(FileError::TooManyRows);
    }
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => d.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Sheet {
        read(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn commas_semicolons_tabs_and_pipes_are_each_found() {
        for d in [",", ";", "\t", "|"] {
            let text = format!("Name{d}Phone{d}Email\nAoife Byrne{d}087 123 4567{d}a@b.ie\nSeán Ó Briain{d}+353861112222{d}\n");
            let sheet = read_text(&text);
            assert_eq!(sheet.headers, ["Name", "Phone", "Email"], "{d:?}");
            assert_eq!(sheet.rows.len(), 2);
            assert_eq!(sheet.rows[1], ["Seán Ó Briain", "+353861112222", ""]);
        }
    }

    #[test]
    fn quoted_delimiters_and_line_breaks_stay_in_their_cell() {
        let sheet = read_text("Name;Notes\n\"Byrne; Aoife\";\"likes\nmornings\"\n");
        assert_eq!(sheet.rows[0], ["Byrne; Aoife", "likes\nmornings"]);
    }

    #[test]
    fn utf8_with_a_byte_order_mark_utf16_and_windows_1252_read_alike() {
        let plain = "Name,City\nSeán Ó Briain,Dún Laoghaire\n";
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(plain.as_bytes());
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(plain);
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in plain.encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        for (bytes, encoding) in [
            (plain.as_bytes().to_vec(), Encoding::Utf8),
            (bom, Encoding::Utf8),
            (cp1252.into_owned(), Encoding::Windows1252),
            (utf16, Encoding::Utf16),
        ] {
            let sheet = read(&bytes).unwrap_or_else(|e| panic!("{encoding:?}: {e}"));
            assert_eq!(sheet.headers, ["Name", "City"], "{encoding:?}");
            assert_eq!(
                sheet.rows[0],
                ["Seán Ó Briain", "Dún Laoghaire"],
                "{encoding:?}"
            );
            assert_eq!(
                sheet.format,
                Format::Delimited {
                    delimiter: b',',
                    encoding
                }
            );
        }
    }

    #[test]
    fn empty_header_only_and_binary_files_are_refused_with_the_reason() {
        assert_eq!(read(b""), Err(FileError::Empty));
        assert_eq!(read(b" \n\r\n"), Err(FileError::Empty));
        assert_eq!(read(b"Name,Phone\n"), Err(FileError::HeaderOnly));
        assert_eq!(read(b"Name,Phone\n,\n"), Err(FileError::HeaderOnly));
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
        assert_eq!(read(png), Err(FileError::NotASpreadsheet));
        assert!(matches!(
            read(b"PK\x03\x04not really a workbook"),
            Err(FileError::Unreadable(_))
        ));
    }

    #[test]
    fn short_rows_are_padded_and_unnamed_columns_named() {
        let sheet = read_text("Name,,Phone\nAoife\nBríd,x,087,extra\n");
        assert_eq!(sheet.headers, ["Name", "Column 2", "Phone", "Column 4"]);
        assert_eq!(sheet.rows[0], ["Aoife", "", "", ""]);
        assert_eq!(sheet.rows[1], ["Bríd", "x", "087", "extra"]);
    }

    /// A workbook of one worksheet: each cell a string, or a number when it parses as one.
    fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
        use std::io::Write;
        let cell = |r: usize, c: usize, v: &str| {
            let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            if v.parse::<f64>().is_ok() {
                format!(r#"<c r="{at}"><v>{v}</v></c>"#)
            } else {
                format!(r#"<c r="{at}" t="inlineStr"><is><t>{v}</t></is></c>"#)
            }
        };
        let sheet_rows: String = rows
            .iter()
            .enumerate()
            .map(|(r, row)| {
                let cells: String = row.iter().enumerate().map(|(c, v)| cell(r, c, v)).collect();
                format!(r#"<row r="{}">{cells}</row>"#, r + 1)
            })
            .collect();
        let files = [
            ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned()),
            ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned()),
            ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Clients" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned()),
            ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned()),
            ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData></worksheet>"#)),
        ];
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, body) in files {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("entry");
            zip.write_all(body.as_bytes()).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    #[test]
    fn an_xlsx_workbook_reads_its_first_sheet_numbers_as_written() {
        let bytes = xlsx(&[
            &["Name", "Mobile", "Visits", "Spend"],
            &["Aoife Byrne", "353871234567", "12", "340.5"],
            &["Seán Ó Briain", "087 765 4321", "0", "0"],
        ]);
        let sheet = read(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.format, Format::Xlsx);
        assert_eq!(sheet.headers, ["Name", "Mobile", "Visits", "Spend"]);
        // A phone kept as a number reads as its digits, not 3.53871234567e11.
        assert_eq!(
            sheet.rows[0],
            ["Aoife Byrne", "353871234567", "12", "340.5"]
        );
        assert_eq!(sheet.rows[1], ["Seán Ó Briain", "087 765 4321", "0", "0"]);
    }

    #[test]
    fn formula_looking_cells_are_kept_as_the_text_they_are() {
        let sheet = read_text("Name,Notes\n=HYPERLINK(\"http://x\"),+1 call back\n");
        assert_eq!(sheet.rows[0], ["=HYPERLINK(\"http://x\")", "+1 call back"]);
    }
}
