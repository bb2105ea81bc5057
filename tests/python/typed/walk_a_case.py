# SPDX-License-Identifier: Apache-2.0
"""A case walked through fuma's actor views, with types: what a script that
ops staff keep looks like when it is checked with ``mypy --strict``.

    walk_a_case.py fuma.db     # prints the case's last status, 已办结

The suite type-checks this file and runs it (tests/python/test_typing.py).
"""

import sys

import fuma
from fuma.results import Case, UnitHistoryResult


def set_up(engine: fuma.Engine) -> None:
    """The authority sz with an acceptor and a reviewer, as the system."""
    system = {"system": True}
    engine.call("authority.create",
                {"code": "sz", "name": "深圳市委编办", "division": "440300"}, actor=system)
    for username, roles in (("shouli", ["acceptor"]), ("fuhe", ["reviewer"])):
        engine.call("staff.create", {"authority": "sz", "username": username,
                                     "name": username, "roles": roles}, actor=system)


def walk(path: str) -> str:
    """A reissue from 未提交 to 已办结; returns the last status' label."""
    with fuma.Engine(path) as engine:
        set_up(engine)
        acc, rev = engine.as_staff("shouli"), engine.as_staff("fuhe")
        uscc: str = acc.register_unit(name="深圳市某局", category="机关",
                                      address="深圳市福田区", responsible_person="张三")
        me = engine.as_unit(uscc)
        case: Case = me.start("reissue")
        me.save(case["id"], {"reason": "证书遗失"})
        me.submit(case["id"], idempotency_key="submit-1")
        acc.accept(case["id"], "已受理")
        rev.approve(case["id"])
        form = me.form(case["id"])
        assert form.data.startswith(b"%PDF-")
        acc.notify(case["id"], "请将签字盖章的申请表寄送至赋码机关")
        done = acc.complete(case["id"])
        history: UnitHistoryResult = me.history()
        steps = [event["action"] for event in history["applications"][0]["events"]]
        assert "complete" in steps, steps
        return done["status"]["label"] or done["status"]["key"]


if __name__ == "__main__":
    print(walk(sys.argv[1]))
