//! Pass `annotations`: `annotations`, from the service's `labels` (one annotation each, as
//! Docker copies labels into its OCI spec) and `stop_signal`, written as the image spec's
//! `org.opencontainers.image.stopSignal` annotation, which is where runtimes and agents
//! look for it (runc itself never sends it: the agent reads it when it stops the container).
//!
//! `stop_signal` is checked and written in one spelling: a name with the `SIG` prefix in
//! upper case (`SIGINT`, `SIGRTMIN+3`) or a number 1-64. A label with the stop-signal key
//! as well as `stop_signal` is an error naming both.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::trace::Source;

/// The image spec's annotation for the signal that stops the container.
pub const STOP_SIGNAL_ANNOTATION: &str = "org.opencontainers.image.stopSignal";

/// Linux signal names without `SIG` (signal(7)); real-time ones are `RTMIN+n`/`RTMAX-n`.
const SIGNALS: &[&str] = &[
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1", "SEGV",
    "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
    "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS", "RTMIN", "RTMAX",
];

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let spec = &cx.service.spec;
    for (key, value) in &spec.labels {
        let field = cx.service.field(&format!("labels.{key}"));
        if key.trim().is_empty() {
            return Err(Error::invalid(
                field,
                "a non-empty label key",
                "an empty key",
            ));
        }
        if key == STOP_SIGNAL_ANNOTATION && spec.stop_signal.is_some() {
            return Err(Error::invalid(
                field,
                format!(
                    "one stop signal: `{}` sets it too",
                    cx.service.field("stop_signal")
                ),
                "both",
            ));
        }
        d.set_annotation(key, value, Source::input(field));
    }
    if let Some(signal) = &spec.stop_signal {
        let field = cx.service.field("stop_signal");
        let canonical = canonical_signal(signal).ok_or_else(|| {
            Error::invalid(
                &field,
                "a signal name (`SIGINT`, `TERM`, `SIGRTMIN+3`) or number (1-64)",
                format!("`{signal}`"),
            )
        })?;
        d.set_annotation(STOP_SIGNAL_ANNOTATION, &canonical, Source::input(field));
    }
    Ok(())
}

/// `sigterm`, `TERM`, `SIGTERM` -> `SIGTERM`; `15` -> `15`; `None` when it names no signal.
pub fn canonical_signal(text: &str) -> Option<String> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u32>() {
        return (1..=64).contains(&n).then(|| n.to_string());
    }
    let upper = t.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let known = SIGNALS.contains(&name) || realtime(name);
    known.then(|| format!("SIG{name}"))
}

/// `RTMIN+n` / `RTMAX-n` within the 32 real-time signals.
fn realtime(name: &str) -> bool {
    let offset = name
        .strip_prefix("RTMIN+")
        .or_else(|| name.strip_prefix("RTMAX-"));
    offset
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| (1..=30).contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{err_text, web};

    #[test]
    fn labels_become_annotations_with_their_field() {
        let d = web("labels: { team: payments, com.example.tier: gold }")
            .run(apply)
            .unwrap();
        assert_eq!(d.annotations.len(), 2);
        assert_eq!(d.annotations["com.example.tier"], "gold");
        assert_eq!(
            d.trace().last_for("annotations.team").map(|e| &e.source),
            Some(&Source::input("services.web.labels.team"))
        );
    }

    #[test]
    fn stop_signal_is_the_image_spec_annotation_in_one_spelling() {
        for (given, want) in [
            ("SIGINT", "SIGINT"),
            ("quit", "SIGQUIT"),
            ("SigRtMin+3", "SIGRTMIN+3"),
            ("15", "15"),
        ] {
            let d = web(&format!("stop_signal: \"{given}\""))
                .run(apply)
                .unwrap();
            assert_eq!(d.annotations[STOP_SIGNAL_ANNOTATION], want, "{given}");
        }
        for bad in ["SIGNOPE", "0", "65", "RTMIN+31", ""] {
            let e = err_text(web(&format!("stop_signal: \"{bad}\"")).run(apply));
            assert!(
                e.starts_with("services.web.stop_signal: expected a signal name"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn a_label_and_stop_signal_for_the_same_key_conflict() {
        let e = err_text(
            web("stop_signal: SIGINT\nlabels: { org.opencontainers.image.stopSignal: SIGHUP }")
                .run(apply),
        );
        assert!(
            e.starts_with("services.web.labels.org.opencontainers.image.stopSignal: expected one stop signal: `services.web.stop_signal` sets it too"),
            "{e}"
        );
        // Alone, the label is an annotation like any other.
        let d = web("labels: { org.opencontainers.image.stopSignal: SIGHUP }")
            .run(apply)
            .unwrap();
        assert_eq!(d.annotations[STOP_SIGNAL_ANNOTATION], "SIGHUP");
    }
}
