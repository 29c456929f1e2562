//! Pass `hooks`: the OCI hooks the gpu pass collected (from CDI specs), in their order.

use crate::draft::Draft;
use crate::error::Result;
use crate::inputs::Context;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let _ = cx;
    for (stage, hook, source) in d.gpu.hooks.clone() {
        d.add_hook(stage, hook, source);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::fixture;
    use crate::plan::{GpuPlan, HookStage};
    use crate::trace::Source;
    use oci_spec::runtime::HookBuilder;

    #[test]
    fn gpu_hooks_copied_in_order_with_provenance() {
        let mut plan = GpuPlan::default();
        for (stage, path) in [
            (HookStage::CreateContainer, "/a"),
            (HookStage::Prestart, "/b"),
        ] {
            let hook = HookBuilder::default().path(path).build().unwrap();
            plan.hooks.push((stage, hook, Source::default(path)));
        }
        let mut draft = Draft::default();
        draft.set_gpu_plan(plan);
        let d = fixture("").run_on(apply, draft).unwrap();
        let got: Vec<_> = d
            .hooks
            .iter()
            .map(|(s, h)| (*s, h.path().to_string_lossy().into_owned()))
            .collect();
        assert_eq!(
            got,
            [
                (HookStage::CreateContainer, "/a".to_string()),
                (HookStage::Prestart, "/b".to_string())
            ]
        );
        assert_eq!(
            d.trace().last_for("hooks.createContainer").unwrap().source,
            Source::default("/a")
        );
        assert!(fixture("").run(apply).unwrap().hooks.is_empty());
    }
}
