//! Tests of the built-in AMD/Intel passthrough's vendor and count rules, the CDI shadowing
//! note, and the provenance of CDI nodes filled from the snapshot.

use super::tests::{add_cdi, codes_of, env_of, h200, node, paths, run, FIXTURE, TWO_DEVICES};
use super::*;
use crate::error::Error;
use crate::snapshot::{DeviceFact, DrmCard, Snapshot};
use crate::trace::{Severity, Source};

const AMD: &str = "0x1002";
const INTEL: &str = "0x8086";

fn card(index: u32, vendor: Option<&str>, render: bool) -> DrmCard {
    DrmCard {
        index,
        card: Some(format!("/dev/dri/card{index}")),
        render: render.then(|| format!("/dev/dri/renderD{}", 128 + index)),
        vendor: vendor.map(str::to_string),
    }
}

/// A host with the given DRM cards, every node of theirs present, and `/dev/kfd` as `kfd`.
fn drm_host(cards: Vec<DrmCard>, kfd: DeviceFact) -> Snapshot {
    let mut s = Snapshot::default();
    for c in &cards {
        s.devices.insert(
            format!("/dev/dri/card{}", c.index),
            node(226, c.index as i64),
        );
        let render = 128 + c.index as i64;
        s.devices
            .insert(format!("/dev/dri/renderD{render}"), node(226, render));
    }
    s.devices.insert("/dev/kfd".into(), kfd);
    s.drm_cards = cards;
    s
}

const AMD_1: &str = "    count: 1\n    vendor: amd\n";
const INTEL_1: &str = "    count: 1\n    vendor: intel\n";

#[test]
fn other_vendors_cards_are_never_used() {
    // The intel-v2-systemd fixture: one Intel card. An AMD request gets nothing of it.
    let intel_host = drm_host(vec![card(0, Some(INTEL), true)], node(235, 0));
    let err = run(AMD_1, &intel_host).unwrap_err();
    assert_eq!(err.field(), Some("resources.gpu.count"));
    let msg = err.to_string();
    assert!(
        msg.contains("asks for 1 AMD GPU(s) but the host has 0") && msg.contains(AMD),
        "{msg}"
    );
    // The reverse: an Intel request on an AMD host.
    let amd_host = drm_host(vec![card(0, Some(AMD), true)], node(235, 0));
    let err = run(INTEL_1, &amd_host).unwrap_err();
    assert!(
        err.to_string()
            .contains("asks for 1 Intel GPU(s) but the host has 0"),
        "{err}"
    );
    // A mixed host: each request gets its own vendor's card, numbered from 0.
    let mixed = drm_host(
        vec![card(0, Some(INTEL), true), card(1, Some("0x1002"), true)],
        node(235, 0),
    );
    let d = run(AMD_1, &mixed).unwrap();
    assert_eq!(
        paths(&d),
        ["/dev/kfd", "/dev/dri/renderD129", "/dev/dri/card1"]
    );
    assert_eq!(
        env_of(&d.gpu.env),
        ["ROCR_VISIBLE_DEVICES=0", "HIP_VISIBLE_DEVICES=0"]
    );
    let d = run(INTEL_1, &mixed).unwrap();
    assert_eq!(paths(&d), ["/dev/dri/renderD128", "/dev/dri/card0"]);
}

#[test]
fn cards_without_vendor_ids_are_used_by_position() {
    let s = drm_host(vec![card(0, None, true)], node(235, 0));
    let d = run(INTEL_1, &s).unwrap();
    assert_eq!(paths(&d), ["/dev/dri/renderD128", "/dev/dri/card0"]);
    // Once any card carries a vendor id, vendorless cards are not guessed at.
    let s = drm_host(
        vec![card(0, None, true), card(1, Some(AMD), true)],
        node(235, 0),
    );
    assert!(run(INTEL_1, &s).is_err());
}

#[test]
fn amd_and_intel_count_is_checked_like_nvidia() {
    let two_amd = drm_host(
        vec![card(0, Some(AMD), true), card(1, Some(AMD), true)],
        node(235, 0),
    );
    let err = run("    count: 3\n    vendor: amd\n", &two_amd).unwrap_err();
    assert!(matches!(err, Error::Unsatisfiable { .. }), "{err}");
    assert_eq!(err.field(), Some("resources.gpu.count"));
    assert!(
        err.to_string()
            .contains("asks for 3 AMD GPU(s) but the host has 2"),
        "{err}"
    );
    // No DRM cards listed: counted by the kernel's numbering; all absent is an error, not W003.
    let mut bare = Snapshot::default();
    for p in ["/dev/dri/card0", "/dev/dri/renderD128"] {
        bare.devices.insert(p.into(), DeviceFact::Absent);
    }
    let err = run(INTEL_1, &bare).unwrap_err();
    assert!(
        err.to_string()
            .contains("asks for 1 Intel GPU(s) but the host has 0"),
        "{err}"
    );
    // A card list the probe could not read is a missing fact.
    let mut unreadable = two_amd.clone();
    unreadable
        .unreadable
        .insert("drm_cards".into(), "EACCES".into());
    assert!(matches!(
        run(AMD_1, &unreadable),
        Err(Error::MissingFact { .. })
    ));
}

#[test]
fn amd_without_kfd_is_an_error_not_a_warning() {
    let s = drm_host(vec![card(0, Some(AMD), true)], DeviceFact::Absent);
    let err = run(AMD_1, &s).unwrap_err();
    assert!(matches!(err, Error::Unsatisfiable { .. }), "{err}");
    assert_eq!(err.field(), Some("resources.gpu"));
    assert!(err.to_string().contains("/dev/kfd"), "{err}");
    // Intel needs no kfd.
    assert!(run(
        INTEL_1,
        &drm_host(vec![card(0, Some(INTEL), true)], DeviceFact::Absent)
    )
    .is_ok());
}

#[test]
fn card_without_render_node_warns() {
    let s = drm_host(vec![card(0, Some(INTEL), false)], node(235, 0));
    let d = run(INTEL_1, &s).unwrap();
    assert_eq!(paths(&d), ["/dev/dri/card0"]);
    assert_eq!(
        codes_of(&d)
            .iter()
            .filter(|c| **c == codes::GPU_NODE_MISSING)
            .count(),
        1
    );
}

#[test]
fn shadowed_spec_gets_one_info_per_file() {
    let mut s = h200();
    let s1 = TWO_DEVICES.replace("SPEC=1", "SPEC=etc");
    add_cdi(&mut s, "/etc/cdi", "nvidia.yaml", &s1);
    add_cdi(&mut s, "/var/run/cdi", "nvidia.yaml", TWO_DEVICES);
    let d = run("    count: 1\n", &s).unwrap();
    let notes = shadow_notes(&d);
    assert_eq!(notes.len(), 1, "one per file, not per device: {notes:?}");
    assert_eq!(notes[0].severity, Severity::Info);
    let m = &notes[0].message;
    assert!(
        m.starts_with("CDI spec /etc/cdi/nvidia.yaml is shadowed by /var/run/cdi/nvidia.yaml")
            && m.contains("2 nvidia.com/gpu device(s)"),
        "{m}"
    );
    // Files that share no device name shadow nothing.
    let mut s = h200();
    add_cdi(&mut s, "/etc/cdi", "nvidia.yaml", FIXTURE);
    let other = TWO_DEVICES
        .replace("name: \"0\"", "name: \"9\"")
        .replace("name: \"1\"", "name: \"8\"");
    add_cdi(&mut s, "/var/run/cdi", "extra.yaml", &other);
    let d = run("    count: 1\n", &s).unwrap();
    assert!(!codes_of(&d).contains(&codes::CDI_SPEC_SHADOWED));
}

#[test]
fn stale_etc_cdi_in_8gpu_fixture_is_reported() {
    let text = include_str!("../../../fixtures/snapshots/nvidia-8gpu-cdi-v2-root.json");
    let s = Snapshot::from_json("8gpu.json", text).unwrap();
    let d = run("    count: 1\n", &s).unwrap();
    let notes = shadow_notes(&d);
    assert_eq!(notes.len(), 1, "{:?}", d.diagnostics());
    assert!(
        notes[0].message.contains("/etc/cdi/nvidia.yaml")
            && notes[0].message.contains("/var/run/cdi/nvidia.yaml"),
        "{}",
        notes[0].message
    );
}

#[test]
fn cdi_node_records_the_fact_its_numbers_came_from() {
    // The fixture's nodes give only a path: numbers come from the snapshot.
    let mut s = h200();
    add_cdi(&mut s, "/etc/cdi", "nvidia.yaml", FIXTURE);
    let d = run("    count: 1\n", &s).unwrap();
    let uvm = d
        .gpu
        .nodes
        .iter()
        .find(|n| n.path == "/dev/nvidia-uvm")
        .unwrap();
    assert!(matches!(uvm.source, Source::Cdi { .. }));
    assert_eq!(
        uvm.numbers_from,
        Some(Source::fact("devices./dev/nvidia-uvm"))
    );
    // A node whose type and major the spec gives needs no host fact and records none.
    let full = "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n  - name: \"0\"\n    containerEdits:\n      deviceNodes: [{path: /dev/nvidia0, type: c, major: 195, minor: 0}]\n";
    let mut s = h200();
    add_cdi(&mut s, "/etc/cdi", "full.yaml", full);
    let d = run("    count: 1\n", &s).unwrap();
    assert_eq!(paths(&d), ["/dev/nvidia0"]);
    assert_eq!(d.gpu.nodes[0].numbers_from, None);
}

/// The I002 (shadowed CDI spec) diagnostics of a draft.
fn shadow_notes(d: &crate::draft::Draft) -> Vec<&crate::trace::Diagnostic> {
    d.diagnostics()
        .iter()
        .filter(|x| x.code == codes::CDI_SPEC_SHADOWED)
        .collect()
}
