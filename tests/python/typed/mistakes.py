# SPDX-License-Identifier: Apache-2.0
"""Mistakes that fuma's types catch: mypy must report an error on each line
marked ``# mypy: error`` and on no other (tests/python/test_typing.py). Never
run; it only shows that the types are there and say what the library does.
"""

import fuma


def mistakes(engine: fuma.Engine) -> None:
    me = engine.as_unit("91440300MB2C920679")
    case = me.start("reissue")
    case["no_such_field"]  # mypy: error
    me.save("1", {"reason": "证书遗失"})  # mypy: error
    label: str = case["status"]["label"]  # mypy: error
    me.upload(case["id"], "request_letter", "说明.pdf", "not bytes")  # mypy: error
    fuma.uscc.check(91440300)  # mypy: error
    engine.call("fuma.version", data="not bytes")  # mypy: error
    items = engine.as_staff("shouli").queue("submitted")
    items[0]["no_such_field"]  # mypy: error
    print(label, case["certificate"]["serial"])  # mypy: error
