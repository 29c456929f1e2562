//! The one reader over every input kind (core/src/read): duplicate keys, positions of schema
//! errors, nearest keys, escaped control characters, and no library wording in any message.

use ocigen_core::cdi::parse_spec;
use ocigen_core::read::{Source, Syntax};
use ocigen_core::{
    parse_service_file, render_request_json, Error, ErrorCode, ImageConfig, InputKind, Position,
    RenderRequest, Snapshot,
};
use serde_json::Value;

/// Words of our libraries that must never reach a user.
const INTERNAL: &[&str] = &[
    "untagged enum",
    "Option<",
    "DuplicateKeyPolicy",
    "non-finite",
    "policy",
    "struct ",
    "from_str",
    "(top level)",
    "EOF",
];

fn no_internals(message: &str) {
    for word in INTERNAL {
        assert!(!message.contains(word), "{word:?} in: {message}");
    }
}

fn service_err(text: &str) -> Error {
    match parse_service_file("web.yaml", text) {
        Ok(f) => panic!("expected an error, parsed {f:?}"),
        Err(e) => e,
    }
}

const CDI_OK: &str = r#"{"cdiVersion":"0.6.0","kind":"a.com/b","devices":[{"name":"x","containerEdits":{"env":["A=1"]}}]}"#;

#[test]
fn duplicate_json_keys_are_errors_for_every_input() {
    // Today's bug: the last value won, so this rendered a privileged container.
    let e = service_err(r#"{"image": {"name": "x"}, "privileged": false, "privileged": true}"#);
    assert_eq!(e.code(), ErrorCode::Parse);
    assert_eq!(e.field(), Some("privileged"));
    // At the duplicate's value, where serde_json noticed it.
    assert!(
        e.to_string().starts_with("web.yaml:1:60: privileged: "),
        "{e}"
    );

    let e = Snapshot::from_json(
        "host.json",
        "{\"snapshot_version\": 1,\n \"snapshot_version\": 1}",
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("snapshot_version"));
    assert!(e.to_string().starts_with("host.json:2:"), "{e}");

    let dup_cdi = CDI_OK.replacen(
        "\"kind\":\"a.com/b\"",
        "\"kind\":\"a.com/b\",\"kind\":\"c.com/d\"",
        1,
    );
    let e = parse_spec("/etc/cdi/a.json", &dup_cdi).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cdi);
    assert_eq!(e.field(), Some("kind"));

    let out = render_request_json(
        r#"{"service_text": "a", "snapshot_json": "{}", "service_text": "image: {name: x}"}"#,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["code"], "E_PARSE", "{out}");
    assert_eq!(v["error"]["field"], "service_text", "{out}");

    let e = ImageConfig::from_json("img.json", r#"{"User": "a", "User": "b"}"#).unwrap_err();
    assert_eq!(e.field(), Some("User"));
    // Nested maps and lists too.
    let e = service_err(r#"{"image": {"name": "x", "name": "y"}}"#);
    assert_eq!(e.field(), Some("image.name"));
}

#[test]
fn duplicate_yaml_keys_name_the_key_and_line() {
    let e = service_err("image: {name: x}\nprivileged: false\nprivileged: true\n");
    assert_eq!(e.field(), Some("privileged"));
    assert!(
        e.to_string()
            .starts_with("web.yaml:3:1: privileged: `privileged` is given twice"),
        "{e}"
    );
    no_internals(&e.to_string());
}

#[test]
fn schema_errors_have_line_and_column_in_yaml_and_json() {
    let yaml = "version: v1\ndeployment: demo\nservices:\n  web:\n    image: {name: x}\n    resources:\n      memory: 12.5Q\n";
    let e = service_err(yaml);
    assert_eq!(
        e.to_string(),
        r#"web.yaml:7:7: services.web.resources.memory: expected a size like 512Mi, got "12.5Q""#
    );
    assert_eq!(e.code(), ErrorCode::Invalid);
    let pos = e.at().and_then(|at| at.position);
    assert_eq!(pos, Some(Position { line: 7, column: 7 }));

    let json =
        "{\n  \"image\": {\"name\": \"x\"},\n  \"resources\": {\n    \"cpu\": \"two\"\n  }\n}";
    let e = service_err(json);
    assert_eq!(
        e.to_string(),
        "web.yaml:4:5: resources.cpu: expected a number of CPUs of at least 0.01, like 0.5 or 2, got the string \"two\""
    );

    // A wrong type, an unknown key inside a tagged map, a list item.
    let e = service_err("image: {name: x}\nhealth:\n  check: {type: http, url: /h, path: /x}\n");
    assert_eq!(e.field(), Some("health.check.path"));
    assert!(e.to_string().starts_with("web.yaml:3:32: "), "{e}");
    let e = service_err("image: {name: x}\ndevices:\n  - {path: /dev/fuse}\n  - {path: 3}\n");
    assert!(
        e.to_string()
            .starts_with("web.yaml:4:6: devices[1].path: expected a string, got the number 3"),
        "{e}"
    );

    // The other inputs: snapshot (JSON), CDI (YAML).
    let e =
        Snapshot::from_json("host.json", "{\"snapshot_version\": 1,\n\"kernel\": 3}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "host.json:2:1: kernel: expected a map, got the number 3"
    );
    let cdi = "cdiVersion: 0.6.0\nkind: a.com/b\ndevices:\n  - name: x\n    containerEdits:\n      env: A=1\n";
    let e = parse_spec("/etc/cdi/a.yaml", cdi).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CDI spec /etc/cdi/a.yaml:6:7: devices[0].containerEdits.env: expected a list, got the string \"A=1\""
    );
}

#[test]
fn render_and_validation_errors_are_located_too() {
    let e = service_err("version: v1\ndeployment: demo\nservices:\n  web:\n    image: {name: x}\n    depends: [{service: db}]\n");
    assert!(
        e.to_string()
            .starts_with("web.yaml:6:16: services.web.depends[0].service: expected a service"),
        "{e}"
    );
}

#[test]
fn unknown_keys_name_the_nearest_known_key() {
    let e = service_err("image: {name: x}\nresorces: {cpu: 1}\n");
    assert_eq!(
        e.to_string(),
        "web.yaml:2:1: resorces: unknown key `resorces`; did you mean `resources`?"
    );
    let e = service_err("image: {name: x}\nstorage:\n  - {type: tmpfs, target: /t, sise: 1Mi}\n");
    assert_eq!(e.field(), Some("storage[0].sise"));
    assert!(e.to_string().ends_with("did you mean `size`?"), "{e}");
    // A key another storage type takes: the keys of this type are named.
    let e = service_err(
        "image: {name: x}\nstorage:\n  - {type: bind, source: /s, target: /t, mode: \"1777\"}\n",
    );
    assert_eq!(e.field(), Some("storage[0].mode"));
    // Far from every key: no list of sixty.
    let e = service_err("image: {name: x}\nzzzzzz: 1\n");
    assert_eq!(e.to_string(), "web.yaml:2:1: zzzzzz: unknown key `zzzzzz`");
    let out = render_request_json(r#"{"service_text": "a", "snapshot_jsn": "{}"}"#);
    assert!(out.contains("did you mean `snapshot_json`?"), "{out}");
}

#[test]
fn control_characters_in_user_text_are_escaped() {
    let e = service_err("image: {name: x}\n\"re\\u0007sources\\n\": 1\n");
    let text = e.to_string();
    assert!(text.contains("`re\\u{7}sources\\n`"), "{text}");
    assert!(!text.chars().any(char::is_control), "{text:?}");
    let e = service_err("image: {name: x}\nresources: {memory: \"1\\u001b[2J\"}\n");
    assert!(!e.to_string().chars().any(char::is_control), "{e}");
    let out = render_request_json("{\"service_text\": \"image: {name: x}\\n\\\"a\\\\tb\\\": 1\\n\", \"snapshot_json\": \"{}\"}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("a\\tb"), "{message}");
    assert_eq!(v["error"]["field"], "a\\tb");
}

#[test]
fn library_messages_are_in_users_words() {
    let cases = [
        // serde's "data did not match any variant of untagged enum TmpfsMode"
        (
            "image: {name: x}\nstorage:\n  - {type: tmpfs, target: /t, mode: [1]}\n",
            "expected an octal mode",
        ),
        // serde-saphyr's "cannot deserialize null into string; use Option<String>"
        ("image: {name: x}\n~: 1\n", "a key is null"),
        // serde-saphyr's "duplicate mapping key ..., set DuplicateKeyPolicy in Options"
        (
            "image: {name: x}\nimage: {name: y}\n",
            "`image` is given twice",
        ),
        // serde-saphyr's "non-finite float `.nan` rejected by the configured policy"
        (
            "image: {name: x}\nresources: {cpu: .nan}\n",
            "`.nan` is not a finite number",
        ),
        (
            "image: {name: x}\nresources: {cpu: -.inf}\n",
            "is not a finite number",
        ),
        // serde's "invalid type: integer `3`, expected struct ResourcesSpec"
        (
            "image: {name: x}\nresources: 3\n",
            "expected a map, got the number 3",
        ),
        (
            "image: {name: x}\nscale: 3\n",
            "expected a map, got the number 3",
        ),
        (
            "image: {name: x}\nendpoints: [{name: a, protocol: tcp, port: 70000}]\n",
            "from 0 to 65535",
        ),
        ("", "the service file is empty"),
        ("- a\n", "expected a map of keys, got a list"),
        (
            "image: {name: x}\n---\nimage: {name: y}\n",
            "a second YAML document",
        ),
        ("{\"image\": {\"name\": \"x\"", "invalid JSON: "),
    ];
    for (text, want) in cases {
        let message = service_err(text).to_string();
        assert!(message.contains(want), "{text:?}: {message}");
        no_internals(&message);
    }
    let e = Snapshot::from_json("s.json", "[]").unwrap_err();
    no_internals(&e.to_string());
    let e = Snapshot::from_json("s.json", "{\"snapshot_version\": 1}").unwrap_err();
    assert_eq!(e.to_string(), "s.json: missing required key `kernel`");
}

#[test]
fn image_config_paths_are_the_file_paths() {
    let blob = r#"{"architecture": "amd64", "config": {"Env": "x"}}"#;
    let e = ImageConfig::from_json("img.json", blob).unwrap_err();
    assert_eq!(e.field(), Some("config.Env"));
    assert!(
        e.to_string()
            .starts_with("img.json:1:38: config.Env: expected a list"),
        "{e}"
    );
    let e = ImageConfig::from_json("img.json", r#"{"Env": "x"}"#).unwrap_err();
    assert_eq!(e.field(), Some("Env"));
}

#[test]
fn every_input_names_its_kind() {
    let e = service_err("- a\n");
    assert_eq!(e.at().map(|a| a.input), Some(InputKind::Service));
    let e = Snapshot::from_json("s", "[]").unwrap_err();
    assert_eq!(e.at().map(|a| a.input), Some(InputKind::Snapshot));
    let e = parse_spec("a.yaml", "- a\n").unwrap_err();
    assert_eq!(e.at().map(|a| a.input), Some(InputKind::Cdi));
    let e = ImageConfig::from_json("i", "[]").unwrap_err();
    assert_eq!(e.at().map(|a| a.input), Some(InputKind::ImageConfig));
    let e = Source::new(InputKind::Request, "request", "[]", Syntax::Json)
        .read::<RenderRequest>()
        .unwrap_err();
    assert_eq!(e.at().map(|a| a.input), Some(InputKind::Request));
}
