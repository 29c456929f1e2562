#!/usr/bin/env python3
"""Fails if a module of ocigen-core imports a module that imports it back (directly or
through others). The unit is the source file: `use crate::gpu::builtin::X` is an edge to
core/src/gpu/builtin.rs, `use super::Y` to the parent module's file. Test-only files
(`tests.rs`, `tests_*.rs`, `fixture.rs`) and `#[cfg(test)]` modules are left out: tests may
reach anywhere. Prints each cycle found."""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "core", "src")


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return tuple(rel)


def file_of(mod, files):
    """The file of module path `mod`, or of its longest existing prefix."""
    while mod:
        if mod in files:
            return mod
        mod = mod[:-1]
    return None


def strip_tests(text):
    """Drop `#[cfg(test)] mod x { ... }` blocks and `#[cfg(test)]` items."""
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def main():
    files = {}
    for d, _, names in os.walk(ROOT):
        for n in names:
            if n.endswith(".rs") and not (n == "tests.rs" or n.startswith("tests_") or n == "fixture.rs"):
                p = os.path.join(d, n)
                files[module_of(p)] = p
    edges = {m: set() for m in files}
    for mod, path in files.items():
        text = strip_tests(open(path, encoding="utf-8").read())
        # Comments (doc links included) are not imports.
        text = re.sub(r"//[^\n]*", "", text)
        is_dir_mod = path.endswith(("mod.rs", "lib.rs"))
        parent = mod if is_dir_mod else mod[:-1]
        paths = [(m.group(1), m.group(2)) for m in re.finditer(r"\b(crate|super)((?:::\w+)+)", text)]
        # `use super::{a, b::C}`: one path per first segment inside the braces.
        for m in re.finditer(r"\b(crate|super)((?:::\w+)*)::\{([^}]*)\}", text):
            for item in m.group(3).split(","):
                first = item.strip().split("::")[0].strip()
                if re.fullmatch(r"\w+", first) and first != "self":
                    paths.append((m.group(1), m.group(2) + "::" + first))
        for kind, rest in paths:
            parts = tuple(rest.split("::")[1:])
            base = () if kind == "crate" else (mod[:-1] if is_dir_mod else parent)
            target = file_of(base + parts, files)
            if target is not None and target != mod and target != ():
                edges[mod].add(target)
        # A directory module reaches its children by bare paths (`builtin::plan`, `pub use
        # spec::X`); `mod child;` alone is structure, not an import.
        if is_dir_mod:
            for m in re.finditer(r"(?<![:\w])(\w+)::", text):
                child = file_of(mod + (m.group(1),), files)
                if child is not None and child != mod and len(child) > len(mod):
                    edges[mod].add(child)
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    if sccs:
        for comp in sccs:
            names = sorted("::".join(m) or "crate" for m in comp)
            print(f"core-cycles: {len(comp)} modules import each other: {', '.join(names)}", file=sys.stderr)
        sys.exit(1)
    print(f"core-cycles: ok ({len(files)} modules, {sum(map(len, edges.values()))} imports, no cycle)")


main()
