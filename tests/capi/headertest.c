/* SPDX-License-Identifier: Apache-2.0 */
/* fuma.h must compile as strict C99 on its own (-std=c99 -pedantic -Werror),
 * and the compile-time versions must match the library it runs with. */
#include "fuma/fuma.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", FUMA_VERSION_MAJOR, FUMA_VERSION_MINOR,
           FUMA_VERSION_PATCH);
  if (strcmp(expected, FUMA_VERSION) != 0 || strcmp(fuma_version(), FUMA_VERSION) != 0) {
    fprintf(stderr, "version mismatch: header %s, library %s\n", FUMA_VERSION, fuma_version());
    return 1;
  }
  if (fuma_abi_version() != FUMA_ABI_VERSION) {
    fprintf(stderr, "ABI mismatch: header %d, library %d\n", FUMA_ABI_VERSION, fuma_abi_version());
    return 1;
  }
  return 0;
}
