// SPDX-License-Identifier: Apache-2.0
// fuma/attachments.hpp -- 附件清单: which files an application needs, and
// whether an uploaded file is what it claims to be.
//
// Units whose certificate is valid long-term (长期有效) only enter
// information; units whose certificate has an expiry date (有有效期) upload
// the kinds the checklist names for their business type (and, for a change,
// for each item changed). The checklist and the limits are data shipped with
// the library (src/attachments/data/checklists.json); a locality may load its
// own. Files are judged by their content, never by their name.
//
// Pure: no I/O. Rules are immutable once parsed and safe to share.
#ifndef FUMA_ATTACHMENTS_HPP
#define FUMA_ATTACHMENTS_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fuma::attachments {

enum class FileType { pdf, jpeg, png };
std::string_view file_type_name(FileType t) noexcept;        // "pdf", "jpeg", "png"
std::string_view file_type_media_type(FileType t) noexcept;  // "application/pdf", ...

// What the content of a file is. Throws fuma::Error(invalid_argument) with a
// Chinese message saying why the bytes are not an acceptable PDF, JPEG or
// PNG: empty, unknown format (with what it looks like when recognisable,
// e.g. a ZIP/Office file or an executable), or a truncated or corrupt header
// (PNG: signature and IHDR with its CRC, sane dimensions; JPEG: SOI and a
// frame header with dimensions before the scan; PDF: %PDF-1.x header,
// an %%EOF trailer and startxref).
struct Identified {
  FileType type;
  std::uint32_t width = 0;  // pixels, for images
  std::uint32_t height = 0;
};
Identified identify(std::string_view bytes);

// The certificate's validity decides whether attachments are needed.
enum class Validity { long_term, fixed_term };

struct Kind {
  std::string key;              // "approval_document"
  std::string label;            // "批准变更的文件"
  std::vector<FileType> types;  // accepted content types
  int max_count = 1;            // files of this kind per application
};

// A change application's items decide its kinds.
enum class ChangeItem { name, address, responsible_person, category, validity };
std::string_view change_item_name(ChangeItem c) noexcept;  // "name", ...
std::optional<ChangeItem> parse_change_item(std::string_view name) noexcept;

class Rules {
 public:
  // Parse and validate; throws fuma::Error(invalid_argument) naming the
  // source and JSON location of the first defect (invalid JSON or duplicate
  // keys, unknown fields, unknown business types or change items, kinds
  // referenced but not defined, duplicate kinds, empty type lists,
  // non-positive counts or limits, an on_site list beside upload lists). `businesses` are the
  // business keys a checklist may name (an engine passes its workflow's); empty: the six shipped
  // ones (initial, change, reissue, replace, revoke, extension).
  static Rules parse(std::string_view json, std::string_view source,
                     const std::vector<std::string>& businesses = {});
  // The checklist shipped inside the library, parsed on first use; safe to
  // call from any thread.
  static const Rules& standard();

  const std::vector<Kind>& kinds() const { return kinds_; }
  const Kind* kind(std::string_view key) const;

  // The kinds a business needs before submit: none for long-term
  // certificates; for fixed-term ones the business's list, and for a change
  // the union over its items, in checklist order without repeats. The
  // pointers live as long as this Rules. A business without a checklist
  // (any key the file does not list, such as a business a locality's
  // workflow adds) needs nothing. Change items count where the checklist
  // has per-item lists (change's) and are ignored elsewhere.
  std::vector<const Kind*> required(std::string_view business, Validity validity,
                                    const std::vector<ChangeItem>& items = {}) const;
  // Kinds a business may carry at all (required or optional), whatever the
  // validity; same order and lifetime as required().
  std::vector<const Kind*> allowed(std::string_view business,
                                   const std::vector<ChangeItem>& items = {}) const;
  // What a unit brings to the window for a business done on site (申请初领,
  // 证书延期), in checklist order; empty for a business without such a list.
  // Nothing of these is uploaded: allowed() never names them.
  std::vector<const Kind*> on_site(std::string_view business) const;
  // For a change: the items whose list names `kind`, in checklist order
  // (批准变更的文件: name, category, validity).
  std::vector<ChangeItem> items_needing(std::string_view business, std::string_view kind) const;

  std::uint64_t max_file_bytes() const { return max_file_bytes_; }
  std::uint64_t max_application_bytes() const { return max_application_bytes_; }

  // Decide whether `bytes` may be added as `kind` to an application that
  // already holds `count_of_kind` files of that kind and `application_bytes`
  // bytes in all. Returns what the file is; throws fuma::Error
  // (invalid_argument) with a Chinese message for, in this order: unknown
  // kind, file too large, application total too large, content that
  // identify() refuses, wrong content type for the kind, too many files of
  // the kind. Whether the kind belongs to the application's business is the
  // caller's check, against allowed(): this call knows no business.
  Identified check_upload(std::string_view kind, std::string_view bytes, int count_of_kind,
                          std::uint64_t application_bytes) const;

 private:
  // One business type's checklist, by kind key.
  struct Checklist {
    std::string business;
    std::vector<std::string> fixed_term;  // needed when the certificate has an expiry date
    std::vector<std::pair<ChangeItem, std::vector<std::string>>> per_item;  // change only
    std::vector<std::string> optional;  // may be uploaded, never required
    std::vector<std::string> on_site;   // brought to the window; never uploaded
  };
  // The business's checklist, or null when it has none.
  const Checklist* checklist(std::string_view business) const;
  void collect(const Checklist& list, const std::vector<ChangeItem>& items, bool with_optional,
               std::vector<const Kind*>& out) const;

  std::vector<Kind> kinds_;
  std::vector<Checklist> checklists_;
  std::uint64_t max_file_bytes_ = 0;
  std::uint64_t max_application_bytes_ = 0;
};

}  // namespace fuma::attachments

#endif  // FUMA_ATTACHMENTS_HPP
