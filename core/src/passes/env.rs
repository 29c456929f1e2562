//! Pass `env`: `process.env` in layers, each key once, a later layer replacing an earlier one
//! (fixes seed bugs 6 and 14):
//! 1. image `Env` (split on the first `=`);
//! 2. `PATH` and `TERM=xterm` when the image sets none;
//! 3. the service's `env`, in key order (the file's map is read sorted, so the output is
//!    deterministic; the seed used hash order), with `$E:NAME` and `$S:ref` resolved;
//! 4. the agent's `extra_env`, in order;
//! 5. GPU visibility env, then MPS/time-slice env, then distributed env (from the gpu pass).
//!    When one of these replaces a value set in layer 3 or 4 with a different one, warning
//!    W011 names the key, both layers and the field (never the values, which may be secret).
//!
//! `$E:` and `$S:` are recognised only at the very start of a value, as in the seed. `$E:NAME`
//! reads the agent environment recorded in the snapshot: absent from the snapshot is a missing
//! fact, recorded as unset is an error, set but empty is warning W006. `$S:ref` takes the
//! secret the agent resolved (render option `secrets`); an unknown reference is an error,
//! never the literal text (the seed passed `$S:...` through to the container). Secret values
//! are never recorded: the trace names only the service field.

use std::collections::BTreeMap;

use crate::defaults::{DEFAULT_PATH, DEFAULT_TERM};
use crate::draft::Draft;
use crate::error::{Error, Result};
use crate::inputs::Context;
use crate::service::EnvValue;
use crate::trace::{codes, Source};

pub fn apply(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    image_env(cx, d)?;
    if !d.process.env.contains("PATH") {
        d.set_env("PATH", DEFAULT_PATH, Source::default("path"));
    }
    if !d.process.env.contains("TERM") {
        d.set_env("TERM", DEFAULT_TERM, Source::default("term"));
    }
    // What the service and the agent set, by key: the field naming it and the layer, for W011.
    let mut own: BTreeMap<&str, (String, &str)> = BTreeMap::new();
    for (key, value) in &cx.service.spec.env {
        // Built without `format!`: this runs once per variable, and a service may set many.
        let field = cx.service.field_below("env.", key);
        check_key(key, &field)?;
        let (value, source) = resolve_value(cx, d, value, &field)?;
        d.set_env(key, &value, source);
        own.insert(key, (field, "the service's `env`"));
    }
    for (i, (key, value)) in cx.options.extra_env.iter().enumerate() {
        let field = format!("options.extra_env[{i}]");
        check_key(key, &field)?;
        d.set_env(key, value, Source::option("extra_env"));
        own.insert(key, (field, "render option `extra_env`"));
    }
    let gpu = &d.gpu;
    let layers: Vec<(String, String, Source)> = gpu
        .env
        .iter()
        .chain(&gpu.sharing_env)
        .chain(&gpu.distributed_env)
        .cloned()
        .collect();
    // The values the GPU layers are about to replace, kept only for the keys they touch.
    let before: BTreeMap<&str, String> = layers
        .iter()
        .filter_map(|(k, _, _)| {
            let (key, _) = own.get_key_value(k.as_str())?;
            Some((*key, d.process.env.get(key)?.to_string()))
        })
        .collect();
    let mut replaced: BTreeMap<String, Source> = BTreeMap::new();
    for (key, value, source) in layers {
        d.set_env(&key, &value, source.clone());
        if own.contains_key(key.as_str()) {
            replaced.insert(key, source);
        }
    }
    for (key, source) in replaced {
        // Same value: nothing the user asked for was lost.
        if d.process.env.get(&key) == before.get(key.as_str()).map(String::as_str) {
            continue;
        }
        if let Some((field, layer)) = own.get(key.as_str()) {
            // Values are not quoted: either side may be a secret.
            d.warn(
                codes::ENV_OVERRIDDEN,
                format!("`{key}` set by {layer} is replaced by the value from {source}"),
                Some(field.clone()),
            );
        }
    }
    Ok(())
}

fn image_env(cx: &Context<'_>, d: &mut Draft) -> Result<()> {
    let entries = cx.image.and_then(|i| i.config.env.as_ref());
    for (i, entry) in entries.into_iter().flatten().enumerate() {
        let field = format!("image.Env[{i}]");
        let (key, value) = entry
            .split_once('=')
            .ok_or_else(|| Error::invalid(&field, "`KEY=VALUE`", format!("`{entry}`")))?;
        check_key(key, &field)?;
        d.set_env(key, value, Source::image("Env"));
    }
    Ok(())
}

/// An env key must be non-empty and contain no `=` (the entry would be misread) or NUL.
fn check_key(key: &str, field: &str) -> Result<()> {
    if key.is_empty() || key.contains('=') || key.contains('\0') {
        return Err(Error::invalid(
            field,
            "a variable name without `=`",
            format!("`{key}`"),
        ));
    }
    Ok(())
}

/// Resolve a service env value; returns the value and where it came from.
fn resolve_value(
    cx: &Context<'_>,
    d: &mut Draft,
    value: &EnvValue,
    field: &str,
) -> Result<(String, Source)> {
    if let EnvValue::AgentEnv(name) = value {
        return match cx.host.agent_env(name, field)? {
            None => Err(Error::unsatisfiable(
                field,
                format!("environment variable `{name}` referenced by $E:{name} is not set in the agent's environment"),
            )),
            Some(v) => {
                if v.is_empty() {
                    d.warn(
                        codes::ENV_EMPTY,
                        format!("environment variable `{name}` referenced by $E:{name} is set but empty"),
                        Some(field.to_string()),
                    );
                }
                Ok((v.to_string(), Source::fact(format!("env.{name}"))))
            }
        };
    }
    if let EnvValue::Secret(reference) = value {
        return match cx.options.secrets.get(reference) {
            Some(secret) => Ok((secret.clone(), Source::input(field.to_string()))),
            None => Err(Error::unsatisfiable(
                field,
                format!("secret `{reference}` (from $S:{reference}) was not resolved by the agent (render option `secrets` has no such key)"),
            )),
        };
    }
    // A literal: its text as written.
    let text = match value {
        EnvValue::Literal(text) => text.clone(),
        other => other.to_string(),
    };
    Ok((text, Source::input(field.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::Draft;
    use crate::image::{Image, ImageConfig};
    use crate::passes::fixture::fixture;
    use crate::plan::GpuPlan;
    use crate::trace::Severity;

    fn env(d: &Draft) -> Vec<String> {
        d.process.env.to_strings()
    }

    #[test]
    fn layering_order_and_defaults() {
        let mut f = fixture("    env: { B: svc, A: one, TERM: vt100 }\n");
        f.image = Some(Image {
            config: ImageConfig {
                env: Some(vec!["A=img".into(), "X=a=b".into()]),
                ..Default::default()
            },
            ..Default::default()
        });
        f.options.extra_env = vec![("B".into(), "extra".into())];
        let d = f.run(apply).unwrap();
        assert_eq!(
            env(&d),
            [
                "X=a=b".to_string(),
                format!("PATH={DEFAULT_PATH}"),
                "A=one".into(),
                "TERM=vt100".into(),
                "B=extra".into()
            ]
        );
        assert_eq!(
            d.trace().last_for("process.env.B").unwrap().source,
            Source::option("extra_env")
        );
        assert_eq!(
            d.trace().last_for("process.env.A").unwrap().source,
            Source::input("services.web.env.A")
        );
    }

    #[test]
    fn seed_bug_6_gpu_env_replaces_user_value_once() {
        let f = fixture("    env: { CUDA_VISIBLE_DEVICES: '3' }\n");
        let mut plan = GpuPlan::default();
        plan.env.push((
            "CUDA_VISIBLE_DEVICES".into(),
            "0".into(),
            Source::default("gpu"),
        ));
        plan.sharing_env.push((
            "CUDA_VISIBLE_DEVICES".into(),
            "2".into(),
            Source::default("ts"),
        ));
        plan.distributed_env
            .push(("RANK".into(), "0".into(), Source::default("dist")));
        let mut draft = Draft::default();
        draft.set_gpu_plan(plan);
        let d = f.run_on(apply, draft).unwrap();
        let cuda: Vec<_> = env(&d)
            .into_iter()
            .filter(|e| e.starts_with("CUDA_VISIBLE_DEVICES="))
            .collect();
        assert_eq!(cuda, ["CUDA_VISIBLE_DEVICES=2"]);
        assert_eq!(env(&d).last().map(String::as_str), Some("RANK=0"));
    }

    #[test]
    fn seed_bug_14_env_order_is_deterministic() {
        let f = fixture("    env: { Z: '1', M: '2', A: '3' }\n");
        let keys: Vec<_> = f
            .run(apply)
            .unwrap()
            .process
            .env
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(keys, ["PATH", "TERM", "A", "M", "Z"]);
    }

    #[test]
    fn agent_env_references() {
        let mut f = fixture("    env: { URL: '$E:API_URL', LIT: 'x$E:API_URL' }\n");
        f.snapshot
            .env
            .insert("API_URL".into(), Some("http://a".into()));
        let d = f.run(apply).unwrap();
        assert_eq!(d.process.env.get("URL"), Some("http://a"));
        assert_eq!(d.process.env.get("LIT"), Some("x$E:API_URL"));
        assert_eq!(
            d.trace().last_for("process.env.URL").unwrap().source,
            Source::fact("env.API_URL")
        );

        f.snapshot.env.insert("API_URL".into(), Some(String::new()));
        let d = f.run(apply).unwrap();
        assert_eq!(d.diagnostics()[0].code, codes::ENV_EMPTY);
        assert_eq!(d.diagnostics()[0].severity, Severity::Warning);

        f.snapshot.env.insert("API_URL".into(), None);
        let err = f.run(apply).unwrap_err();
        assert_eq!(err.code(), "E_UNSATISFIABLE");
        assert!(err.to_string().contains("API_URL"), "{err}");

        f.snapshot.env.clear();
        let err = f.run(apply).unwrap_err();
        assert_eq!(err.code(), "E_MISSING_FACT");
        assert_eq!(err.field(), Some("services.web.env.URL"));
    }

    #[test]
    fn secrets_resolve_or_fail_never_literal() {
        let mut f = fixture("    env: { DB: '$S:@api/db-password' }\n");
        let err = f.run(apply).unwrap_err();
        assert_eq!(err.field(), Some("services.web.env.DB"));
        assert!(err.to_string().contains("@api/db-password"), "{err}");
        f.options
            .secrets
            .insert("@api/db-password".into(), "hunter2".into());
        let d = f.run(apply).unwrap();
        assert_eq!(d.process.env.get("DB"), Some("hunter2"));
        let trace = serde_json::to_string(d.trace()).unwrap();
        assert!(!trace.contains("hunter2"));
    }

    #[test]
    fn bad_keys_are_errors() {
        let mut f = fixture("");
        f.image = Some(Image {
            config: ImageConfig {
                env: Some(vec!["NOEQUALS".into()]),
                ..Default::default()
            },
            ..Default::default()
        });
        assert_eq!(f.run(apply).unwrap_err().field(), Some("image.Env[0]"));
        let mut f = fixture("");
        f.options.extra_env = vec![("".into(), "v".into())];
        assert_eq!(
            f.run(apply).unwrap_err().field(),
            Some("options.extra_env[0]")
        );
    }

    #[test]
    fn gpu_layer_replacing_own_value_is_warned_without_values() {
        let mut f = fixture("    env: { CUDA_VISIBLE_DEVICES: '$S:gpus', SAME: '1', KEEP: k }\n");
        f.options.secrets.insert("gpus".into(), "s3cret".into());
        f.options.extra_env = vec![("RANK".into(), "9".into())];
        let mut plan = GpuPlan::default();
        let cdi = Source::Cdi {
            file: "/etc/cdi/nvidia.yaml".into(),
            device: Some("nvidia.com/gpu=all".into()),
        };
        plan.env
            .push(("CUDA_VISIBLE_DEVICES".into(), "new-value".into(), cdi));
        plan.sharing_env
            .push(("SAME".into(), "1".into(), Source::default("ts")));
        plan.distributed_env
            .push(("RANK".into(), "0".into(), Source::default("distributed")));
        let mut draft = Draft::default();
        draft.set_gpu_plan(plan);
        let d = f.run_on(apply, draft).unwrap();
        let got: Vec<_> = d
            .diagnostics()
            .iter()
            .map(|x| (x.code.as_str(), x.field.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    codes::ENV_OVERRIDDEN,
                    Some("services.web.env.CUDA_VISIBLE_DEVICES")
                ),
                (codes::ENV_OVERRIDDEN, Some("options.extra_env[0]")),
            ]
        );
        let msg = &d.diagnostics()[0].message;
        assert!(msg.contains("`CUDA_VISIBLE_DEVICES`"), "{msg}");
        assert!(msg.contains("the service's `env`"), "{msg}");
        assert!(msg.contains("CDI /etc/cdi/nvidia.yaml"), "{msg}");
        assert!(
            !msg.contains("s3cret") && !msg.contains("new-value"),
            "{msg}"
        );
        assert!(d.diagnostics()[1].message.contains("extra_env"));
        assert_eq!(d.diagnostics()[0].severity, Severity::Warning);
    }
}
