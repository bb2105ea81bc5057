/* SPDX-License-Identifier: Apache-2.0 */
/* FUMA_VERSION_NUMBER and FUMA_VERSION_CHECK (fuma/version.h): usable in #if,
 * and in agreement with the version macros and with the release the library
 * reports. */
#include <stdio.h>

#include "expect.h"
#include "fuma/fuma.h"

/* At compile time: the headers are at least their own release and 0.0.0,
 * and older than the next patch, minor and major release. */
#if !FUMA_VERSION_CHECK(FUMA_VERSION_MAJOR, FUMA_VERSION_MINOR, FUMA_VERSION_PATCH)
#error "FUMA_VERSION_CHECK is false for the headers' own release"
#endif
#if !FUMA_VERSION_CHECK(0, 0, 0)
#error "FUMA_VERSION_CHECK is false for 0.0.0"
#endif
#if FUMA_VERSION_CHECK(FUMA_VERSION_MAJOR, FUMA_VERSION_MINOR, FUMA_VERSION_PATCH + 1)
#error "FUMA_VERSION_CHECK is true for the next patch release"
#endif
#if FUMA_VERSION_CHECK(FUMA_VERSION_MAJOR, FUMA_VERSION_MINOR + 1, 0)
#error "FUMA_VERSION_CHECK is true for the next minor release"
#endif
#if FUMA_VERSION_CHECK(FUMA_VERSION_MAJOR + 1, 0, 0)
#error "FUMA_VERSION_CHECK is true for the next major release"
#endif

int main(void) {
  int major = -1, minor = -1, patch = -1;
  char rest;
  /* The library's release, read from its text: exactly three numbers. */
  EXPECT(sscanf(fuma_version(), "%d.%d.%d%c", &major, &minor, &patch, &rest) == 3);
  EXPECT(FUMA_VERSION_NUMBER == major * 10000 + minor * 100 + patch);
  EXPECT(FUMA_VERSION_NUMBER ==
         FUMA_VERSION_MAJOR * 10000 + FUMA_VERSION_MINOR * 100 + FUMA_VERSION_PATCH);
  EXPECT(FUMA_VERSION_CHECK(major, minor, patch));
  EXPECT(!FUMA_VERSION_CHECK(major, minor, patch + 1));
  return expect_summary("version");
}
