// SPDX-License-Identifier: Apache-2.0
// 上传附件: what an upload keeps, what it refuses, the file back
// (attachment.get), and the checklist.
#include "fixtures.hpp"

using namespace fuma::test;
using fuma::Errc;

namespace {

struct Reissue {
  World w;
  std::string code = w.register_unit("某局", "2027-12-31");
  std::int64_t id = w.start(code, "reissue");

  json::object upload(const std::string& kind, const std::string& file,
                      const std::string& name = "file") {
    return w.call("attachment.upload", {{"id", id}, {"kind", kind}, {"file_name", name}},
                  unit(code), read_file(file));
  }
  fuma::Error refused(const std::string& kind, const std::string& bytes) {
    return w.fail("attachment.upload", {{"id", id}, {"kind", kind}, {"file_name", "x"}}, unit(code),
                  bytes);
  }
};

json::object get_args(std::int64_t id, std::int64_t attachment) {
  return {{"id", id}, {"attachment", attachment}};
}

std::int64_t id_of(const json::object& upload_result) {
  return upload_result.at("attachment").at("id").as_int64();
}

}  // namespace

TEST_CASE("an upload keeps the file with its type, size and SHA-256") {
  Reissue r;
  auto a = r.upload("loss_announcement", "stamp.png", "C:\\扫描\\遗失公告.png");
  const auto& at = a.at("attachment");
  CHECK(at.at("kind").as_string() == "loss_announcement");
  CHECK(at.at("label").as_string() == "遗失公告");
  CHECK(at.at("file_name").as_string() == "遗失公告.png");
  CHECK(at.at("media_type").as_string() == "image/png");
  CHECK(at.at("size").as_int64() == 2392);
  // sha256sum tests/attachments/data/stamp.png
  CHECK(at.at("digest").as_string() ==
        "071b70ca59e4a222f4b4ba7c95b4d7c5ab56d09d3c7b278a97af126249673e44");
  CHECK(at.at("digest_algorithm").as_string() == "sha256");
  CHECK(at.at("sha256") == at.at("digest"));
  CHECK(World::app(a).at("attachments").as_array().size() == 1);
}

TEST_CASE("an upload is kept and served under a name ending in its content's extension") {
  Reissue r;
  // A real JPEG named as a page: kept, and given back, as a picture.
  const auto a = r.upload("loss_announcement", "photo.jpg", "poly.html");
  CHECK(a.at("attachment").at("file_name").as_string() == "poly.html.jpg");
  const auto [got, bytes] = r.w.call_data("attachment.get", get_args(r.id, id_of(a)), unit(r.code));
  CHECK(got.at("file_name").as_string() == "poly.html.jpg");
  CHECK(got.at("media_type").as_string() == "image/jpeg");
  CHECK(bytes == read_file("photo.jpg"));
  // A name with its type's own extension, in any case, stays as it is.
  CHECK(r.upload("loss_announcement", "photo.jpg", "公告.JPEG")
            .at("attachment")
            .at("file_name")
            .as_string() == "公告.JPEG");
  CHECK(r.upload("request_letter", "letter.pdf", "申请书")
            .at("attachment")
            .at("file_name")
            .as_string() == "申请书.pdf");
  CHECK(r.upload("request_letter", "letter.pdf", "申请书.png")
            .at("attachment")
            .at("file_name")
            .as_string() == "申请书.png.pdf");
}

TEST_CASE("an upload whose content is not a PDF, JPEG or PNG is refused") {
  Reissue r;
  auto e = r.refused("loss_announcement", read_file("letter.docx"));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(says(e, "Word"));
}

TEST_CASE("an upload whose content is not a type its kind accepts is refused") {
  World w;
  const std::string code = w.register_unit("某局", "2027-12-31");
  const auto id = w.start(code, "replace");
  // 原证书照片 takes photos (JPEG, PNG), not a PDF.
  auto e = w.fail("attachment.upload",
                  {{"id", id}, {"kind", "certificate_photo"}, {"file_name", "证书.jpg"}},
                  unit(code), read_file("letter.pdf"));
  CHECK(e.code() == Errc::invalid_argument);
  w.call("attachment.upload",
         {{"id", id}, {"kind", "certificate_photo"}, {"file_name", "证书.jpg"}}, unit(code),
         read_file("photo.jpg"));
}

TEST_CASE("an upload of a kind the business does not take is refused") {
  Reissue r;
  auto e = r.refused("address_proof", read_file("stamp.png"));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(says(e, "住所证明"));
  CHECK(r.refused("no_such_kind", read_file("stamp.png")).code() == Errc::invalid_argument);
}

TEST_CASE("an upload larger than the per-file limit is refused") {
  Reissue r;
  std::string big = read_file("letter.pdf");
  big.insert(big.size() / 2, std::string(10u << 20, ' '));
  CHECK(r.refused("loss_announcement", big).code() == Errc::invalid_argument);
}

TEST_CASE("uploads stop at a kind's count") {
  Reissue r;
  for (int i = 0; i < 3; ++i) r.upload("loss_announcement", "stamp.png");
  CHECK(r.refused("loss_announcement", read_file("stamp.png")).code() == Errc::invalid_argument);
}

TEST_CASE("uploads are for the applicant in an editable status") {
  Reissue r;
  CHECK(r.w.code_of("attachment.upload",
                    {{"id", r.id}, {"kind", "loss_announcement"}, {"file_name", "x"}},
                    staff("acc1"), read_file("stamp.png")) == Errc::forbidden);
  r.upload("request_letter", "letter.pdf");
  r.upload("loss_announcement", "stamp.png");
  r.w.save(r.code, r.id, {{"reason", "遗失"}});
  r.w.call("application.submit", {{"id", r.id}}, unit(r.code));
  CHECK(r.refused("other", read_file("stamp.png")).code() == Errc::invalid_state);
}

TEST_CASE("attachment.remove takes a file off the case") {
  Reissue r;
  const auto id = r.upload("loss_announcement", "stamp.png").at("attachment").at("id").as_int64();
  auto a =
      World::app(r.w.call("attachment.remove", {{"id", r.id}, {"attachment", id}}, unit(r.code)));
  CHECK(a.at("attachments").as_array().empty());
  CHECK(r.w.code_of("attachment.remove", {{"id", r.id}, {"attachment", id}}, unit(r.code)) ==
        Errc::not_found);
}

TEST_CASE("attachment.rules lists the checklist of a case with counts") {
  Reissue r;
  r.upload("loss_announcement", "stamp.png");
  auto rules = r.w.call("attachment.rules", {{"id", r.id}}, unit(r.code));
  CHECK(rules.at("validity").as_string() == "fixed_term");
  const auto& required = rules.at("required").as_array();
  REQUIRE(required.size() == 2);
  CHECK(required[0].at("key").as_string() == "request_letter");
  CHECK(required[0].at("count").as_int64() == 0);
  CHECK(required[1].at("count").as_int64() == 1);
  CHECK(rules.at("allowed").as_array().size() == 3);
  CHECK(rules.at("limits").at("max_file_bytes").as_int64() == 10485760);
}

TEST_CASE("attachment.rules answers for a business in general") {
  World w;
  auto rules = w.call(
      "attachment.rules",
      {{"business", "change"}, {"validity", "fixed_term"}, {"items", json::array{"address"}}},
      staff("acc1"));
  REQUIRE(rules.at("required").as_array().size() == 1);
  CHECK(rules.at("required").at(0).at("label").as_string() == "住所证明");
  rules = w.call("attachment.rules", {{"business", "change"}, {"validity", "long_term"}},
                 staff("acc1"));
  CHECK(rules.at("required").as_array().empty());
}

// --- attachment.get ---------------------------------------------------------

TEST_CASE("attachment.get gives back the bytes of a PNG and a PDF exactly as uploaded") {
  Reissue r;
  const auto png = id_of(r.upload("loss_announcement", "stamp.png", "D:\\扫描\\遗失公告.png"));
  const auto pdf = id_of(r.upload("request_letter", "letter.pdf", "申请书.pdf"));
  const std::int64_t version = r.w.view(r.id, unit(r.code)).at("version").as_int64();
  const std::int64_t audit = r.w.count("SELECT count(*) FROM audit");

  auto [json_png, bytes_png] = r.w.call_data("attachment.get", get_args(r.id, png), unit(r.code));
  CHECK(bytes_png == read_file("stamp.png"));
  const auto& a = json_png.at("attachment");
  CHECK(a.at("id").as_int64() == png);
  CHECK(a.at("kind").as_string() == "loss_announcement");
  CHECK(a.at("label").as_string() == "遗失公告");
  CHECK(a.at("file_name").as_string() == "遗失公告.png");
  CHECK(a.at("type").as_string() == "png");
  CHECK(a.at("media_type").as_string() == "image/png");
  CHECK(a.at("size").as_int64() == 2392);
  CHECK(a.at("sha256").as_string() ==
        "071b70ca59e4a222f4b4ba7c95b4d7c5ab56d09d3c7b278a97af126249673e44");
  CHECK(json_png.at("file_name").as_string() == "遗失公告.png");
  CHECK(json_png.at("media_type").as_string() == "image/png");

  auto [json_pdf, bytes_pdf] = r.w.call_data("attachment.get", get_args(r.id, pdf), unit(r.code));
  CHECK(bytes_pdf == read_file("letter.pdf"));
  CHECK(json_pdf.at("attachment").at("type").as_string() == "pdf");
  CHECK(json_pdf.at("attachment").at("label").as_string() == "申请书或情况说明");
  CHECK(json_pdf.at("attachment").at("size").as_int64() == 595);
  CHECK(json_pdf.at("file_name").as_string() == "申请书.pdf");

  // Staff of the unit's authority read the same file; reading changes nothing.
  CHECK(r.w.call_data("attachment.get", get_args(r.id, png), staff("acc1")).second == bytes_png);
  CHECK(r.w.call_data("attachment.get", get_args(r.id, pdf), staff("rev1")).second == bytes_pdf);
  CHECK(r.w.view(r.id, unit(r.code)).at("version").as_int64() == version);
  CHECK(r.w.count("SELECT count(*) FROM audit") == audit);
}

TEST_CASE("attachment.get still reads the files once the case is submitted") {
  Reissue r;
  const auto png = id_of(r.upload("loss_announcement", "stamp.png"));
  r.upload("request_letter", "letter.pdf");
  r.w.save(r.code, r.id, {{"reason", "遗失"}});
  r.w.call("application.submit", {{"id", r.id}}, unit(r.code));
  CHECK(r.w.call_data("attachment.get", get_args(r.id, png), unit(r.code)).second ==
        read_file("stamp.png"));
  CHECK(r.w.call_data("attachment.get", get_args(r.id, png), staff("acc2")).second ==
        read_file("stamp.png"));
}

TEST_CASE("attachment.get answers as application.view for another unit and other staff") {
  Reissue r;
  const auto mine = id_of(r.upload("loss_announcement", "stamp.png"));
  // Another unit of the same authority, with a case and a file of its own.
  const std::string other = r.w.register_unit("另一局", "2027-12-31");
  const auto other_case = r.w.start(other, "reissue");
  const auto theirs =
      id_of(r.w.call("attachment.upload",
                     {{"id", other_case}, {"kind", "loss_announcement"}, {"file_name", "x.pdf"}},
                     unit(other), read_file("letter.pdf")));

  // Another unit learns nothing: not the case, not the file, whichever id it names.
  const fuma::Error e = r.w.fail("attachment.get", get_args(r.id, mine), unit(other));
  CHECK(e.code() == Errc::not_found);
  CHECK(e.code() == r.w.code_of("application.view", {{"id", r.id}}, unit(other)));
  CHECK(says(e, "未找到"));
  CHECK(r.w.code_of("attachment.get", get_args(other_case, mine), unit(other)) == Errc::not_found);
  CHECK(r.w.code_of("attachment.get", get_args(r.id, theirs), unit(r.code)) == Errc::not_found);
  // Each still reads its own.
  CHECK(r.w.call_data("attachment.get", get_args(other_case, theirs), unit(other)).second ==
        read_file("letter.pdf"));

  // Staff of another authority: as application.view answers them.
  const Errc view_code = r.w.code_of("application.view", {{"id", r.id}}, staff("gzacc"));
  CHECK(view_code == Errc::not_found);
  CHECK(r.w.code_of("attachment.get", get_args(r.id, mine), staff("gzacc")) == view_code);
  CHECK(r.w.code_of("attachment.get", get_args(r.id, mine), staff("gzrev")) == view_code);
  // Neither the system nor an unnamed caller reads a unit's files.
  CHECK(r.w.code_of("attachment.get", get_args(r.id, mine), system_actor()) == Errc::forbidden);
  CHECK(r.w.code_of("attachment.get", get_args(r.id, mine), json::object{}) == Errc::forbidden);
  CHECK(r.w.code_of("attachment.get", get_args(r.id, mine), staff("nobody")) == Errc::forbidden);
}

TEST_CASE("attachment.get: unknown, removed and deleted files are NOT_FOUND") {
  Reissue r;
  const auto kept = id_of(r.upload("loss_announcement", "stamp.png"));
  const auto gone = id_of(r.upload("request_letter", "letter.pdf"));
  CHECK(r.w.code_of("attachment.get", get_args(r.id, 999999), unit(r.code)) == Errc::not_found);
  CHECK(r.w.code_of("attachment.get", get_args(999999, kept), unit(r.code)) == Errc::not_found);
  CHECK(r.w.code_of("attachment.get", get_args(999999, kept), staff("acc1")) == Errc::not_found);
  r.w.call("attachment.remove", {{"id", r.id}, {"attachment", gone}}, unit(r.code));
  const fuma::Error e = r.w.fail("attachment.get", get_args(r.id, gone), unit(r.code));
  CHECK(e.code() == Errc::not_found);
  CHECK(says(e, "未找到该附件"));
  CHECK_FALSE(e.detail().empty());
  CHECK(r.w.code_of("attachment.get", get_args(r.id, gone), staff("acc1")) == Errc::not_found);
  CHECK(r.w.call_data("attachment.get", get_args(r.id, kept), unit(r.code)).second ==
        read_file("stamp.png"));
  // A deleted application takes its files with it.
  r.w.call("application.delete", {{"id", r.id}}, unit(r.code));
  CHECK(r.w.code_of("attachment.get", get_args(r.id, kept), unit(r.code)) == Errc::not_found);
}

TEST_CASE("attachment.get refuses arguments of the wrong type") {
  Reissue r;
  const auto a = id_of(r.upload("loss_announcement", "stamp.png"));
  const std::vector<json::object> wrong = {
      {{"id", std::to_string(r.id)}, {"attachment", a}},
      {{"id", r.id}, {"attachment", std::to_string(a)}},
      {{"id", r.id}, {"attachment", -1}},
      {{"id", -1}, {"attachment", a}},
      {{"id", r.id}, {"attachment", 1.5}},
      {{"id", r.id}},
      {{"attachment", a}},
      {{"id", r.id}, {"attachment", a}, {"version", 1}},
  };
  for (const json::object& args : wrong) {
    INFO(json::serialize(args));
    const fuma::Error e = r.w.fail("attachment.get", args, unit(r.code));
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_FALSE(e.message().empty());
  }
}
