# SPDX-License-Identifier: Apache-2.0
"""The command contract, held to a stored baseline, as abicheck.sh holds the C
symbols to tests/abi/libfuma.abi.

    contractcheck.py dump OUT          writes the registry (fuma.commands) to OUT
    contractcheck.py check BASELINE    compares the registry with BASELINE

Both read the registry through the fuma package over the built library
(FUMA_LIBRARY, with bindings/python on PYTHONPATH). scripts/contract-baseline
runs `dump` on release.

The check compares by compatibility, not equality. A stable command in the
baseline must still be there, still stable, and still accept every request
it accepted and answer only what it promised:

- what a caller sends (args, the bytes it takes) may widen and never narrow:
  no argument removed, no new required one, no type, value, bound, pattern
  or format that refuses what was accepted, no media type dropped;
- what a caller reads (the result, the bytes returned) may narrow and never
  widen: no member removed or made optional, no new type (a null where there
  was none), value or media type, no bound relaxed;
- callers and roles may be added, never removed; an effect may only become
  stateless; error codes may be added (callers handle codes they do not know
  as errors).

Commands added since the baseline, descriptions and summaries change freely;
so does any command the baseline marks experimental.
"""

import json
import os
import sys

# Facets of a schema that bound a value, by the type they apply to.
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_FACETS = {
    "string": ("minLength", "maxLength", "pattern", "format"),
    "integer": ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf"),
    "number": ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf"),
    "array": ("minItems", "maxItems", "uniqueItems"),
    "object": ("minProperties", "maxProperties"),
}
_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class Schema:
    """One standalone schema of a descriptor (args or result), whose "$ref"s
    name its own "$defs"."""

    def __init__(self, root):
        self.root = root

    def resolve(self, schema):
        """The schema with its "$ref" followed and its "allOf" merged."""
        seen = set()
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen or not ref.startswith("#/"):
                raise ValueError("cannot follow $ref %r" % ref)
            seen.add(ref)
            target = self.root
            for part in ref[2:].split("/"):
                target = target[part]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = dict(target, **rest) if rest else target
        if isinstance(schema, dict) and "allOf" in schema:
            schema = self.merge([{k: v for k, v in schema.items() if k != "allOf"}]
                                + [self.resolve(s) for s in schema["allOf"]])
        return schema

    @staticmethod
    def merge(parts):
        """One schema that asks what all of `parts` ask, as far as the
        comparison needs: required members joined, members of each kept."""
        out = {}
        for part in parts:
            if not isinstance(part, dict):
                continue
            for key, value in part.items():
                if key == "required":
                    out[key] = out.get(key, []) + [r for r in value if r not in out.get(key, [])]
                elif key == "properties":
                    out[key] = dict(value, **out.get(key, {}))
                else:
                    out.setdefault(key, value)
        return out

    def by_type(self, schema):
        """The schema as the types of JSON value it admits, each with the
        facets that apply to it: {"string": {...}, "null": {}}. An "anyOf"
        contributes each of its branches."""
        schema = self.resolve(schema)
        if schema is True or schema == {} or schema is None:
            return {t: {} for t in _TYPES}
        if schema is False:
            return {}
        if "anyOf" in schema or "oneOf" in schema:
            out = {}
            for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
                for t, facets in self.by_type(branch).items():
                    out[t] = _either(out[t], facets) if t in out else facets
            return out
        values = None
        if "const" in schema:
            values = [schema["const"]]
        elif "enum" in schema:
            values = list(schema["enum"])
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        elif values is not None:
            types = sorted({_json_type(v) for v in values})
        else:
            types = list(_TYPES)
        out = {}
        for t in types:
            facets = {k: v for k, v in schema.items() if k not in ("type", "enum", "const")}
            if values is not None:
                facets["enum"] = [v for v in values if _json_type(v) == t
                                  or (t == "number" and _json_type(v) == "integer")]
            out[t] = facets
        return out


def _either(a, b):
    """The facets of a value that one of two branches of the same type
    admits: the members of both, required where both require them, a bound
    or a list of values only where both have it."""
    out = {}
    for key in set(a) | set(b):
        if key == "properties":
            props = dict(b.get(key, {}))
            props.update(a.get(key, {}))
            out[key] = props
        elif key == "required":
            out[key] = [r for r in a.get(key, []) if r in b.get(key, [])]
        elif key == "enum" and key in a and key in b:
            out[key] = a[key] + [v for v in b[key] if v not in a[key]]
        elif a.get(key) == b.get(key):
            out[key] = a[key]
    return out


class Comparison:
    """What changed between one command's declaration in the baseline and
    now, as breaking changes: "command: path: what"."""

    def __init__(self, name):
        self.name = name
        self.old = self.new = None  # the schemas being compared
        self.broken = []

    def fail(self, path, what):
        self.broken.append("%s: %s: %s" % (self.name, path, what))

    # direction "in": what a caller sends; a change must not refuse what the
    # baseline accepted. "out": what a caller reads; a change must not
    # answer what the baseline did not promise.
    def narrowed(self, direction, path, what):
        if direction == "in":
            self.fail(path, what)

    def widened(self, direction, path, what):
        if direction == "out":
            self.fail(path, what)

    def schemas(self, old_root, new_root, path, direction):
        self.old, self.new = Schema(old_root), Schema(new_root)
        self.compare(old_root, new_root, path, direction)

    def compare(self, old, new, path, direction):
        old_types = self.old.by_type(old)
        new_types = self.new.by_type(new)
        for t in old_types:
            if t in new_types or (t == "integer" and "number" in new_types):
                continue
            self.narrowed(direction, path, "no longer admits %s (type %s, was %s)"
                          % (t, _types_text(new_types), _types_text(old_types)))
        for t in new_types:
            if t in old_types or (t == "number" and "integer" in old_types):
                continue
            self.widened(direction, path, "may now be %s (type %s, was %s)"
                         % (t, _types_text(new_types), _types_text(old_types)))
        for t, old_facets in old_types.items():
            new_facets = new_types.get(t)
            if new_facets is None and t == "integer":
                new_facets = new_types.get("number")
            if new_facets is not None:
                self.facets(t, old_facets, new_facets, path, direction)

    def facets(self, t, old, new, path, direction):
        old_enum, new_enum = old.get("enum"), new.get("enum")
        if old_enum is None and new_enum is not None:
            self.narrowed(direction, path, "restricted to %s" % _values(new_enum))
        elif old_enum is not None and new_enum is None:
            self.widened(direction, path, "no longer restricted to %s" % _values(old_enum))
        elif old_enum is not None:
            gone = [v for v in old_enum if v not in new_enum]
            added = [v for v in new_enum if v not in old_enum]
            if gone:
                self.narrowed(direction, path, "no longer admits %s" % _values(gone))
            if added:
                self.widened(direction, path, "may now be %s" % _values(added))
        mine = _FACETS.get(t, ())
        for facet in (f for f in _LOWER_BOUNDS + _UPPER_BOUNDS if f in mine):
            a, b = old.get(facet), new.get(facet)
            if a == b:
                continue
            tighter = (b is not None and (a is None or (b > a if facet in _LOWER_BOUNDS
                                                        else b < a)))
            what = "%s %s (was %s)" % (facet, _value(b), _value(a))
            if tighter:
                self.narrowed(direction, path, what)
            else:
                self.widened(direction, path, what)
        for facet in (f for f in ("pattern", "format", "multipleOf") if f in mine):
            a, b = old.get(facet), new.get(facet)
            if a == b:
                continue
            what = "%s %s (was %s)" % (facet, _value(b), _value(a))
            if b is not None:  # a new or another one: assume it refuses some
                self.narrowed(direction, path, what)
            if a is not None:
                self.widened(direction, path, what)
        if "uniqueItems" in mine and old.get("uniqueItems") != new.get("uniqueItems"):
            if new.get("uniqueItems"):
                self.narrowed(direction, path, "items must now be unique")
            else:
                self.widened(direction, path, "items may now repeat")
        # Descend only into what either side declares: an unconstrained
        # schema ({} or true) has no members to compare.
        if t == "array" and ("items" in old or "items" in new):
            self.compare(old.get("items", True), new.get("items", True), path + "[]", direction)
        if t == "object" and any(k in old or k in new for k in
                                 ("properties", "required", "additionalProperties")):
            self.members(old, new, path, direction)

    def members(self, old, new, path, direction):
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        closed = new.get("additionalProperties", True) is False
        for name, schema in old_props.items():
            member = _member(path, name)
            if name not in new_props:
                if direction == "out":
                    self.fail(member, "removed from the result")
                elif closed:
                    self.fail(member, "argument removed: a request naming it is refused")
                continue
            self.compare(schema, new_props[name], member, direction)
        for name in sorted(new_req - old_req):
            if direction == "in":
                what = "required argument added" if name not in old_props else "now required"
                self.fail(_member(path, name), what)
        for name in sorted(old_req - new_req):
            if direction == "out" and name in new_props:
                self.fail(_member(path, name), "may now be absent (no longer required)")
        if direction == "in" and closed and old.get("additionalProperties", True) is not False:
            self.fail(path, "no longer accepts members it does not name")


def _member(path, name):
    return "%s.%s" % (path, name)


def _value(v):
    return json.dumps(v, ensure_ascii=False)


def _values(vs):
    return ", ".join(_value(v) for v in vs)


def _types_text(by_type):
    return _value(sorted(by_type) if len(by_type) != 1 else next(iter(by_type)))


def compare_bytes(c, what, old, new, direction):
    if old is None:
        if new is not None and new["required"] and direction == "in":
            c.fail(what, "now requires bytes beside the JSON")
        return
    if new is None:
        c.fail(what, "no longer %s bytes" % ("takes" if direction == "in" else "returns"))
        return
    if direction == "in" and new["required"] and not old["required"]:
        c.fail(what + ".required", "bytes are now required")
    if direction == "out" and old["required"] and not new["required"]:
        c.fail(what + ".required", "bytes may now be absent")
    gone = [m for m in old["media_types"] if m not in new["media_types"]]
    added = [m for m in new["media_types"] if m not in old["media_types"]]
    if direction == "in" and gone:
        c.fail(what + ".media_types", "no longer takes %s" % ", ".join(gone))
    if direction == "out" and added:
        c.fail(what + ".media_types", "may now return %s" % ", ".join(added))
    if direction == "out" and old.get("file_name") and not new.get("file_name"):
        c.fail(what + ".file_name", "no longer named")


def compare_command(old, new):
    """The breaking changes from one stable declaration to another."""
    c = Comparison(old["name"])
    if new["tier"] != "stable":
        c.fail("tier", "stable in the baseline, now %s" % new["tier"])
    for what in ("callers", "roles"):
        gone = [x for x in old[what] if x not in new[what]]
        if gone:
            c.fail(what, "%s removed" % ", ".join(gone))
    if not old["roles"] and new["roles"]:
        c.fail("roles", "any staff member before, now only %s" % ", ".join(new["roles"]))
    if new["effect"] != old["effect"] and new["effect"] != "stateless":
        c.fail("effect", "%s, was %s" % (new["effect"], old["effect"]))
    compare_bytes(c, "takes", old["takes"], new["takes"], "in")
    compare_bytes(c, "returns", old["returns"], new["returns"], "out")
    c.schemas(old["args"], new["args"], "args", "in")
    c.schemas(old["result"], new["result"], "result", "out")
    return c.broken


def compare(baseline, current):
    """(breaking changes, stable commands not in the baseline yet)."""
    now = {d["name"]: d for d in current["commands"]}
    broken = []
    for old in baseline["commands"]:
        if old["tier"] != "stable":
            continue  # experimental: may change in any release
        new = now.get(old["name"])
        if new is None:
            broken.append("%s: removed (a stable command)" % old["name"])
            continue
        broken.extend(compare_command(old, new))
    known = {d["name"] for d in baseline["commands"]}
    added = [n for n, d in sorted(now.items()) if n not in known and d["tier"] == "stable"]
    return broken, added


def _sorted_sets(value):
    """The registry with its unordered lists sorted: "required" members."""
    if isinstance(value, dict):
        return {k: (sorted(v) if k == "required" and isinstance(v, list)
                    and all(isinstance(x, str) for x in v) else _sorted_sets(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_sorted_sets(v) for v in value]
    return value


def normalise(registry):
    """The registry as the baseline stores it: without "ok", commands by
    name, keys and required members sorted, so a refreshed baseline differs
    from the stored one only where the contract does."""
    out = {k: v for k, v in registry.items() if k != "ok"}
    out["commands"] = sorted(out["commands"], key=lambda d: d["name"])
    return _sorted_sets(out)


def text(registry):
    return json.dumps(normalise(registry), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def registry():
    """fuma.commands, as the library built from this tree answers it."""
    import fuma  # only here: the comparer itself needs no library
    return dict(fuma.call("fuma.commands"))


def main(argv):
    if len(argv) == 3 and argv[1] == "dump":
        out = argv[2]
        with open(out + ".tmp", "w", encoding="utf-8") as f:
            f.write(text(registry()))
        os.replace(out + ".tmp", out)
        return 0
    if len(argv) == 3 and argv[1] == "check":
        try:
            with open(argv[2], encoding="utf-8") as f:
                baseline = json.load(f)
        except OSError as e:
            print("contractcheck: no baseline at %s (%s): scripts/contract-baseline writes it"
                  % (argv[2], e.strerror), file=sys.stderr)
            return 1
        broken, added = compare(baseline, registry())
        if added:
            print("contractcheck: stable commands not in the baseline yet "
                  "(run scripts/contract-baseline when releasing):")
            for name in added:
                print("  " + name)
        if broken:
            print("contractcheck: FAIL: %d breaking change(s) to the command contract of %s:"
                  % (len(broken), os.path.basename(argv[2])), file=sys.stderr)
            for line in broken:
                print("  " + line, file=sys.stderr)
            print("A stable command keeps accepting what it accepted and answering what it\n"
                  "promised (docs/commands.md, how to read the contract): add an optional\n"
                  "argument, a result member or a new command instead. A deliberate break is\n"
                  "made at a release, said in CHANGELOG.md, with the baseline regenerated by\n"
                  "scripts/contract-baseline.", file=sys.stderr)
            return 1
        print("contractcheck: OK: every stable command of %s keeps its contract"
              % os.path.basename(argv[2]))
        return 0
    print("usage: contractcheck.py dump OUT | check BASELINE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
