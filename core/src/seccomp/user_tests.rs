//! The user-profile validator: good profiles load as meant, bad ones name file and field.

use std::collections::BTreeSet;

use oci_spec::runtime::{Arch, LinuxSeccompAction, LinuxSeccompOperator};

use super::parse_profile;
use crate::error::Error;
use crate::seccomp::{resolve_profile, Preset};

/// The error's field and message for `text`, which must fail.
fn fails(text: &str) -> (String, String) {
    match parse_profile("my.json", text) {
        Err(Error::Parse { at, message }) => {
            assert_eq!(at.file.as_deref(), Some("my.json"));
            (at.path, message)
        }
        other => panic!("expected a parse error for {text}, got {other:?}"),
    }
}

#[test]
fn a_runtime_spec_profile_loads_unchanged() {
    let text = r#"{
      "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
      "syscalls": [
        {"names": ["read", "write", "_llseek"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
         "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_EQ"},
                  {"index": 2, "value": 255, "valueTwo": 9, "op": "SCMP_CMP_MASKED_EQ"}]}
      ]}"#;
    let p = parse_profile("my.json", text).unwrap();
    assert_eq!(p.name, "my.json");
    assert_eq!(p.default_action, LinuxSeccompAction::ScmpActErrno);
    assert_eq!(p.default_errno_ret, Some(1));
    assert_eq!(p.architectures, [Arch::ScmpArchX86_64, Arch::ScmpArchX86]);
    assert_eq!(p.rules.len(), 2);
    assert_eq!(p.rules[0].names, ["read", "write", "_llseek"]);
    assert_eq!(p.rules[1].errno_ret, Some(22));
    assert_eq!(
        p.rules[1].args[1].op(),
        LinuxSeccompOperator::ScmpCmpMaskedEq
    );
    assert_eq!(p.rules[1].args[1].value_two(), Some(9));

    // Without conditions, resolution changes nothing, whatever the host.
    let r = resolve_profile(p, Preset::Docker, "aarch64", &BTreeSet::new(), "garbage").unwrap();
    let json = serde_json::to_value(&r.seccomp).unwrap();
    assert_eq!(json["architectures"][0], "SCMP_ARCH_X86_64");
    assert_eq!(json["flags"][0], "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    assert_eq!(json["syscalls"][1]["args"][1]["valueTwo"], 9);
    assert_eq!(r.origins[1].to_string(), "my.json#1");
}

#[test]
fn the_reference_profiles_are_valid_user_profiles() {
    // A Docker or Podman user often starts from a copy of the default profile.
    for (file, text) in [
        (
            "docker-default.json",
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../reference/seccomp/docker-default.json"
            )),
        ),
        (
            "podman-default.json",
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../reference/seccomp/podman-default.json"
            )),
        ),
    ] {
        let p = parse_profile(file, text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(p.rules.len() > 30, "{file}");
    }
}

#[test]
fn a_copy_of_a_default_resolves_like_the_builtin() {
    let caps: BTreeSet<String> = ["CAP_SYS_ADMIN", "CAP_CHOWN"].map(String::from).into();
    for (preset, text) in [
        (
            Preset::Docker,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../reference/seccomp/docker-default.json"
            )),
        ),
        (
            Preset::Podman,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../reference/seccomp/podman-default.json"
            )),
        ),
    ] {
        let user = parse_profile("copy.json", text).unwrap();
        let user = resolve_profile(user, preset, "x86_64", &caps, "6.8.0").unwrap();
        let builtin = super::super::resolve(preset, "x86_64", &caps, "6.8.0").unwrap();
        assert_eq!(user.seccomp, builtin.seccomp, "{preset:?}");
        let idx =
            |r: &super::super::Resolved| r.origins.iter().map(|o| o.index).collect::<Vec<_>>();
        assert_eq!(idx(&user), idx(&builtin));
    }
}

#[test]
fn podman_errno_names_resolve_and_must_agree_with_errno_ret() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS",
      "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errno": "EPERM"}]}"#;
    let p = parse_profile("p.json", text).unwrap();
    assert_eq!((p.default_errno, p.default_errno_ret), (Some(38), None));
    assert_eq!((p.rules[0].errno, p.rules[0].errno_ret), (Some(1), None));
    // Podman reads the names; Docker does not know the fields (and its runtime then uses
    // EPERM for an ERRNO rule without errnoRet).
    let podman =
        resolve_profile(p.clone(), Preset::Podman, "x86_64", &BTreeSet::new(), "6.1").unwrap();
    assert_eq!(podman.seccomp.default_errno_ret(), Some(38));
    let docker = resolve_profile(p, Preset::Docker, "x86_64", &BTreeSet::new(), "6.1").unwrap();
    assert_eq!(docker.seccomp.default_errno_ret(), None);

    let (field, msg) = fails(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errno": "EINVAL"}]}"#,
    );
    assert_eq!(field, "syscalls[0].errno");
    assert!(
        msg.contains("errno 22") && msg.contains("errnoRet says 1"),
        "{msg}"
    );
}

#[test]
fn min_kernel_conditions_follow_the_host_release() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
      {"names": ["old"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.0"}}]}"#;
    let names = |release: &str| {
        let p = parse_profile("k.json", text).unwrap();
        let r = resolve_profile(p, Preset::Docker, "x86_64", &BTreeSet::new(), release).unwrap();
        r.seccomp
            .syscalls()
            .iter()
            .flatten()
            .map(|s| s.names()[0].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names("4.4.0-210-generic"), ["old"]);
    assert_eq!(names("4.19.0-27-amd64"), ["ptrace", "old"]);
    assert_eq!(names("6.8.0-45-generic"), ["ptrace"]);
    // An unreadable release is an error only because a rule needs it, and names the fact.
    let p = parse_profile("k.json", text).unwrap();
    let err = resolve_profile(p, Preset::Docker, "x86_64", &BTreeSet::new(), "weird").unwrap_err();
    assert_eq!(err.field(), Some("kernel.release"));
    assert!(err.to_string().contains("k.json"), "{err}");
    // Podman's format has no minKernel, so Podman applies both rules on any kernel.
    let p = parse_profile("k.json", text).unwrap();
    let r = resolve_profile(p, Preset::Podman, "x86_64", &BTreeSet::new(), "weird").unwrap();
    assert_eq!(r.seccomp.syscalls().as_ref().map(Vec::len), Some(2));
}

#[test]
fn bad_profiles_name_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        ("not json", "", "invalid JSON"),
        (r#"{"syscalls": []}"#, "defaultAction", "required"),
        (
            r#"{"defaultAction": "SCMP_ACT_DENY"}"#,
            "defaultAction",
            "expected one of SCMP_ACT_KILL",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/a.sock"}"#,
            "defaultAction",
            "cannot be the default",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1}"#,
            "defaultErrnoRet",
            "only to SCMP_ACT_ERRNO",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EWHAT"}"#,
            "defaultErrno",
            "errno number or a name",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1}"#,
            "defaultErrnoRet",
            "expected a whole number from 0 to 4294967295, got -1",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "x86_64"]}"#,
            "architectures[1]",
            "SCMP_ARCH_AARCH64",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_NATIVE"]}"#,
            "architectures[0]",
            "expected one of",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}"#,
            "archMap",
            "not both",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["i386"]}]}"#,
            "archMap[0].subArchitectures[0]",
            "expected one of",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_FAST"]}"#,
            "flags[0]",
            "SECCOMP_FILTER_FLAG_LOG",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "comment": "x"}"#,
            "comment",
            "unknown field, expected one of defaultAction",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [], "action": "SCMP_ACT_ALLOW"}]}"#,
            "syscalls[0].names",
            "at least one",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]}"#,
            "syscalls[0].names",
            "at least one",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", ""], "action": "SCMP_ACT_ALLOW"}]}"#,
            "syscalls[0].names[1]",
            "syscall name",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["Read"], "action": "SCMP_ACT_ALLOW"}]}"#,
            "syscalls[0].names[0]",
            "syscall name",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"}]}"#,
            "syscalls[0].name",
            "not both",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]}"#,
            "syscalls[0].action",
            "required",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "allow"}]}"#,
            "syscalls[0].action",
            "expected one of",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]}"#,
            "syscalls[0].errnoRet",
            "only to SCMP_ACT_ERRNO",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]}"#,
            "syscalls[0].action",
            "listenerPath",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": "/run/a.sock", "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]}"#,
            "syscalls[0].action",
            "write",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
            "syscalls[0].args[0].index",
            "from 0 to 5, got 6",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "=="}]}]}"#,
            "syscalls[0].args[0].op",
            "SCMP_CMP_MASKED_EQ",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "op": "SCMP_CMP_EQ"}]}]}"#,
            "syscalls[0].args[0].value",
            "required",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["sys_admin"]}}]}"#,
            "syscalls[0].includes.caps[0]",
            "CAP_SYS_ADMIN",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["x86_64"]}}]}"#,
            "syscalls[0].excludes.arches[0]",
            "amd64",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8.1"}}]}"#,
            "syscalls[0].includes.minKernel",
            "<kernel>.<major>",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"kernel": "4.8"}}]}"#,
            "syscalls[0].includes.kernel",
            "unknown field",
        ),
        (r#"[]"#, "", "got a list"),
        (
            r#"{"defaultAction": 1}"#,
            "defaultAction",
            "expected a string, got 1",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}}"#,
            "syscalls",
            "expected a list, got an object",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": ["read"]}"#,
            "syscalls[0]",
            "expected an object, got \"read\"",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read", "action": "SCMP_ACT_ALLOW"}]}"#,
            "syscalls[0].names",
            "expected a list of strings",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", 3], "action": "SCMP_ACT_ALLOW"}]}"#,
            "syscalls[0].names[1]",
            "expected a string, got 3",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1.5, "op": "SCMP_CMP_EQ"}]}]}"#,
            "syscalls[0].args[0].value",
            "got 1.5",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"subArchitectures": []}]}"#,
            "archMap[0].architecture",
            "required",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoret": 1}]}"#,
            "syscalls[0].errnoret",
            "errnoRet",
        ),
    ];
    for (text, want_field, want_msg) in cases {
        let (field, msg) = fails(text);
        assert_eq!(field, *want_field, "{text}: {msg}");
        assert!(msg.contains(want_msg), "{text}: {field}: {msg}");
    }
}
