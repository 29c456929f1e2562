//! Where a field path is in an input's text, and which path a position is in. A leaf module
//! (it imports no other module of the core), so errors and the reader can both use it.
//!
//! A schema error is found on the parsed value, which has no positions; the text is walked
//! again (only when there is an error) with the YAML event parser, which reads JSON too, and
//! the path is followed through it. Paths are written `a.b[0].c`; a key that contains a dot
//! (`net.core.somaxconn` under `sysctls`) is matched whole, the longest key first; a key
//! written in its alias spelling (`cap_add` for `capabilities`) is found too.

use serde::Serialize;
use serde_saphyr::granit_parser::{Event, Parser, Span};

/// A line and column in an input's text, both counted from 1 (columns in characters).
/// Ordered by line, then column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Service keys with a second spelling (the `#[serde(alias)]`es of `service/types.rs`; a test
/// there checks this table): a field path uses the first, the file may use the second.
pub(crate) const KEY_ALIASES: &[(&str, &str)] =
    &[("capabilities", "cap_add"), ("wasm", "wasm_http")];

/// A node of the text's first document, with the position it starts at.
enum Node {
    Map(Vec<(Option<String>, Position, Node)>),
    Seq(Vec<(Position, Node)>),
    /// A scalar, an alias, or what the parser did not get to (a syntax error).
    Leaf,
}

/// The line and column of `path` in `text`: of its key (or list item) when it is there,
/// else of the deepest part of it that is (a key the service leaves to its default is
/// reported at its parent). `None` for the empty path or when nothing of it is found.
pub fn locate(text: &str, path: &str) -> Option<Position> {
    if path.is_empty() {
        return None;
    }
    let (_, root) = tree(text)?;
    follow(&root, path, None)
}

fn follow(node: &Node, rest: &str, found: Option<Position>) -> Option<Position> {
    if rest.is_empty() {
        return found;
    }
    match node {
        Node::Map(entries) => {
            let hit = entries
                .iter()
                .filter_map(|(key, at, value)| {
                    let key = key.as_deref()?;
                    let after = rest.strip_prefix(key).or_else(|| {
                        // `cap_add: [..]` is where `capabilities[1]` is written.
                        let (name, _) = KEY_ALIASES.iter().find(|(_, alias)| *alias == key)?;
                        rest.strip_prefix(name)
                    })?;
                    (after.is_empty() || after.starts_with(['.', '['])).then_some((
                        rest.len() - after.len(),
                        *at,
                        value,
                        after,
                    ))
                })
                // The longest key wins; among equal keys the first, which is what was read.
                .fold(None, |best: Option<(usize, _, _, _)>, hit| match best {
                    Some(b) if b.0 >= hit.0 => Some(b),
                    _ => Some(hit),
                });
            match hit {
                Some((_, at, value, after)) => {
                    follow(value, after.strip_prefix('.').unwrap_or(after), Some(at))
                }
                None => found,
            }
        }
        Node::Seq(items) => {
            let index = rest
                .strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .and_then(|(n, after)| Some((n.parse::<usize>().ok()?, after)));
            match index.and_then(|(i, after)| Some((items.get(i)?, after))) {
                Some(((at, item), after)) => {
                    follow(item, after.strip_prefix('.').unwrap_or(after), Some(*at))
                }
                None => found,
            }
        }
        Node::Leaf => found,
    }
}

/// The path of the last node that starts at or before `position`: the key, value or item
/// an error at that position is about. Empty when it is before the first key.
pub(crate) fn path_at(text: &str, position: Position) -> String {
    let Some((_, root)) = tree(text) else {
        return String::new();
    };
    let mut best = String::new();
    visit(&root, "", position, &mut best);
    best
}

fn visit(node: &Node, path: &str, position: Position, best: &mut String) -> bool {
    let child = |at: Position, sub: String, node: &Node, best: &mut String| {
        if at > position {
            return false;
        }
        *best = sub.clone();
        visit(node, &sub, position, best)
    };
    match node {
        Node::Map(entries) => {
            for (key, at, value) in entries {
                // A complex key (a list or map as key) has no name: its parent's path.
                let sub = match key.as_deref() {
                    None => path.to_string(),
                    Some(key) if path.is_empty() => key.to_string(),
                    Some(key) => format!("{path}.{key}"),
                };
                if !child(*at, sub, value, best) {
                    return false;
                }
            }
        }
        Node::Seq(items) => {
            for (i, (at, item)) in items.iter().enumerate() {
                if !child(*at, format!("{path}[{i}]"), item, best) {
                    return false;
                }
            }
        }
        Node::Leaf => {}
    }
    true
}

/// The first document of `text` as a tree (as far as it parses), with the root's position.
fn tree(text: &str) -> Option<(Position, Node)> {
    let mut events = Parser::new_from_str(text)
        .map_while(Result::ok)
        .filter(|(e, _)| {
            matches!(
                e,
                Event::Scalar(..)
                    | Event::Alias(..)
                    | Event::SequenceStart(..)
                    | Event::SequenceEnd
                    | Event::MappingStart(..)
                    | Event::MappingEnd
                    | Event::DocumentEnd
            )
        })
        .peekable();
    let (first, span) = events.next()?;
    Some((start(&span), node(first, &mut events)))
}

fn start(span: &Span) -> Position {
    Position {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    }
}

/// The node that `first` opens; consumes its events. A stream that ends early (a syntax
/// error) leaves the node as far as it was read.
fn node<'a>(first: Event<'a>, events: &mut impl Iterator<Item = (Event<'a>, Span)>) -> Node {
    match first {
        Event::MappingStart(..) => {
            let mut entries = Vec::new();
            while let Some((key, key_span)) = events.next() {
                let name = match &key {
                    Event::MappingEnd | Event::DocumentEnd => break,
                    Event::Scalar(text, ..) => Some(text.to_string()),
                    _ => None,
                };
                // A complex key (a list or map as key) is read, then stands for no name.
                let _ = node(key, events);
                let value = match events.next() {
                    Some((e, _)) => node(e, events),
                    None => Node::Leaf,
                };
                entries.push((name, start(&key_span), value));
            }
            Node::Map(entries)
        }
        Event::SequenceStart(..) => {
            let mut items = Vec::new();
            while let Some((item, span)) = events.next() {
                if matches!(item, Event::SequenceEnd | Event::DocumentEnd) {
                    break;
                }
                items.push((start(&span), node(item, events)));
            }
            Node::Seq(items)
        }
        _ => Node::Leaf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
version: v1
services:
  web:
    env: { A.B: x, A: y }
    storage:
      - type: tmpfs
        mode: 1777
      - { type: bind, source: /s }
";

    fn at(line: u32, column: u32) -> Option<Position> {
        Some(Position { line, column })
    }

    #[test]
    fn follows_keys_items_and_dotted_keys() {
        assert_eq!(locate(YAML, "services.web"), at(3, 3));
        assert_eq!(locate(YAML, "services.web.storage[0].mode"), at(7, 9));
        assert_eq!(locate(YAML, "services.web.storage[1].source"), at(8, 23));
        assert_eq!(locate(YAML, "services.web.storage[1]"), at(8, 9));
        assert_eq!(locate(YAML, "services.web.env.A.B"), at(4, 12));
        assert_eq!(locate(YAML, "services.web.env.A"), at(4, 20));
    }

    #[test]
    fn a_missing_key_is_found_at_its_parent() {
        assert_eq!(locate(YAML, "services.web.cgroup_parent"), at(3, 3));
        assert_eq!(locate(YAML, "services.web.storage[5]"), at(5, 5));
        assert_eq!(locate(YAML, "nothing.here"), None);
        assert_eq!(locate(YAML, ""), None);
    }

    #[test]
    fn json_text_too() {
        let json = "{\n  \"services\": {\n    \"web\": {\"privileged\": \"yes\"}\n  }\n}";
        assert_eq!(locate(json, "services.web.privileged"), at(3, 13));
        assert_eq!(locate("cap_add: [A, B]\n", "capabilities[1]"), at(1, 14));
        assert_eq!(locate("not: [valid", "not"), at(1, 1));
    }

    #[test]
    fn path_of_a_position() {
        assert_eq!(
            path_at(
                YAML,
                Position {
                    line: 7,
                    column: 15
                }
            ),
            "services.web.storage[0].mode"
        );
        assert_eq!(path_at(YAML, Position { line: 1, column: 1 }), "version");
        assert_eq!(
            path_at("a: {b: 1\n", Position { line: 1, column: 8 }),
            "a.b"
        );
    }
}
