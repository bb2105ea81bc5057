// SPDX-License-Identifier: Apache-2.0
// What the engine's printing commands need: the font and the form templates,
// a locality's own or the shipped ones, loaded once when the engine opens.
#ifndef FUMA_SRC_ENGINE_PRINTING_HPP
#define FUMA_SRC_ENGINE_PRINTING_HPP

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "forms/forms.hpp"
#include "pdf/pdf.hpp"

namespace fuma::engine {

struct Printing {
  // The forms' font, opened when the engine opens: a locality's own
  // (font_path), or the standard one fontconfig finds (once per process).
  std::shared_ptr<const pdf::Font> opened_font;
  // A locality's own templates by key; the shipped ones fill the rest.
  std::map<std::string, forms::Template, std::less<>> templates;
  // Where a certificate's QR code sends a phone: public_url + "/c/" +
  // serial; empty puts "FMC1:" + serial in the code instead.
  std::string public_url;

  std::shared_ptr<const pdf::Font> font() const {
    return opened_font ? opened_font : pdf::Font::standard();
  }
  const forms::Template& form(std::string_view key) const {
    const auto it = templates.find(key);
    return it != templates.end() ? it->second : forms::Template::standard(key);
  }
};

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_PRINTING_HPP
