//! What the member routes read from a body.

use crm_shared::domain::member::Role;
use crm_shared::domain::validation::Fields;
use serde_json::{Map, Value};

/// A required `role` field.
pub fn role(f: &mut Fields, input: &Map<String, Value>) -> Option<Role> {
    let text = f.required_text(input, "role", 10)?;
    let role = text.parse::<Role>().ok();
    if role.is_none() {
        f.error("role", "must be owner, admin or staff");
    }
    role
}
