//! The stable diagnostic codes as a type, so a front end shows `W003` by a lookup in one
//! table rather than by cutting `W003_GPU_NODE_MISSING` at its first `_`.
//!
//! The long names stay in [`crate::trace::codes`] and, for the policy rules, in
//! [`crate::policy::rules`] (they are what diagnostics, envelopes and goldens carry); this
//! table pairs each with its short id and is checked against them.

use crate::policy::rules::{self, Rule};
use crate::trace::codes;

/// One diagnostic code (the README's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticCode {
    NetworkTier,
    S3Volume,
    GpuNodeMissing,
    CdiFallback,
    DeviceMissing,
    EnvEmpty,
    GpuVendorUnsupported,
    CdiFileIgnored,
    GpuMajorMismatch,
    DefaultCapsUnavailable,
    EnvOverridden,
    CgroupOutsideDelegation,
    LimitNotApplied,
    CgroupAgentNotInLeaf,
    DeviceNotOpenable,
    PrivilegedCaps,
    CdiSpecShadowed,
    DnsIgnoredHostNetwork,
    FieldNotApplied,
    HostsWithoutHostEntries,
    /// A policy finding (`P001`...): the rule says what.
    Policy(Rule),
}

use DiagnosticCode::*;

impl DiagnosticCode {
    pub const ALL: [DiagnosticCode; 35] = [
        NetworkTier,
        S3Volume,
        GpuNodeMissing,
        CdiFallback,
        DeviceMissing,
        EnvEmpty,
        GpuVendorUnsupported,
        CdiFileIgnored,
        GpuMajorMismatch,
        DefaultCapsUnavailable,
        EnvOverridden,
        CgroupOutsideDelegation,
        LimitNotApplied,
        CgroupAgentNotInLeaf,
        DeviceNotOpenable,
        PrivilegedCaps,
        CdiSpecShadowed,
        DnsIgnoredHostNetwork,
        FieldNotApplied,
        HostsWithoutHostEntries,
        Policy(rules::RULES[0]),
        Policy(rules::RULES[1]),
        Policy(rules::RULES[2]),
        Policy(rules::RULES[3]),
        Policy(rules::RULES[4]),
        Policy(rules::RULES[5]),
        Policy(rules::RULES[6]),
        Policy(rules::RULES[7]),
        Policy(rules::RULES[8]),
        Policy(rules::RULES[9]),
        Policy(rules::RULES[10]),
        Policy(rules::RULES[11]),
        Policy(rules::RULES[12]),
        Policy(rules::RULES[13]),
        Policy(rules::RULES[14]),
    ];

    /// The code a diagnostic carries (`W003_GPU_NODE_MISSING`), if it is one of ours.
    pub fn from_name(name: &str) -> Option<DiagnosticCode> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The short id: `W003`.
    pub fn id(self) -> &'static str {
        match self {
            NetworkTier => "W001",
            S3Volume => "W002",
            GpuNodeMissing => "W003",
            CdiFallback => "W004",
            DeviceMissing => "W005",
            EnvEmpty => "W006",
            GpuVendorUnsupported => "W007",
            CdiFileIgnored => "W008",
            GpuMajorMismatch => "W009",
            DefaultCapsUnavailable => "W010",
            EnvOverridden => "W011",
            CgroupOutsideDelegation => "W012",
            LimitNotApplied => "W013",
            CgroupAgentNotInLeaf => "W014",
            DeviceNotOpenable => "W015",
            PrivilegedCaps => "I001",
            CdiSpecShadowed => "I002",
            DnsIgnoredHostNetwork => "I003",
            FieldNotApplied => "I004",
            HostsWithoutHostEntries => "I005",
            Policy(rule) => rule.id,
        }
    }

    /// The long name diagnostics carry: `W003_GPU_NODE_MISSING`.
    pub fn name(self) -> &'static str {
        match self {
            NetworkTier => codes::NETWORK_TIER,
            S3Volume => codes::S3_VOLUME,
            GpuNodeMissing => codes::GPU_NODE_MISSING,
            CdiFallback => codes::CDI_FALLBACK,
            DeviceMissing => codes::DEVICE_MISSING,
            EnvEmpty => codes::ENV_EMPTY,
            GpuVendorUnsupported => codes::GPU_VENDOR_UNSUPPORTED,
            CdiFileIgnored => codes::CDI_FILE_IGNORED,
            GpuMajorMismatch => codes::GPU_MAJOR_MISMATCH,
            DefaultCapsUnavailable => codes::DEFAULT_CAPS_UNAVAILABLE,
            EnvOverridden => codes::ENV_OVERRIDDEN,
            CgroupOutsideDelegation => codes::CGROUP_OUTSIDE_DELEGATION,
            LimitNotApplied => codes::LIMIT_NOT_APPLIED,
            CgroupAgentNotInLeaf => codes::CGROUP_AGENT_NOT_IN_LEAF,
            DeviceNotOpenable => codes::DEVICE_NOT_OPENABLE,
            PrivilegedCaps => codes::PRIVILEGED_CAPS,
            CdiSpecShadowed => codes::CDI_SPEC_SHADOWED,
            DnsIgnoredHostNetwork => codes::DNS_IGNORED_HOST_NETWORK,
            FieldNotApplied => codes::FIELD_NOT_APPLIED,
            HostsWithoutHostEntries => codes::HOSTS_WITHOUT_HOST_ENTRIES,
            Policy(rule) => rule.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_agree() {
        let mut ids = Vec::new();
        for code in DiagnosticCode::ALL {
            assert!(
                code.name().starts_with(&format!("{}_", code.id())),
                "{code:?}"
            );
            assert_eq!(DiagnosticCode::from_name(code.name()), Some(code));
            ids.push(code.id());
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), DiagnosticCode::ALL.len(), "ids are unique");
        assert_eq!(DiagnosticCode::from_name("W003"), None);
        // Every policy rule is in the table.
        for rule in rules::RULES {
            assert_eq!(
                DiagnosticCode::from_name(rule.name),
                Some(DiagnosticCode::Policy(rule))
            );
        }
    }
}
