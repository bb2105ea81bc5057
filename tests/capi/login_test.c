/* Logging in with the login QR image through fuma_call from C99: an engine
 * in captcha test mode, a credential requested and issued (its PNG taken
 * from fuma_result_data), a captcha, session.login with the PNG as data,
 * 登录承诺 before anything else, and a picture that is no picture. */
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
static int run(const char* request, const void* data, size_t data_len, struct outcome* out) {
  fuma_result* r = NULL;
  int rc = fuma_call(&r, engine, request, strlen(request), data, data_len);
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

/* A fresh captcha's id; its answer is 7777 in test mode. */
static int new_captcha(char* id, size_t id_size) {
  struct outcome c;
  int ok = run("{\"command\":\"session.captcha\"}", NULL, 0, &c) == FUMA_OK &&
           string_field(c.json, "captcha_id", id, id_size);
  EXPECT(ok);
  EXPECT(c.data != NULL && c.data_len > 8 && memcmp(c.data, "\x89PNG", 4) == 0);
  EXPECT(strstr(c.json, "\"test_mode\":true") != NULL);
  free(c.data);
  return ok;
}

static void test_login(void) {
  static struct outcome out;
  static const char not_an_image[] = "not an image";
  char request[1024], uscc[32], captcha[96], token[96], version[32];
  char* png = NULL;
  size_t png_len = 0;
  long long id;

  /* Setup: an authority, an acceptor, a unit. */
  EXPECT(run("{\"command\":\"authority.create\",\"actor\":{\"system\":true},\"args\":"
             "{\"code\":\"sz\",\"name\":\"深圳市委编办\",\"division\":\"440300\"}}",
             NULL, 0, NULL) == FUMA_OK);
  EXPECT(
      run("{\"command\":\"staff.create\",\"actor\":{\"system\":true},\"args\":"
          "{\"authority\":\"sz\",\"username\":\"acc\",\"name\":\"李四\",\"roles\":[\"acceptor\"]}}",
          NULL, 0, NULL) == FUMA_OK);
  EXPECT(run("{\"command\":\"unit.register\",\"actor\":{\"staff\":\"acc\"},\"args\":"
             "{\"name\":\"深圳市某局\",\"category\":\"机关\",\"address\":\"深圳市福田区\","
             "\"responsible_person\":\"张三\"}}",
             NULL, 0, &out) == FUMA_OK);
  EXPECT(string_field(out.json, "uscc", uscc, sizeof uscc));

  /* 申领 and 签发: the picture comes back as the result's bytes. */
  snprintf(request, sizeof request,
           "{\"command\":\"credential.request\",\"actor\":{\"staff\":\"acc\"},\"args\":"
           "{\"uscc\":\"%s\",\"reason\":\"first\",\"recipient\":\"王五\","
           "\"phone\":\"13800138000\",\"requested_on\":\"2026-01-05\"}}",
           uscc);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  id = int_field(out.json, "id");
  EXPECT(id > 0);
  snprintf(request, sizeof request,
           "{\"command\":\"credential.issue\",\"actor\":{\"staff\":\"acc\"},\"args\":"
           "{\"request\":%lld,\"delivery\":\"on_site\"}}",
           id);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"media_type\":\"image/png\"") != NULL);
  png = out.data;
  png_len = out.data_len;
  EXPECT(png != NULL && png_len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
  if (png == NULL) return;

  /* 图片登录: a captcha, then the picture as data beside the JSON. */
  if (!new_captcha(captcha, sizeof captcha)) {
    free(png);
    return;
  }
  snprintf(request, sizeof request,
           "{\"command\":\"session.login\",\"args\":"
           "{\"captcha_id\":\"%s\",\"captcha_answer\":\"7777\"}}",
           captcha);
  EXPECT(run(request, png, png_len, &out) == FUMA_OK);
  EXPECT(string_field(out.json, "token", token, sizeof token));
  EXPECT(string_field(out.json, "text_version", version, sizeof version));
  EXPECT(strstr(out.json, "\"committed\":false") != NULL);
  /* The captcha served its one attempt. */
  EXPECT(run(request, png, png_len, NULL) == FUMA_ECAPTCHA_EXPIRED);
  EXPECT(strcmp(fuma_error_last()->name, "CAPTCHA_EXPIRED") == 0);

  /* Nothing but the commitment (and reading or ending the session) before
   * 登录承诺 is accepted. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":{\"session\":\"%s\"},"
           "\"args\":{\"business\":\"reissue\"}}",
           token);
  EXPECT(run(request, NULL, 0, NULL) == FUMA_ECOMMITMENT_REQUIRED);
  EXPECT(fuma_error_last() != NULL && fuma_error_last()->code == FUMA_ECOMMITMENT_REQUIRED);
  EXPECT(fuma_error_last() != NULL && strcmp(fuma_error_last()->name, "COMMITMENT_REQUIRED") == 0);
  EXPECT(fuma_error_last() != NULL && strstr(fuma_error_last()->message, "登录承诺") != NULL);

  snprintf(request, sizeof request,
           "{\"command\":\"session.commit\",\"actor\":{\"session\":\"%s\"},"
           "\"args\":{\"text_version\":\"%s\"}}",
           token, version);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"committed\":true") != NULL);

  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":{\"session\":\"%s\"},"
           "\"args\":{\"business\":\"reissue\"}}",
           token);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  EXPECT(int_field(out.json, "id") > 0);
  EXPECT(strstr(out.json, "\"label\":\"未提交\"") != NULL);

  /* Bytes that are no picture. */
  if (new_captcha(captcha, sizeof captcha)) {
    snprintf(request, sizeof request,
             "{\"command\":\"session.login\",\"args\":"
             "{\"captcha_id\":\"%s\",\"captcha_answer\":\"7777\"}}",
             captcha);
    EXPECT(run(request, not_an_image, sizeof not_an_image - 1, NULL) == FUMA_ENOT_AN_IMAGE);
    EXPECT(fuma_error_last() != NULL && strcmp(fuma_error_last()->name, "NOT_AN_IMAGE") == 0);
  }

  /* Logging out ends the session. */
  snprintf(request, sizeof request,
           "{\"command\":\"session.logout\",\"actor\":{\"session\":\"%s\"}}", token);
  EXPECT(run(request, NULL, 0, NULL) == FUMA_OK);
  EXPECT(run(request, NULL, 0, NULL) == FUMA_ESESSION_EXPIRED);
  free(png);
}

int main(void) {
  static const char* const files[] = {"fuma.db", "fuma.db-wal", "fuma.db-shm", "fuma.db.key"};
  char dir[] = "/tmp/fuma-capi-login-XXXXXX";
  char path[96];
  fuma_options* opts = NULL;
  size_t i;
  if (mkdtemp(dir) == NULL) return 2;
  snprintf(path, sizeof path, "%s/fuma.db", dir);
  EXPECT(fuma_options_new(&opts) == FUMA_OK);
  EXPECT(fuma_options_set(opts, "captcha_answer", "7777") == FUMA_OK);
  EXPECT(fuma_engine_open(&engine, path, opts) == FUMA_OK);
  fuma_options_free(opts);
  if (engine != NULL) test_login();
  fuma_engine_close(engine);
  for (i = 0; i < sizeof files / sizeof files[0]; ++i) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
  return expect_summary("capi login");
}
