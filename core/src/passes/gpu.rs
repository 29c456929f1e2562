//! Pass `gpu`: resolves the service's GPU request (CDI first, else the built-in vendor
//! passthrough; then MPS, time-slice and distributed settings) into the draft's GPU plan. It
//! sets no field itself: `user`, `env`, `mounts`, `devices` and `hooks` apply the plan, each
//! item citing the CDI file or host fact it came from. The logic lives in [`crate::gpu`].

use crate::draft::Draft;
use crate::error::Result;
use crate::inputs::Context;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let plan = crate::gpu::plan(cx, d.diagnostics_mut())?;
    d.set_gpu_plan(plan);
    Ok(())
}
