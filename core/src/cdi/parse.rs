//! One CDI spec file: text -> [`CdiSpec`], parsed strictly, then validated. Kept apart from
//! the data model ([`super::spec`]) and the checks ([`super::validate`]), which import the
//! model, so neither imports the other back.

use super::spec::{cdi_err, read_value, CdiSpec};
use super::validate::validate;
use crate::error::Result;

/// Parse one CDI spec file strictly and validate it (version, kind, device names, edits).
/// `path` names the file in errors and picks JSON (`.json`) or YAML.
pub fn parse_spec(path: &str, text: &str) -> Result<CdiSpec> {
    let value = read_value(path, text)?;
    let spec: CdiSpec = serde_path_to_error::deserialize(value).map_err(|e| {
        let field = crate::snapshot::display_path(&e.path().to_string());
        cdi_err(path, format!("{field}: {}", e.into_inner()))
    })?;
    validate(&spec).map_err(|m| cdi_err(path, m))?;
    Ok(spec)
}
