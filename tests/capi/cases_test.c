/* A short case through fuma_call from C99: setup as the system, on-site
 * registration, an application with a PNG uploaded beside the JSON, the
 * errors a portal meets, and a staff step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect.h"
#include "fuma/fuma.h"

static fuma_engine* engine = NULL;

/* Runs a request; on success copies the result JSON into out (if given). */
static int run(const char* request, const void* data, size_t data_len, char* out, size_t out_size) {
  fuma_result* r = NULL;
  int rc = fuma_call(&r, engine, request, strlen(request), data, data_len);
  if (rc == FUMA_OK && out != NULL) {
    snprintf(out, out_size, "%s", fuma_result_json(r, NULL));
  }
  if (rc != FUMA_OK && fuma_error_last() != NULL && out != NULL) {
    snprintf(out, out_size, "%s", fuma_error_last()->json);
  }
  fuma_result_free(r);
  return rc;
}

/* The string value of the first "key":"..." in json, copied into out. */
static int string_field(const char* json, const char* key, char* out, size_t out_size) {
  char pattern[64];
  const char *at, *end;
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  at = strstr(json, pattern);
  if (at == NULL) return 0;
  at += strlen(pattern);
  end = strchr(at, '"');
  if (end == NULL || (size_t)(end - at) >= out_size) return 0;
  memcpy(out, at, (size_t)(end - at));
  out[end - at] = '\0';
  return 1;
}

static long long int_field(const char* json, const char* key) {
  char pattern[64];
  const char* at;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  at = strstr(json, pattern);
  return at ? atoll(at + strlen(pattern)) : -1;
}

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
  static char json[65536];
  char request[1024], uscc[32];
  long long id;
  size_t png_size = 0;
  char* png = read_file(FUMA_CASES_TEST_DATA "/stamp.png", &png_size);
  EXPECT(png != NULL);
  if (png == NULL) return;

  EXPECT(run("{\"command\":\"authority.create\",\"actor\":{\"system\":true},\"args\":"
             "{\"code\":\"sz\",\"name\":\"深圳市委编办\",\"division\":\"440300\"}}",
             NULL, 0, NULL, 0) == FUMA_OK);
  EXPECT(
      run("{\"command\":\"staff.create\",\"actor\":{\"system\":true},\"args\":"
          "{\"authority\":\"sz\",\"username\":\"acc\",\"name\":\"李四\",\"roles\":[\"acceptor\"]}}",
          NULL, 0, NULL, 0) == FUMA_OK);
  EXPECT(run("{\"command\":\"unit.register\",\"actor\":{\"staff\":\"acc\"},\"args\":"
             "{\"name\":\"深圳市某局\",\"category\":\"机关\",\"address\":\"深圳市福田区\","
             "\"responsible_person\":\"张三\",\"valid_until\":\"2099-12-31\"}}",
             NULL, 0, json, sizeof json) == FUMA_OK);
  EXPECT(string_field(json, "uscc", uscc, sizeof uscc));
  EXPECT(fuma_uscc_validate(uscc, strlen(uscc)) == FUMA_USCC_VALID);

  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"business\":\"initial\"}}",
           uscc);
  EXPECT(run(request, NULL, 0, json, sizeof json) == FUMA_EON_SITE_ONLY);
  EXPECT(strcmp(fuma_error_last()->message, "需要现场办理") == 0);

  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"business\":\"reissue\"}}",
           uscc);
  EXPECT(run(request, NULL, 0, json, sizeof json) == FUMA_OK);
  id = int_field(json, "id");
  EXPECT(id > 0);

  snprintf(request, sizeof request,
           "{\"command\":\"application.save\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld,\"fields\":{\"reason\":\"证书遗失\"}}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, NULL, 0) == FUMA_OK);

  snprintf(request, sizeof request,
           "{\"command\":\"attachment.upload\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld,\"kind\":\"loss_announcement\",\"file_name\":\"公告.png\"}}",
           uscc, id);
  EXPECT(run(request, png, png_size, json, sizeof json) == FUMA_OK);
  EXPECT(strstr(json, "\"media_type\":\"image/png\"") != NULL);
  EXPECT(int_field(json, "size") == (long long)png_size);

  /* The checklist of a fixed-term certificate also wants the request letter. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.submit\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, json, sizeof json) == FUMA_EMISSING_ATTACHMENTS);
  EXPECT(strstr(json, "\"problems\"") != NULL);
  EXPECT(strstr(json, "\"kind\":\"request_letter\"") != NULL);

  snprintf(request, sizeof request,
           "{\"command\":\"attachment.upload\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld,\"kind\":\"request_letter\",\"file_name\":\"说明.png\"}}",
           uscc, id);
  EXPECT(run(request, png, png_size, NULL, 0) == FUMA_OK);
  snprintf(request, sizeof request,
           "{\"command\":\"application.submit\",\"actor\":{\"unit\":\"%s\"},"
           "\"idempotency_key\":\"submit-1\",\"args\":{\"id\":%lld}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, json, sizeof json) == FUMA_OK);
  EXPECT(strstr(json, "\"label\":\"待受理\"") != NULL);
  /* A retry of the same request answers the same, without a second submit. */
  EXPECT(run(request, NULL, 0, json, sizeof json) == FUMA_OK);

  snprintf(request, sizeof request,
           "{\"command\":\"application.accept\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, NULL, 0) == FUMA_EFORBIDDEN);
  snprintf(request, sizeof request,
           "{\"command\":\"application.accept\",\"actor\":{\"staff\":\"acc\"},"
           "\"args\":{\"id\":%lld,\"reply\":\"已受理\"}}",
           id);
  EXPECT(run(request, NULL, 0, json, sizeof json) == FUMA_OK);
  EXPECT(strstr(json, "\"latest_reply\":\"已受理\"") != NULL);
  free(png);
}

int main(void) {
  char dir[] = "/tmp/fuma-capi-cases-XXXXXX";
  char path[96];
  if (mkdtemp(dir) == NULL) return 2;
  snprintf(path, sizeof path, "%s/fuma.db", dir);
  EXPECT(fuma_engine_open(&engine, path, NULL) == FUMA_OK);
  if (engine != NULL) test_a_case();
  fuma_engine_close(engine);
  unlink(path);
  snprintf(path, sizeof path, "%s/fuma.db-wal", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/fuma.db-shm", dir);
  unlink(path);
  rmdir(dir);
  return expect_summary("capi cases");
}
