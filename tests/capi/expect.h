/* SPDX-License-Identifier: Apache-2.0 */
/* The C tests' one assertion: report a failed expectation and go on, so one
 * run lists every failure; expect_summary() turns the count into the exit
 * status. */
#ifndef FUMA_TESTS_CAPI_EXPECT_H
#define FUMA_TESTS_CAPI_EXPECT_H

#include <stdio.h>

static int expect_failures = 0;

#define EXPECT(cond)                                                      \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      ++expect_failures;                                                  \
    }                                                                     \
  } while (0)

static int expect_summary(const char* suite) {
  if (expect_failures) {
    fprintf(stderr, "%s: %d expectation(s) failed\n", suite, expect_failures);
    return 1;
  }
  printf("%s: all expectations met\n", suite);
  return 0;
}

#endif /* FUMA_TESTS_CAPI_EXPECT_H */
