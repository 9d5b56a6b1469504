//! Which customer field each column of an imported file fills: suggested from the headers
//! (as other tools and people name them), changed by the owner, and checked before a row is
//! read: a customer needs a name (or first and last name) and a phone or an email.

use serde::{Deserialize, Serialize};

use crate::domain::validation::FieldError;

/// A customer field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    FirstName,
    LastName,
    Phone,
    Email,
    /// Several, separated by commas, semicolons or pipes.
    Tags,
    Notes,
    Birthday,
    Address,
    City,
    Postcode,
    Country,
    /// Where the client first came from (the old system's "referral source").
    Source,
    /// Client since (the old system's first visit or sign-up date).
    MemberSince,
    /// Visits in the old system: an opening balance, never a booking.
    Visits,
    /// Total spent in the old system: an opening balance, never a booking.
    Spend,
    /// Whether the client agreed to marketing texts (only when the file says so).
    MarketingConsent,
}

impl Field {
    pub const ALL: [Field; 17] = [
        Field::Name,
        Field::FirstName,
        Field::LastName,
        Field::Phone,
        Field::Email,
        Field::Tags,
        Field::Notes,
        Field::Birthday,
        Field::Address,
        Field::City,
        Field::Postcode,
        Field::Country,
        Field::Source,
        Field::MemberSince,
        Field::Visits,
        Field::Spend,
        Field::MarketingConsent,
    ];

    /// Headers that mean this field, normalised (lowercase letters and digits only).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Name => &[
                "name",
                "fullname",
                "clientname",
                "customername",
                "client",
                "customer",
                "contact",
                "contactname",
            ],
            Field::FirstName => &["firstname", "first", "givenname", "forename", "fname"],
            Field::LastName => &["lastname", "last", "surname", "familyname", "lname"],
            Field::Phone => &[
                "phone",
                "phonenumber",
                "mobile",
                "mobilephone",
                "mobilenumber",
                "cell",
                "cellphone",
                "telephone",
                "tel",
                "mob",
                "contactnumber",
                "number",
                "whatsapp",
            ],
            Field::Email => &["email", "emailaddress", "mail", "emails"],
            Field::Tags => &["tags", "tag", "labels", "label", "groups", "categories"],
            Field::Notes => &[
                "notes",
                "note",
                "comments",
                "comment",
                "remarks",
                "clientnotes",
            ],
            Field::Birthday => &["birthday", "dateofbirth", "dob", "birthdate", "bday"],
            Field::Address => &[
                "address",
                "street",
                "streetaddress",
                "address1",
                "addressline1",
            ],
            Field::City => &["city", "town", "suburb", "locality"],
            Field::Postcode => &["postcode", "postalcode", "zip", "zipcode", "eircode"],
            Field::Country => &["country", "countrycode"],
            Field::Source => &[
                "source",
                "referralsource",
                "referral",
                "howdidyouhearaboutus",
                "leadsource",
                "acquisitionsource",
                "channel",
            ],
            Field::MemberSince => &[
                "membersince",
                "clientsince",
                "customersince",
                "firstvisit",
                "firstvisitdate",
                "created",
                "createdat",
                "datecreated",
                "signupdate",
                "joined",
            ],
            Field::Visits => &[
                "visits",
                "totalvisits",
                "visitcount",
                "numberofvisits",
                "appointments",
                "totalappointments",
            ],
            Field::Spend => &[
                "spend",
                "totalspend",
                "totalspent",
                "lifetimevalue",
                "ltv",
                "revenue",
                "totalsales",
                "sales",
            ],
            Field::MarketingConsent => &[
                "marketingconsent",
                "smsconsent",
                "acceptsmarketing",
                "optin",
                "marketingoptin",
                "subscribed",
                "acceptssms",
            ],
        }
    }
}

fn normalised(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A suggested field for each header (`None`: left out), no field suggested twice (the
/// first column that names it wins).
pub fn suggest(headers: &[String]) -> Vec<Option<Field>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let key = normalised(h);
            let field = Field::ALL
                .into_iter()
                .find(|f| !taken.contains(f) && f.synonyms().contains(&key.as_str()));
            taken.extend(field);
            field
        })
        .collect()
}

/// Whether `mapping` (a field or nothing per column) can make customers: each field at most
/// once, a name (or a first and a last name, or either alone), and a phone or an email. Each
/// problem names the field and why.
pub fn check(mapping: &[Option<Field>]) -> Result<(), Vec<FieldError>> {
    let has = |f: Field| mapping.iter().flatten().any(|m| *m == f);
    let mut errors = Vec::new();
    for f in Field::ALL {
        if mapping.iter().flatten().filter(|m| **m == f).count() > 1 {
            errors.push(FieldError {
                field: format!("mapping.{}", name_of(f)),
                reason: "is mapped from more than one column".into(),
            });
        }
    }
    if !(has(Field::Name) || has(Field::FirstName) || has(Field::LastName)) {
        errors.push(FieldError {
            field: "mapping.name".into(),
            reason: "no column is mapped to the name (or first and last name)".into(),
        });
    }
    if !(has(Field::Phone) || has(Field::Email)) {
        errors.push(FieldError {
            field: "mapping.phone".into(),
            reason: "no column is mapped to the phone or the email: a customer needs one".into(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The field's name as the API spells it.
pub fn name_of(field: Field) -> String {
    serde_json::to_value(field)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn headers_as_other_tools_write_them_are_suggested_their_field() {
        let got = suggest(&headers(&[
            "First Name",
            "Surname",
            "Mobile Number",
            "E-mail",
            "Date of Birth",
            "Client Since",
            "Total Visits",
            "Lifetime Value",
            "Eircode",
            "Favourite colour",
        ]));
        assert_eq!(
            got,
            [
                Some(Field::FirstName),
                Some(Field::LastName),
                Some(Field::Phone),
                Some(Field::Email),
                Some(Field::Birthday),
                Some(Field::MemberSince),
                Some(Field::Visits),
                Some(Field::Spend),
                Some(Field::Postcode),
                None,
            ]
        );
    }

    #[test]
    fn a_field_is_suggested_for_its_first_column_only() {
        let got = suggest(&headers(&["Phone", "Telephone", "Name"]));
        assert_eq!(got, [Some(Field::Phone), None, Some(Field::Name)]);
    }

    #[test]
    fn a_mapping_needs_a_name_and_a_phone_or_email_each_field_once() {
        assert!(check(&[Some(Field::Name), Some(Field::Email)]).is_ok());
        assert!(check(&[
            Some(Field::FirstName),
            Some(Field::LastName),
            Some(Field::Phone),
            None
        ])
        .is_ok());
        let errors = check(&[Some(Field::Tags), None]).expect_err("nothing to make customers of");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["mapping.name", "mapping.phone"]);
        let errors =
            check(&[Some(Field::Name), Some(Field::Phone), Some(Field::Phone)]).expect_err("twice");
        assert_eq!(errors[0].field, "mapping.phone");
        assert!(errors[0].reason.contains("more than one column"));
    }
}
