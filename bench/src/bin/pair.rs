//! Interleaved whole-process timing, for issue 11's `ocigen render` / `crun spec` row.
//!
//! hyperfine runs each command's batch in one block, so on a shared machine a change of load
//! between the blocks moves the ratio (the same two binaries measured 0.84x to 1.27x). Here
//! every round runs each command once, in a rotating order, and the figure is the median of
//! the per-round ratios to the first command: load that changes between rounds cancels out.
//!
//! Usage: `pair ROUNDS -- CMD ARGS... ::: CMD ARGS... [::: ...]`. Before each run of
//! command `i` (from 0), the file named by `PAIR_RM_<i>` is removed if set (`crun spec`
//! refuses to overwrite its config.json), and its stdout goes to the file `PAIR_OUT_<i>`
//! when set (truncated each run), else to /dev/null. Ten untimed rounds come first.

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: pair ROUNDS -- CMD ARGS... ::: CMD ARGS... [::: ...]";
    let rounds: usize = args
        .first()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| panic!("{usage}"));
    assert_eq!(args.get(1).map(String::as_str), Some("--"), "{usage}");
    let commands: Vec<&[String]> = args[2..].split(|a| a == ":::").collect();
    assert!(
        commands.len() >= 2 && commands.iter().all(|c| !c.is_empty()),
        "{usage}"
    );
    let mut wall: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); commands.len()];
    for round in 0..rounds + 10 {
        for k in 0..commands.len() {
            let i = (k + round) % commands.len();
            let ms = run(i, commands[i]);
            if round >= 10 {
                wall[i].push(ms);
            }
        }
    }
    for (i, times) in wall.iter().enumerate() {
        let ratios: Vec<f64> = times.iter().zip(&wall[0]).map(|(t, r)| t / r).collect();
        println!(
            "#{i} {:<60.60} wall median {:.3} ms, paired ratio to #0 median {:.3}",
            commands[i].join(" "),
            median(times.clone()),
            median(ratios)
        );
    }
}

/// One run of command `i`, in milliseconds of wall time from spawn to exit.
fn run(i: usize, command: &[String]) -> f64 {
    if let Ok(path) = std::env::var(format!("PAIR_RM_{i}")) {
        let _ = std::fs::remove_file(path);
    }
    let stdout = match std::env::var(format!("PAIR_OUT_{i}")) {
        Ok(path) => Stdio::from(File::create(&path).unwrap_or_else(|e| panic!("{path}: {e}"))),
        Err(_) => Stdio::null(),
    };
    let start = Instant::now();
    let status = Command::new(&command[0])
        .args(&command[1..])
        .stdout(stdout)
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{}: {e}", command[0]));
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert!(status.success(), "{}: {status}", command.join(" "));
    ms
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
