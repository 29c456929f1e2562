//! Validation at the boundary (issue 14): every value that enters a render is checked for
//! the shape the runtime spec needs before any pass reads it, with the field path of the
//! input it came from. The classes, and where each input's checks live:
//!
//! | class | rule | where |
//! |---|---|---|
//! | names | service names, replica roles, the container id's service and role are DNS labels | `service/checks.rs`, [`options`] |
//! | hostnames | RFC 1123, at most 64 bytes | `service/checks.rs`, [`options`] |
//! | cgroup paths | absolute, normalised, no `..`, no control characters, no `:` | service `cgroup_parent`, `options.cgroup_parent`, snapshot `cgroup.own_path` |
//! | device paths | under /dev, normalised | service `devices`, snapshot `drm_cards`, CDI `deviceNodes` |
//! | mount paths | absolute and normalised destinations and bind sources | service `storage`, CDI mounts, `options.volume_paths`, `options.api_socket`, `options.bundle_dir` |
//! | workdir | absolute, normalised | `command.workdir`, `options.cwd`, image `WorkingDir` |
//! | env | names non-empty without `=` or control characters; values without NUL | service, `options.extra_env`, `options.secrets`, snapshot `env`, image `Env`, CDI |
//! | args | no NUL; the program (first word) not empty | `command`, `options.args`, image, CDI hooks |
//! | sizes | a memory limit of at least 6 MiB (Docker's minimum) | `resources.memory` |
//! | snapshot facts | device majors 0..4095, minors 0..2^20-1; subordinate id ranges within u32; the version; CDI files directly inside a listed directory | `snapshot/checks.rs` |
//! | CDI specs | hook paths absolute; mount paths absolute and normalised; device nodes under /dev; stated major/minor checked against the host node's (W009 or a strict error, the host's numbers used) | `cdi/paths.rs`, `cdi/apply.rs` |
//! | image config | the whole OCI image config or its `config` object, nothing else | `image.rs` |
//! | YAML | YAML 1.2 core schema: `yes`/`on`/`no`/`off` are strings | `read/yaml.rs` |
//!
//! The texts (service file, snapshot, image config, CDI files) are checked when they are
//! read, so `ocigen requirements` and `ocigen probe --for` never act on a hostile file;
//! [`inputs`] runs the same checks again when a render starts, for inputs built in code.

pub mod options;
pub mod text;

use crate::draft::State;
use crate::error::{Error, InputKind, Result};
use crate::inputs::{Context, Inputs};

/// Check every input of a render. Linear in the size of the inputs.
pub fn inputs(inputs: &Inputs<'_>) -> Result<()> {
    let service = inputs.service;
    crate::service::check_service(service)?;
    options::check_options(inputs.options, service.spec.hostname.is_some())?;
    if let Some(image) = inputs.image {
        image.config.check("image.")?;
    }
    inputs
        .snapshot
        .check()
        // Checked again here for snapshots built in code; a file was checked when read.
        .map_err(|e| e.in_input(InputKind::Snapshot, "snapshot", None))
}

/// What no single input shows: the program (the first word of the command line) is not
/// empty wherever it came from (`args: [""]` after an image without an entrypoint would be
/// `execve("")`).
pub fn finished(cx: &Context<'_>, state: &State) -> Result<()> {
    if state.process.args.first().is_some_and(String::is_empty) {
        let field = if cx.options.args.is_some() {
            "options.args".to_string()
        } else {
            cx.service.field("command")
        };
        return Err(Error::invalid(
            field,
            "a program to run as the first word of the command line",
            "an empty string",
        ));
    }
    Ok(())
}
