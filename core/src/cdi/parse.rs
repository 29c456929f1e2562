//! One CDI spec file: text -> [`CdiSpec`], parsed strictly, then validated. Kept apart from
//! the data model ([`super::spec`]) and the checks ([`super::validate`]), which import the
//! model, so neither imports the other back.

use super::spec::{source, CdiSpec};
use super::validate::validate;
use crate::error::Result;

/// Parse one CDI spec file strictly and validate it (version, kind, device names, edits).
/// `path` names the file in errors and picks JSON (`.json`) or YAML.
pub fn parse_spec(path: &str, text: &str) -> Result<CdiSpec> {
    let source = source(path, text);
    let spec: CdiSpec = source.read()?;
    validate(&spec).map_err(|p| source.error_at(&p.field, p.message))?;
    Ok(spec)
}
