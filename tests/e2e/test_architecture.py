"""The shape of the shared crate (docs/architecture.md): no import cycle between
its files, no grant that imports another, the store's key format inside the
store, one struct literal for a new authorization, and files short enough to
read. Source checks only: no stack needed."""

import pathlib
import re

SRC = pathlib.Path(__file__).resolve().parents[2] / "shared" / "src"
GRANTS = ["authorization_code", "refresh_token", "password", "client_credentials"]
KEY_PREFIXES = ["grant#", "client#", "user#", "session#", "consent#", "throttle#",
                "code#", "at#", "rt#", "keyset#"]


def non_test(text):
    """A file's code without its `#[cfg(test)] mod tests { … }` block."""
    i = text.find("#[cfg(test)]\nmod tests")
    return text if i < 0 else text[:i]


def module_of(path):
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return parts


def files():
    return {tuple(module_of(p)): p for p in SRC.rglob("*.rs")}


def resolve(segments, table):
    """The file a module path names: its longest prefix that is a file."""
    for n in range(len(segments), 0, -1):
        if tuple(segments[:n]) in table:
            return tuple(segments[:n])
    return None


def imports(path, table):
    me = module_of(path)
    code = non_test(path.read_text())
    code = re.sub(r"//[^\n]*", "", code)
    found = set()
    for m in re.finditer(r"\b(crate|super)((?:::\w+)+)", code):
        segs = m.group(2).strip(":").split("::")
        if m.group(1) == "crate":
            base = []
        else:
            # `super` of a mod.rs is its parent module's parent.
            parent = me if path.name != "mod.rs" else me
            base = parent[:-1]
            while segs and segs[0] == "super":
                base, segs = base[:-1], segs[1:]
        target = resolve(base + segs, table)
        if target is not None and target != tuple(me):
            found.add(target)
    # `use crate::x::{a, b::c}` groups name several modules.
    for m in re.finditer(r"use (crate|super)((?:::\w+)*)::\{([^}]*)\}", code):
        base = [] if m.group(1) == "crate" else me[:-1]
        base = base + m.group(2).strip(":").split("::") if m.group(2) else base
        for item in m.group(3).split(","):
            item = item.strip().split(" as ")[0]
            if item and item != "self":
                target = resolve(base + item.split("::"), table)
                if target is not None and target != tuple(me):
                    found.add(target)
    return found


def graph():
    table = files()
    g = {}
    for mod, path in table.items():
        deps = imports(path, table)
        # A module and its own mod.rs (its parent) aside.
        g[mod] = {d for d in deps if d != mod[:-1] and mod != d[:-1]}
    return g


def test_no_import_cycle_between_files_of_the_shared_crate():
    g = graph()
    seen, stack, cycles = set(), [], []

    def visit(n):
        if n in stack:
            cycles.append(stack[stack.index(n):] + [n])
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for d in sorted(g.get(n, ())):
            visit(d)
        stack.pop()

    for n in sorted(g):
        visit(n)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join("/".join(c) for c in cyc) for cyc in cycles)


def test_no_grant_imports_a_sibling_grant():
    g = graph()
    for grant in GRANTS:
        deps = {d[-1] for d in g[("token", grant)] if d[:1] == ("token",) and len(d) == 2}
        assert not deps & set(GRANTS), f"token/{grant}.rs imports {deps & set(GRANTS)}"


def test_the_key_format_never_leaves_the_store():
    for path in SRC.rglob("*.rs"):
        if path.relative_to(SRC).parts[0] == "store":
            continue
        code = non_test(path.read_text())
        for prefix in KEY_PREFIXES:
            assert f'"{prefix}' not in code, f"{path.relative_to(SRC)} spells the key prefix {prefix}"


def test_a_new_authorization_is_built_in_one_place():
    literal = re.compile(r"(?<!struct )(?<!impl )\bAuthorization \{\n")
    places = [p.relative_to(SRC) for p in SRC.rglob("*.rs") if literal.search(non_test(p.read_text()))]
    assert [str(p) for p in places] == ["authorization.rs"], places


def test_no_file_is_over_400_lines_of_code():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.rs")
            if (n := len(non_test(p.read_text()).splitlines())) > 400}
    assert not long, long
