// SPDX-License-Identifier: Apache-2.0
// PDF documents in Chinese, drawn with PoDoFo: text in one CJK font embedded
// as a subset made with HarfBuzz, lines, boxes, checkboxes and greyscale
// pictures (QR codes). The only module that includes PoDoFo, HarfBuzz or
// fontconfig.
//
// Coordinates are millimetres from the page's top-left corner, y downwards,
// as a form's designer measures them; sizes of text and line widths are in
// points. The same calls give the same bytes: the creation date is given,
// the file identifier is derived from the content, nothing is random.
#ifndef FUMA_SRC_PDF_PDF_HPP
#define FUMA_SRC_PDF_PDF_HPP

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/image.hpp"

namespace fuma::pdf {

// A TrueType face (a standalone .ttf or one face of a .ttc), opened once and
// shared by every document; safe to use from several threads at once.
class Font {
 public:
  // Throws Error(invalid_argument) when the file cannot be read, is not a
  // TrueType/OpenType font with glyph outlines HarfBuzz can subset, or has no
  // face `index`.
  static std::shared_ptr<const Font> load(const std::string& path, unsigned index = 0);
  // The font forms use unless a locality names its own: AR PL UMing CN (a
  // Ming face, as official forms are set), from Debian's fonts-arphic-uming,
  // found through fontconfig. Throws Error(invalid_argument) naming the
  // package when fontconfig finds no such font.
  static std::shared_ptr<const Font> standard();
  static constexpr const char* kStandardFamily = "AR PL UMing CN";
  static constexpr const char* kStandardPackage = "fonts-arphic-uming";

  // A font file and the face in it, as fontconfig knows it.
  struct File {
    std::string path;
    unsigned index = 0;
  };
  // The font fontconfig lists under `family` (exactly that family, not a
  // substitute), read from the configuration as it is now (FONTCONFIG_FILE
  // included); nullopt when there is none.
  static std::optional<File> find(const std::string& family);

  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  // The characters of `utf8` the font has no glyph for, each once, in order.
  std::vector<char32_t> missing(std::string_view utf8) const;
  // The advance width of `utf8` set at `size_pt`, in millimetres.
  double width_mm(std::string_view utf8, double size_pt) const;
  // The face's name, e.g. "AR PL UMing CN".
  const std::string& name() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Font(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

enum class Align { left, centre, right };

struct Metadata {
  std::string title;    // shown by viewers (Info /Title)
  std::string subject;  // Info /Subject; may be empty
  // "2026-11-27T06:46:33Z": the record's time, so the same record gives the
  // same bytes (Info /CreationDate and /ModDate).
  std::string created_at;
};

class Document {
 public:
  Document(std::shared_ptr<const Font> font, Metadata metadata);
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // Starts a page; A4 portrait by default. Drawing calls go to the last page.
  void page(double width_mm = 210, double height_mm = 297);

  // Text on one line with its baseline at y. Throws Error(invalid_argument)
  // naming the characters the font lacks (never a blank box), and for text
  // that is not valid UTF-8 or holds control characters.
  void text(double x_mm, double baseline_mm, std::string_view utf8, double size_pt,
            Align align = Align::left);
  // Light grey text turned `degrees` anticlockwise about its centre (x, y):
  // a mark across the page such as 仅供核对.
  void watermark(double x_mm, double y_mm, std::string_view utf8, double size_pt, double degrees);

  void line(double x1_mm, double y1_mm, double x2_mm, double y2_mm, double width_pt = 0.6);
  void rect(double x_mm, double y_mm, double w_mm, double h_mm, double width_pt = 0.6);
  // A square box with its top-left corner at (x, y), ticked with a drawn
  // check mark when `ticked` (no font has ☐/☑ reliably).
  void checkbox(double x_mm, double y_mm, double size_mm, bool ticked);
  // A greyscale picture scaled into the box, without smoothing (a QR code's
  // modules stay sharp).
  void picture(double x_mm, double y_mm, double w_mm, double h_mm, const image::Grey& grey);

  // The finished PDF: fonts subset to the characters used, written to
  // memory. The Document may not be drawn on afterwards.
  std::string finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fuma::pdf

#endif  // FUMA_SRC_PDF_PDF_HPP
