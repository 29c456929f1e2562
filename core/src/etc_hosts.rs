//! The /etc/hosts a container gets when its service lists `extra_hosts`: written as a bundle
//! file beside config.json (like resolv.conf) and bind-mounted by the `mounts` pass.
//!
//! Contents, in the order glibc searches them (the first match wins): the localhost lines
//! Docker writes, then the service's entries in file order, then the container's hostname on
//! 127.0.1.1 (the Debian convention for a name with no address of its own: the container's
//! network address is the agent's to give, and it is not known when rendering).

use core::net::IpAddr;

use crate::error::{Error, Result};

/// Bundle-relative name of the file.
pub const HOSTS_FILE: &str = "hosts";

/// Docker's localhost lines.
const LOCALHOST: &str = "127.0.0.1\tlocalhost\n\
::1\tlocalhost ip6-localhost ip6-loopback\n\
fe00::0\tip6-localnet\n\
ff00::0\tip6-mcastprefix\n\
ff02::1\tip6-allnodes\n\
ff02::2\tip6-allrouters\n";

/// One `extra_hosts` entry, Docker's `--add-host` forms: `name:ip` or `name=ip`, the address
/// possibly in brackets (`name:[fd00::1]`); an IPv6 address after `:` is fine
/// (`name:fd00::1`, split at the first `:`).
pub fn parse_extra_host(text: &str, field: &str) -> Result<(String, IpAddr)> {
    let expected = "`name:address` or `name=address` with an IP address (Docker's --add-host)";
    let (name, addr) = text
        .split_once('=')
        .or_else(|| text.split_once(':'))
        .ok_or_else(|| Error::invalid(field, expected, format!("`{text}`")))?;
    let name = name.trim();
    let addr = addr.trim();
    if addr == "host-gateway" {
        return Err(Error::invalid(
            field,
            "an IP address: `host-gateway` is the daemon's to resolve, and ocigen has no gateway to give; write the address",
            format!("`{text}`"),
        ));
    }
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| Error::invalid(field, expected, format!("`{text}`")))?;
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !name_ok {
        return Err(Error::invalid(field, expected, format!("`{text}`")));
    }
    Ok((name.to_string(), ip))
}

/// The file's text for a container named `hostname` with the `extra` entries.
pub fn hosts_file(hostname: &str, extra: &[(String, IpAddr)]) -> String {
    let mut text = LOCALHOST.to_string();
    for (name, ip) in extra {
        text.push_str(&format!("{ip}\t{name}\n"));
    }
    text.push_str(&format!("127.0.1.1\t{hostname}\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_add_host_forms() {
        let v4: IpAddr = "10.0.0.5".parse().unwrap();
        let v6: IpAddr = "fd00::1".parse().unwrap();
        for (text, want) in [
            ("db:10.0.0.5", ("db", v4)),
            ("db=10.0.0.5", ("db", v4)),
            ("db.local:fd00::1", ("db.local", v6)),
            ("db:[fd00::1]", ("db", v6)),
            ("db=[fd00::1]", ("db", v6)),
        ] {
            let (name, ip) = parse_extra_host(text, "f").unwrap();
            assert_eq!((name.as_str(), ip), want, "{text}");
        }
        for bad in ["db", "db:", ":10.0.0.5", "db:999.0.0.1", "d b:10.0.0.5"] {
            let e = parse_extra_host(bad, "services.web.extra_hosts[0]").unwrap_err();
            assert_eq!(e.field(), Some("services.web.extra_hosts[0]"), "{bad}");
        }
        let e = parse_extra_host("gw:host-gateway", "f").unwrap_err();
        assert!(e.to_string().contains("write the address"), "{e}");
    }

    #[test]
    fn localhost_then_entries_then_hostname() {
        let text = hosts_file("web-rep-1", &[("db".into(), "10.0.0.5".parse().unwrap())]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "127.0.0.1\tlocalhost");
        assert_eq!(lines[6], "10.0.0.5\tdb");
        assert_eq!(lines[7], "127.0.1.1\tweb-rep-1");
        assert_eq!(lines.len(), 8);
    }
}
