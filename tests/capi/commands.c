/* SPDX-License-Identifier: Apache-2.0 */
/* print_commands: writes the command registry, the result of fuma.commands,
 * to standard output. The suites that judge answers against the
 * declarations (c.contract, the host suite) read it from here rather than
 * load libfuma into Python, so that they run the same in a sanitizer build,
 * where only a program linked with the sanitizer may load the library. */
#include <stdio.h>
#include <string.h>

#include "fuma/fuma.h"

int main(void) {
  static const char request[] = "{\"command\":\"fuma.commands\"}";
  fuma_result* result = NULL;
  size_t len = 0;
  const char* json;
  if (fuma_call(&result, NULL, request, strlen(request), NULL, 0) != FUMA_OK) {
    fprintf(stderr, "fuma.commands: %s\n", fuma_error_last()->detail);
    return 1;
  }
  json = fuma_result_json(result, &len);
  fwrite(json, 1, len, stdout);
  fuma_result_free(result);
  return ferror(stdout) ? 1 : 0;
}
