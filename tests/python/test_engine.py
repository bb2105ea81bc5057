# SPDX-License-Identifier: Apache-2.0
"""fuma.Engine: a store on a SQLite file, its options, its lifetime."""

import gc
import hashlib
import os
import sqlite3
import threading
import time

import pytest

import fuma


def open_files():
    """The files this process holds open."""
    fds = "/proc/self/fd"
    paths = set()
    for fd in os.listdir(fds):
        try:
            paths.add(os.readlink(os.path.join(fds, fd)))
        except OSError:
            pass  # the descriptor listdir itself used
    return paths


@pytest.fixture
def db(tmp_path):
    return tmp_path / "fuma.db"


def test_engine_creates_the_sqlite_file(db):
    with fuma.Engine(db):
        pass
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_engine_runs_the_version_command(db):
    with fuma.Engine(db) as engine:
        result = engine.call("fuma.version")
    assert (result["version"], result["abi_version"]) == (fuma.__version__, 1)


def test_engine_reports_the_schema_version_it_wrote(db):
    with fuma.Engine(db) as engine:
        schema = engine.call("fuma.version")["schema_version"]
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == schema


def test_engine_reopens_its_own_file(db):
    fuma.Engine(db).close()
    with fuma.Engine(str(db)) as engine:
        assert engine.call("fuma.version")["ok"]


def test_engine_without_path_works_in_memory():
    with fuma.Engine() as engine:
        assert engine.call("uscc.check", {"code": "91350100M000100Y43"})["valid"]


def test_engine_named_memory_keeps_one_database_in_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with fuma.Engine(":memory:") as engine:
        engine.call("authority.create", {"code": "sz", "name": "深圳市委编办",
                                         "division": "440300"}, actor={"system": True})
        # A read sees what the write stored: one database, not one a connection.
        assert engine.call("keys.list", {"authority": "sz"}, actor={"system": True})["keys"] == []
    assert list(tmp_path.iterdir()) == []


def test_engine_named_memory_colon_and_sqlite_prefix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with fuma.Engine("memory:") as engine:
        assert engine.call("uscc.check", {"code": "91350100M000100Y43"})["valid"]
    assert list(tmp_path.iterdir()) == []
    fuma.Engine("sqlite:" + str(tmp_path / "named.db")).close()
    assert (tmp_path / "named.db").exists()


def test_postgresql_location_needs_its_key_file_named(tmp_path):
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.Engine("postgresql:///fuma?host=" + str(tmp_path))
    assert "key_file" in info.value.detail


def test_postgresql_server_out_of_reach_raises_store_unavailable(tmp_path):
    # A socket directory where no server listens.
    with pytest.raises(fuma.StoreUnavailable) as info:
        fuma.Engine("postgresql:///fuma?host=" + str(tmp_path), key_file=str(tmp_path / "k"))
    assert info.value.code == "STORE_UNAVAILABLE"
    assert info.value.status == -34
    assert info.value.message == "服务暂不可用，请稍后重试"


def test_engine_accepts_a_non_ascii_path(tmp_path):
    db = tmp_path / "赋码.db"
    fuma.Engine(db).close()
    assert db.exists()


def test_file_of_a_newer_fuma_raises_version_error(db):
    fuma.Engine(db).close()
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(fuma.VersionError) as info:
        fuma.Engine(db)
    assert info.value.code == "VERSION"


def test_file_that_is_not_a_database_raises_storage_error(db):
    db.write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(fuma.StorageError):
        fuma.Engine(db)


def test_database_of_another_program_raises_storage_error(db):
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE other (x)")
    con.close()
    with pytest.raises(fuma.StorageError):
        fuma.Engine(db)


def test_directory_that_does_not_exist_raises_storage_error(tmp_path):
    with pytest.raises(fuma.StorageError):
        fuma.Engine(tmp_path / "missing" / "fuma.db")


# options


def test_known_option_is_accepted_as_int_or_str(db):
    fuma.Engine(db, busy_timeout_ms=250).close()
    fuma.Engine(db, busy_timeout_ms="250").close()


def test_unknown_option_raises_invalid_argument(db):
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.Engine(db, busy_timeout=250)
    assert "busy_timeout" in info.value.detail


def test_bad_option_value_raises_invalid_argument(db):
    with pytest.raises(fuma.InvalidArgument):
        fuma.Engine(db, busy_timeout_ms=-5)


def test_refused_option_creates_no_file(db):
    with pytest.raises(fuma.InvalidArgument):
        fuma.Engine(db, busy_timeout_ms="soon")
    assert not db.exists()


@pytest.mark.parametrize("value", [True, 2.5, None, b"100"])
def test_option_of_wrong_type_raises_type_error(db, value):
    with pytest.raises(TypeError):
        fuma.Engine(db, busy_timeout_ms=value)


def test_option_with_nul_is_refused_not_truncated(db):
    with pytest.raises(ValueError):
        fuma.Engine(db, busy_timeout_ms="100\x00junk")


# the crypto suite


def _audit_chain(db, algorithm):
    """The audit chain recomputed from the file with hashlib's `algorithm`:
    (records, last hash), or None where a hash does not hold."""
    prev, count = "0" * 64, 0
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT at, actor, command, target, before_status, after_status,"
                           " prev_hash, hash FROM audit ORDER BY seq").fetchall()
    for row in rows:
        fields = list(row[:6]) + [prev]
        canonical = b"".join(b"%d:%s;" % (len(f.encode()), f.encode()) for f in fields)
        if row[6] != prev or hashlib.new(algorithm, canonical).hexdigest() != row[7]:
            return None
        prev, count = row[7], count + 1
    return count, prev


def test_an_sm_store_chains_its_audit_log_with_sm3_and_keeps_its_suite(db):
    system = {"system": True}
    with fuma.Engine(db, crypto_suite="sm") as engine:
        engine.call("authority.create", {"code": "sz", "name": "深圳市委编办", "division": "440300"},
                    actor=system)
        verdict = engine.call("audit.verify", actor=system)
    assert (verdict["digest"], verdict["crypto_suite"], verdict["intact"]) == ("sm3", "sm", True)
    assert _audit_chain(db, "sm3") == (verdict["records"], verdict["last_hash"])
    assert _audit_chain(db, "sha256") is None
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.Engine(db, crypto_suite="standard")
    assert "'sm'" in info.value.detail and "'standard'" in info.value.detail
    with fuma.Engine(db) as engine:
        assert engine.call("audit.verify", actor=system)["crypto_suite"] == "sm"


def test_path_with_nul_is_refused_not_truncated(tmp_path):
    with pytest.raises(ValueError):
        fuma.Engine(str(tmp_path / "a.db") + "\x00b")
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize("path", [42, ["fuma.db"]])
def test_path_of_wrong_type_raises_type_error(path):
    with pytest.raises(TypeError):
        fuma.Engine(path)


# lifetime


def test_with_block_closes_the_engine(db):
    with fuma.Engine(db) as engine:
        pass
    assert engine.closed


def test_closed_engine_refuses_calls_clearly(db):
    engine = fuma.Engine(db)
    engine.close()
    with pytest.raises(ValueError, match="closed"):
        engine.call("fuma.version")


def test_close_twice_is_harmless(db):
    engine = fuma.Engine(db)
    engine.close()
    engine.close()
    assert engine.closed


def test_close_releases_the_database_file(db):
    engine = fuma.Engine(db)
    assert str(db) in open_files()
    engine.close()
    assert str(db) not in open_files()


def test_garbage_collection_releases_an_unclosed_engine(db):
    engine = fuma.Engine(db)
    del engine
    gc.collect()
    assert str(db) not in open_files()


def test_engine_call_checks_python_types(db):
    with fuma.Engine(db) as engine, pytest.raises(TypeError):
        engine.call("uscc.check", ["code"])


def test_engine_call_raises_library_errors(db):
    with fuma.Engine(db) as engine, pytest.raises(fuma.UnknownCommand):
        engine.call("no.such.command")


def test_repr_names_the_path_and_state(db):
    engine = fuma.Engine(db)
    engine.close()
    assert repr(engine) == "<fuma.Engine %r closed>" % str(db)


# threads


def test_one_engine_serves_many_threads(db):
    failures = []
    with fuma.Engine(db) as engine:
        def work():
            for _ in range(200):
                if engine.call("uscc.check", {"code": "91350100M000100Y43"})["valid"] is not True:
                    failures.append("verdict")
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


def test_close_while_threads_call_lets_running_calls_finish(db):
    engine = fuma.Engine(db)
    outcomes = []
    started = threading.Barrier(9)

    def work():
        started.wait()
        while True:
            try:
                engine.call("uscc.check", {"code": "9" * 100_000})
                outcomes.append("ok")
            except ValueError as err:
                outcomes.append(str(err))
                return

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    started.wait()
    while len(outcomes) < 50:
        time.sleep(0.001)
    engine.close()
    for t in threads:
        t.join()
    assert set(outcomes) == {"ok", "this fuma.Engine is closed"}
    assert str(db) not in open_files()


def test_store_backup_copies_the_store_online_and_overwrites_nothing(tmp_path):
    with fuma.Engine(str(tmp_path / "fuma.db")) as engine:
        engine.call("authority.create", {"code": "sz", "name": "深圳市委编办",
                                         "division": "440300"}, actor={"system": True})
        copy = str(tmp_path / "copy.db")
        assert engine.call("store.backup", {"path": copy}, actor={"system": True})["bytes"] > 0
        with pytest.raises(fuma.Conflict):
            engine.call("store.backup", {"path": copy}, actor={"system": True})
    with fuma.Engine(copy) as restored:
        with pytest.raises(fuma.Conflict):
            restored.call("authority.create", {"code": "sz", "name": "深圳市委编办",
                                               "division": "440300"}, actor={"system": True})
