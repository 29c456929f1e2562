//! Tests of GPU assignment (render option `gpus`), the one visibility-env rule of both paths,
//! and the check of the numbers CDI files give against the host's nodes.

use super::tests::{codes_of, env_of, paths};
use super::*;
use crate::draft::Draft;
use crate::inputs::{Context, Inputs};
use crate::snapshot::Snapshot;

const EIGHT: &str = include_str!("../../../fixtures/snapshots/nvidia-8gpu-cdi-v2-root.json");
const H200: &str = include_str!("../../../fixtures/snapshots/nvidia-h200-v2-nested.json");
const AMD: &str = include_str!("../../../fixtures/snapshots/amd-v2-root.json");

fn snap(text: &str) -> Snapshot {
    Snapshot::from_json("s.json", text).unwrap()
}

/// The 8-GPU host without its CDI files: the built-in passthrough.
fn eight_builtin() -> Snapshot {
    let mut s = snap(EIGHT);
    s.cdi.files.clear();
    s
}

/// Only the stale /etc/cdi spec (uvm hard-coded as 510; the host's is 509).
fn eight_stale_only() -> Snapshot {
    let mut s = snap(EIGHT);
    s.cdi.files.retain(|f| f.dir == "/etc/cdi");
    s
}

fn render(
    gpu: &str,
    s: &Snapshot,
    gpus: Option<&[&str]>,
    mode: CdiMode,
    env: &str,
) -> Result<Draft> {
    let yaml = format!("image:\n  name: x\n{env}resources:\n  gpu:\n{gpu}");
    let svc = crate::service::parse_service_file("t.yaml", &yaml)
        .unwrap()
        .service(None)
        .unwrap();
    let mut options = RenderOptions::new("svc", 1);
    options.cdi_mode = mode;
    options.gpus = gpus.map(|g| g.iter().map(|x| x.to_string()).collect());
    let inputs = Inputs {
        service: &svc,
        image: None,
        options: &options,
        snapshot: s,
    };
    let cx = Context::new(&inputs);
    let mut d = Draft::default();
    crate::passes::gpu::apply(&cx, &mut d)?;
    // The env pass turns the plan into process.env (and W011), as in a render.
    crate::passes::env::apply(&cx, &mut d)?;
    Ok(d)
}

fn env(d: &Draft, key: &str) -> Option<String> {
    d.process.env.get(key).map(str::to_string)
}

#[test]
fn two_replicas_with_different_gpus_get_different_nodes() {
    let s = eight_builtin();
    let one = render("    count: 1\n", &s, Some(&["2"]), CdiMode::Lazy, "").unwrap();
    let two = render("    count: 1\n", &s, Some(&["5"]), CdiMode::Lazy, "").unwrap();
    assert!(paths(&one).contains(&"/dev/nvidia2"), "{:?}", paths(&one));
    assert!(paths(&two).contains(&"/dev/nvidia5"), "{:?}", paths(&two));
    assert!(!paths(&one).contains(&"/dev/nvidia0"));
    // The host side names the host GPU; inside, the one GPU is 0.
    assert_eq!(env(&one, "NVIDIA_VISIBLE_DEVICES").as_deref(), Some("2"));
    assert_eq!(env(&one, "CUDA_VISIBLE_DEVICES").as_deref(), Some("0"));
    // By UUID, the same GPU.
    let uuid = s.nvidia_gpus[5].uuid.clone();
    let by_uuid = render("    count: 1\n", &s, Some(&[&uuid]), CdiMode::Lazy, "").unwrap();
    assert_eq!(paths(&by_uuid), paths(&two));
    // With the CDI spec, the devices named by those indices.
    let cdi = render(
        "    count: 2\n",
        &snap(EIGHT),
        Some(&["3", "6"]),
        CdiMode::Strict,
        "",
    )
    .unwrap();
    let gpu_nodes: Vec<&str> = paths(&cdi)
        .into_iter()
        .filter(|p| {
            p.strip_prefix("/dev/nvidia")
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .collect();
    assert_eq!(gpu_nodes, ["/dev/nvidia3", "/dev/nvidia6"]);
}

#[test]
fn assignment_errors_name_the_option() {
    let s = eight_builtin();
    for (gpus, field, want) in [
        (
            &["1", "2"][..],
            "options.gpus",
            "expected 1 GPU(s), as many as resources.gpu.count",
        ),
        (
            &["9"][..],
            "options.gpus[0]",
            "no NVIDIA GPU `9` on this host",
        ),
        (
            &["GPU-nope"][..],
            "options.gpus[0]",
            "no NVIDIA GPU `GPU-nope`",
        ),
    ] {
        let e = render("    count: 1\n", &s, Some(gpus), CdiMode::Lazy, "").unwrap_err();
        assert_eq!(e.field(), Some(field), "{gpus:?}");
        assert!(e.to_string().contains(want), "{gpus:?}: {e}");
    }
    let e = render("    count: 2\n", &s, Some(&["1", "1"]), CdiMode::Lazy, "").unwrap_err();
    assert_eq!(e.field(), Some("options.gpus[1]"));
    assert!(
        e.to_string().contains("each GPU once: options.gpus[0]"),
        "{e}"
    );
}

#[test]
fn amd_assignment_is_a_card_position() {
    let s = snap(AMD);
    let d = render(
        "    count: 1\n    vendor: amd\n",
        &s,
        Some(&["1"]),
        CdiMode::Lazy,
        "",
    )
    .unwrap();
    assert!(
        paths(&d).contains(&"/dev/dri/renderD129"),
        "{:?}",
        paths(&d)
    );
    assert!(!paths(&d).contains(&"/dev/dri/renderD128"));
    assert_eq!(env(&d, "ROCR_VISIBLE_DEVICES").as_deref(), Some("0"));
    let e = render(
        "    count: 1\n    vendor: amd\n",
        &s,
        Some(&["2"]),
        CdiMode::Lazy,
        "",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("at position(s) 2 (options.gpus)"),
        "{e}"
    );
    let e = render(
        "    count: 1\n    vendor: amd\n",
        &s,
        Some(&["GPU-x"]),
        CdiMode::Lazy,
        "",
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("options.gpus[0]"));
}

#[test]
fn the_service_cuda_visible_devices_is_replaced_the_same_way_on_both_paths() {
    let svc_env = "env:\n  CUDA_VISIBLE_DEVICES: \"7\"\n";
    let builtin = render("    count: 1\n", &snap(H200), None, CdiMode::Lazy, svc_env).unwrap();
    let cdi = render(
        "    count: 1\n",
        &snap(EIGHT),
        None,
        CdiMode::Strict,
        svc_env,
    )
    .unwrap();
    for d in [&builtin, &cdi] {
        assert_eq!(env(d, "CUDA_VISIBLE_DEVICES").as_deref(), Some("0"));
        let w011: Vec<_> = d
            .diagnostics()
            .iter()
            .filter(|x| x.code == codes::ENV_OVERRIDDEN)
            .map(|x| x.field.clone())
            .collect();
        assert_eq!(w011, [Some("env.CUDA_VISIBLE_DEVICES".to_string())]);
    }
    // The CDI spec's own NVIDIA_VISIBLE_DEVICES (void) wins over the built-in rule's.
    assert_eq!(env(&cdi, "NVIDIA_VISIBLE_DEVICES").as_deref(), Some("void"));
    assert_eq!(
        env_of(&cdi.gpu.env).last().map(String::as_str),
        Some("CUDA_VISIBLE_DEVICES=0")
    );
}

#[test]
fn a_stale_cdi_major_is_w009_in_lazy_mode_and_an_error_in_strict() {
    let s = eight_stale_only();
    let d = render("    count: 1\n", &s, None, CdiMode::Lazy, "").unwrap();
    assert!(
        codes_of(&d).contains(&GPU_MAJOR_MISMATCH),
        "{:?}",
        codes_of(&d)
    );
    let uvm = d
        .gpu
        .nodes
        .iter()
        .find(|n| n.path == "/dev/nvidia-uvm")
        .unwrap();
    // The host's 509, never the spec's 510.
    assert_eq!((uvm.node.major, uvm.node.minor), (509, 0));
    assert_eq!(
        uvm.numbers_from,
        Some(crate::trace::Source::fact("devices./dev/nvidia-uvm"))
    );
    let w = d
        .diagnostics()
        .iter()
        .find(|x| x.code == GPU_MAJOR_MISMATCH)
        .unwrap();
    assert!(
        w.message
            .contains("/dev/nvidia-uvm is 510:0 in the spec, but the host's node is 509:0"),
        "{}",
        w.message
    );
    let e = render("    count: 1\n", &s, None, CdiMode::Strict, "").unwrap_err();
    assert!(e.to_string().contains("strict CDI mode"), "{e}");
    assert!(e.to_string().contains("510:0 in the spec"), "{e}");
    // The current spec (numbers from the host) raises nothing.
    let d = render("    count: 1\n", &snap(EIGHT), None, CdiMode::Strict, "").unwrap();
    assert!(!codes_of(&d).contains(&GPU_MAJOR_MISMATCH));
}
