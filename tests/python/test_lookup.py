# SPDX-License-Identifier: Apache-2.0
"""unit.lookup (事业单位法人信息查询, anyone) and attachment.get (an uploaded
file back, for its unit and staff of its authority) through the binding."""

import pathlib

import pytest

import fuma

DATA = pathlib.Path(__file__).resolve().parents[1] / "attachments" / "data"
SYSTEM = {"system": True}


@pytest.fixture
def engine(tmp_path):
    with fuma.Engine(tmp_path / "fuma.db") as engine:
        for code, name, division in (("sz", "深圳市委编办", "440300"),
                                     ("gz", "广州市委编办", "440100")):
            engine.call("authority.create", {"code": code, "name": name, "division": division},
                        actor=SYSTEM)
            engine.call("staff.create", {"authority": code, "username": code + "acc",
                                         "name": code + "acc", "roles": ["acceptor"]},
                        actor=SYSTEM)
        yield engine


def register(engine, name, valid_until=None):
    return engine.as_staff("szacc").register_unit(
        name=name, category="机关", address="深圳市福田区", responsible_person="张三",
        valid_until=valid_until)


def test_lookup_needs_no_actor_and_finds_by_code_or_part_of_a_name(engine):
    code = register(engine, "深圳市100%局")
    register(engine, "深圳市1000局")
    found = engine.call("unit.lookup", {"query": code.lower()})
    assert [u["uscc"] for u in found["units"]] == [code]
    unit = found["units"][0]
    assert (unit["status"], unit["status_label"]) == ("active", "正常")
    assert unit["certificate"] == {"serial": code + "-01", "valid_until": None,
                                   "long_term": True, "expired": False}
    assert unit["authority"] == {"code": "sz", "name": "深圳市委编办"}
    assert found["truncated"] is False
    # % is a character of the name, not a wildcard.
    assert [u["name"] for u in engine.call("unit.lookup", {"query": "100%"})["units"]] == [
        "深圳市100%局"]
    both = engine.call("unit.lookup", {"query": "深圳市", "limit": 1})
    assert len(both["units"]) == 1 and both["truncated"] is True


@pytest.mark.parametrize("query", ["某", "", "局" * 101, 7])
def test_lookup_refuses_what_it_cannot_search(engine, query):
    with pytest.raises(fuma.InvalidArgument) as info:
        engine.call("unit.lookup", {"query": query})
    assert info.value.message and info.value.detail


def test_attachment_get_returns_the_uploaded_bytes(engine):
    code = register(engine, "深圳市某局", valid_until="2030-12-31")
    me = engine.as_unit(code)
    case = me.start("reissue")
    png = me.upload(case["id"], "loss_announcement", "遗失公告.png",
                    (DATA / "stamp.png").read_bytes())
    pdf = me.upload(case["id"], "request_letter", "申请书.pdf", (DATA / "letter.pdf").read_bytes())
    for attachment, name, kind in ((png, "stamp.png", "png"), (pdf, "letter.pdf", "pdf")):
        args = {"id": case["id"], "attachment": attachment["id"]}
        got = me.call("attachment.get", args)
        assert got.data == (DATA / name).read_bytes()
        assert got["attachment"]["type"] == kind
        assert got["file_name"] == attachment["file_name"]
        assert engine.as_staff("szacc").call("attachment.get", args).data == got.data
        with pytest.raises(fuma.NotFound):  # another authority's: as if it did not exist
            engine.as_staff("gzacc").call("attachment.get", args)
    other = engine.as_unit(register(engine, "深圳市另一局"))
    with pytest.raises(fuma.NotFound):
        other.call("attachment.get", {"id": case["id"], "attachment": png["id"]})
    me.remove(case["id"], pdf["id"])
    with pytest.raises(fuma.NotFound):
        me.call("attachment.get", {"id": case["id"], "attachment": pdf["id"]})
