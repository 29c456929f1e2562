//! Pass `sysctl`: `linux.sysctl` from the service's `sysctls`.
//!
//! Only namespaced keys, as Docker and runc allow them, because any other key would change
//! the whole host:
//! - `net.*` needs the container's own network namespace (not `host`, not `container:<id>`);
//! - `kernel.msgmax`, `kernel.msgmnb`, `kernel.msgmni`, `kernel.sem`, `kernel.shmall`,
//!   `kernel.shmmax`, `kernel.shmmni`, `kernel.shm_rmid_forced` and `fs.mqueue.*` need its own
//!   IPC namespace;
//! - `kernel.domainname` is in the UTS namespace, which is always the container's own;
//!   `kernel.hostname` is refused: `hostname` sets it.
//!
//! A key in a shared namespace is an error naming the key and the field that shares it.

use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::ns_modes::{self, Mode, Share};
use crate::trace::Source;

/// IPC-namespaced keys besides the `fs.mqueue.` prefix (runc's list).
const IPC_KEYS: &[&str] = &[
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

/// The namespace a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Namespace {
    Network,
    Ipc,
    Uts,
}

fn namespace_of(key: &str) -> Option<Namespace> {
    if key.starts_with("net.") {
        Some(Namespace::Network)
    } else if IPC_KEYS.contains(&key) || key.starts_with("fs.mqueue.") {
        Some(Namespace::Ipc)
    } else if key == "kernel.domainname" {
        Some(Namespace::Uts)
    } else {
        None
    }
}

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let sysctls = &cx.service.spec.sysctls;
    if sysctls.is_empty() {
        return Ok(());
    }
    let network = ns_modes::network(cx)?;
    let ipc = ns_modes::ipc(cx)?;
    for (key, value) in sysctls {
        let field = cx.service.field(&format!("sysctls.{key}"));
        let (mode, what) = match namespace_of(key) {
            Some(Namespace::Network) => (&network, "network"),
            Some(Namespace::Ipc) => (&ipc, "IPC"),
            Some(Namespace::Uts) => {
                set(d, key, value, &field)?;
                continue;
            }
            None if key == "kernel.hostname" => {
                return Err(Error::invalid(
                    field,
                    "no `kernel.hostname` sysctl: the `hostname` key sets it",
                    "`kernel.hostname`",
                ))
            }
            None => {
                return Err(Error::invalid(
                    field,
                    "a namespaced sysctl (`net.*`, `kernel.shm*`, `kernel.msg*`, `kernel.sem`, `fs.mqueue.*`, `kernel.domainname`); others would change the whole host",
                    format!("`{key}`"),
                ))
            }
        };
        check_private(mode, what, &field)?;
        set(d, key, value, &field)?;
    }
    Ok(())
}

/// A sysctl in a namespace the container does not own is refused, naming who shares it.
fn check_private(mode: &Mode, what: &str, field: &str) -> Result<()> {
    let shared = match &mode.share {
        Share::Private => return Ok(()),
        Share::Host => format!("the host's {what} namespace"),
        Share::Container(id) => format!("container `{id}`'s {what} namespace"),
    };
    let by = mode.field.as_deref().unwrap_or("the agent");
    Err(Error::invalid(
        field,
        format!("a sysctl in the container's own {what} namespace"),
        format!("{by}, which shares {shared}: setting it would change theirs"),
    ))
}

fn set(d: &mut Draft, key: &str, value: &str, field: &str) -> Result<()> {
    if value.is_empty() || value.contains('\n') {
        return Err(Error::invalid(
            field,
            "a non-empty one-line value",
            format!("{value:?}"),
        ));
    }
    d.set_sysctl(key, value, Source::input(field.to_string()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::fixture::{err_text, web};

    #[test]
    fn namespaced_keys_are_written_and_traced() {
        let d = web(concat!(
            "sysctls:\n",
            "  net.core.somaxconn: \"1024\"\n",
            "  kernel.shmmax: \"68719476736\"\n",
            "  fs.mqueue.msg_max: \"64\"\n",
            "  kernel.domainname: example.org\n",
        ))
        .run(apply)
        .unwrap();
        assert_eq!(d.sysctl.len(), 4);
        assert_eq!(d.sysctl["net.core.somaxconn"], "1024");
        assert_eq!(
            d.trace()
                .last_for("linux.sysctl.kernel.shmmax")
                .map(|e| &e.source),
            Some(&Source::input("services.web.sysctls.kernel.shmmax"))
        );
    }

    #[test]
    fn host_wide_keys_are_refused() {
        for key in ["vm.swappiness", "kernel.pid_max", "fs.file-max"] {
            let e = err_text(web(&format!("sysctls: {{ {key}: \"1\" }}")).run(apply));
            assert!(
                e.starts_with(&format!(
                    "services.web.sysctls.{key}: expected a namespaced sysctl"
                )),
                "{e}"
            );
        }
        let e = err_text(web("sysctls: { kernel.hostname: x }").run(apply));
        assert!(e.contains("the `hostname` key sets it"), "{e}");
    }

    #[test]
    fn shared_namespaces_refuse_their_keys_naming_both_fields() {
        let e =
            err_text(web("network_mode: host\nsysctls: { net.ipv4.ip_forward: \"1\" }").run(apply));
        assert!(
            e.starts_with("services.web.sysctls.net.ipv4.ip_forward: expected a sysctl in the container's own network namespace"),
            "{e}"
        );
        assert!(e.contains("services.web.network_mode"), "{e}");
        let e = err_text(
            web("ipc_mode: container:db\nsysctls: { kernel.sem: \"1 2 3 4\" }").run(apply),
        );
        assert!(e.contains("services.web.ipc_mode"), "{e}");
        assert!(e.contains("container `db`'s IPC namespace"), "{e}");
        let mut f = web("sysctls: { net.core.somaxconn: \"1\" }");
        f.options.host_network = true;
        assert!(err_text(f.run(apply)).contains("options.host_network"));
        // An IPC key is fine with the host network, and a net key with the host IPC.
        let d = web("network_mode: host\nipc_mode: host\nsysctls: { kernel.domainname: a }")
            .run(apply)
            .unwrap();
        assert_eq!(d.sysctl.len(), 1);
    }

    #[test]
    fn values_must_be_one_line() {
        let e = err_text(web("sysctls: { net.core.somaxconn: \"\" }").run(apply));
        assert!(e.contains("a non-empty one-line value"), "{e}");
    }
}
