# SPDX-License-Identifier: Apache-2.0
"""fuma-host copy-store: an authority moved from its SQLite file to an empty
PostgreSQL store (run by ctest's pg.host.copy_store inside
tests/support/pg-server). The source has a history made through the host:
the demo's authority, staff and units with their login pictures, a case
carried to 已办结, a draft with an attachment, a deleted case, a unit
registered on site and a picture issued by issue-credential. The copy holds
every row, its audit chain ends in the source's last hash, and on it the
units log in with their pictures and carry on."""

import json
import shutil
import sqlite3
import subprocess

import pytest

from conftest import Client, Demo, Host, host_binary, make_png, new_pg_store, psql, start_demo

NOTICE = "请携带原证书到政务服务窗口领取新证书"


def psql_text(sql, store):
    """What a query on the store's schema prints, a line per row."""
    return "\n".join("\t".join(row) for row in psql(store, sql))


def new_store():
    return new_pg_store("copy_")


def fuma_host(*args):
    return subprocess.run([host_binary(), *args], capture_output=True, text=True, timeout=120)


def copy_store(data, store, *more):
    return fuma_host("copy-store", "--data", str(data), "--store", store, *more)


def sqlite_counts(db):
    """Rows per table of a SQLite store, its own bookkeeping left out: SQLite's
    tables, and the index of the units' names (an FTS5 table and the tables
    it keeps itself in), which the copy's database makes from the names."""
    with sqlite3.connect(db) as c:
        tables = [r[0] for r in c.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'units_name_grams%'")]
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def pg_tables(store):
    listed = psql_text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()", store)
    return set(listed.split()) if listed else set()


def pg_count(store, table):
    return int(psql_text(f"SELECT count(*) FROM {table}", store))


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A SQLite store with a realistic history, its hosts stopped."""
    tmp = tmp_path_factory.mktemp("source")
    (tmp / "data").mkdir()
    # SQLite, though the suite runs where FUMA_TEST_STORE names PostgreSQL.
    host, readme = start_demo(tmp, "--store", f"sqlite:{tmp / 'data' / 'fuma.db'}")
    try:
        demo = Demo(host, readme)
        shouli = Client(host, "staff")
        shouli.login_staff("shouli")
        fuhe = Client(host, "staff")
        fuhe.login_staff("fuhe")

        # The long-term unit: a 变更 carried through every step to 已办结 ...
        unit = Client(host)
        unit.login_unit(demo.picture["long-term"])
        app = unit.call("application.start", {
            "business": "change",
            "fields": {"items": [{"item": "name", "new": "深圳市演示局（新）"}]}})
        assert app.status == 200, app
        done_id = app.json["application"]["id"]
        assert unit.call("application.submit", {"id": done_id}).status == 200
        for who, step, args in [(shouli, "accept", {}), (fuhe, "approve", {}),
                                (shouli, "notify", {"reply": NOTICE}), (shouli, "complete", {})]:
            reply = who.call(f"application.{step}", {"id": done_id, **args})
            assert reply.status == 200, (step, reply)
        # ... and a 补领 left as a draft, with its attachment.
        draft = unit.call("application.start", {"business": "reissue"})
        assert draft.status == 200, draft
        draft_id = draft.json["application"]["id"]
        picture = make_png(16, 12, seed=5)
        uploaded = unit.upload("attachment.upload",
                               {"id": draft_id, "kind": "loss_announcement"},
                               picture, "遗失公告.png", "image/png")
        assert uploaded.status == 200, uploaded

        # The fixed-term unit: a case started and deleted, the newest id.
        other = Client(host)
        other.login_unit(demo.picture["fixed-term"])
        gone = other.call("application.start", {"business": "change"})
        assert gone.status == 200, gone
        gone_id = gone.json["application"]["id"]
        assert other.call("application.delete", {"id": gone_id}).status == 200

        # A unit registered on site, and its login picture issued.
        registered = shouli.call("unit.register", {
            "name": "深圳市迁移测试局", "category": "机关", "address": "深圳市南山区1号",
            "responsible_person": "赵六", "valid_until": "2030-06-30"})
        assert registered.status == 200, registered
        uscc = registered.json["uscc"]
        issued = fuma_host("issue-credential", "--data", str(host.data), "--as", "shouli",
                           "--uscc", uscc, "--recipient", "钱七", "--phone", "13800138001",
                           "--out", str(tmp / "registered.png"))
        assert issued.returncode == 0, issued.stderr
    finally:
        host.stop()
    verified = fuma_host("verify-audit", "--data", str(host.data))
    assert verified.returncode == 0, verified.stderr
    chain = json.loads(verified.stdout)
    assert chain["intact"] and chain["records"] > 10, chain
    return {"data": host.data, "db": host.data / "fuma.db", "demo": demo, "chain": chain,
            "done_id": done_id, "draft_id": draft_id, "gone_id": gone_id,
            "registered": uscc, "registered_picture": (tmp / "registered.png").read_bytes(),
            "tmp": tmp}


@pytest.fixture(scope="module")
def copied(source):
    """The source copied into a new PostgreSQL store: (store, the copy's report)."""
    store = new_store()
    done = copy_store(source["data"], store)
    assert done.returncode == 0, done.stderr
    return store, json.loads(done.stdout)


def start_on(store, source, tmp_path, name="pg"):
    """A host of the copy, naming the source's key file; a --demo host, as
    the source's was (its fixed captcha), with the demo's files moved along,
    so that it finds the demo set up and makes nothing."""
    shutil.copytree(source["data"] / "demo", tmp_path / name / "demo")
    return Host(tmp_path, "--demo", "--store", store, "--engine-option",
                f"key_file={source['db']}.key", data=tmp_path / name)


def test_the_copy_holds_every_row_of_every_table_but_the_captchas(source, copied):
    store, report = copied
    counts = sqlite_counts(source["db"])
    assert counts["captchas"] > 0  # there was something to leave behind
    expected = {t: n for t, n in counts.items() if t != "captchas"}
    assert report["copied"] == expected
    for table, n in expected.items():
        assert pg_count(store, table) == n, table
    assert pg_count(store, "captchas") == 0
    # Every table of the schema is accounted for, the PostgreSQL store's
    # own bookkeeping aside.
    assert pg_tables(store) - {"fuma_schema", "audit_head"} == set(counts)


def test_the_copys_audit_chain_verifies_and_ends_in_the_sources_last_hash(source, copied):
    store, report = copied
    assert report["audit"]["intact"] is True
    assert report["audit"]["records"] == source["chain"]["records"]
    assert report["audit"]["last_hash"] == source["chain"]["last_hash"]
    # The copy is at the source's schema version (the copy refuses any other).
    with sqlite3.connect(source["db"]) as c:
        assert report["schema_version"] == c.execute("PRAGMA user_version").fetchone()[0]
    # The chain's head is the last record's: the next append links to it.
    assert psql_text("SELECT seq || ' ' || hash FROM audit_head", store) == (
        f"{source['chain']['records']} {source['chain']['last_hash']}")


def test_on_the_copy_units_log_in_with_their_pictures_and_carry_on(source, copied, tmp_path):
    store, _ = copied
    host = start_on(store, source, tmp_path)
    try:
        unit = Client(host)
        unit.login_unit(source["demo"].picture["long-term"])
        draft = unit.get("application.view", {"id": source["draft_id"]})
        assert draft.status == 200, draft
        assert len(draft.json["application"]["attachments"]) == 1
        before = {a["id"] for a in draft.json["application"]["attachments"]}
        letter = unit.upload("attachment.upload",
                             {"id": source["draft_id"], "kind": "request_letter"},
                             make_png(16, 12, seed=6), "情况说明.png", "image/png")
        assert letter.status == 200, letter
        assert letter.json["attachment"]["id"] > max(before)
        history = unit.get("unit.history").json["applications"]
        done = [a for a in history if a["id"] == source["done_id"]]
        assert done and done[0]["status"]["label"] == "已办结", history

        # The copy's units are found by their whole names (its own index of
        # the names' trigrams, made from the names copied).
        by_code = Client(host).get("unit.lookup", {"query": source["registered"]})
        assert by_code.status == 200, by_code
        name = by_code.json["units"][0]["name"]
        by_name = Client(host).get("unit.lookup", {"query": name})
        assert by_name.status == 200, by_name
        assert [u["uscc"] for u in by_name.json["units"]] == [source["registered"]]

        # The picture issue-credential wrote logs its unit in too.
        Client(host).login_unit(source["registered_picture"])

        # A new case gets an id never given before, the deleted case's
        # (the newest the source gave) included.
        other = Client(host)
        other.login_unit(source["demo"].picture["fixed-term"])
        new = other.call("application.start", {"business": "change"})
        assert new.status == 200, new
        assert new.json["application"]["id"] > source["gone_id"]

        # Staff log in with their passwords; the organisation-code counter
        # goes on from where it was.
        shouli = Client(host, "staff")
        shouli.login_staff("shouli")
        registered = shouli.call("unit.register", {
            "name": "深圳市迁移后登记局", "category": "机关", "address": "深圳市南山区2号",
            "responsible_person": "孙八"})
        assert registered.status == 200, registered
        assert registered.json["uscc"] != source["registered"]
    finally:
        host.stop()
    verified = fuma_host("verify-audit", "--data", str(tmp_path / "pg"), "--store", store,
                         "--engine-option", f"key_file={source['db']}.key")
    assert verified.returncode == 0, verified.stderr
    chain = json.loads(verified.stdout)
    assert chain["intact"] is True
    assert chain["records"] > source["chain"]["records"]


def test_a_second_copy_into_the_same_store_is_refused_and_writes_nothing(source, copied):
    store, _ = copied
    before = psql_text("SELECT (SELECT count(*) FROM audit) || ' ' || (SELECT count(*) FROM units)",
                  store)
    again = copy_store(source["data"], store)
    assert again.returncode == 1
    assert "CONFLICT" in again.stderr and "目标数据库已有数据" in again.stderr, again.stderr
    assert again.stdout == ""
    assert psql_text("SELECT (SELECT count(*) FROM audit) || ' ' || (SELECT count(*) FROM units)",
                store) == before


def test_a_source_at_another_schema_version_is_refused_untouched(source, tmp_path):
    older = tmp_path / "older.db"
    shutil.copyfile(source["db"], older)
    with sqlite3.connect(older) as c:
        c.execute("PRAGMA user_version = 7")
    store = new_store()
    refused = copy_store(tmp_path, store, "--from", f"sqlite:{older}")
    assert refused.returncode == 1
    assert "VERSION" in refused.stderr and "schema version 7" in refused.stderr, refused.stderr
    # Neither upgraded nor given tables.
    with sqlite3.connect(older) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == 7
    assert pg_tables(store) == set()


def test_a_copy_that_fails_part_way_leaves_the_target_empty(source, tmp_path):
    broken = tmp_path / "broken.db"
    shutil.copyfile(source["db"], broken)
    # The last table copied gets a row PostgreSQL's text cannot hold (a NUL
    # byte): every row before it has been sent when the copy fails.
    with sqlite3.connect(broken) as c:
        c.execute("INSERT INTO throttles(scope, failures, last_failure_at) VALUES (?, 1, ?)",
                  ("client:\x00", "2026-12-01T00:00:00Z"))
    store = new_store()
    failed = copy_store(tmp_path, store, "--from", str(broken))
    assert failed.returncode == 1
    assert "NUL" in failed.stderr, failed.stderr
    for table in ("units", "applications", "audit", "blobs", "credentials", "sessions"):
        assert pg_count(store, table) == 0, table
    assert psql_text("SELECT seq FROM audit_head", store) == "0"
    # Nothing of the failed copy stands in the way of the next.
    with sqlite3.connect(broken) as c:
        c.execute("DELETE FROM throttles WHERE scope = ?", ("client:\x00",))
    done = copy_store(tmp_path, store, "--from", str(broken))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["audit"]["last_hash"] == source["chain"]["last_hash"]


def test_a_missing_source_is_not_found(tmp_path):
    store = new_store()
    missing = copy_store(tmp_path, store, "--from", str(tmp_path / "nowhere.db"))
    assert missing.returncode == 1
    assert "NOT_FOUND" in missing.stderr and "源数据文件不存在" in missing.stderr
    assert not (tmp_path / "nowhere.db").exists()
    assert pg_tables(store) == set()


def test_a_target_that_is_not_postgresql_is_refused(source, tmp_path):
    refused = copy_store(source["data"], f"sqlite:{tmp_path / 'copy.db'}")
    assert refused.returncode == 1
    assert "INVALID_ARGUMENT" in refused.stderr, refused.stderr
    assert not (tmp_path / "copy.db").exists()


def test_a_copy_whose_chain_does_not_verify_is_reported_and_exits_1(source, tmp_path):
    tampered = tmp_path / "tampered.db"
    shutil.copyfile(source["db"], tampered)
    with sqlite3.connect(tampered) as c:
        c.execute("DROP TRIGGER audit_no_update")
        c.execute("UPDATE audit SET actor = 'staff:99' WHERE seq = 3")
    store = new_store()
    done = copy_store(tmp_path, store, "--from", str(tampered),
                      "--engine-option", f"key_file={source['db']}.key")
    assert done.returncode == 1
    assert "the copy's audit chain is broken" in done.stderr, done.stderr
    # Copied all the same, and said so: the operator empties it and looks.
    report = json.loads(done.stdout)
    assert report["audit"]["intact"] is False and report["audit"]["broken_seq"] == 3
    assert report["copied"]["audit"] == source["chain"]["records"]
    assert pg_count(store, "audit") == source["chain"]["records"]
