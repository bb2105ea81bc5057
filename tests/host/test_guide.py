# SPDX-License-Identifier: Apache-2.0
"""服务指南 over HTTP, as a unit's browser reads it before it has a login
picture: the blank forms of 表格下载 for anyone (real PDFs, checked with qpdf
and pdftotext), and 联系电话及其他 from the locality file: the demo's
marked as demo data, a locality's own given with --engine-option, and a
defective one refused at start."""
import json
import subprocess

import pytest

from conftest import Client, assert_api_error, host_binary, start_demo


def pdf_text(tmp_path, body, name="form.pdf"):
    path = tmp_path / name
    path.write_bytes(body)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True)
    assert check.returncode == 0, check.stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return "".join(text.decode("utf-8").split())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    host, _ = start_demo(tmp_path_factory.mktemp("guide-demo"))
    yield host
    host.stop()


def test_a_business_blank_form_downloads_without_logging_in(demo, tmp_path):
    reply = Client(demo).get("form.blank", {"business": "extension"})
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "application/pdf"
    # The file name the declaration promises, in the RFC 5987 form.
    disposition = reply.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "%E8%AF%81%E4%B9%A6%E5%BB%B6%E6%9C%9F" in disposition  # 证书延期
    text = pdf_text(tmp_path, reply.body)
    assert "机关、群团等统一社会信用代码申请表" in text
    assert "证书延期" in text
    assert "仅供核对" not in text


@pytest.mark.parametrize("args,title", [
    ({"business": "change"}, "机关、群团等统一社会信用代码证书信息变更申请表"),
    ({"business": "initial"}, "机关、群团等统一社会信用代码申请表"),
    ({"form": "credential_request"}, "深圳市市直机关群团登录二维码图片申领表"),
])
def test_each_blank_form_is_its_template(demo, tmp_path, args, title):
    reply = Client(demo).get("form.blank", args)
    assert reply.status == 200, reply
    assert title in pdf_text(tmp_path, reply.body)


def test_a_form_no_unit_fills_in_is_refused(demo):
    reply = Client(demo).get("form.blank", {"form": "certificate"})
    assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert reply.json["error"]["message"] == "没有这种空白表格"


def test_the_demo_contact_details_are_marked_as_demo_data(demo):
    reply = Client(demo).get("guide.get", {"business": "reissue"})
    assert reply.status == 200, reply
    locality = reply.json["locality"]
    assert locality["telephone"] == ["0755-00000000（演示数据）"]
    for field in ("office", "window_address", "office_hours", "postal_address",
                  "postal_recipient"):
        assert locality[field].endswith("（演示数据）"), field
    # No registry: 事业单位法人信息查询 stays unavailable on the home page.
    assert locality["institution_registry_url"] is None
    contact = reply.json["guide"][0]["contact"]
    assert "咨询电话：0755-00000000（演示数据）" in contact
    assert (demo.data / "demo" / "locality.json").is_file()


LOCALITY = {
    "version": 1,
    "office": "广州市委编办登记管理处",
    "telephone": ["020-83123456"],
    "institution_registry_url": "https://sydj.example.gov.cn/query",
}


def test_a_locality_file_given_to_the_host_is_what_the_guide_shows(tmp_path, start_host):
    path = tmp_path / "locality.json"
    path.write_text(json.dumps(LOCALITY, ensure_ascii=False), encoding="utf-8")
    host = start_host("--engine-option", f"locality_path={path}")
    reply = Client(host).get("guide.get")
    assert reply.status == 200, reply
    locality = reply.json["locality"]
    assert locality["institution_registry_url"] == "https://sydj.example.gov.cn/query"
    assert locality["office"] == "广州市委编办登记管理处"
    assert all(g["contact"] == "办理机关：广州市委编办登记管理处。咨询电话：020-83123456。"
               for g in reply.json["guide"])


def test_the_demo_keeps_a_locality_file_given_to_it(tmp_path):
    path = tmp_path / "locality.json"
    path.write_text(json.dumps(LOCALITY, ensure_ascii=False), encoding="utf-8")
    host, _ = start_demo(tmp_path, "--engine-option", f"locality_path={path}")
    try:
        locality = Client(host).get("guide.get").json["locality"]
        assert locality["telephone"] == ["020-83123456"]
    finally:
        host.stop()


def test_a_defective_locality_file_stops_the_host_naming_it(tmp_path):
    path = tmp_path / "locality.json"
    path.write_text(json.dumps({**LOCALITY, "telephone": ["请拨打总机"]}, ensure_ascii=False),
                    encoding="utf-8")
    run = subprocess.run(
        [host_binary(), "--listen", "127.0.0.1:0", "--data", str(tmp_path / "data"),
         "--engine-option", f"locality_path={path}"],
        capture_output=True, timeout=30)
    assert run.returncode == 1
    stderr = run.stderr.decode("utf-8")
    assert f"{path}: telephone[0]: '请拨打总机' is not a telephone number" in stderr
