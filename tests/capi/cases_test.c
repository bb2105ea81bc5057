/* SPDX-License-Identifier: Apache-2.0 */
/* A short case through fuma_call from C99: setup as the system, on-site
 * registration, an application with a PNG uploaded beside the JSON, the
 * errors a portal meets, and a staff step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup.h"

static char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  char* bytes;
  long n;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  bytes = malloc((size_t)n);
  if (bytes != NULL && fread(bytes, 1, (size_t)n, f) != (size_t)n) {
    free(bytes);
    bytes = NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return bytes;
}

static void test_a_case(void) {
  static struct outcome out;
  char request[1024], uscc[32];
  long long id;
  size_t png_size = 0;
  char* png = read_file(FUMA_CASES_TEST_DATA "/stamp.png", &png_size);
  EXPECT(png != NULL);
  if (png == NULL) return;

  setup_unit(0, "2099-12-31", uscc, sizeof uscc);
  EXPECT(fuma_uscc_validate(uscc, strlen(uscc)) == FUMA_USCC_VALID);

  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"business\":\"initial\"}}",
           uscc);
  EXPECT(run(request, NULL, 0, &out) == FUMA_EON_SITE_ONLY);
  EXPECT(strcmp(fuma_error_last()->message, "需要现场办理") == 0);

  id = setup_reissue_case(uscc);
  EXPECT(id > 0);

  snprintf(request, sizeof request,
           "{\"command\":\"attachment.upload\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld,\"kind\":\"loss_announcement\",\"file_name\":\"公告.png\"}}",
           uscc, id);
  EXPECT(run(request, png, png_size, &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"media_type\":\"image/png\"") != NULL);
  EXPECT(int_field(out.json, "size") == (long long)png_size);

  /* The checklist of a fixed-term certificate also wants the request letter. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.submit\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, &out) == FUMA_EMISSING_ATTACHMENTS);
  EXPECT(strstr(out.json, "\"problems\"") != NULL);
  EXPECT(strstr(out.json, "\"kind\":\"request_letter\"") != NULL);

  snprintf(request, sizeof request,
           "{\"command\":\"attachment.upload\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld,\"kind\":\"request_letter\",\"file_name\":\"说明.png\"}}",
           uscc, id);
  EXPECT(run(request, png, png_size, NULL) == FUMA_OK);
  snprintf(request, sizeof request,
           "{\"command\":\"application.submit\",\"actor\":{\"unit\":\"%s\"},"
           "\"idempotency_key\":\"submit-1\",\"args\":{\"id\":%lld}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"label\":\"待受理\"") != NULL);
  /* A retry of the same request answers the same, without a second submit. */
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);

  snprintf(request, sizeof request,
           "{\"command\":\"application.accept\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, NULL) == FUMA_EFORBIDDEN);
  snprintf(request, sizeof request,
           "{\"command\":\"application.accept\",\"actor\":{\"staff\":\"acc\"},"
           "\"args\":{\"id\":%lld,\"reply\":\"已受理\"}}",
           id);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"latest_reply\":\"已受理\"") != NULL);
  free(png);
}

int main(void) {
  if (!setup_open("cases", NULL)) return 2;
  if (engine != NULL) test_a_case();
  setup_close();
  return expect_summary("capi cases");
}
