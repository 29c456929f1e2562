//! `ocigen diff`: two renders compared by the core's semantic diff. The two sides differ in
//! the service file (two files, or two versions of one), the service (`--service` twice) or
//! the snapshot (`--probe` twice); every other flag is shared. Exit codes follow diff(1):
//! 0 equal, 1 different, 2 trouble (usage, an unreadable file, a failed probe).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, ValueEnum};
use ocigen_core::canonical::to_canonical_json;
use ocigen_core::diff::{diff, Change, ChangeKind, Cited, Diff, Failure, Section};
use serde_json::Value;

use super::side::{render_side, SideSpec};
use super::{CliError, RenderInputs, EXIT_USAGE};

/// Text for people, or the diff as JSON for tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When standard output is a terminal and `NO_COLOR` is unset.
    Auto,
    Always,
    Never,
}

/// `ocigen diff`'s arguments: `render`'s flags (each shared by both sides), with the service
/// file, `--service` and `--probe` allowed twice. Written by hand over the derived
/// [`RenderInputs`] so every render flag, now and later, works here with the same meaning.
#[derive(Debug)]
pub struct DiffArgs {
    pub inputs: RenderInputs,
    pub files: Vec<String>,
    pub services: Vec<String>,
    pub probes: Vec<String>,
    pub format: DiffFormat,
    pub color: ColorWhen,
}

/// Every value given for `id` (a repeatable argument).
pub(super) fn all_values(m: &ArgMatches, id: &str) -> Vec<String> {
    m.get_many::<String>(id)
        .map(|v| v.cloned().collect())
        .unwrap_or_default()
}

/// `--format` and `--color`, shared with `ocigen fleet`.
pub(super) fn output_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("format")
            .long("format")
            .value_parser(clap::builder::EnumValueParser::<DiffFormat>::new())
            .default_value("text")
            .help("Output form: text for people, json for tools"),
    )
    .arg(
        Arg::new("color")
            .long("color")
            .value_parser(clap::builder::EnumValueParser::<ColorWhen>::new())
            .default_value("auto")
            .help("Colour the text output (auto: on a terminal, unless NO_COLOR is set)"),
    )
}

pub(super) fn output_values(m: &ArgMatches) -> (DiffFormat, ColorWhen) {
    (
        m.get_one::<DiffFormat>("format")
            .copied()
            .unwrap_or(DiffFormat::Text),
        m.get_one::<ColorWhen>("color")
            .copied()
            .unwrap_or(ColorWhen::Auto),
    )
}

impl FromArgMatches for DiffArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let (format, color) = output_values(m);
        Ok(DiffArgs {
            files: all_values(m, "service_file"),
            services: all_values(m, "service"),
            probes: all_values(m, "probe"),
            inputs: RenderInputs::from_arg_matches(m)?,
            format,
            color,
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for DiffArgs {
    fn augment_args(cmd: Command) -> Command {
        let cmd = RenderInputs::augment_args(cmd)
            .mut_arg("service_file", |a| {
                a.num_args(1..=2).help(
                    "Service file (YAML or JSON); give two to compare two files or two versions",
                )
            })
            .mut_arg("service", |a| {
                a.action(ArgAction::Append)
                    .help("The service to render; give it twice to compare two services")
            })
            .mut_arg("probe", |a| {
                a.action(ArgAction::Append)
                    .help("Host snapshot; give it twice to compare two hosts (none: the live host)")
            });
        output_args(cmd)
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

fn usage(message: impl Into<String>) -> CliError {
    CliError {
        exit_code: EXIT_USAGE,
        message: message.into(),
    }
}

/// The two sides the arguments describe: each of file, service and probe given once is
/// shared, given twice is the difference.
fn sides(a: &DiffArgs) -> Result<[SideSpec; 2], CliError> {
    for (what, n) in [("--service", a.services.len()), ("--probe", a.probes.len())] {
        if n > 2 {
            return Err(usage(format!(
                "{what} is given {n} times; a diff has two sides"
            )));
        }
    }
    if a.files.len() < 2 && a.services.len() < 2 && a.probes.len() < 2 {
        return Err(usage(
            "nothing to compare: give two service files, --service twice or --probe twice",
        ));
    }
    let pick = |list: &[String], i: usize| list.get(i).or(list.first()).cloned();
    let spec = |i| SideSpec {
        file: pick(&a.files, i).unwrap_or_default(),
        service: pick(&a.services, i),
        probe: pick(&a.probes, i),
    };
    Ok([spec(0), spec(1)])
}

pub fn run(a: DiffArgs) -> Result<ExitCode, CliError> {
    // Anything that stops the comparison is trouble (2), as with diff(1): 1 means "differs".
    let trouble = |e: CliError| usage(e.message);
    let [sa, sb] = sides(&a)?;
    let ra = render_side(&a.inputs, &sa).map_err(trouble)?;
    let rb = render_side(&a.inputs, &sb).map_err(trouble)?;
    let d = diff(&ra.side, &rb.side);
    let labels = [sa.label(), sb.label()];
    let text = match a.format {
        DiffFormat::Json => json(&d, &labels),
        DiffFormat::Text => text(&d, &labels, &Paint::new(a.color)),
    };
    print!("{text}");
    Ok(ExitCode::from(if d.equal { 0 } else { 1 }))
}

/// The core's diff with each side's label.
pub fn json(d: &Diff, labels: &[String; 2]) -> String {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    for (key, label) in ["a", "b"].iter().zip(labels) {
        if let Some(side) = v.get_mut(*key).and_then(Value::as_object_mut) {
            side.insert("label".into(), Value::String(label.clone()));
        }
    }
    to_canonical_json(&v)
}

/// ANSI colours, or none.
pub struct Paint(bool);

impl Paint {
    pub fn new(when: ColorWhen) -> Self {
        Paint(match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        })
    }

    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    pub fn kind(&self, kind: ChangeKind) -> String {
        match kind {
            ChangeKind::Added => self.green("+"),
            ChangeKind::Removed => self.red("-"),
            ChangeKind::Changed => self.yellow("~"),
        }
    }
}

/// A value on one line: compact JSON, long ones cut (`--format json` has them whole).
pub fn short(v: &Option<Value>) -> String {
    short_max(v, 140)
}

/// [`short`] with another cut.
pub fn short_max(v: &Option<Value>, max: usize) -> String {
    let Some(v) = v else {
        return "(absent)".into();
    };
    let s = v.to_string();
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}… ({} bytes)", s.len())
}

/// `from <source> [pass]`, naming the recorded field when it is not the change's own.
pub fn cited(path: &str, sources: &[Cited], p: &Paint) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for c in sources {
        // A config field's record may be its parent's; an input field (a diagnostic's or an
        // error's source) is the source itself.
        let on = if c.field == path || c.pass.is_none() {
            String::new()
        } else {
            format!(" (on {})", c.field)
        };
        let line = p.dim(&format!("from {c}{on}"));
        // Two hooks of one CDI file cite it twice: once is enough to read.
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

fn failure_line(f: &Failure) -> String {
    format!("fails: {}: {}", f.code, f.message)
}

/// One change, with both values and both sides' sources.
pub fn change_lines(c: &Change, names: [&str; 2], p: &Paint) -> Vec<String> {
    let mut out = vec![format!("{} {}", p.kind(c.kind), p.bold(&c.path))];
    for (name, value, sources) in [
        (names[0], &c.a, &c.a_sources),
        (names[1], &c.b, &c.b_sources),
    ] {
        let shown = match (c.section, value) {
            (Section::Outcome, None) => "renders".to_string(),
            (Section::Outcome, Some(e)) => format!(
                "fails: {}: {}",
                e["code"].as_str().unwrap_or_default(),
                e["message"].as_str().unwrap_or_default()
            ),
            _ => short(value),
        };
        out.push(format!("    {name}: {shown}"));
        for line in cited(&c.path, sources, p) {
            out.push(format!("       {line}"));
        }
    }
    out
}

pub fn text(d: &Diff, labels: &[String; 2], p: &Paint) -> String {
    let mut out = vec![
        p.red(&format!("--- a: {}", labels[0])),
        p.green(&format!("+++ b: {}", labels[1])),
    ];
    for (name, outcome) in [("a", &d.a), ("b", &d.b)] {
        if let Some(f) = &outcome.error {
            out.push(format!("{name} {}", failure_line(f)));
        }
    }
    if d.equal {
        out.push(if d.a.ok {
            "equal: no differences".to_string()
        } else {
            "equal: both fail the same way".to_string()
        });
    } else {
        let n = d.changes.len();
        out.push(format!("{n} change{}", if n == 1 { "" } else { "s" }));
        for c in &d.changes {
            out.push(String::new());
            out.extend(change_lines(c, ["a", "b"], p));
        }
    }
    out.push(String::new());
    out.join("\n")
}
