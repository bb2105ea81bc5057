/* SPDX-License-Identifier: Apache-2.0 */
/* 下载表格 and printing through fuma_call from C99: an authority with an
 * acceptor and a reviewer, a unit and its reissue case; the case's form as
 * PDF bytes beside the JSON (仅供核对 before 复核通过, so not for signing),
 * form.verify with a code no form carries, the blank 申领表 without an
 * actor, and certificate.print refused to a reviewer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup.h"

/* Whether the outcome's bytes are a PDF. */
static int is_pdf(const struct outcome* o) {
  return o->data != NULL && o->data_len > 5 && memcmp(o->data, "%PDF-", 5) == 0;
}

static void test_forms(void) {
  static struct outcome out;
  char request[1024], uscc[32];
  long long id;

  /* Setup: an authority, an acceptor, a reviewer, a unit. */
  if (!setup_unit(1, NULL, uscc, sizeof uscc)) return;

  /* A reissue case, with its reason. */
  id = setup_reissue_case(uscc);
  EXPECT(id > 0);

  /* 下载表格: the PDF beside the JSON, not yet for signing. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.form\",\"actor\":{\"unit\":\"%s\"},\"args\":{\"id\":%lld}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  EXPECT(is_pdf(&out));
  EXPECT(strstr(out.json, "\"for_signing\":false") != NULL);
  EXPECT(strstr(out.json, "\"media_type\":\"application/pdf\"") != NULL);
  EXPECT(strstr(out.json, "\"code\":\"FMF1:") != NULL);
  free(out.data);

  /* A code no form of this case carries. */
  EXPECT(run("{\"command\":\"form.verify\",\"actor\":{\"staff\":\"acc\"},"
             "\"args\":{\"code\":\"FMF1:1:0000000000000000\"}}",
             NULL, 0, &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"matches\":false") != NULL);

  /* The blank 申领表: anyone may have it, no actor at all. */
  EXPECT(run("{\"command\":\"credential.request_form\"}", NULL, 0, &out) == FUMA_OK);
  EXPECT(is_pdf(&out));
  free(out.data);

  /* Printing a certificate is for acceptors. */
  snprintf(request, sizeof request,
           "{\"command\":\"certificate.print\",\"actor\":{\"staff\":\"rev\"},"
           "\"args\":{\"uscc\":\"%s\"}}",
           uscc);
  EXPECT(run(request, NULL, 0, &out) == FUMA_EFORBIDDEN);
  EXPECT(fuma_error_last() != NULL && fuma_error_last()->code == FUMA_EFORBIDDEN);
  EXPECT(fuma_error_last() != NULL && strcmp(fuma_error_last()->name, "FORBIDDEN") == 0);
  EXPECT(out.data == NULL);
}

int main(void) {
  if (!setup_open("forms", NULL)) return 2;
  if (engine != NULL) test_forms();
  setup_close();
  return expect_summary("capi forms");
}
