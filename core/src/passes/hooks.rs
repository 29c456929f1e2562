//! Pass `hooks`.

use crate::draft::Draft;
use crate::error::Result;
use crate::render::Inputs;

pub fn apply(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    let _ = (cx, d);
    Ok(())
}
