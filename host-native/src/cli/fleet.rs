//! `ocigen fleet SERVICE_FILE SNAPSHOT...|DIR`: the pre-deployment check. The service is
//! rendered for every host and the core's [`fleet`] says, per host, whether it renders (the
//! error and the facts behind it if not), its warnings and what differs from the majority
//! (or the first host). Exit codes: 0 every host renders, 1 some host does not, 2 trouble.

use std::path::Path;
use std::process::ExitCode;

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches, ValueEnum};
use ocigen_core::canonical::to_canonical_json;
use ocigen_core::diagnostic_code::DiagnosticCode;
use ocigen_core::fleet::{fleet, Baseline, Fleet, FleetHost, Row};

use super::diff::{
    all_values, change_lines, output_args, output_values, short_max, ColorWhen, DiffFormat, Paint,
};
use super::side::{render_side, SideSpec};
use super::{CliError, RenderInputs, EXIT_USAGE};

/// What each host is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineArg {
    /// Field by field, the value most rendering hosts have.
    Majority,
    /// The first host given.
    First,
}

/// `render`'s flags (shared by every host) with the snapshots as arguments.
#[derive(Debug)]
pub struct FleetArgs {
    pub inputs: RenderInputs,
    pub hosts: Vec<String>,
    pub baseline: BaselineArg,
    pub format: DiffFormat,
    pub color: ColorWhen,
}

impl FromArgMatches for FleetArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let (format, color) = output_values(m);
        let mut hosts = all_values(m, "hosts");
        // `--probe` is hidden here; a snapshot given with it is one more host.
        hosts.extend(all_values(m, "probe"));
        Ok(FleetArgs {
            inputs: RenderInputs::from_arg_matches(m)?,
            hosts,
            baseline: m
                .get_one::<BaselineArg>("baseline")
                .copied()
                .unwrap_or(BaselineArg::Majority),
            format,
            color,
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for FleetArgs {
    fn augment_args(cmd: Command) -> Command {
        let cmd = RenderInputs::augment_args(cmd)
            .mut_arg("probe", |a| a.hide(true).action(clap::ArgAction::Append))
            .arg(
                Arg::new("hosts")
                    .value_name("SNAPSHOT")
                    .num_args(1..)
                    .required(true)
                    .help("Host snapshots (`ocigen probe` output), or folders of them (*.json)"),
            )
            .arg(
                Arg::new("baseline")
                    .long("baseline")
                    .value_parser(clap::builder::EnumValueParser::<BaselineArg>::new())
                    .default_value("majority")
                    .help("Compare each host with the majority of hosts, or with the first"),
            );
        output_args(cmd)
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

fn trouble(message: impl Into<String>) -> CliError {
    CliError {
        exit_code: EXIT_USAGE,
        message: message.into(),
    }
}

/// Snapshot files: each argument, or each `*.json` of a folder argument, in name order.
fn snapshot_files(args: &[String]) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if !path.is_dir() {
            out.push(arg.clone());
            continue;
        }
        let entries =
            std::fs::read_dir(path).map_err(|e| trouble(format!("cannot list {arg}: {e}")))?;
        let mut files: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if files.is_empty() {
            return Err(trouble(format!("{arg}: no *.json snapshot in this folder")));
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// A host's name: its snapshot's file stem.
fn host_name(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map_or(file.to_string(), |s| s.to_string_lossy().into_owned())
}

pub fn run(a: FleetArgs) -> Result<ExitCode, CliError> {
    let files = snapshot_files(&a.hosts)?;
    let mut hosts = Vec::new();
    for file in &files {
        let spec = SideSpec {
            file: a.inputs.service_file.clone(),
            service: a.inputs.service.clone(),
            probe: Some(file.clone()),
        };
        let r = render_side(&a.inputs, &spec).map_err(|e| trouble(e.message))?;
        hosts.push(FleetHost {
            name: host_name(file),
            side: r.side,
            facts_read: r.facts_read,
            snapshot: r.snapshot,
        });
    }
    let baseline = match a.baseline {
        BaselineArg::Majority => Baseline::Majority,
        BaselineArg::First => Baseline::First,
    };
    let report = fleet(&hosts, baseline);
    let out = match a.format {
        DiffFormat::Json => to_canonical_json(&report),
        DiffFormat::Text => text(&report, &a.inputs.service_file, &Paint::new(a.color)),
    };
    print!("{out}");
    let all_render = report.rendering == report.hosts;
    Ok(ExitCode::from(if all_render { 0 } else { 1 }))
}

/// `W005 x2, W011`: the warning codes of a row.
fn warnings(row: &Row) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for d in &row.warnings {
        let id = DiagnosticCode::from_name(&d.code).map_or(d.code.clone(), |c| c.id().into());
        match counts.iter_mut().find(|(c, _)| *c == id) {
            Some((_, n)) => *n += 1,
            None => counts.push((id, 1)),
        }
    }
    if counts.is_empty() {
        return "-".into();
    }
    counts
        .iter()
        .map(|(c, n)| {
            if *n == 1 {
                c.clone()
            } else {
                format!("{c} x{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last column: the error (with its field and facts), or what differs.
fn summary(row: &Row, reference: Option<&str>) -> String {
    if let Some(e) = &row.error {
        let field = e
            .field
            .as_deref()
            .map(|f| format!(" at {f}"))
            .unwrap_or_default();
        let facts: Vec<&str> = row.facts.iter().map(|f| f.fact.as_str()).collect();
        let facts = if facts.is_empty() {
            String::new()
        } else {
            format!("; facts: {}", facts.join(", "))
        };
        return format!("{}{field}{facts}", e.code);
    }
    if reference == Some(row.host.as_str()) && row.differs.is_empty() {
        return "(reference)".into();
    }
    match row.differs.len() {
        0 => "-".into(),
        n => {
            let first: Vec<&str> = row
                .differs
                .iter()
                .take(3)
                .map(|c| c.path.as_str())
                .collect();
            let more = if n > 3 {
                format!(", +{}", n - 3)
            } else {
                String::new()
            };
            format!("{n}: {}{more}", first.join(", "))
        }
    }
}

pub fn text(f: &Fleet, service_file: &str, p: &Paint) -> String {
    let against = match f.baseline {
        Baseline::Majority => format!("the majority of the {} that render", f.rendering),
        Baseline::First => "the first host".into(),
    };
    let fails = f.hosts - f.rendering;
    let mut out = vec![format!(
        "{service_file} on {} hosts: {} render, {fails} fail; differences from {against}",
        f.hosts, f.rendering
    )];
    let rows: Vec<[String; 4]> = f
        .rows
        .iter()
        .map(|r| {
            [
                r.host.clone(),
                if r.ok { "yes" } else { "no" }.into(),
                warnings(r),
                summary(r, f.reference.as_deref()),
            ]
        })
        .collect();
    let head = ["HOST", "RENDERS", "WARNINGS", "DIFFERS"];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([head[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let line = |cells: [&str; 4]| {
        format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )
        .trim_end()
        .to_string()
    };
    out.push(p.bold(&line(head)));
    for (r, cells) in f.rows.iter().zip(&rows) {
        let l = line([&cells[0], &cells[1], &cells[2], &cells[3]]);
        out.push(if r.ok { l } else { p.red(&l) });
    }
    // Failures, each told once with the hosts it happens on (a fleet of GPU-less hosts
    // fails the same way on each).
    let mut failures: Vec<(Vec<String>, Vec<&str>)> = Vec::new();
    for r in f.rows.iter().filter(|r| !r.ok) {
        let mut lines = Vec::new();
        if let Some(e) = &r.error {
            lines.push(e.message.clone());
        }
        for fact in &r.facts {
            lines.push(format!(
                "    fact {}: {}; on {}: {}",
                fact.fact,
                short_max(&fact.value, 60),
                f.reference.as_deref().unwrap_or("-"),
                short_max(&fact.reference, 60)
            ));
        }
        match failures.iter_mut().find(|(l, _)| *l == lines) {
            Some((_, hosts)) => hosts.push(&r.host),
            None => failures.push((lines, vec![&r.host])),
        }
    }
    for (lines, hosts) in failures {
        out.push(String::new());
        out.push(format!(
            "{} fail{}:",
            p.bold(&hosts.join(", ")),
            if hosts.len() == 1 { "s" } else { "" }
        ));
        out.extend(
            lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| if i == 0 { format!("    {l}") } else { l }),
        );
    }
    for r in f.rows.iter().filter(|r| r.ok && !r.differs.is_empty()) {
        out.push(String::new());
        let n = r.differs.len();
        out.push(format!(
            "{}: {n} difference{}",
            p.bold(&r.host),
            if n == 1 { "" } else { "s" }
        ));
        let base = match f.baseline {
            Baseline::Majority => "majority",
            Baseline::First => "first",
        };
        for c in &r.differs {
            out.extend(change_lines(c, [base, "this host"], p));
        }
    }
    out.push(String::new());
    out.join("\n")
}
