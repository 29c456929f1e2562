//! The shortest agent: probe what a service needs, render it into a bundle, check later
//! that the snapshot still holds. `embed SERVICE_FILE ROOTFS BUNDLE_DIR`, then
//! `runc run --bundle BUNDLE_DIR <id>`.
use std::path::Path;
use std::sync::Arc;

use ocigen_host::agent::{Agent, Container};
use ocigen_host::core::parse_service_file;

pub async fn embed(
    file: &str,
    rootfs: &Path,
    dir: &Path,
) -> Result<String, Box<dyn std::error::Error>> {
    let text = tokio::fs::read_to_string(file).await?;
    let service = Arc::new(parse_service_file(file, &text)?.service(None)?);
    let agent = Agent::live();
    let snapshot = Arc::new(agent.probe_for(&service).await?);
    let container = Container::new("demo", service, 1);
    let bundle = agent
        .write_bundle(&container, &snapshot, rootfs, dir)
        .await?;

    // Before the next render: is the kept snapshot still true of this host?
    let report = agent.check(&snapshot).await?;
    for change in &report.changes {
        eprintln!("drift: {change}"); // e.g. devices./dev/nvidia-uvm: c 238:0 -> c 510:0
    }
    Ok(bundle.id)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, rootfs, dir] = &args[..] else {
        return Err("usage: embed SERVICE_FILE ROOTFS BUNDLE_DIR".into());
    };
    let id = embed(file, rootfs.as_ref(), dir.as_ref()).await?;
    println!("runc run --bundle {dir} {id}");
    Ok(())
}
