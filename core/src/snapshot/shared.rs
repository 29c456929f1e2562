//! Parsed snapshots kept between renders.
//!
//! A node's snapshot changes when the host is re-probed, not between renders: an agent
//! renders every container of the node against the same text, the page re-renders it on
//! each keystroke of the service, and the fleet check renders each service against each
//! host. Parsing and checking the snapshot was 40 % of a render from texts (issue 11), so
//! [`Snapshot::from_json_shared`] keeps the last few parsed snapshots of this thread, found
//! again by comparing the whole text. The result is the same value `from_json` returns, so
//! the render stays a pure function of its inputs; errors are not kept.

use std::cell::RefCell;
use std::sync::Arc;

use super::Snapshot;
use crate::error::Result;

/// Enough for the hosts one agent, page or fleet check alternates between.
const KEPT: usize = 4;

/// Larger texts are parsed every time rather than held on to.
const LARGEST_KEPT: usize = 1 << 20;

thread_local! {
    static RECENT: RefCell<Vec<(String, String, Arc<Snapshot>)>> = const { RefCell::new(Vec::new()) };
}

impl Snapshot {
    /// [`Snapshot::from_json`] through a per-thread cache of the last few texts parsed.
    pub fn from_json_shared(file: &str, text: &str) -> Result<Arc<Snapshot>> {
        let hit = RECENT.with(|recent| {
            let mut recent = recent.borrow_mut();
            let i = recent
                .iter()
                .position(|(f, t, _)| t.len() == text.len() && f == file && t == text)?;
            let hit = recent.remove(i);
            let snapshot = hit.2.clone();
            recent.push(hit);
            Some(snapshot)
        });
        if let Some(snapshot) = hit {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(Snapshot::from_json(file, text)?);
        if text.len() <= LARGEST_KEPT {
            RECENT.with(|recent| {
                let mut recent = recent.borrow_mut();
                if recent.len() == KEPT {
                    recent.remove(0);
                }
                recent.push((file.to_string(), text.to_string(), snapshot.clone()));
            });
        }
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOGPU: &str = include_str!("../../../fixtures/snapshots/nogpu-v2-root.json");

    /// A valid snapshot per kernel release: distinct texts.
    fn text(release: &str) -> String {
        NOGPU.replacen("\"release\": \"", &format!("\"release\": \"{release}-"), 1)
    }

    #[test]
    fn a_kept_snapshot_is_the_one_parsed_from_the_same_text() {
        for release in ["6.1", "6.2", "6.3", "6.4", "6.5", "6.1"] {
            let t = text(release);
            assert_ne!(t, NOGPU);
            let shared = Snapshot::from_json_shared("s.json", &t).unwrap();
            assert_eq!(*shared, Snapshot::from_json("s.json", &t).unwrap());
            assert!(shared.kernel.release.starts_with(release));
        }
        // The same text twice: the same parsed value, not a second parse.
        let t = text("6.6");
        let a = Snapshot::from_json_shared("s.json", &t).unwrap();
        let b = Snapshot::from_json_shared("s.json", &t).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // Another file name is another entry (errors name the file).
        let c = Snapshot::from_json_shared("t.json", &t).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn errors_are_not_kept_and_name_the_file() {
        let e = Snapshot::from_json_shared("bad.json", "{").unwrap_err();
        assert!(e.to_string().contains("bad.json"), "{e}");
        let e = Snapshot::from_json_shared("other.json", "{").unwrap_err();
        assert!(e.to_string().contains("other.json"), "{e}");
    }
}
