# SPDX-License-Identifier: Apache-2.0
"""下载表格 and printing from Python: application.form, form.verify,
credential.request_form, certificate.print and certificate.status.

Real SQLite files in tmp_path; the PDFs are read back with pdftotext, as a
person reading the form would read it.
"""

import subprocess

import pytest

import fuma

SYSTEM = {"system": True}


def text_of(pdf, tmp_path):
    """The words of a PDF as pdftotext reads them, without the spaces and
    line breaks it puts between the characters of a layout."""
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8")
    return "".join(out.split())


def marked(text):
    """仅供核对 is set at a slant: a text extractor finds its characters apart."""
    return "仅" in text and "供" in text


def open_engine(path, **options):
    engine = fuma.Engine(path, **options)
    engine.call("authority.create", {"code": "sz", "name": "深圳市委编办", "division": "440300"},
                actor=SYSTEM)
    for username, roles in (("acc", ["acceptor"]), ("rev", ["reviewer"])):
        engine.call("staff.create", {"authority": "sz", "username": username,
                                     "name": username, "roles": roles}, actor=SYSTEM)
    return engine


@pytest.fixture
def engine(tmp_path):
    with open_engine(tmp_path / "fuma.db") as engine:
        yield engine


def register(engine, name="深圳市某某局"):
    return engine.as_staff("acc").register_unit(
        name=name, category="机关", address="深圳市福田区福中三路1号", responsible_person="张三")


def reissue_case(me, submit=True):
    """A reissue case of the unit `me`, submitted (待受理) unless told not to."""
    case = me.start("reissue")
    me.save(case["id"], {"reason": "证书遗失"})
    if submit:
        me.submit(case["id"])
    return case["id"]


def change_case(me):
    case = me.start("change")
    me.save(case["id"], {"items": [{"item": "name", "new": "深圳市某某管理局"},
                                   {"item": "address", "new": "深圳市南山区科技园路2号"}],
                         "reason": "机构改革更名"})
    return case["id"]


def test_application_form_is_a_pdf_naming_the_unit(engine, tmp_path):
    uscc = register(engine)
    me = engine.as_unit(uscc)
    form = engine.call("application.form", {"id": change_case(me)}, actor=me.actor)
    assert form.data.startswith(b"%PDF-")
    assert form["media_type"] == "application/pdf"
    text = text_of(form.data, tmp_path)
    assert "深圳市某某局" in text and uscc in text


def test_a_form_before_approval_is_marked_and_not_for_signing(engine, tmp_path):
    me = engine.as_unit(register(engine))
    form = me.form(reissue_case(me))
    assert form["for_signing"] is False
    assert marked(text_of(form.data, tmp_path))


def test_after_accept_and_approve_the_form_is_clean_and_for_signing(engine, tmp_path):
    me = engine.as_unit(register(engine))
    case_id = reissue_case(me)
    engine.as_staff("acc").accept(case_id)
    engine.as_staff("rev").approve(case_id)
    form = me.form(case_id)
    assert form["for_signing"] is True
    assert not marked(text_of(form.data, tmp_path))


def test_form_verify_matches_until_the_case_is_edited(engine):
    me = engine.as_unit(register(engine))
    acc = engine.as_staff("acc")
    case_id = change_case(me)
    code = me.form(case_id)["code"]
    assert code.startswith("FMF1:%d:" % case_id)
    same = acc.verify_form(code)
    assert (same["matches"], same["application"], same["status"]) == (True, case_id, "draft")
    me.save(case_id, {"items": [{"item": "name", "new": "深圳市某某管理局"},
                                {"item": "address", "new": "深圳市南山区科技园路2号"}],
                      "reason": "机构改革后更名"})
    changed = acc.verify_form(code)
    assert changed["matches"] is False
    assert "不一致" in changed["message"]


def test_another_units_actor_cannot_download_the_form(engine):
    case_id = reissue_case(engine.as_unit(register(engine)))
    other = engine.as_unit(register(engine, "深圳市另一局"))
    with pytest.raises(fuma.NotFound):
        other.form(case_id)


def test_the_blank_request_form_needs_no_actor(engine, tmp_path):
    blank = engine.call("credential.request_form")
    assert blank.data.startswith(b"%PDF-")
    assert "未曾领取二维码图片" in text_of(blank.data, tmp_path)


def test_a_printed_certificate_leads_to_its_active_status(tmp_path):
    with open_engine(tmp_path / "fuma.db", public_url="https://x.example") as engine:
        uscc = register(engine)
        printed = engine.as_staff("acc").print_certificate(uscc)
        assert printed.data.startswith(b"%PDF-")
        prefix = "https://x.example/c/"
        assert printed["code"].startswith(prefix)
        status = engine.call("certificate.status", {"serial": printed["code"][len(prefix):]})
        assert (status["status"], status["uscc"]) == ("active", uscc)


def test_a_character_the_font_lacks_is_invalid_argument_naming_it(engine):
    me = engine.as_unit(register(engine, "深圳市😀局"))
    case_id = reissue_case(me, submit=False)
    with pytest.raises(fuma.InvalidArgument) as caught:
        me.form(case_id)
    assert "U+1F600" in caught.value.detail


def test_the_filled_request_form_through_the_staff_view(engine, tmp_path):
    uscc = register(engine)
    acc = engine.as_staff("acc")
    request = acc.call("credential.request", {
        "uscc": uscc, "reason": "first", "recipient": "王五", "phone": "13800138000",
        "requested_on": "2026-11-20"})["request"]
    filled = acc.request_form(request["id"])
    assert filled.data == engine.call("credential.request_form", {"request": request["id"]},
                                      actor=acc.actor).data
    text = text_of(filled.data, tmp_path)
    assert uscc in text and "王五" in text and "13800138000" in text


def test_the_views_run_the_same_commands(engine):
    uscc = register(engine)
    me, acc = engine.as_unit(uscc), engine.as_staff("acc")
    case_id = change_case(me)
    form = me.form(case_id)
    raw = engine.call("application.form", {"id": case_id}, actor=me.actor)
    assert (form, form.data) == (raw, raw.data)
    assert acc.form(case_id).data == form.data  # staff of its authority get the same form
    assert acc.verify_form(form["code"]) == engine.call(
        "form.verify", {"code": form["code"]}, actor=acc.actor)
    assert acc.print_certificate(uscc).data == engine.call(
        "certificate.print", {"uscc": uscc}, actor=acc.actor).data
    with pytest.raises(TypeError):
        acc.verify_form()


def test_verify_form_reads_the_code_from_a_scan(engine, tmp_path):
    me = engine.as_unit(register(engine))
    case_id = change_case(me)
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(me.form(case_id).data)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "scan")], check=True, timeout=60)
    result = engine.as_staff("acc").verify_form(scan=(tmp_path / "scan.png").read_bytes())
    assert (result["matches"], result["application"]) == (True, case_id)
