"""The command contract, guarded: each command's declaration (fuma.commands)
is checked against what the library really does, on every call the suite makes.

conftest.py installs :func:`guard` around ``fuma.engine._invoke``, the one
place every ``fuma.call`` and ``Engine.call`` passes through, so that each
test of the suite also tests the declarations of the commands it runs:

- a result must validate against the command's result schema;
- args that the args schema refuses must not be accepted;
- an error must carry a code the command declares;
- bytes come back exactly when the declaration says, and a command that
  declares them required does not succeed without them. (Bytes given to a
  command that takes none are ignored by the library, as the suite checks.)

Validation uses a real JSON Schema implementation (jsonschema, Debian's
python3-jsonschema), never a hand-written checker.
"""

import json
import threading

import jsonschema

import fuma
from fuma import engine as _engine

DIALECT = "https://json-schema.org/draft/2020-12/schema"


class Declared:
    """One command's declaration with its compiled validators."""

    def __init__(self, descriptor):
        self.descriptor = descriptor
        self.name = descriptor["name"]
        self.errors = frozenset(descriptor["errors"])
        checker = jsonschema.FormatChecker()
        self.args = jsonschema.Draft202012Validator(descriptor["args"], format_checker=checker)
        self.result = jsonschema.Draft202012Validator(descriptor["result"],
                                                      format_checker=checker)


def load_registry(invoke):
    """The registry as the library declares it: name -> Declared."""
    answer = invoke(None, json.dumps({"command": "fuma.commands"}).encode(), None)
    return {d["name"]: Declared(d) for d in answer["commands"]}


def _problems(validator, instance):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
            for e in validator.iter_errors(instance)]


def judge(declared, args, payload, outcome):
    """What the declaration gets wrong about one call, as sentences.

    ``outcome`` is the :class:`fuma.Result` or the :class:`fuma.Error` the
    call ended with.
    """
    wrong = []
    name = declared.name
    if isinstance(outcome, fuma.Error):
        if outcome.code not in declared.errors:
            wrong.append("%s answered %s, which it does not declare (%s)"
                         % (name, outcome.code, outcome.detail))
        return wrong
    refused = _problems(declared.args, args)
    if refused:
        wrong.append("%s accepted args its schema refuses: %s; args %r"
                     % (name, "; ".join(refused), args))
    broken = _problems(declared.result, dict(outcome))
    if broken:
        wrong.append("%s answered a result its schema refuses: %s"
                     % (name, "; ".join(broken[:5])))
    takes, returns = declared.descriptor["takes"], declared.descriptor["returns"]
    if not payload and takes is not None and takes["required"]:
        wrong.append("%s succeeded without the bytes it declares required" % name)
    if outcome.data and returns is None:
        wrong.append("%s returned bytes it declares none of" % name)
    if not outcome.data and returns is not None and returns["required"]:
        wrong.append("%s returned no bytes though it declares them" % name)
    return wrong


class Guard:
    """Wraps ``_invoke``; remembers every declaration found lying."""

    def __init__(self, invoke):
        self.invoke = invoke
        self._registry = None
        self._lock = threading.Lock()
        self.violations = []
        self.calls = {}  # command -> how many calls were judged
        self.successes = {}  # command -> how many of them succeeded

    def registry(self):
        with self._lock:
            if self._registry is None:
                self._registry = load_registry(self.invoke)
            return self._registry

    def __call__(self, engine, request, payload):
        envelope = json.loads(request)
        declared = self.registry().get(envelope.get("command"))
        try:
            outcome = self.invoke(engine, request, payload)
        except fuma.Error as e:
            outcome = e
        if declared is None:
            # Only an unknown command may be missing from the registry.
            if not isinstance(outcome, fuma.Error):
                self._record(["%r answered though the registry does not list it"
                              % envelope.get("command")])
        else:
            args = envelope.get("args")
            self._record(judge(declared, {} if args is None else args, payload, outcome))
            with self._lock:
                self.calls[declared.name] = self.calls.get(declared.name, 0) + 1
                if not isinstance(outcome, fuma.Error):
                    self.successes[declared.name] = self.successes.get(declared.name, 0) + 1
        if isinstance(outcome, fuma.Error):
            raise outcome
        return outcome

    def _record(self, wrong):
        if wrong:
            with self._lock:
                self.violations.extend(wrong)


def install():
    """Puts a Guard around fuma's one call path; returns it."""
    current = _engine._invoke
    if isinstance(current, Guard):
        return current
    guard = Guard(current)
    _engine._invoke = guard
    return guard
