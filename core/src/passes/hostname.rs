//! Pass `hostname`: `hostname`.
//!
//! The render option `hostname`, else the service's `hostname`, else the container id's
//! display form. A given hostname must be 1-64 characters of ASCII letters, digits, `-` and
//! `.`, not starting with `-` (the error names the field it came from).

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::trace::Source;

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let (name, source) = if let Some(h) = &cx.options.hostname {
        check_hostname(h, "options.hostname")?;
        (h.clone(), Source::option("hostname"))
    } else if let Some(h) = &cx.service.spec.hostname {
        let field = cx.service.field("hostname");
        check_hostname(h, &field)?;
        (h.clone(), Source::input(field))
    } else {
        (
            cx.options.container_id.to_string(),
            Source::option("container_id"),
        )
    };
    d.set_hostname(name, source);
    Ok(())
}

/// 1-64 ASCII letters, digits, `-` and `.`, not starting with `-` (runc passes it to
/// sethostname, and a leading `-` reads as an option to tools that print it).
fn check_hostname(name: &str, field: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "a hostname of 1-64 letters, digits, `-` and `.`, not starting with `-`",
            format!("`{name}`"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::fixture;

    #[test]
    fn hostname_defaults_to_container_id_and_option_overrides() {
        let mut f = fixture("");
        let d = f.run(apply).unwrap();
        assert_eq!(d.hostname, "web-rep-0");
        assert_eq!(
            d.trace().last_for("hostname").unwrap().source,
            Source::option("container_id")
        );
        f.options.hostname = Some("h1".into());
        assert_eq!(f.run(apply).unwrap().hostname, "h1");
    }

    #[test]
    fn hostname_precedence_option_then_service_then_id() {
        let mut f = fixture("    hostname: box.local\n");
        let d = f.run(apply).unwrap();
        assert_eq!(d.hostname, "box.local");
        assert_eq!(
            d.trace().last_for("hostname").unwrap().source,
            Source::input("services.web.hostname")
        );
        f.options.hostname = Some("opt".into());
        assert_eq!(f.run(apply).unwrap().hostname, "opt");
    }

    #[test]
    fn hostname_is_validated() {
        let long = "a".repeat(65);
        for bad in ["-box", "under_score", "sp ace", long.as_str()] {
            // The file check refuses these first; the pass refuses them too.
            let mut f = fixture("");
            f.service.spec.hostname = Some(bad.into());
            let err = f.run(apply).unwrap_err();
            assert_eq!(err.field(), Some("services.web.hostname"), "{bad}");
        }
        let mut f = fixture("");
        f.options.hostname = Some(String::new());
        assert_eq!(f.run(apply).unwrap_err().field(), Some("options.hostname"));
        f.options.hostname = Some("a".repeat(64));
        assert!(f.run(apply).is_ok());
    }
}
