/* 下载表格 and printing through fuma_call from C99: an authority with an
 * acceptor and a reviewer, a unit and its reissue case; the case's form as
 * PDF bytes beside the JSON (仅供核对 before 复核通过, so not for signing),
 * form.verify with a code no form carries, the blank 申领表 without an
 * actor, and certificate.print refused to a reviewer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect.h"
#include "fuma/fuma.h"

static fuma_engine* engine = NULL;

/* A command's result: its JSON and a copy of its bytes (free data). */
struct outcome {
  char json[16384];
  char* data;
  size_t data_len;
};

/* Runs a request; out (if given) gets the result JSON, or the error JSON
 * on failure, and the result's bytes. */
static int run(const char* request, struct outcome* out) {
  fuma_result* r = NULL;
  int rc = fuma_call(&r, engine, request, strlen(request), NULL, 0);
  if (out != NULL) {
    out->json[0] = '\0';
    out->data = NULL;
    out->data_len = 0;
  }
  if (rc == FUMA_OK && out != NULL) {
    size_t len = 0;
    const void* bytes = fuma_result_data(r, &len);
    snprintf(out->json, sizeof out->json, "%s", fuma_result_json(r, NULL));
    if (bytes != NULL && len > 0) {
      out->data = malloc(len);
      if (out->data != NULL) {
        memcpy(out->data, bytes, len);
        out->data_len = len;
      }
    }
  }
  if (rc != FUMA_OK && fuma_error_last() != NULL && out != NULL) {
    snprintf(out->json, sizeof out->json, "%s", fuma_error_last()->json);
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

/* The number after the first "key": in json; -1 if none. */
static long long int_field(const char* json, const char* key) {
  char pattern[64];
  const char* at;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  at = strstr(json, pattern);
  return at ? atoll(at + strlen(pattern)) : -1;
}

/* Whether the outcome's bytes are a PDF. */
static int is_pdf(const struct outcome* o) {
  return o->data != NULL && o->data_len > 5 && memcmp(o->data, "%PDF-", 5) == 0;
}

static void test_forms(void) {
  static struct outcome out;
  char request[1024], uscc[32];
  long long id;

  /* Setup: an authority, an acceptor, a reviewer, a unit. */
  EXPECT(run("{\"command\":\"authority.create\",\"actor\":{\"system\":true},\"args\":"
             "{\"code\":\"sz\",\"name\":\"深圳市委编办\",\"division\":\"440300\"}}",
             NULL) == FUMA_OK);
  EXPECT(
      run("{\"command\":\"staff.create\",\"actor\":{\"system\":true},\"args\":"
          "{\"authority\":\"sz\",\"username\":\"acc\",\"name\":\"李四\",\"roles\":[\"acceptor\"]}}",
          NULL) == FUMA_OK);
  EXPECT(
      run("{\"command\":\"staff.create\",\"actor\":{\"system\":true},\"args\":"
          "{\"authority\":\"sz\",\"username\":\"rev\",\"name\":\"王五\",\"roles\":[\"reviewer\"]}}",
          NULL) == FUMA_OK);
  EXPECT(run("{\"command\":\"unit.register\",\"actor\":{\"staff\":\"acc\"},\"args\":"
             "{\"name\":\"深圳市某局\",\"category\":\"机关\",\"address\":\"深圳市福田区\","
             "\"responsible_person\":\"张三\"}}",
             &out) == FUMA_OK);
  if (!string_field(out.json, "uscc", uscc, sizeof uscc)) {
    EXPECT(!"unit.register returned a uscc");
    return;
  }

  /* A reissue case, with its reason. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"business\":\"reissue\"}}",
           uscc);
  EXPECT(run(request, &out) == FUMA_OK);
  id = int_field(out.json, "id");
  EXPECT(id > 0);
  snprintf(request, sizeof request,
           "{\"command\":\"application.save\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld,\"fields\":{\"reason\":\"证书遗失\"}}}",
           uscc, id);
  EXPECT(run(request, NULL) == FUMA_OK);

  /* 下载表格: the PDF beside the JSON, not yet for signing. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.form\",\"actor\":{\"unit\":\"%s\"},\"args\":{\"id\":%lld}}",
           uscc, id);
  EXPECT(run(request, &out) == FUMA_OK);
  EXPECT(is_pdf(&out));
  EXPECT(strstr(out.json, "\"for_signing\":false") != NULL);
  EXPECT(strstr(out.json, "\"media_type\":\"application/pdf\"") != NULL);
  EXPECT(strstr(out.json, "\"code\":\"FMF1:") != NULL);
  free(out.data);

  /* A code no form of this case carries. */
  EXPECT(run("{\"command\":\"form.verify\",\"actor\":{\"staff\":\"acc\"},"
             "\"args\":{\"code\":\"FMF1:1:0000000000000000\"}}",
             &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"matches\":false") != NULL);

  /* The blank 申领表: anyone may have it, no actor at all. */
  EXPECT(run("{\"command\":\"credential.request_form\"}", &out) == FUMA_OK);
  EXPECT(is_pdf(&out));
  free(out.data);

  /* Printing a certificate is for acceptors. */
  snprintf(request, sizeof request,
           "{\"command\":\"certificate.print\",\"actor\":{\"staff\":\"rev\"},"
           "\"args\":{\"uscc\":\"%s\"}}",
           uscc);
  EXPECT(run(request, &out) == FUMA_EFORBIDDEN);
  EXPECT(fuma_error_last() != NULL && fuma_error_last()->code == FUMA_EFORBIDDEN);
  EXPECT(fuma_error_last() != NULL && strcmp(fuma_error_last()->name, "FORBIDDEN") == 0);
  EXPECT(out.data == NULL);
}

int main(void) {
  static const char* const files[] = {"fuma.db", "fuma.db-wal", "fuma.db-shm", "fuma.db.key"};
  char dir[] = "/tmp/fuma-capi-forms-XXXXXX";
  char path[96];
  size_t i;
  if (mkdtemp(dir) == NULL) return 2;
  snprintf(path, sizeof path, "%s/fuma.db", dir);
  EXPECT(fuma_engine_open(&engine, path, NULL) == FUMA_OK);
  if (engine != NULL) test_forms();
  fuma_engine_close(engine);
  for (i = 0; i < sizeof files / sizeof files[0]; ++i) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
  return expect_summary("capi forms");
}
