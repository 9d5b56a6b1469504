//! Cells of a CSV that people open in a spreadsheet. Text that starts like a formula (`=`,
//! `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so Excel, LibreOffice and
//! Google Sheets show it as text instead of running it (OWASP "CSV injection"): names, notes
//! and tags are typed by prospects and staff. Every CSV export passes its text through
//! [`cell`]; numbers and dates the server formats itself need not.

use std::borrow::Cow;

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
