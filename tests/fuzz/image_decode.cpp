// SPDX-License-Identifier: Apache-2.0
// image::decode with small limits, then the QR reader over what it decoded:
// PNG, JPEG, GIF, BMP... whatever bytes an upload brings.
#include "fuzz.hpp"
#include "image/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuma::image::Limits limits;
  limits.max_bytes = 1u << 20;
  limits.max_pixels = 1u << 20;
  fuma::fuzz::expect_clean([&] {
    const fuma::image::Grey picture = fuma::image::decode(fuma::fuzz::bytes(data, size), limits);
    if (picture.width <= 0 || picture.height <= 0 ||
        static_cast<std::uint64_t>(picture.width) * static_cast<std::uint64_t>(picture.height) >
            limits.max_pixels ||
        picture.pixels.size() !=
            static_cast<std::size_t>(picture.width) * static_cast<std::size_t>(picture.height)) {
      fuma::fuzz::finding("a decoded picture outside the limits or of the wrong size");
    }
    fuma::image::read_qr(picture, 4);
  });
  return 0;
}
