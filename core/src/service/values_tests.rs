//! Accept/reject tables for the parsed service values, and the errors they give in a file.

use super::*;
use crate::error::{Error, ErrorCode};

fn file_err(body: &str) -> Error {
    let text =
        format!("version: v1\ndeployment: demo\nservices:\n  web:\n    image: {{name: x}}\n{body}");
    match parse_service_file("web.yaml", &text) {
        Ok(_) => panic!("{body:?} should not parse"),
        Err(e) => e,
    }
}

fn spec(body: &str) -> ServiceSpec {
    let text = format!("image: {{name: x}}\n{body}");
    match parse_service_file("web.yaml", &text) {
        Ok(ServiceFile::Bare(s)) => *s,
        Ok(other) => panic!("not bare: {other:?}"),
        Err(e) => panic!("{body:?}: {e}"),
    }
}

#[test]
fn byte_size_table() {
    for (text, bytes) in [
        ("512Mi", 512 << 20),
        ("1.5Gi", 1_610_612_736),
        ("2G", 2_000_000_000),
        ("4096", 4096),
        (" 64Mi ", 64 << 20),
        ("9223372036854775807", i64::MAX as u64),
    ] {
        let size = ByteSize::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert_eq!(size.bytes(), bytes, "{text}");
        assert_eq!(size.text(), text);
    }
    for (text, expected) in [
        ("12.5Q", "a size like 512Mi"),
        ("1KB", "a size like 512Mi"),
        ("", "a size like 512Mi"),
        ("1.5", "a size that comes to a whole number of bytes"),
        ("0", "a size above 0 like 512Mi (0 means no limit)"),
        ("0Mi", "a size above 0 like 512Mi (0 means no limit)"),
        ("8388608Ti", "a size of at most 9223372036854775807 bytes"),
        ("16777216Ti", "a size of at most 9223372036854775807 bytes"),
    ] {
        let e = ByteSize::parse(text).unwrap_err();
        assert_eq!(e.expected, expected, "{text}");
        assert_eq!(e.got, format!("{text:?}"));
    }
}

#[test]
fn cpu_quota_table() {
    for (cpus, quota) in [(0.3, 30_000), (2.0, 200_000), (0.01, 1_000), (0.5, 50_000)] {
        assert_eq!(CpuQuota::new(cpus).unwrap().quota(), quota, "{cpus}");
    }
    for cpus in [0.0, -1.0, 0.001, 0.0049, 1e300, f64::NAN, f64::INFINITY] {
        let e = CpuQuota::new(cpus).unwrap_err();
        assert_eq!(
            e.expected,
            "a number of CPUs of at least 0.01, like 0.5 or 2"
        );
    }
    assert_eq!(
        spec("resources: {cpu: 2}").resources.cpu.map(|c| c.quota()),
        Some(200_000)
    );
}

#[test]
fn env_value_table() {
    for (text, want) in [
        ("plain", EnvValue::Literal("plain".into())),
        ("", EnvValue::Literal(String::new())),
        ("x$E:HOME", EnvValue::Literal("x$E:HOME".into())),
        ("$E:HOME", EnvValue::AgentEnv("HOME".into())),
        (
            "$S:@api/db-password",
            EnvValue::Secret("@api/db-password".into()),
        ),
        ("$e:HOME", EnvValue::Literal("$e:HOME".into())),
    ] {
        let v = EnvValue::parse(text).unwrap();
        assert_eq!(v, want, "{text}");
        assert_eq!(v.to_string(), text, "written back as read");
    }
    assert_eq!(
        EnvValue::parse("$E:").unwrap_err().expected,
        "a variable name after `$E:`"
    );
    assert_eq!(
        EnvValue::parse("$S:").unwrap_err().expected,
        "a secret reference after `$S:`"
    );
}

#[test]
fn seed_bug_12_octal_mode_table() {
    for (n, want) in [
        (1777, 0o1777),
        (1023, 0o1777), // YAML 0o1777
        (755, 0o755),
        (493, 0o755), // YAML 0o755
        (420, 0o644), // YAML 0o644
        (700, 0o700),
        (0, 0),
    ] {
        assert_eq!(OctalMode::from_number(n).unwrap().bits(), want, "{n}");
    }
    for (text, want) in [("1777", 0o1777), ("0o755", 0o755), (" 644 ", 0o644)] {
        assert_eq!(OctalMode::from_text(text).unwrap().bits(), want, "{text}");
    }
    // 511 is 0o511 or YAML 0o777: ambiguous, an error rather than a guess.
    let e = OctalMode::from_number(511).unwrap_err();
    assert_eq!(e.got, "the number 511, which could mean 511 or 777 (octal)");
    assert!(OctalMode::from_number(99999).is_err());
    assert!(OctalMode::from_number(u64::MAX).is_err());
    for bad in ["1999", "", "0o", "17777", "rwx"] {
        assert!(OctalMode::from_text(bad).is_err(), "{bad}");
    }
}

#[test]
fn values_fail_when_the_file_is_read_with_their_path() {
    for (body, field, needle) in [
        (
            "    resources: {memory: 12.5Q}\n",
            "services.web.resources.memory",
            "expected a size like 512Mi, got \"12.5Q\"",
        ),
        (
            "    resources: {memory: 0Mi}\n",
            "services.web.resources.memory",
            "above 0",
        ),
        (
            "    resources: {memory: 512}\n",
            "services.web.resources.memory",
            "expected a size like 512Mi, got the number 512",
        ),
        (
            "    resources: {cpu: 0.001}\n",
            "services.web.resources.cpu",
            "at least 0.01",
        ),
        (
            "    env: {A: '$E:'}\n",
            "services.web.env.A",
            "a variable name after `$E:`",
        ),
        (
            "    env: {PORT: 8080}\n",
            "services.web.env.PORT",
            "quote numbers",
        ),
        (
            "    storage:\n      - {type: tmpfs, target: /t, size: 0Mi}\n",
            "services.web.storage[0].size",
            "above 0",
        ),
        (
            "    storage:\n      - {type: tmpfs, target: /t, size: 0}\n",
            "services.web.storage[0].size",
            "expected a size like 512Mi, got the number 0",
        ),
        (
            "    storage:\n      - {type: tmpfs, target: /t, mode: 511}\n",
            "services.web.storage[0].mode",
            "which could mean 511 or 777",
        ),
        (
            "    storage:\n      - {type: tmpfs, target: /t, mode: \"1999\"}\n",
            "services.web.storage[0].mode",
            "an octal mode",
        ),
    ] {
        let e = file_err(body);
        assert_eq!(e.field(), Some(field), "{body}: {e}");
        assert!(e.to_string().contains(needle), "{body}: {e}");
        assert!(e.to_string().starts_with("web.yaml:"), "{e}");
    }
    // Not-acceptable values are E_INVALID, as validation errors always were.
    assert_eq!(
        file_err("    resources: {memory: 12.5Q}\n").code(),
        ErrorCode::Invalid
    );
    assert_eq!(
        file_err("    storage:\n      - {type: tmpfs, target: /t, size: 0Mi}\n").code(),
        ErrorCode::Invalid
    );
}

#[test]
fn values_round_trip_through_serde() {
    let s = spec("resources: {cpu: 0.5, memory: 1.5Gi}\nenv: {A: '$E:HOME'}\nstorage:\n  - {type: tmpfs, target: /t, size: 16Mi, mode: 1777}\n");
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["resources"]["memory"], "1.5Gi");
    assert_eq!(json["resources"]["cpu"], 0.5);
    assert_eq!(json["env"]["A"], "$E:HOME");
    assert_eq!(json["storage"][0]["mode"], "1777");
    assert_eq!(json["storage"][0]["type"], "tmpfs");
    let back: ServiceSpec = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
}
