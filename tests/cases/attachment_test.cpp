// 上传附件: what an upload keeps, what it refuses, and the checklist.
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
  CHECK(at.at("sha256").as_string() ==
        "071b70ca59e4a222f4b4ba7c95b4d7c5ab56d09d3c7b278a97af126249673e44");
  CHECK(World::app(a).at("attachments").as_array().size() == 1);
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
