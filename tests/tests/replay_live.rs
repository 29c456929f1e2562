//! A snapshot recorded by the probe on this machine, written out as JSON and read back,
//! replays to exactly the output of a render against the live probe. This is what makes a
//! recorded snapshot a faithful stand-in for the host.

use ocigen_core::{render, requirements, Inputs, RenderOptions, Snapshot};
use ocigen_host::{probe, HostRoot};
use ocigen_tests::services;

#[test]
fn recorded_snapshot_replays_like_a_live_render() {
    let mut compared = 0;
    for svc in services() {
        let file =
            ocigen_core::parse_service_file(&svc.file_name, &svc.text).expect("fixture parses");
        let service = file.service(None).expect("one service per fixture");
        let options = svc
            .options
            .clone()
            .unwrap_or_else(|| RenderOptions::for_service(service.name.clone()));
        let req = requirements(&service, &options);

        // Live: probe and render in one go, no serialisation in between.
        let live_snapshot =
            probe(&HostRoot::live(), Some(&req)).expect("this machine can be probed");
        let live = render(&Inputs {
            service: &service,
            image: None,
            options: &options,
            snapshot: &live_snapshot,
        });

        // Recorded: the same probe through its JSON form, as `ocigen probe -o` writes it.
        let recorded_json = probe(&HostRoot::live(), Some(&req))
            .expect("second probe")
            .to_json();
        let replayed_snapshot =
            Snapshot::from_json("recorded.json", &recorded_json).expect("recorded snapshot loads");
        assert_eq!(
            replayed_snapshot, live_snapshot,
            "{}: the host changed between two probes",
            svc.stem
        );
        let replayed = render(&Inputs {
            service: &service,
            image: None,
            options: &options,
            snapshot: &replayed_snapshot,
        });

        match (live, replayed) {
            (Ok(a), Ok(b)) => {
                assert_eq!(
                    a.to_full_json(),
                    b.to_full_json(),
                    "{}: replay differs from the live render",
                    svc.stem
                );
                compared += 1;
            }
            (Err(a), Err(b)) => assert_eq!(
                a, b,
                "{}: replay fails differently from the live render",
                svc.stem
            ),
            (a, b) => panic!(
                "{}: live {:?} but replay {:?}",
                svc.stem,
                a.is_ok(),
                b.is_ok()
            ),
        }
    }
    // Most examples need GPUs this machine lacks; the plain ones must render for real.
    assert!(
        compared >= 4,
        "only {compared} services rendered on this machine"
    );
}
