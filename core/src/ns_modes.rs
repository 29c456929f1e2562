//! The service's namespace modes (`network_mode`/`host_network`, `pid_mode`, `ipc_mode`),
//! read once with Docker's meanings, for the passes that depend on them: `namespaces` creates
//! or joins the namespaces, `mounts` shapes /dev/shm and refuses `dns`/`extra_hosts` in a
//! borrowed network, `sysctl` refuses a key whose namespace is shared.
//!
//! Each mode says how the container gets that namespace and which input decided it, so an
//! error about a combination can name both fields.

use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::service::NetworkMode;
use crate::trace::Source;

/// How the container gets one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Share {
    /// Its own, new namespace.
    Private,
    /// The host's: no namespace of that type in the spec.
    Host,
    /// Another container's, by id; its path comes from the render option
    /// `container_namespaces.<id>.<type>`.
    Container(String),
}

/// A namespace mode and the input that chose it (`None`: nothing was set, the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mode {
    pub share: Share,
    /// The field that chose it (`services.web.pid_mode`, `options.host_network`).
    pub field: Option<String>,
    pub source: Option<Source>,
}

impl Mode {
    fn default_private() -> Mode {
        Mode {
            share: Share::Private,
            field: None,
            source: None,
        }
    }

    fn from_input(share: Share, field: String) -> Mode {
        Mode {
            share,
            source: Some(Source::input(field.clone())),
            field: Some(field),
        }
    }

    /// Whether the container has a namespace of its own of this type.
    pub fn private(&self) -> bool {
        self.share == Share::Private
    }
}

/// `container:<id>` -> the id (non-empty), else `None`.
fn container_id(text: &str) -> Option<&str> {
    text.strip_prefix("container:").filter(|id| !id.is_empty())
}

/// `pid_mode`: unset or `""` (private), `host`, `container:<id>`.
pub fn pid(cx: &Context<'_>) -> Result<Mode> {
    let Some(text) = cx
        .service
        .spec
        .pid_mode
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return Ok(Mode::default_private());
    };
    let field = cx.service.field("pid_mode");
    let share = match text {
        "host" => Share::Host,
        _ => match container_id(text) {
            Some(id) => Share::Container(id.to_string()),
            None => {
                return Err(Error::invalid(
                    field,
                    "`host` or `container:<id>` (Docker's --pid)",
                    format!("`{text}`"),
                ))
            }
        },
    };
    Ok(Mode::from_input(share, field))
}

/// `ipc_mode` as Docker reads it. `none` is a private namespace without /dev/shm
/// ([`ipc_without_shm`]); `private` and `shareable` are private namespaces (sharing one is
/// the other container's `container:<id>`).
pub fn ipc(cx: &Context<'_>) -> Result<Mode> {
    let Some(text) = cx
        .service
        .spec
        .ipc_mode
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return Ok(Mode::default_private());
    };
    let field = cx.service.field("ipc_mode");
    let share =
        match text {
            "private" | "shareable" | "none" => Share::Private,
            "host" => Share::Host,
            _ => match container_id(text) {
                Some(id) => Share::Container(id.to_string()),
                None => return Err(Error::invalid(
                    field,
                    "`private`, `shareable`, `none`, `host` or `container:<id>` (Docker's --ipc)",
                    format!("`{text}`"),
                )),
            },
        };
    Ok(Mode::from_input(share, field))
}

/// `ipc_mode: none`: Docker mounts no /dev/shm.
pub fn ipc_without_shm(cx: &Context<'_>) -> bool {
    cx.service.spec.ipc_mode.as_deref() == Some("none")
}

/// The network namespace: the agent's `host_network` option, the service's `host_network`
/// flag and `network_mode` (one notion, seed bug 13). `none`, `bridge`, `bridge:<name>` and
/// `default` are private namespaces (the agent attaches networks to all but `none`).
pub fn network(cx: &Context<'_>) -> Result<Mode> {
    let spec = &cx.service.spec;
    let mode_field = cx.service.field("network_mode");
    let joined = match &spec.network_mode {
        Some(NetworkMode::Other(text)) => container_id(text).map(str::to_string),
        _ => None,
    };
    if let Some(id) = joined {
        // Sharing another container's network and the host's at once cannot both hold.
        let host = if cx.options.host_network {
            Some("options.host_network".to_string())
        } else if spec.host_network == Some(true) {
            Some(cx.service.field("host_network"))
        } else {
            None
        };
        if let Some(other) = host {
            return Err(Error::invalid(
                mode_field,
                format!("one network: `container:{id}` joins that container's network, {other} asks for the host's"),
                format!("both, with {other}"),
            ));
        }
        return Ok(Mode::from_input(Share::Container(id), mode_field));
    }
    if cx.options.host_network {
        return Ok(Mode {
            share: Share::Host,
            field: Some("options.host_network".into()),
            source: Some(Source::option("host_network")),
        });
    }
    if matches!(spec.network_mode, Some(NetworkMode::Host)) {
        return Ok(Mode::from_input(Share::Host, mode_field));
    }
    if spec.host_network == Some(true) {
        return Ok(Mode::from_input(
            Share::Host,
            cx.service.field("host_network"),
        ));
    }
    Ok(match &spec.network_mode {
        Some(_) => Mode::from_input(Share::Private, mode_field),
        None => Mode::default_private(),
    })
}

/// The path of namespace `ns` (`network`, `pid`, `ipc`) of container `id`, from the render
/// option; its absence is an error naming the option and the field that asked.
pub fn joined_path<'a>(cx: &'a Context<'_>, id: &str, ns: &str, field: &str) -> Result<&'a str> {
    let path = cx
        .options
        .container_namespaces
        .get(id)
        .and_then(|m| m.get(ns))
        .ok_or_else(|| {
            Error::unsatisfiable(
                field,
                format!(
                    "joining container `{id}`'s {ns} namespace needs its path: pass the render option \
                     `container_namespaces.{id}.{ns}` (e.g. /proc/<its pid>/ns/{short})",
                    short = short_name(ns)
                ),
            )
        })?;
    if !path.starts_with('/') {
        return Err(Error::invalid(
            format!("options.container_namespaces.{id}.{ns}"),
            "an absolute path like /proc/1234/ns/net",
            format!("`{path}`"),
        ));
    }
    Ok(path)
}

/// The file name under /proc/<pid>/ns/ of a namespace type.
fn short_name(ns: &str) -> &str {
    match ns {
        "network" => "net",
        "mount" => "mnt",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::Inputs;
    use crate::passes::fixture::{web, Fixture};

    fn modes(f: &Fixture) -> Result<(Mode, Mode, Mode)> {
        let inputs = Inputs {
            service: &f.service,
            image: f.image.as_ref(),
            options: &f.options,
            snapshot: &f.snapshot,
        };
        let cx = Context::new(&inputs);
        Ok((pid(&cx)?, ipc(&cx)?, network(&cx)?))
    }

    #[test]
    fn defaults_are_private_and_cite_nothing() {
        let (p, i, n) = modes(&web("")).unwrap();
        for m in [p, i, n] {
            assert_eq!(m, Mode::default_private());
        }
        // An empty string is unset, as in Docker.
        let (p, i, _) = modes(&web("pid_mode: \"\"\nipc_mode: \"\"")).unwrap();
        assert!(p.private() && p.field.is_none() && i.private());
    }

    #[test]
    fn docker_values() {
        let (p, i, n) = modes(&web(
            "pid_mode: host\nipc_mode: container:db\nnetwork_mode: none",
        ))
        .unwrap();
        assert_eq!(p.share, Share::Host);
        assert_eq!(p.field.as_deref(), Some("services.web.pid_mode"));
        assert_eq!(i.share, Share::Container("db".into()));
        assert_eq!(n.share, Share::Private);
        assert_eq!(n.field.as_deref(), Some("services.web.network_mode"));
        for ipc in ["private", "shareable", "none"] {
            let (_, i, _) = modes(&web(&format!("ipc_mode: {ipc}"))).unwrap();
            assert!(i.private(), "{ipc}");
        }
        let (_, _, n) = modes(&web("network_mode: container:abc")).unwrap();
        assert_eq!(n.share, Share::Container("abc".into()));
    }

    #[test]
    fn bad_values_name_the_field() {
        for (body, field) in [
            ("pid_mode: private", "services.web.pid_mode"),
            ("pid_mode: \"container:\"", "services.web.pid_mode"),
            ("ipc_mode: sharable", "services.web.ipc_mode"),
        ] {
            let e = modes(&web(body)).unwrap_err();
            assert_eq!(e.field(), Some(field), "{body}");
        }
    }

    #[test]
    fn host_network_spellings_and_conflicts() {
        let mut f = web("");
        f.options.host_network = true;
        let (_, _, n) = modes(&f).unwrap();
        assert_eq!(
            (n.share, n.field.as_deref()),
            (Share::Host, Some("options.host_network"))
        );
        let (_, _, n) = modes(&web("host_network: true")).unwrap();
        assert_eq!(n.field.as_deref(), Some("services.web.host_network"));
        let e = modes(&web("host_network: true\nnetwork_mode: container:x")).unwrap_err();
        assert_eq!(e.field(), Some("services.web.network_mode"));
        assert!(e.to_string().contains("services.web.host_network"), "{e}");
    }
}
