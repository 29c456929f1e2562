//! Checks of a service's host-side references, made when the service file is read, before
//! anything is probed or resolved: a reference the host could never satisfy is the file's
//! error (exit 1, at its field), not a failure of the host (exit 3) found later.
//!
//! - `$S:` references follow the grammar the secrets provider reads ([`SecretRef::parse`]);
//! - host paths the GPU sharing modes read (`mps_pipe_dir`, `mps_log_dir`,
//!   `time_slicing_config_path`) are absolute: a relative one names no place on the host, and
//!   a probe would look it up relative to wherever it runs.

use ocigen_core::service::{EnvValue, Service};
use ocigen_core::Error;

use crate::secrets::SecretRef;

/// Every check above, the first failure as an error at its field.
pub fn check_service(service: &Service) -> Result<(), Error> {
    for (key, value) in &service.spec.env {
        if let EnvValue::Secret(reference) = value {
            SecretRef::parse(reference)
                .map_err(|why| Error::unsatisfiable(service.field(&format!("env.{key}")), why))?;
        }
    }
    if let Some(gpu) = &service.spec.resources.gpu {
        for (key, value) in [
            ("mps_pipe_dir", &gpu.mps_pipe_dir),
            ("mps_log_dir", &gpu.mps_log_dir),
            ("time_slicing_config_path", &gpu.time_slicing_config_path),
        ] {
            if let Some(path) = value.as_deref().filter(|p| !p.starts_with('/')) {
                return Err(Error::invalid(
                    service.field(&format!("resources.gpu.{key}")),
                    "an absolute host path",
                    format!("{path:?}"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(body: &str) -> Service {
        let text = format!(
            "version: v1\ndeployment: demo\nservices:\n  web:\n    image: {{name: busybox}}\n{body}"
        );
        ocigen_core::parse_service_file("t.yaml", &text)
            .unwrap()
            .service(None)
            .unwrap()
    }

    #[test]
    fn bad_references_are_errors_at_their_field() {
        let e = check_service(&service("    env: {A: \"$S:a/b/c\"}\n")).unwrap_err();
        assert_eq!(e.field(), Some("services.web.env.A"));
        // A relative host path is refused by the core's own checks already, at the same field.
        let text = "version: v1\ndeployment: demo\nservices:\n  web:\n    image: {name: busybox}\n    resources: {gpu: {count: 1, sharing: mps, mps_log_dir: logs}}\n";
        let e = ocigen_core::parse_service_file("t.yaml", text).unwrap_err();
        assert_eq!(e.field(), Some("services.web.resources.gpu.mps_log_dir"));
        let ok = "    env: {A: \"$S:@api/db/password\", B: \"$E:HOME\"}\n    resources: {gpu: \
                  {count: 1, sharing: time-slice, time_slicing_config_path: /etc/ts.yaml}}\n";
        assert_eq!(check_service(&service(ok)), Ok(()));
    }
}
