//! Sizes and quantities as users write them (`512Mi`, `1.5G`, `16Mi` for tmpfs), parsed
//! with overflow checks.

use crate::error::{Error, Result};

/// Parse a byte size: a bare byte count, or a number with `Ki/Mi/Gi/Ti` (powers of 1024) or
/// `K/M/G/T` (powers of 1000; lower case accepted). `field` names the input in errors.
pub fn parse_size(text: &str, field: &str) -> Result<u64> {
    let _ = text;
    Err(Error::invalid(field, "a size like 512Mi", "(not implemented yet)"))
}
