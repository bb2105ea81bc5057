/* SPDX-License-Identifier: Apache-2.0 */
/* The pinned values of fuma.h: numbers compiled into every program that uses
 * libfuma, so abidiff cannot see them (they are enumerators of anonymous
 * enums, not types of any function). Once released, a value and its stable
 * name never change; new ones get new numbers. This file only grows. */
#include <stdio.h>
#include <string.h>

#include "fuma/fuma.h"

struct pinned {
  const char* macro;
  int value;
  int expected;
  const char* name;
};

#define PIN(macro, expected, name) \
  { #macro, macro, expected, name }

static const struct pinned status[] = {
    PIN(FUMA_OK, 0, "OK"),
    PIN(FUMA_EINTERNAL, -1, "INTERNAL"),
    PIN(FUMA_ENOMEM, -2, "OUT_OF_MEMORY"),
    PIN(FUMA_EINVALID_ARGUMENT, -3, "INVALID_ARGUMENT"),
    PIN(FUMA_EUNKNOWN_COMMAND, -4, "UNKNOWN_COMMAND"),
    PIN(FUMA_ENOT_FOUND, -5, "NOT_FOUND"),
    PIN(FUMA_EFORBIDDEN, -6, "FORBIDDEN"),
    PIN(FUMA_ECONFLICT, -7, "CONFLICT"),
    PIN(FUMA_EINVALID_STATE, -8, "INVALID_STATE"),
    PIN(FUMA_EON_SITE_ONLY, -9, "ON_SITE_ONLY"),
    PIN(FUMA_EMISSING_ATTACHMENTS, -10, "MISSING_ATTACHMENTS"),
    PIN(FUMA_ECREDENTIAL_REVOKED, -11, "CREDENTIAL_REVOKED"),
    PIN(FUMA_EINVALID_CODE, -12, "INVALID_CODE"),
    PIN(FUMA_EEXHAUSTED, -13, "EXHAUSTED"),
    PIN(FUMA_ESTORAGE, -14, "STORAGE"),
    PIN(FUMA_EVERSION, -15, "VERSION"),
    PIN(FUMA_ENOT_AN_IMAGE, -16, "NOT_AN_IMAGE"),
    PIN(FUMA_EIMAGE_TOO_LARGE, -17, "IMAGE_TOO_LARGE"),
    PIN(FUMA_ENO_QR_FOUND, -18, "NO_QR_FOUND"),
    PIN(FUMA_EMULTIPLE_QR, -19, "MULTIPLE_QR"),
    PIN(FUMA_ENOT_A_CREDENTIAL, -20, "NOT_A_CREDENTIAL"),
    PIN(FUMA_ECREDENTIAL_MALFORMED, -21, "CREDENTIAL_MALFORMED"),
    PIN(FUMA_EUNSUPPORTED_VERSION, -22, "UNSUPPORTED_VERSION"),
    PIN(FUMA_EUNKNOWN_KEY, -23, "UNKNOWN_KEY"),
    PIN(FUMA_EBAD_SIGNATURE, -24, "BAD_SIGNATURE"),
    PIN(FUMA_ECREDENTIAL_EXPIRED, -25, "CREDENTIAL_EXPIRED"),
    PIN(FUMA_EUNIT_REVOKED, -26, "UNIT_REVOKED"),
    PIN(FUMA_ECAPTCHA_WRONG, -27, "CAPTCHA_WRONG"),
    PIN(FUMA_ECAPTCHA_EXPIRED, -28, "CAPTCHA_EXPIRED"),
    PIN(FUMA_ETOO_MANY_ATTEMPTS, -29, "TOO_MANY_ATTEMPTS"),
    PIN(FUMA_ESESSION_EXPIRED, -30, "SESSION_EXPIRED"),
    PIN(FUMA_ECOMMITMENT_REQUIRED, -31, "COMMITMENT_REQUIRED"),
    PIN(FUMA_ELOGIN_FAILED, -32, "LOGIN_FAILED"),
    PIN(FUMA_EUNSUPPORTED_IMAGE_FORMAT, -33, "UNSUPPORTED_IMAGE_FORMAT"),
    PIN(FUMA_ESTORE_UNAVAILABLE, -34, "STORE_UNAVAILABLE"),
};

static const struct pinned reasons[] = {
    PIN(FUMA_USCC_VALID, 0, "VALID"),         PIN(FUMA_USCC_EMPTY, 1, "EMPTY"),
    PIN(FUMA_USCC_LENGTH, 2, "LENGTH"),       PIN(FUMA_USCC_CHARSET, 3, "CHARSET"),
    PIN(FUMA_USCC_AUTHORITY, 4, "AUTHORITY"), PIN(FUMA_USCC_CATEGORY, 5, "CATEGORY"),
    PIN(FUMA_USCC_DIVISION, 6, "DIVISION"),   PIN(FUMA_USCC_ORG_CHECK, 7, "ORG_CHECK"),
    PIN(FUMA_USCC_CHECK, 8, "CHECK"),
};

static int check(const struct pinned* p, size_t n, const char* (*name_of)(int)) {
  int failures = 0;
  size_t i;
  for (i = 0; i < n; ++i) {
    const char* name = name_of(p[i].value);
    if (p[i].value != p[i].expected) {
      fprintf(stderr, "FAIL: %s is %d, pinned at %d\n", p[i].macro, p[i].value, p[i].expected);
      ++failures;
    }
    if (name == NULL || strcmp(name, p[i].name) != 0) {
      fprintf(stderr, "FAIL: the name of %s is \"%s\", pinned as \"%s\"\n", p[i].macro,
              name ? name : "(null)", p[i].name);
      ++failures;
    }
  }
  return failures;
}

int main(void) {
  int failures = check(status, sizeof status / sizeof status[0], fuma_error_name) +
                 check(reasons, sizeof reasons / sizeof reasons[0], fuma_uscc_reason_name);
  if (failures) return 1;
  printf("pinned: OK: %d status codes and %d reasons keep their values and names\n",
         (int)(sizeof status / sizeof status[0]), (int)(sizeof reasons / sizeof reasons[0]));
  return 0;
}
