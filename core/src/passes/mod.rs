//! The named passes that build the spec, one field group each (containerd's SpecOpts).
//! Each is `fn apply(&Inputs, &mut Draft) -> Result<()>` and records provenance for what it sets.

pub mod capabilities;
pub mod cgroups;
pub mod defaults;
pub mod devices;
pub mod env;
pub mod hooks;
pub mod mounts;
pub mod namespaces;
pub mod paths;
pub mod process;
pub mod resources;
pub mod unapplied;
pub mod user;
