# SPDX-License-Identifier: Apache-2.0
"""The command contract, guarded: each command's declaration (fuma.commands)
is checked against what the library really does, on every call a suite makes.

conftest.py installs :func:`guard` around ``fuma.engine._invoke``, the one
place every ``fuma.call`` and ``Engine.call`` passes through, so that each
test of the suite also tests the declarations of the commands it runs:

- a result must validate against the command's result schema;
- args that the args schema refuses must not be accepted;
- an error must carry a code the command declares;
- bytes come back exactly when the declaration says, and a command that
  declares them required does not succeed without them. (Bytes given to a
  command that takes none are ignored by the library, as the suite checks.)

The other suites judge their answers with the same functions: the C suite's
calls (tests/capi/check_contract.py, with :func:`judge_call`) and the host
suite's JSON answers (tests/host/conftest.py, with :func:`judge_result`).
They read the registry from the program that FUMA_COMMANDS names
(tests/capi/commands.c) and never import fuma, which this module therefore
imports only where a Python call is judged.

Validation uses a real JSON Schema implementation (jsonschema, Debian's
python3-jsonschema), never a hand-written checker.
"""

import json
import os
import subprocess
import threading

import jsonschema

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


def declarations(answer):
    """name -> Declared, from the result of fuma.commands."""
    return {d["name"]: Declared(d) for d in answer["commands"]}


def load_registry(invoke=None):
    """The registry as the library declares it: name -> Declared. ``invoke``
    is fuma.engine._invoke or a wrapper of it; without one, the program that
    FUMA_COMMANDS names prints it (tests/capi/commands.c)."""
    if invoke is None:
        program = os.environ.get("FUMA_COMMANDS")
        if not program:
            raise RuntimeError("set FUMA_COMMANDS to the print_commands program")
        printed = subprocess.run([program], capture_output=True, check=True, timeout=60)
        return declarations(json.loads(printed.stdout))
    return declarations(invoke(None, json.dumps({"command": "fuma.commands"}).encode(), None))


def _problems(validator, instance):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
            for e in validator.iter_errors(instance)]


def judge_result(declared, result):
    """What the declaration gets wrong about a successful answer's JSON."""
    broken = _problems(declared.result, result)
    if not broken:
        return []
    return ["%s answered a result its schema refuses: %s"
            % (declared.name, "; ".join(broken[:5]))]


def judge_answer(declared, args, gave_bytes, error, result, returned_bytes):
    """What the declaration gets wrong about one call, as sentences.

    ``error`` is the code the call failed with (None when it succeeded),
    ``result`` the result's JSON as a dict when it succeeded, and
    ``returned_bytes`` whether bytes came back beside it (None: not known).
    """
    name = declared.name
    if error is not None:
        if error not in declared.errors:
            return ["%s answered %s, which it does not declare" % (name, error)]
        return []
    wrong = []
    refused = _problems(declared.args, args)
    if refused:
        wrong.append("%s accepted args its schema refuses: %s; args %r"
                     % (name, "; ".join(refused), args))
    wrong += judge_result(declared, result)
    takes, returns = declared.descriptor["takes"], declared.descriptor["returns"]
    if not gave_bytes and takes is not None and takes["required"]:
        wrong.append("%s succeeded without the bytes it declares required" % name)
    if returned_bytes is True and returns is None:
        wrong.append("%s returned bytes it declares none of" % name)
    if returned_bytes is False and returns is not None and returns["required"]:
        wrong.append("%s returned no bytes though it declares them" % name)
    return wrong


def judge(declared, args, payload, outcome):
    """:func:`judge_answer` for a Python call: ``outcome`` is the
    :class:`fuma.Result` or the :class:`fuma.Error` the call ended with."""
    import fuma

    if isinstance(outcome, fuma.Error):
        wrong = judge_answer(declared, args, bool(payload), outcome.code, None, None)
        return ["%s (%s)" % (w, outcome.detail) for w in wrong]
    return judge_answer(declared, args, bool(payload), None, dict(outcome),
                        bool(outcome.data))


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
        import fuma

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
    from fuma import engine as _engine

    current = _engine._invoke
    if isinstance(current, Guard):
        return current
    guard = Guard(current)
    _engine._invoke = guard
    return guard


# --- The C suite's calls ------------------------------------------------------

def read_call_log(raw):
    """The calls a C test logged (tests/capi/setup.h, log_call) as dicts:
    ``status``, ``request`` and ``answer`` (texts), ``data_len``,
    ``returned_len``."""
    calls, at = [], 0
    while at < len(raw):
        end = raw.index(b"\n", at)
        word, status, request_len, answer_len, data_len, returned_len = raw[at:end].split()
        if word != b"fuma-call":
            raise ValueError("not a call record at byte %d" % at)
        at = end + 1
        request_len, answer_len = int(request_len), int(answer_len)
        request = raw[at:at + request_len]
        answer = raw[at + request_len:at + request_len + answer_len]
        at += request_len + answer_len + 1
        calls.append({"status": int(status), "request": request.decode("utf-8", "replace"),
                      "answer": answer.decode("utf-8", "replace"),
                      "data_len": int(data_len), "returned_len": int(returned_len)})
    return calls


def judge_call(registry, call):
    """What the declarations get wrong about one logged C call: sentences,
    and whether the call was judged (a request that is not JSON, or names
    no command, is the library's to refuse and is not)."""
    try:
        envelope = json.loads(call["request"])
    except ValueError:
        return [], False
    if not isinstance(envelope, dict) or not isinstance(envelope.get("command"), str):
        return [], False
    declared = registry.get(envelope["command"])
    if declared is None:
        if call["status"] == 0:
            return ["%r answered though the registry does not list it"
                    % envelope["command"]], True
        return [], False
    args = envelope.get("args")
    args = {} if args is None else args
    answer = json.loads(call["answer"]) if call["answer"] else {}
    if call["status"] != 0:
        code = answer.get("error", {}).get("code")
        return judge_answer(declared, args, call["data_len"] > 0, code, None, None), True
    return judge_answer(declared, args, call["data_len"] > 0, None, answer,
                        call["returned_len"] > 0), True
