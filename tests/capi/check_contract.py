# SPDX-License-Identifier: Apache-2.0
"""c.contract: every call the C suite made through run() (setup.h), judged
against its command's declaration in fuma.commands, with the Python suite's
own judge (tests/python/contract.py): results against the result schema,
errors against the declared codes, args against the args schema, bytes
against takes and returns.

    check_contract.py DIRECTORY    # the *.log files the C tests appended to

Fails when a declaration lies, and when no call was logged at all (the
logging itself would then be broken).
"""

import pathlib
import sys

import contract


def main(directory):
    registry = contract.load_registry()
    judged, wrong = 0, []
    for log in sorted(pathlib.Path(directory).glob("*.log")):
        for call in contract.read_call_log(log.read_bytes()):
            found, counted = contract.judge_call(registry, call)
            judged += counted
            wrong += ["%s: %s" % (log.stem, w) for w in found]
    for line in wrong:
        print(line)
    print("c.contract: %d calls judged, %d disagree with their declarations"
          % (judged, len(wrong)))
    if judged == 0:
        print("c.contract: no call was logged in %s" % directory)
        return 1
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
