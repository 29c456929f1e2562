//! Test fixture shared by the pass tests: a `web` service from YAML plus default image,
//! options and snapshot, each adjustable before running one pass.

use crate::draft::Draft;
use crate::error::Result;
use crate::image::{Image, ImageConfig};
use crate::inputs::{Context, Inputs};
use crate::options::RenderOptions;
use crate::passes::PassFn;
use crate::service::{parse_service_file, Service};
use crate::snapshot::Snapshot;

pub struct Fixture {
    pub service: Service,
    pub image: Option<Image>,
    pub options: RenderOptions,
    pub snapshot: Snapshot,
}

/// A fixture for service `web` of a one-service deployment whose body is `body`
/// (YAML, indented by four spaces under `services.web`).
pub fn fixture(body: &str) -> Fixture {
    let yaml = format!("version: v1\ndeployment: test\nservices:\n  web:\n    image: {{ name: test:latest }}\n{body}");
    let service = parse_service_file("t.yaml", &yaml).and_then(|f| f.service(None));
    Fixture {
        service: service.unwrap_or_else(|e| panic!("test YAML does not parse: {e}\n{yaml}")),
        image: None,
        options: RenderOptions::new("web", 0),
        snapshot: Snapshot::default(),
    }
}

/// [`fixture`] for a body written without indentation.
pub fn fixture_unindented(body: &str) -> Fixture {
    let indented: String = body.lines().map(|l| format!("    {l}\n")).collect();
    fixture(&indented)
}

/// Service `web` whose body is `body` (service-level YAML, unindented).
pub fn web(body: &str) -> Fixture {
    fixture_unindented(body)
}

/// `f` with an image config giving `entrypoint`, `cmd` and WorkingDir `/srv`.
pub fn with_image(mut f: Fixture, entrypoint: Option<&[&str]>, cmd: Option<&[&str]>) -> Fixture {
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect();
    f.image = Some(Image {
        config: ImageConfig {
            entrypoint: entrypoint.map(v),
            cmd: cmd.map(v),
            working_dir: Some("/srv".into()),
            ..Default::default()
        },
        ..Default::default()
    });
    f
}

/// The error text of a run that must fail.
pub fn err_text(r: Result<Draft>) -> String {
    match r {
        Ok(d) => panic!("expected an error, got a draft: {:?}", d.resources),
        Err(e) => e.to_string(),
    }
}

impl Fixture {
    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            service: &self.service,
            image: self.image.as_ref(),
            options: &self.options,
            snapshot: &self.snapshot,
        }
    }

    /// Run `pass` on `draft`.
    pub fn run_on(&self, pass: PassFn, mut draft: Draft) -> Result<Draft> {
        draft.start_pass("test");
        pass(&Context::new(&self.inputs()), &mut draft)?;
        Ok(draft)
    }

    /// Run `pass` on an empty draft.
    pub fn run(&self, pass: PassFn) -> Result<Draft> {
        self.run_on(pass, Draft::default())
    }

    /// Same as [`Fixture::run`] (the name the linux pass tests use).
    pub fn draft(&self, pass: PassFn) -> Result<Draft> {
        self.run(pass)
    }

    /// Run `pass` over `d` in place.
    pub fn run_in(&self, pass: PassFn, d: &mut Draft) -> Result<()> {
        pass(&Context::new(&self.inputs()), d)
    }
}
