// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "fuma/attachments.hpp"
#include "fuma/error.hpp"

using fuma::attachments::ChangeItem;
using fuma::attachments::FileType;
using fuma::attachments::Kind;
using fuma::attachments::Rules;
using fuma::attachments::Validity;
using fuma::test::fixture;
using fuma::test::refusal;

namespace {

std::vector<std::string> keys(const std::vector<const Kind*>& kinds) {
  std::vector<std::string> out;
  for (const Kind* k : kinds) out.push_back(k->key);
  return out;
}

// A locality's own, deliberately small checklist; the defect tests below
// each change one thing in it.
const std::string kLocal = R"({
  "version": 1,
  "limits": {"max_file_bytes": 3000, "max_application_bytes": 5000},
  "kinds": [
    {"key": "letter", "label": "申请书", "types": ["pdf"], "max_count": 2},
    {"key": "photo", "label": "照片", "types": ["jpeg", "png"]}
  ],
  "businesses": {
    "reissue": {"fixed_term": ["letter"], "optional": ["photo"]},
    "change": {"per_item": {"address": ["letter"]}}
  }
})";

std::string with(const std::string& from, const std::string& to) {
  std::string json = kLocal;
  std::size_t at = json.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  REQUIRE_MESSAGE(json.find(from, at + 1) == std::string::npos, from);
  return json.replace(at, from.size(), to);
}

fuma::Error parse_error(const std::string& json) {
  return refusal([&] { Rules::parse(json, "local.json"); });
}

}  // namespace

TEST_CASE("the shipped checklist loads with its limits and kinds") {
  const Rules& rules = Rules::standard();
  CHECK(&rules == &Rules::standard());
  CHECK(rules.max_file_bytes() == 10u * 1024 * 1024);
  CHECK(rules.max_application_bytes() == 50u * 1024 * 1024);
  const Kind* id_copy = rules.kind("responsible_person_id");
  REQUIRE(id_copy);
  CHECK(id_copy->label == "负责人身份证复印件");
  CHECK(id_copy->max_count == 2);
  CHECK(rules.kind("no_such_kind") == nullptr);
  for (const char* business : {"change", "reissue", "replace", "revoke"}) {
    CHECK_FALSE(rules.allowed(business, {}).empty());
  }
}

TEST_CASE("a long-term certificate needs no attachments for any business") {
  const Rules& rules = Rules::standard();
  for (const char* business : {"initial", "change", "reissue", "replace", "revoke", "extension"}) {
    CHECK(rules.required(business, Validity::long_term).empty());
  }
  CHECK(rules.required("change", Validity::long_term, {ChangeItem::address}).empty());
}

TEST_CASE("a fixed-term reissue needs the request letter and the loss announcement") {
  auto kinds = Rules::standard().required("reissue", Validity::fixed_term);
  CHECK(keys(kinds) == std::vector<std::string>{"request_letter", "loss_announcement"});
  CHECK(kinds[1]->label == "遗失公告");
}

TEST_CASE("fixed-term replace and revoke need their documents") {
  const Rules& rules = Rules::standard();
  CHECK(keys(rules.required("replace", Validity::fixed_term)) ==
        std::vector<std::string>{"request_letter", "certificate_photo"});
  CHECK(keys(rules.required("revoke", Validity::fixed_term)) ==
        std::vector<std::string>{"revocation_document"});
}

TEST_CASE("a fixed-term change needs the union of its items' kinds in checklist order") {
  const Rules& rules = Rules::standard();
  CHECK(keys(rules.required("change", Validity::fixed_term,
                            {ChangeItem::responsible_person, ChangeItem::address})) ==
        std::vector<std::string>{"address_proof", "appointment_document", "responsible_person_id"});
  CHECK(keys(rules.required("change", Validity::fixed_term,
                            {ChangeItem::validity, ChangeItem::name, ChangeItem::category,
                             ChangeItem::name})) == std::vector<std::string>{"approval_document"});
  CHECK(rules.required("change", Validity::fixed_term).empty());
}

TEST_CASE("allowed kinds add the optional ones to the required ones") {
  CHECK(keys(Rules::standard().allowed("change", {ChangeItem::address})) ==
        std::vector<std::string>{"address_proof", "request_letter", "other"});
}

TEST_CASE("an on-site business lists what is brought to the window and takes no uploads") {
  const Rules& rules = Rules::standard();
  CHECK(keys(rules.on_site("initial")) ==
        std::vector<std::string>{"establishment_document", "appointment_document",
                                 "responsible_person_id", "address_proof"});
  CHECK(keys(rules.on_site("extension")) ==
        std::vector<std::string>{"extension_document", "original_certificate"});
  for (const char* business : {"initial", "extension"}) {
    CHECK(rules.required(business, Validity::fixed_term).empty());
    CHECK(rules.allowed(business).empty());
  }
  for (const char* business : {"change", "reissue", "replace", "revoke"}) {
    CHECK(rules.on_site(business).empty());
  }
}

TEST_CASE("a change's kind names the items that need it") {
  const Rules& rules = Rules::standard();
  CHECK(rules.items_needing("change", "approval_document") ==
        std::vector<ChangeItem>{ChangeItem::name, ChangeItem::category});
  CHECK(rules.items_needing("change", "address_proof") ==
        std::vector<ChangeItem>{ChangeItem::address});
  CHECK(rules.items_needing("change", "request_letter").empty());
  CHECK(rules.items_needing("reissue", "request_letter").empty());
}

TEST_CASE("a business the checklists do not list needs nothing and takes nothing") {
  const Rules& rules = Rules::standard();
  CHECK(rules.required("renew", Validity::fixed_term).empty());
  CHECK(rules.required("renew", Validity::fixed_term, {ChangeItem::name}).empty());
  CHECK(rules.allowed("renew").empty());
}

TEST_CASE("change items count only where the checklist has per-item lists") {
  const Rules& rules = Rules::standard();
  CHECK(rules.allowed("reissue", {ChangeItem::name}) == rules.allowed("reissue"));
  CHECK(rules.required("reissue", Validity::fixed_term, {ChangeItem::address}) ==
        rules.required("reissue", Validity::fixed_term));
  CHECK(rules.required("change", Validity::fixed_term, {ChangeItem::address}) !=
        rules.required("change", Validity::fixed_term));
}

TEST_CASE("change item names round-trip") {
  for (ChangeItem c : {ChangeItem::name, ChangeItem::address, ChangeItem::responsible_person,
                       ChangeItem::category, ChangeItem::validity}) {
    CHECK(fuma::attachments::parse_change_item(fuma::attachments::change_item_name(c)) == c);
  }
  CHECK(fuma::attachments::change_item_name(ChangeItem::responsible_person) ==
        "responsible_person");
  CHECK_FALSE(fuma::attachments::parse_change_item("adress"));
}

TEST_CASE("a locality's minimal checklist parses") {
  Rules rules = Rules::parse(kLocal, "local.json");
  CHECK(rules.kinds().size() == 2);
  CHECK(rules.max_file_bytes() == 3000);
  CHECK(rules.kind("photo")->max_count == 1);
  CHECK(rules.kind("photo")->types == std::vector<FileType>{FileType::jpeg, FileType::png});
  CHECK(keys(rules.required("reissue", Validity::fixed_term)) ==
        std::vector<std::string>{"letter"});
  CHECK(keys(rules.allowed("reissue")) == std::vector<std::string>{"letter", "photo"});
  CHECK(rules.required("revoke", Validity::fixed_term).empty());
}

TEST_CASE("a copied Rules answers with its own kinds") {
  Rules copy = Rules::parse(kLocal, "local.json");
  Rules other = copy;
  CHECK(other.required("reissue", Validity::fixed_term).front() == other.kind("letter"));
}

TEST_CASE("check_upload accepts a file of an accepted type under every limit") {
  const Rules& rules = Rules::standard();
  auto id = rules.check_upload("certificate_photo", fixture("photo.jpg"), 3, 0);
  CHECK(id.type == FileType::jpeg);
  CHECK(id.width == 48);
  CHECK(rules.check_upload("request_letter", fixture("letter.pdf"), 0, 40u * 1024 * 1024).type ==
        FileType::pdf);
}

TEST_CASE("check_upload refuses an unknown kind before anything else") {
  auto e = refusal([] { Rules::standard().check_upload("adress_proof", "", 0, 0); });
  CHECK(e.detail() == "unknown attachment kind 'adress_proof'");
  CHECK(e.message() == "附件类别无效：adress_proof");
}

TEST_CASE("check_upload refuses a file over the per-file limit before reading it") {
  Rules rules = Rules::parse(kLocal, "local.json");
  std::string big = fixture("letter.docx") + std::string(3000, 'x');
  auto e = refusal([&] { rules.check_upload("letter", big, 0, 0); });
  CHECK(e.message() == "文件过大（3.9KB），单个文件不能超过2.9KB");
}

TEST_CASE("check_upload refuses a file that would take the application over its total") {
  Rules rules = Rules::parse(kLocal, "local.json");
  std::string png = fixture("stamp.png");
  CHECK(rules.check_upload("photo", png, 0, 5000 - png.size()).type == FileType::png);
  auto e = refusal([&] { rules.check_upload("photo", png, 0, 5000 - png.size() + 1); });
  CHECK(e.message() == "附件总大小超过上限4.8KB（已上传2.6KB），请删除不需要的附件或压缩后再上传");
}

TEST_CASE("check_upload passes on identify's refusal") {
  auto e = refusal([] { Rules::standard().check_upload("other", fixture("letter.docx"), 0, 0); });
  CHECK(e.message() == "文件内容不是PDF、JPG或PNG格式（看起来是Word文件），请另存为PDF后上传");
}

TEST_CASE("check_upload refuses a type the kind does not accept") {
  auto e = refusal(
      [] { Rules::standard().check_upload("certificate_photo", fixture("letter.pdf"), 0, 0); });
  CHECK(e.message() == "「原证书照片」只接受JPG、PNG格式，此文件是PDF格式");
  CHECK(e.detail() == "kind 'certificate_photo' does not accept pdf");
}

TEST_CASE("check_upload refuses one file more than the kind's maximum") {
  const Rules& rules = Rules::standard();
  CHECK(rules.check_upload("responsible_person_id", fixture("stamp.png"), 1, 0).type ==
        FileType::png);
  auto e =
      refusal([&] { rules.check_upload("responsible_person_id", fixture("stamp.png"), 2, 0); });
  CHECK(e.message() == "「负责人身份证复印件」最多上传2个文件");
}

TEST_CASE("Rules::parse names the location of each defect") {
  // The message names the same place as the detail: the path, or the file
  // with a line and column, or the file alone for the document as a whole.
  struct Case {
    std::string json;
    std::string detail;
    std::string place;
  };
  const std::vector<Case> cases = {
      {"{\"version\": 1,\n  \"limits\": }",
       "local.json: line 2, column 13: malformed JSON (syntax error)", "local.json 第2行第13列"},
      {with(R"("optional": ["photo"])", R"("optional": ["photo"], "optional": [])"),
       "local.json: businesses.reissue.optional: the field appears more than once",
       "businesses.reissue.optional"},
      {kLocal + "\n{}", "local.json: line 13, column 1: malformed JSON (extra data)",
       "local.json 第13行第1列"},
      {"[]", "local.json: expected an object, found an array", "local.json"},
      {with(R"("version": 1)", R"("version": 2)"),
       "local.json: version: unsupported version 2 (this library reads 1)", "version"},
      {with(R"("version": 1,)", R"("version": 1, "kind": [],)"),
       "local.json: kind: unknown field (expected one of: version, description, limits, kinds, "
       "businesses)",
       "kind"},
      {with(R"("limits": {"max_file_bytes": 3000, "max_application_bytes": 5000},)", ""),
       "local.json: limits: required field is missing", "limits"},
      {with("\"max_file_bytes\": 3000", "\"max_file_bytes\": 0"),
       "local.json: limits.max_file_bytes: must be at least 1, found 0", "limits.max_file_bytes"},
      {with("\"max_application_bytes\": 5000", "\"max_application_bytes\": -5"),
       "local.json: limits.max_application_bytes: must be at least 1, found -5",
       "limits.max_application_bytes"},
      {with("\"max_file_bytes\": 3000", "\"max_file_bytes\": 2.5"),
       "local.json: limits.max_file_bytes: expected a whole number, found a number",
       "limits.max_file_bytes"},
      {with("\"max_file_bytes\": 3000", "\"max_file_bytes\": 6000"),
       "local.json: limits.max_file_bytes: exceeds max_application_bytes", "limits.max_file_bytes"},
      {with(R"({"key": "photo")", R"({"key": "letter")"),
       "local.json: kinds[1].key: duplicate kind 'letter'", "kinds[1].key"},
      {with(R"({"key": "photo")", R"({"key": "Photo")"),
       "local.json: kinds[1].key: 'Photo' is not a key (lower-case letters, digits and '_', "
       "starting with a letter)",
       "kinds[1].key"},
      // A key must start with a letter, as workflow keys must.
      {with(R"({"key": "photo")", R"({"key": "2photo")"),
       "local.json: kinds[1].key: '2photo' is not a key (lower-case letters, digits and '_', "
       "starting with a letter)",
       "kinds[1].key"},
      {with(R"("label": "照片")", R"("label": "")"),
       "local.json: kinds[1].label: must not be empty", "kinds[1].label"},
      {with(R"("types": ["pdf"])", R"("types": [])"),
       "local.json: kinds[0].types: empty type list: the kind could never be uploaded",
       "kinds[0].types"},
      {with(R"("types": ["pdf"])", R"("types": ["doc"])"),
       "local.json: kinds[0].types[0]: unknown file type 'doc' (expected pdf, jpeg or png)",
       "kinds[0].types[0]"},
      {with(R"("types": ["pdf"])", R"("types": ["pdf", "pdf"])"),
       "local.json: kinds[0].types[1]: repeated file type 'pdf'", "kinds[0].types[1]"},
      {with(R"("max_count": 2)", R"("max_count": 0)"),
       "local.json: kinds[0].max_count: must be between 1 and 2147483647, found 0",
       "kinds[0].max_count"},
      {with(R"("max_count": 2)", R"("maxcount": 2)"),
       "local.json: kinds[0].maxcount: unknown field (expected one of: key, label, types, "
       "max_count)",
       "kinds[0].maxcount"},
      {with(R"("reissue":)", R"("renew":)"),
       "local.json: businesses.renew: unknown business type 'renew' (expected initial, change, "
       "reissue, replace, revoke or extension)",
       "businesses.renew"},
      {with(R"("fixed_term": ["letter"])", R"("fixed": ["letter"])"),
       "local.json: businesses.reissue.fixed: unknown field (expected one of: fixed_term, "
       "per_item, optional, on_site)",
       "businesses.reissue.fixed"},
      {with(R"("fixed_term": ["letter"])", R"("fixed_term": ["letter", "letter"])"),
       "local.json: businesses.reissue.fixed_term[1]: repeated kind 'letter'",
       "businesses.reissue.fixed_term[1]"},
      {with(R"("optional": ["photo"])", R"("optional": ["letter"])"),
       "local.json: businesses.reissue.optional[0]: kind 'letter' is also required; a kind is "
       "either required or optional",
       "businesses.reissue.optional[0]"},
      {with(R"("optional": ["photo"])", R"("per_item": {"name": ["photo"]})"),
       "local.json: businesses.reissue.per_item: per_item applies only to change",
       "businesses.reissue.per_item"},
      {with(R"({"address": ["letter"]})", R"({"adress": ["letter"]})"),
       "local.json: businesses.change.per_item.adress: unknown change item 'adress' (expected "
       "name, address, responsible_person, category or validity)",
       "businesses.change.per_item.adress"},
      {with(R"({"address": ["letter"]})", R"({"address": ["adress"]})"),
       "local.json: businesses.change.per_item.address[0]: unknown kind 'adress'",
       "businesses.change.per_item.address[0]"},
      {with(R"({"address": ["letter"]})", R"({"address": "letter"})"),
       "local.json: businesses.change.per_item.address: expected an array, found a string",
       "businesses.change.per_item.address"},
      {with(R"("optional": ["photo"])", R"("optional": ["photo"], "on_site": ["letter"])"),
       "local.json: businesses.reissue.on_site: a business done on site takes no uploads: "
       "on_site cannot stand beside fixed_term, per_item or optional",
       "businesses.reissue.on_site"},
      {with(R"("change": {"per_item": {"address": ["letter"]}})", R"("initial": {"on_site": []})"),
       "local.json: businesses.initial.on_site: must name at least one kind",
       "businesses.initial.on_site"},
      {with(R"("change": {"per_item": {"address": ["letter"]}})",
            R"("initial": {"on_site": ["letter", "lettr"]})"),
       "local.json: businesses.initial.on_site[1]: unknown kind 'lettr'",
       "businesses.initial.on_site[1]"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.json);
    const fuma::Error e = parse_error(c.json);
    CHECK(e.detail() == c.detail);
    CHECK(e.message() == "附件清单数据格式错误：" + c.place);
  }
}

TEST_CASE("Rules::parse names the source it was given") {
  auto e = refusal([] {
    Rules::parse(with(R"({"address": ["letter"]})", R"({"address": ["adress"]})"),
                 "checklists.json");
  });
  CHECK(e.detail() ==
        "checklists.json: businesses.change.per_item.address[0]: unknown kind 'adress'");
  CHECK(e.message() == "附件清单数据格式错误：businesses.change.per_item.address[0]");
}

TEST_CASE("Rules::parse takes the business keys of the workflow it is used with") {
  const std::vector<std::string> keys{"change", "reissue", "loss"};
  const Rules rules = Rules::parse(with(R"("reissue":)", R"("loss":)"), "local.json", keys);
  REQUIRE(rules.required("loss", Validity::fixed_term).size() == 1);
  CHECK(rules.required("loss", Validity::fixed_term)[0]->key == "letter");
  const fuma::Error e =
      refusal([&] { Rules::parse(with(R"("reissue":)", R"("renew":)"), "local.json", keys); });
  CHECK(e.detail() ==
        "local.json: businesses.renew: unknown business type 'renew' (expected change, reissue "
        "or loss)");
}
