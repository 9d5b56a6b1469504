//! Cells of a CSV that people open in a spreadsheet. Text that starts like a formula (`=`,
//! `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so Excel, LibreOffice and
//! Google Sheets show it as text instead of running it (OWASP "CSV injection"): names, notes
//! and tags are typed by prospects and staff. Every CSV export passes its text through
//! [`cell`]; numbers and dates the server formats itself need not.

use std::borrow::Cow;

/// CSV text: the header row, then each record (its text cells made safe with [`cell`]).
pub fn csv_text<R>(header: &[&str], records: R) -> Result<String, csv::Error>
where
    R: IntoIterator,
    R::Item: IntoIterator,
    <R::Item as IntoIterator>::Item: AsRef<str>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for record in records {
        w.write_record(record.into_iter().map(|c| c.as_ref().to_owned()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    // Every cell was a `str`: the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `text` as a spreadsheet shows it literally.
pub fn cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_quotes_what_needs_it() {
        let text = csv_text(&["a", "b"], [vec!["1", "x,y"], vec!["\"q\"", ""]]);
        assert_eq!(
            text.ok().as_deref(),
            Some("a,b\n1,\"x,y\"\n\"\"\"q\"\"\",\n")
        );
    }

    #[test]
    fn formulas_become_text_and_plain_text_is_untouched() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("+353861234567"), "'+353861234567");
        assert_eq!(cell("\t=1"), "'\t=1");
        assert_eq!(cell("Ann O'Brien"), "Ann O'Brien");
        assert_eq!(cell(""), "");
        assert!(matches!(cell("Ann"), Cow::Borrowed(_)));
    }
}
