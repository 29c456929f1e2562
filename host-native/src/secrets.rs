//! Secrets: `$S:` references are resolved on the host before rendering, into
//! `RenderOptions.secrets` keyed by the reference text. The core never sees a provider.
//!
//! Reference grammar (text after `$S:`):
//! - `name`, `name/field` (exactly one `/`): deployment scope;
//! - `@service/name[/field]`: scope `<deployment>/<service>`;
//! - `:env/name[/field]`, `project:env/name[/field]`: environment-scoped; the project and
//!   environment parts are accepted and ignored, the name is looked up in the deployment scope
//!   (as ZLayer's agent does).
//!
//! With a field, the secret text is parsed as JSON and the field is read: a string as-is, a
//! number or bool as written, null as "", an array or object as its JSON text.
//!
//! [`EnvFileSecrets`] looks a secret up, in order:
//! 1. the file `<dir>/<scope>/<name>` (one trailing newline stripped), when a directory is set
//!    (`--secrets-dir` or `$OCIGEN_SECRETS_DIR`);
//! 2. the variable `OCIGEN_SECRET_<NAME>`: the name upper-cased, every character other than
//!    A-Z and 0-9 replaced by `_` (`db-password` -> `OCIGEN_SECRET_DB_PASSWORD`). Variables
//!    are not scoped.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::PathBuf;

use crate::error::{HostError, HostResult};

/// A parsed secret reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// `Some(service)` for `@service/...`.
    pub service: Option<String>,
    /// The secret's name.
    pub name: String,
    /// The JSON field to read from the secret's text, if one is named.
    pub field: Option<String>,
}

impl SecretRef {
    /// Parse the text after `$S:`.
    pub fn parse(text: &str) -> Result<SecretRef, String> {
        let bad = |why: &str| Err(format!("invalid secret reference `{text}`: {why}"));
        if text.is_empty() {
            return bad("empty");
        }
        if text.starts_with('/') {
            return bad("starts with `/`");
        }
        let (service, rest) = if let Some(rest) = text.strip_prefix('@') {
            match rest.split_once('/') {
                Some((svc, rest)) if !svc.is_empty() => (Some(svc.to_string()), rest),
                _ => return bad("expected `@service/name[/field]`"),
            }
        } else {
            match text.split_once('/') {
                // `project:env/name[/field]` or `:env/name[/field]`.
                Some((scope, rest)) if scope.contains(':') => (None, rest),
                _ if text.contains(':') => {
                    return bad("expected `project:env/name` (a `:` needs a `/` after it)")
                }
                _ => (None, text),
            }
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let (name, field) = match parts.as_slice() {
            [name] => (*name, None),
            [name, field] => (*name, Some(field.to_string())),
            _ => return bad("at most `name/field` after the scope"),
        };
        if name.is_empty() || field.as_deref() == Some("") {
            return bad("empty name or field");
        }
        Ok(SecretRef {
            service,
            name: name.to_string(),
            field,
        })
    }

    /// The provider scope: the deployment, or `<deployment>/<service>` for `@service`.
    pub fn scope(&self, deployment: &str) -> String {
        match &self.service {
            Some(svc) => format!("{deployment}/{svc}"),
            None => deployment.to_string(),
        }
    }
}

/// Where secret values come from. `Ok(None)` means "no such secret"; `Err` is any other failure.
///
/// An agent with its own store (Vault, a KMS, the ZLayer API) implements this and hands it to
/// [`crate::agent::Agent::with_secrets`]:
///
/// ```
/// use std::collections::{BTreeMap, BTreeSet};
/// use ocigen_host::secrets::{resolve_secrets, SecretsProvider};
///
/// /// Secrets kept in memory, by scope and name.
/// struct InMemory(BTreeMap<(String, String), String>);
///
/// impl SecretsProvider for InMemory {
///     async fn get_secret(&self, scope: &str, name: &str) -> Result<Option<String>, String> {
///         Ok(self.0.get(&(scope.to_string(), name.to_string())).cloned())
///     }
/// }
///
/// let store = InMemory(BTreeMap::from([(("demo/api".into(), "db".into()), r#"{"password":"s3cret"}"#.into())]));
/// let refs = BTreeSet::from(["@api/db/password".to_string()]);
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let resolved = rt.block_on(resolve_secrets(&store, "demo", &refs)).unwrap();
/// assert_eq!(resolved["@api/db/password"], "s3cret");
/// ```
pub trait SecretsProvider: Sync {
    /// The text of secret `name` in `scope` (`<deployment>` or `<deployment>/<service>`),
    /// `Ok(None)` when there is no such secret.
    fn get_secret(
        &self,
        scope: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, String>> + Send;
}

/// Files under a directory, then `OCIGEN_SECRET_<NAME>` variables (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct EnvFileSecrets {
    /// The directory of `<scope>/<name>` files, if any.
    pub dir: Option<PathBuf>,
    /// The `OCIGEN_SECRET_*` variables of the agent's environment.
    pub env: BTreeMap<String, String>,
}

impl EnvFileSecrets {
    /// The provider for an agent environment; `dir` overrides `$OCIGEN_SECRETS_DIR`.
    pub fn new(env: &BTreeMap<String, String>, dir: Option<PathBuf>) -> Self {
        let dir = dir.or_else(|| {
            env.get("OCIGEN_SECRETS_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
        });
        let env = env
            .iter()
            .filter(|(k, _)| k.starts_with("OCIGEN_SECRET_"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        EnvFileSecrets { dir, env }
    }

    /// The variable a secret name is read from.
    pub fn var_name(name: &str) -> String {
        let up: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("OCIGEN_SECRET_{up}")
    }
}

/// A path component that cannot climb out of the secrets directory.
fn safe_component(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains('\0')
}

impl SecretsProvider for EnvFileSecrets {
    fn get_secret(
        &self,
        scope: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, String>> + Send {
        let file = self.dir.as_ref().and_then(|dir| {
            let ok =
                safe_component(name) && !name.contains('/') && scope.split('/').all(safe_component);
            ok.then(|| dir.join(scope).join(name))
        });
        let var = self.env.get(&Self::var_name(name)).cloned();
        async move {
            if let Some(file) = file {
                match tokio::fs::read_to_string(&file).await {
                    Ok(mut text) => {
                        if text.ends_with('\n') {
                            text.pop();
                        }
                        return Ok(Some(text));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
                }
            }
            Ok(var)
        }
    }
}

/// Read `field` of a JSON secret.
pub fn extract_field(secret: &str, field: &str) -> Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(secret)
        .map_err(|e| format!("has a field `{field}` but the secret is not JSON: {e}"))?;
    match v.get(field) {
        None => Err(format!("field `{field}` is not in the secret")),
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(serde_json::Value::Null) => Ok(String::new()),
        Some(other @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
            Ok(other.to_string())
        }
        Some(other) => Ok(other.to_string()),
    }
}

/// Resolve every reference (e.g. `Requirements.secret_refs`) for `deployment`, giving the map
/// `RenderOptions.secrets` wants. A missing secret is an error naming the reference, its scope
/// and where it was looked for.
pub async fn resolve_secrets<P: SecretsProvider>(
    provider: &P,
    deployment: &str,
    refs: &BTreeSet<String>,
) -> HostResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for text in refs {
        let err = |message: String| HostError::Secret {
            reference: format!("$S:{text}"),
            message,
        };
        let r = SecretRef::parse(text).map_err(err)?;
        let scope = r.scope(deployment);
        let value = match provider.get_secret(&scope, &r.name).await.map_err(err)? {
            Some(v) => v,
            None => {
                return Err(err(format!(
                    "secret `{}` not found in scope `{scope}` (set {} or write {scope}/{} under --secrets-dir)",
                    r.name,
                    EnvFileSecrets::var_name(&r.name),
                    r.name
                )))
            }
        };
        let value = match &r.field {
            Some(f) => extract_field(&value, f).map_err(err)?,
            None => value,
        };
        out.insert(text.clone(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        let r = SecretRef::parse("@api/db-password").unwrap();
        assert_eq!(r.scope("test-deployment"), "test-deployment/api");
        assert_eq!(
            SecretRef::parse("database/port").unwrap().field.as_deref(),
            Some("port")
        );
        let e = SecretRef::parse("prod:staging/key/f").unwrap();
        assert_eq!(
            (e.service, e.name.as_str(), e.field.as_deref()),
            (None, "key", Some("f"))
        );
        assert_eq!(SecretRef::parse(":env/key").unwrap().name, "key");
        for bad in ["", "/x", "name:x", "a/b/c", "@svc", "@/x", "a/"] {
            assert!(SecretRef::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn fields() {
        let s = r#"{"port":5432,"host":"db","tls":true,"none":null,"list":[1,2]}"#;
        assert_eq!(extract_field(s, "port").unwrap(), "5432");
        assert_eq!(extract_field(s, "host").unwrap(), "db");
        assert_eq!(extract_field(s, "tls").unwrap(), "true");
        assert_eq!(extract_field(s, "none").unwrap(), "");
        assert_eq!(extract_field(s, "list").unwrap(), "[1,2]");
        assert!(extract_field(s, "nope").unwrap_err().contains("nope"));
        assert!(extract_field("not json", "x")
            .unwrap_err()
            .contains("not JSON"));
    }
}
