//! Members of a business (DESIGN §7.1): who may sign in to a tenant and with which role. A
//! membership is the one truth for that: tokens carry its role and version, and removing a
//! member moves the version so what was issued before stops working.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Roles, weakest first: a route needing `Admin` admits `Admin` and `Owner` (DESIGN §7):
/// staff read, add notes, move lead status and complete tasks; admins also edit customers,
/// send texts, export and invite staff; owners also change settings and members, and delete.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Admin,
    Owner,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = ();

    fn from_str(text: &str) -> Result<Role, ()> {
        Role::parse(text).ok_or(())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    /// Asked to join; not signed in yet.
    Invited,
    Active,
    /// Taken off the business: nothing of theirs is accepted any more.
    Removed,
}

/// A person's membership of a business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    /// ULID.
    pub id: String,
    pub tenant_id: String,
    /// Lowercased; unique among the tenant's members.
    pub email: String,
    /// The person's id at their identity provider (or local account) once they signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub role: Role,
    pub status: MemberStatus,
    /// Moves on every change; tokens carry the version they were issued at.
    #[schema(minimum = 1)]
    pub version: u64,
    /// Who invited them (a `sub`, or `setup` / `operator`).
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Member {
    /// A member invited now, at version 1.
    pub fn invited(
        id: String,
        tenant_id: &str,
        email: &str,
        role: Role,
        invited_by: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Member {
            id,
            tenant_id: tenant_id.to_owned(),
            email: email.trim().to_lowercase(),
            sub: None,
            name: None,
            role,
            status: MemberStatus::Invited,
            version: 1,
            invited_by: invited_by.to_owned(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Whether tokens issued for this membership at `version` still stand.
    pub fn admits(&self, version: u64) -> bool {
        self.status == MemberStatus::Active && self.version == version
    }
}

/// What an invite lets its holder do: join as a member, or choose a new password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvitePurpose {
    Join,
    Reset,
}

/// Why a change of members is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberRuleError {
    /// The actor's role may not give or change this role (admins manage staff only).
    #[error("only owners manage members who are or become {role} (you are {actor})")]
    RoleTooHigh { actor: Role, role: Role },
    /// The change would leave the business without an owner.
    #[error("the business must keep at least one owner")]
    LastOwner,
}

/// Whether `actor` may invite, change or remove a member who is `from` (none: a new member)
/// and becomes `to` (none: removed): owners manage everyone, admins staff only.
pub fn may_manage(
    actor: Role,
    from: Option<Role>,
    to: Option<Role>,
) -> Result<(), MemberRuleError> {
    if actor == Role::Owner {
        return Ok(());
    }
    for role in [from, to].into_iter().flatten() {
        if actor < Role::Admin || role > Role::Staff {
            return Err(MemberRuleError::RoleTooHigh { actor, role });
        }
    }
    Ok(())
}

/// Whether a business keeps an owner when member `changing` (now `from`) becomes `to` (none:
/// removed), given the roles of its other active or invited members.
pub fn keeps_an_owner(
    others: impl IntoIterator<Item = Role>,
    from: Role,
    to: Option<Role>,
) -> Result<(), MemberRuleError> {
    let losing_an_owner = from == Role::Owner && to != Some(Role::Owner);
    if losing_an_owner && !others.into_iter().any(|r| r == Role::Owner) {
        return Err(MemberRuleError::LastOwner);
    }
    Ok(())
}

/// Shortest password accepted (OWASP ASVS 2.1.1 asks for at least 12 characters).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest (Argon2 hashes any length; this bounds the work of one sign-in).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Why a password is refused: the rule it breaks, said to the person choosing it.
pub fn password_problem(password: &str, email: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if lower == email.to_lowercase() || (local.len() >= 4 && lower.contains(&local)) {
        return Some("must not contain your email address".into());
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Some("must not be one or a few characters repeated".into());
    }
    const COMMON: &[&str] = &[
        "password", "qwerty", "123456", "letmein", "welcome", "iloveyou", "admin", "abc123",
    ];
    if COMMON.iter().any(|c| lower.contains(c)) {
        return Some("must not contain a commonly used password".into());
    }
    None
}

/// Words a business cannot take as its tenant id (they name parts of the product or could
/// pass for them in a link).
pub const RESERVED_TENANT_IDS: &[&str] = &[
    "admin", "api", "app", "auth", "demo", "hooks", "login", "members", "openapi", "p", "public",
    "setup", "signin", "signup", "static", "support", "tenants", "www",
];

/// The tenant id a business name makes: lowercase letters and digits of its words joined by
/// dashes, at most 40 characters; `None` when too little is left.
pub fn tenant_id_from_name(name: &str) -> Option<String> {
    let mut id = String::new();
    for word in name
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let next = if id.is_empty() {
            word.to_owned()
        } else {
            format!("{id}-{word}")
        };
        if next.len() > 40 {
            break;
        }
        id = next;
    }
    (id.len() >= 2).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_manage_everyone_admins_staff_only() {
        assert_eq!(may_manage(Role::Owner, None, Some(Role::Owner)), Ok(()));
        assert_eq!(may_manage(Role::Admin, None, Some(Role::Staff)), Ok(()));
        assert!(may_manage(Role::Admin, None, Some(Role::Admin)).is_err());
        assert!(may_manage(Role::Admin, Some(Role::Owner), None).is_err());
        assert!(may_manage(Role::Admin, Some(Role::Staff), Some(Role::Admin)).is_err());
        assert!(may_manage(Role::Staff, None, Some(Role::Staff)).is_err());
    }

    #[test]
    fn the_last_owner_is_neither_removed_nor_demoted() {
        assert_eq!(
            keeps_an_owner([Role::Staff], Role::Owner, None),
            Err(MemberRuleError::LastOwner)
        );
        assert_eq!(
            keeps_an_owner([Role::Admin], Role::Owner, Some(Role::Admin)),
            Err(MemberRuleError::LastOwner)
        );
        assert_eq!(keeps_an_owner([Role::Owner], Role::Owner, None), Ok(()));
        assert_eq!(keeps_an_owner([], Role::Staff, None), Ok(()));
    }

    #[test]
    fn weak_passwords_are_refused_with_the_rule() {
        let email = "niamh.walsh@example.ie";
        assert!(password_problem("short", email).is_some_and(|p| p.contains("12")));
        assert!(password_problem("niamh.walsh-2026", email).is_some_and(|p| p.contains("email")));
        assert!(password_problem("aaaaaaaaaaaaab", email).is_some_and(|p| p.contains("repeated")));
        assert!(password_problem("MyPassword2026!", email).is_some_and(|p| p.contains("common")));
        assert_eq!(password_problem("harbour lights at dusk", email), None);
    }

    #[test]
    fn a_tenant_id_is_made_from_the_business_name() {
        assert_eq!(
            tenant_id_from_name("Niamh's Day Spa & Salon").as_deref(),
            Some("niamh-s-day-spa-salon")
        );
        assert_eq!(tenant_id_from_name("  !!  "), None);
        let long = tenant_id_from_name(&"word ".repeat(20)).unwrap_or_default();
        assert!(long.len() <= 40, "{long}");
    }
}
