/* SPDX-License-Identifier: Apache-2.0 */
/* Smoke test of a packaged libfuma: it loads, reports the ABI this header
 * expects, and checks a code. */
#include <stdio.h>
#include <string.h>

#include <fuma/fuma.h>

int main(void) {
  static const char code[] = "91350100M000100Y43";
  int reason = fuma_uscc_validate(code, strlen(code));

  printf("fuma %s, ABI %d: %s is %s\n", fuma_version(), fuma_abi_version(), code,
         fuma_uscc_reason_name(reason));
  if (fuma_abi_version() != FUMA_ABI_VERSION) {
    fprintf(stderr, "libfuma has ABI %d, the header ABI %d\n", fuma_abi_version(),
            FUMA_ABI_VERSION);
    return 1;
  }
  return reason == FUMA_USCC_VALID ? 0 : 1;
}
