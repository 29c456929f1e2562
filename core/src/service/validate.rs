//! Checks upstream runs after deserialising (its `validate.rs`) that span more than one value,
//! with errors naming the full field path: `services.web.depends[0].service: expected a
//! service of this deployment...`. Single values that need parsing are checked as they are
//! read (values.rs). The parser adds the file name and position to these errors.

use std::collections::BTreeSet;

use super::schedule::{EndpointSpec, ResourceType, ScaleSpec};
use super::types::{DeploymentSpec, ServiceSpec};
use crate::error::{Error, Result};

/// `prefix.rel`, or `rel` alone for a bare spec (empty prefix).
fn path(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{prefix}.{rel}")
    }
}

impl DeploymentSpec {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.version != "v1" {
            return Err(Error::invalid(
                "version",
                "`v1`",
                format!("{:?}", self.version),
            ));
        }
        if !is_deployment_name(&self.deployment) {
            return Err(Error::invalid(
                "deployment",
                "a name of 3-63 characters from [A-Za-z0-9-], starting with a letter or digit",
                format!("{:?}", self.deployment),
            ));
        }
        for (name, svc) in &self.services {
            let prefix = format!("services.{name}");
            svc.validate(&prefix)?;
            for (i, dep) in svc.depends.iter().enumerate() {
                if !self.services.contains_key(&dep.service) {
                    return Err(Error::invalid(
                        format!("{prefix}.depends[{i}].service"),
                        format!(
                            "a service of this deployment ({})",
                            key_list(self.services.keys())
                        ),
                        format!("{:?}", dep.service),
                    ));
                }
            }
        }
        for (name, ext) in &self.externals {
            let prefix = format!("externals.{name}");
            if ext.backends.is_empty() {
                return Err(Error::invalid(
                    format!("{prefix}.backends"),
                    "at least one backend address",
                    "an empty list",
                ));
            }
            validate_endpoints(&prefix, &ext.endpoints)?;
        }
        Ok(())
    }
}

impl ServiceSpec {
    /// `prefix` is `services.<name>` in a deployment, empty for a bare spec. A bare spec has
    /// no sibling services, so `depends` targets are checked by the deployment only.
    pub(crate) fn validate(&self, prefix: &str) -> Result<()> {
        let at = |rel: &str| path(prefix, rel);
        match (&self.rtype, &self.schedule) {
            (ResourceType::Cron, None) => {
                return Err(Error::invalid(
                    at("schedule"),
                    "a cron schedule, since `rtype` is `cron`",
                    "none",
                ))
            }
            (ResourceType::Cron, Some(s)) => check_cron(&at("schedule"), s)?,
            (other, Some(_)) => {
                return Err(Error::invalid(
                    at("schedule"),
                    "no `schedule` unless `rtype` is `cron`",
                    format!("a schedule with rtype `{}`", rtype_name(*other)),
                ))
            }
            (_, None) => {}
        }
        if self.image.name.trim().is_empty() || self.image.name.contains(char::is_whitespace) {
            return Err(Error::invalid(
                at("image.name"),
                "an image reference such as nginx:1.27",
                format!("{:?}", self.image.name),
            ));
        }
        // cpu and memory were checked as they were read (values.rs).
        let res = &self.resources;
        if let Some(policy) = res.gpu.as_ref().and_then(|g| g.scheduling.as_deref()) {
            if !matches!(policy, "best-effort" | "gang" | "spread") {
                return Err(Error::invalid(
                    at("resources.gpu.scheduling"),
                    "one of best-effort, gang, spread",
                    format!("{policy:?}"),
                ));
            }
        }
        for (i, dev) in self.devices.iter().enumerate() {
            if dev.path.is_empty() {
                return Err(Error::invalid(
                    at(&format!("devices[{i}].path")),
                    "a device path",
                    "\"\"",
                ));
            }
        }
        validate_endpoints(prefix, &self.endpoints)?;
        if let Some(ScaleSpec::Adaptive { min, max, .. }) = &self.scale {
            if min > max {
                return Err(Error::invalid(
                    at("scale.min"),
                    format!("at most `max` ({max})"),
                    min.to_string(),
                ));
            }
        }
        self.validate_replica_groups(prefix)
    }

    fn validate_replica_groups(&self, prefix: &str) -> Result<()> {
        let mut seen = BTreeSet::new();
        for (i, group) in self.replica_groups.iter().flatten().enumerate() {
            let at = path(prefix, &format!("replica_groups[{i}]"));
            if !is_role(&group.role) {
                return Err(Error::invalid(
                    format!("{at}.role"),
                    "a DNS label of 1-30 characters: lowercase letter first, then [a-z0-9-], not ending in `-`",
                    format!("{:?}", group.role),
                ));
            }
            if !seen.insert(group.role.as_str()) {
                return Err(Error::invalid(
                    format!("{at}.role"),
                    "a role not used by another group",
                    format!("{:?} again", group.role),
                ));
            }
            if group.count == 0 {
                return Err(Error::invalid(format!("{at}.count"), "at least 1", "0"));
            }
        }
        Ok(())
    }
}

fn validate_endpoints(prefix: &str, endpoints: &[EndpointSpec]) -> Result<()> {
    let mut names = BTreeSet::new();
    for (i, ep) in endpoints.iter().enumerate() {
        let at = path(prefix, &format!("endpoints[{i}]"));
        if ep.name.is_empty() {
            return Err(Error::invalid(
                format!("{at}.name"),
                "a non-empty endpoint name",
                "\"\"",
            ));
        }
        if !names.insert(ep.name.as_str()) {
            return Err(Error::invalid(
                format!("{at}.name"),
                "an endpoint name unique within the service",
                format!("{:?}, used by an earlier endpoint", ep.name),
            ));
        }
        if ep.port == 0 {
            return Err(Error::invalid(
                format!("{at}.port"),
                "a port from 1 to 65535",
                "0",
            ));
        }
    }
    Ok(())
}

fn rtype_name(r: ResourceType) -> &'static str {
    match r {
        ResourceType::Service => "service",
        ResourceType::Job => "job",
        ResourceType::Cron => "cron",
    }
}

fn key_list<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<String> = keys.map(|k| format!("`{k}`")).collect();
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

/// Upstream's deployment-name rule: 3-63 of [A-Za-z0-9-], first one alphanumeric.
pub(crate) fn is_deployment_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Replica-group role: `^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$`.
fn is_role(role: &str) -> bool {
    let b = role.as_bytes();
    matches!(b.first(), Some(c) if c.is_ascii_lowercase())
        && b.len() <= 30
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.last() != Some(&b'-')
}

/// Upstream parses schedules with the `cron` crate, which wants 6 or 7 fields (seconds first,
/// optional year) or an `@daily`-style shortcut. We check the shape, not the ranges, to avoid
/// that dependency: the common mistake is a 5-field crontab line, which this catches.
fn check_cron(field: &str, schedule: &str) -> Result<()> {
    let text = schedule.trim();
    let shortcut = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    if shortcut.contains(&text) {
        return Ok(());
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    let chars_ok = fields.iter().all(|f| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || "*/,-?#".contains(c))
    });
    if !(6..=7).contains(&fields.len()) || !chars_ok {
        return Err(Error::invalid(
            field,
            "a cron expression of 6 or 7 fields (sec min hour day month weekday [year]), e.g. \"0 0 3 * * *\"",
            format!("{schedule:?} ({} fields)", fields.len()),
        ));
    }
    Ok(())
}
