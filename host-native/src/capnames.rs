//! Linux capability numbers -> names (linux/capability.h). Bit N of a `CapBnd:` mask is
//! capability N. Kernels newer than this table report higher bits; those are kept as
//! `CAP_<N>` so nothing is silently dropped.

/// Capabilities 0..=40, index = capability number.
pub const CAPABILITIES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Names of the bits set in a hex capability mask such as `000001fffeffffff`.
pub fn names_from_mask(hex: &str) -> Result<Vec<String>, String> {
    let mask = u64::from_str_radix(hex.trim(), 16)
        .map_err(|e| format!("`{}` is not a hex mask: {e}", hex.trim()))?;
    Ok((0..64u32)
        .filter(|bit| mask & (1u64 << bit) != 0)
        .map(|bit| match CAPABILITIES.get(bit as usize) {
            Some(name) => (*name).to_string(),
            None => format!("CAP_{bit}"),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_hosts_mask_lacks_sys_resource() {
        // CapBnd of the CI machine kind (host-facts.md): all 41 but CAP_SYS_RESOURCE (bit 24).
        let names = names_from_mask("000001fffeffffff").unwrap();
        assert_eq!(names.len(), 40);
        assert!(!names.iter().any(|n| n == "CAP_SYS_RESOURCE"));
        assert_eq!(
            names.last().map(String::as_str),
            Some("CAP_CHECKPOINT_RESTORE")
        );
    }

    #[test]
    fn config_validation_knows_every_name_the_probe_reports() {
        // The probe writes these names into snapshots and privileged specs; `ocigen validate`
        // (the core's check) must accept each of them.
        let config = serde_json::json!({"process": {"cwd": "/",
            "capabilities": {"bounding": CAPABILITIES.to_vec()}}});
        let problems = ocigen_core::validate::validate_config(&config);
        assert!(
            !problems
                .iter()
                .any(|p| p.field.starts_with("process.capabilities")),
            "{problems:?}"
        );
    }

    #[test]
    fn unknown_high_bits_are_kept_and_garbage_is_an_error() {
        assert_eq!(
            names_from_mask("20000000000").unwrap(),
            vec!["CAP_41".to_string()]
        );
        assert!(names_from_mask("xyz").is_err());
    }
}
