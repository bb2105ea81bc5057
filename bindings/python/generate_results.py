# SPDX-License-Identifier: Apache-2.0
"""Makes fuma/results.py, the TypedDicts of every command's result, from the
registry that the library declares (the ``fuma.commands`` command).

    FUMA_LIBRARY=build/capi/libfuma.so.1 PYTHONPATH=bindings/python \\
        /usr/bin/python3 bindings/python/generate_results.py          # rewrite
    ... generate_results.py --check                                   # compare

Run it after a command's result schema changes; the Python suite fails while
the committed module differs from what this makes. Standard library only.

How a JSON Schema becomes a Python type: an object with properties is a
TypedDict (its required properties required, the others NotRequired); a
shared definition (``#/$defs/NAME``) that is an object becomes a TypedDict of
that name, and a scalar one the Python type it holds; ``type`` lists, ``anyOf``
and ``enum`` become unions and Literals; ``allOf`` (a definition with more
required properties) is the definition's type; an object without properties
is ``dict[str, Any]``.
"""

import argparse
import json
import keyword
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "fuma", "results.py")

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool",
            "null": "None"}

HEADER = '''\
"""The result of every fuma command, as TypedDicts.

Generated from the library's command registry (``fuma.commands``) by
bindings/python/generate_results.py; do not edit. A command's result is
``<Command>Result`` (``application.view`` gives ``ApplicationViewResult``);
the records several commands share carry their definition's name (``Case``,
``Unit``, ``Attachment``, ...). At run time these are plain dicts: the
:class:`fuma.Result` of a call is one, so ``typing.cast`` names its type::

    from typing import cast
    from fuma.results import UnitHistoryResult

    history = cast(UnitHistoryResult, engine.call("unit.history", {"uscc": code}))

The actor views (fuma.actors) return these types already.
"""

from typing import Any, Literal, NotRequired, TypedDict


'''


def camel(name):
    """``application.view`` -> ``ApplicationView``; ``credential_request`` ->
    ``CredentialRequest``."""
    return "".join(part[:1].upper() + part[1:]
                   for part in name.replace(".", "_").split("_") if part)


def singular(name):
    """The name of one element of a list field (``items`` -> ``item``)."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


class Generator:
    def __init__(self, registry):
        self.defs = {}      # shared definition name -> schema
        self.classes = {}   # class name -> source text, in emitting order
        self.owner = {}     # class name -> the schema it was made from
        for command in registry["commands"]:
            for name, schema in command["result"].get("$defs", {}).items():
                known = self.defs.setdefault(name, schema)
                if known != schema:
                    raise SystemExit("generate_results: two definitions named %r differ" % name)
        for command in sorted(registry["commands"], key=lambda c: c["name"]):
            schema = {k: v for k, v in command["result"].items()
                      if k not in ("$schema", "$defs")}
            self.typed_dict(camel(command["name"]) + "Result", schema,
                            "The result of %s: %s" % (command["name"],
                                                      command["summary"]["en"]))

    def type_of(self, schema, name):
        """The Python type of ``schema``; ``name`` for an object it defines."""
        if schema is True or schema == {}:
            return "Any"
        if "$ref" in schema:
            ref = schema["$ref"].rsplit("/", 1)[-1]
            target = self.defs[ref]
            if target.get("type") == "object" and "properties" in target:
                return self.typed_dict(camel(ref), target, target.get("description"))
            return self.type_of(target, camel(ref))
        if "allOf" in schema:
            return self.type_of(schema["allOf"][0], name)
        if "anyOf" in schema:
            # Objects that are alternatives of one value are numbered.
            shaped = [s for s in schema["anyOf"] if s.get("type") == "object"]
            return union([self.type_of(s, name if len(shaped) < 2
                                       else "%s%d" % (name, shaped.index(s) + 1))
                          for s in schema["anyOf"]])
        if "const" in schema:
            return "Literal[%s]" % literal(schema["const"])
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            kinds = ["Literal[%s]" % ", ".join(literal(v) for v in values)] if values else []
            if None in schema["enum"]:
                kinds.append("None")
            return union(kinds)
        kind = schema.get("type")
        if isinstance(kind, list):
            return union([self.type_of(dict(schema, type=k), name) for k in kind])
        if kind == "object":
            if schema.get("properties"):
                return self.typed_dict(name, schema, schema.get("description"))
            extra = schema.get("additionalProperties")
            value = self.type_of(extra, name + "Value") if isinstance(extra, dict) else "Any"
            return "dict[str, %s]" % value
        if kind == "array":
            items = schema.get("items")
            return "list[%s]" % (self.type_of(items, singular(name)) if items else "Any")
        if kind in _SCALARS:
            return _SCALARS[kind]
        return "Any"

    def typed_dict(self, name, schema, doc):
        if name in self.classes or name in self.owner:
            if self.owner[name] != schema:
                raise SystemExit("generate_results: two objects would be named %s" % name)
            return name
        self.owner[name] = schema
        required = set(schema.get("required", []))
        fields = []
        for key, sub in schema["properties"].items():
            member = name + camel(key)
            kind = self.type_of(sub, member)
            if key not in required:
                kind = "NotRequired[%s]" % kind
            note = sub.get("description") if isinstance(sub, dict) else None
            fields.append((key, kind, note))
        self.classes[name] = render(name, fields, doc)
        return name

    def module(self):
        return HEADER + "\n\n".join(self.classes.values()) + "\n"


def union(kinds):
    unique = []
    for kind in kinds:
        if kind not in unique:
            unique.append(kind)
    if "Any" in unique:
        return "Any"
    return " | ".join(unique)


def literal(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def comment(text, indent):
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(indent) + 3 + len(line) + 1 + len(word) > 88:
            lines.append(line)
            line = word
        else:
            line = (line + " " + word) if line else word
    lines.append(line)
    return "".join("%s#: %s\n" % (indent, l) for l in lines)


def docstring(text):
    lines = textwrap.wrap(text.replace('"""', "'''"), 80)
    if len(lines) == 1:
        return '    """%s"""\n' % lines[0]
    return '    """' + "\n    ".join(lines) + '\n    """\n'


def render(name, fields, doc):
    doc_line = docstring(doc) if doc else ""
    if all(key.isidentifier() and not keyword.iskeyword(key) for key, _, _ in fields):
        body = "".join((comment(note, "    ") if note else "") + "    %s: %s\n" % (key, kind)
                       for key, kind, note in fields)
        return "class %s(TypedDict):\n%s%s" % (name, doc_line, body or "    pass\n")
    # A key that is a Python keyword ("from") needs the functional form.
    items = "".join((comment(note, "    ") if note else "") + "    %s: %s,\n"
                    % (json.dumps(key), kind) for key, kind, note in fields)
    doc_comment = comment(doc, "") if doc else ""
    return "%s%s = TypedDict(\"%s\", {\n%s})\n" % (doc_comment, name, name, items)


def generate(registry):
    """The text of fuma/results.py for ``registry`` (fuma.commands' result)."""
    return Generator(registry).module()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if fuma/results.py differs from what the registry makes")
    options = parser.parse_args(argv)
    sys.path.insert(0, HERE)
    import fuma  # the library named by FUMA_LIBRARY (or found as usual)

    text = generate(fuma.call("fuma.commands"))
    if options.check:
        with open(TARGET, encoding="utf-8") as f:
            if f.read() != text:
                print("generate_results: fuma/results.py is out of date; run "
                      "bindings/python/generate_results.py", file=sys.stderr)
                return 1
        return 0
    with open(TARGET, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
