/* SPDX-License-Identifier: Apache-2.0 */
/* A C99 program using libfuma as an installed package: only the installed
 * header and library, found through find_package or pkg-config. */
#include <stdio.h>
#include <string.h>

#include <fuma/fuma.h>

static int failures = 0;

static void expect(int ok, const char* what) {
  printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

/* Runs a command without an engine; returns its status and, on success, a
 * copy of the result's JSON in json (truncated to size). */
static int call(const char* request, char* json, size_t size) {
  fuma_result* result = NULL;
  int rc = fuma_call(&result, NULL, request, strlen(request), NULL, 0);
  json[0] = '\0';
  if (rc == FUMA_OK) {
    size_t len = 0;
    const char* text = fuma_result_json(result, &len);
    if (len >= size) len = size - 1;
    memcpy(json, text, len);
    json[len] = '\0';
  }
  fuma_result_free(result);
  return rc;
}

int main(void) {
  static const char valid[] = "91350100M000100Y43";
  static const char wrong_check[] = "91350100M000100Y44";
  char json[4096];
  const fuma_error* err;
  int rc;

  printf("fuma %s, ABI %d (built against %s, ABI %d)\n", fuma_version(), fuma_abi_version(),
         FUMA_VERSION, FUMA_ABI_VERSION);
  /* A program may run with any library of the ABI it was built for. */
  expect(fuma_abi_version() == FUMA_ABI_VERSION, "the library's ABI is the header's");
  expect(strcmp(fuma_version(), FUMA_VERSION) == 0, "the library's release is the header's");

  expect(fuma_uscc_validate(valid, strlen(valid)) == FUMA_USCC_VALID, "a valid code validates");
  expect(fuma_uscc_validate(wrong_check, strlen(wrong_check)) == FUMA_USCC_CHECK,
         "a wrong check character is reported as CHECK");
  expect(strcmp(fuma_uscc_reason_name(FUMA_USCC_CHECK), "CHECK") == 0, "reasons have stable names");

  rc = call("{\"command\":\"uscc.check\",\"args\":{\"code\":\"91350100M000100Y43\"}}", json,
            sizeof json);
  expect(rc == FUMA_OK, "uscc.check runs without an engine");
  expect(strstr(json, "\"ok\":true") != NULL && strstr(json, "\"valid\":true") != NULL,
         "uscc.check finds the valid code valid");

  rc = call("{\"command\":\"uscc.check\",\"args\":{\"code\":\"91350100M000100Y44\"}}", json,
            sizeof json);
  expect(rc == FUMA_OK && strstr(json, "\"valid\":false") != NULL &&
             strstr(json, "\"reason\":\"CHECK\"") != NULL,
         "uscc.check explains the invalid code");

  rc = call("{\"command\":\"no.such.command\"}", json, sizeof json);
  err = fuma_error_last();
  expect(rc == FUMA_EUNKNOWN_COMMAND && err != NULL && err->code == FUMA_EUNKNOWN_COMMAND &&
             strstr(err->json, "\"ok\":false") != NULL,
         "an unknown command fails with UNKNOWN_COMMAND and an error JSON");

  if (failures) {
    fprintf(stderr, "consumer (C): %d check(s) failed\n", failures);
    return 1;
  }
  printf("consumer (C): all checks passed\n");
  return 0;
}
