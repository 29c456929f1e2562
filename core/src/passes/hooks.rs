//! Pass `hooks`: the OCI hooks the gpu pass collected (from CDI specs), in their order.

use crate::draft::{Draft, HookStage};
use crate::error::Result;
use crate::render::Inputs;

/// The runtime-spec name of a hook stage (`hooks.<name>` in config.json).
pub fn stage_name(stage: HookStage) -> &'static str {
    match stage {
        HookStage::Prestart => "prestart",
        HookStage::CreateRuntime => "createRuntime",
        HookStage::CreateContainer => "createContainer",
        HookStage::StartContainer => "startContainer",
        HookStage::Poststart => "poststart",
        HookStage::Poststop => "poststop",
    }
}

pub fn apply(cx: &Inputs<'_>, d: &mut Draft) -> Result<()> {
    let _ = cx;
    for (stage, hook, source) in d.gpu.hooks.clone() {
        d.hooks.push((stage, hook));
        d.record(format!("hooks.{}", stage_name(stage)), source);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::defaults::fixture::fixture;
    use crate::trace::Source;
    use oci_spec::runtime::HookBuilder;

    #[test]
    fn gpu_hooks_copied_in_order_with_provenance() {
        let mut draft = Draft::default();
        for (stage, path) in [
            (HookStage::CreateContainer, "/a"),
            (HookStage::Prestart, "/b"),
        ] {
            let hook = HookBuilder::default().path(path).build().unwrap();
            draft.gpu.hooks.push((stage, hook, Source::default(path)));
        }
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
            d.trace.last_for("hooks.createContainer").unwrap().source,
            Source::default("/a")
        );
        assert!(fixture("").run(apply).unwrap().hooks.is_empty());
    }
}
