/* SPDX-License-Identifier: Apache-2.0 */
/* Logging in with the login QR image through fuma_call from C99: an engine
 * in captcha test mode, a credential requested and issued (its PNG taken
 * from fuma_result_data), a captcha, session.login with the PNG as data,
 * 登录承诺 before anything else, and a picture that is no picture; then the
 * authority's key rotated to SM2: keys.rotate, keys.list, credential.verify
 * and a login with an SM2 picture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup.h"

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
  setup_unit(0, NULL, uscc, sizeof uscc);

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

/* After test_login: sz rotates to an SM2 key, a second unit gets an SM2
 * picture, which keys.list's export verifies offline and which logs in. */
static void test_sm2(void) {
  static struct outcome out, keys;
  static char request[16384];
  char uscc[32], captcha[96];
  const char *from, *to;
  long long id;

  EXPECT(run("{\"command\":\"keys.rotate\",\"actor\":{\"system\":true},\"args\":"
             "{\"authority\":\"sz\",\"suite\":\"sm2\"}}",
             NULL, 0, &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"suite\":\"sm2\"") != NULL);
  EXPECT(strstr(out.json, "\"algorithm\":\"SM2\"") != NULL);
  EXPECT(strstr(out.json, "\"distinguishing_id\":\"1234567812345678\"") != NULL);

  EXPECT(run("{\"command\":\"unit.register\",\"actor\":{\"staff\":\"acc\"},\"args\":"
             "{\"name\":\"深圳市另一局\",\"category\":\"机关\",\"address\":\"深圳市福田区\","
             "\"responsible_person\":\"赵六\"}}",
             NULL, 0, &out) == FUMA_OK);
  if (!string_field(out.json, "uscc", uscc, sizeof uscc)) return;
  snprintf(request, sizeof request,
           "{\"command\":\"credential.request\",\"actor\":{\"staff\":\"acc\"},\"args\":"
           "{\"uscc\":\"%s\",\"reason\":\"first\",\"recipient\":\"王五\","
           "\"phone\":\"13800138000\",\"requested_on\":\"2026-01-05\"}}",
           uscc);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  id = int_field(out.json, "id");
  snprintf(request, sizeof request,
           "{\"command\":\"credential.issue\",\"actor\":{\"staff\":\"acc\"},\"args\":"
           "{\"request\":%lld,\"delivery\":\"on_site\"}}",
           id);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  EXPECT(strstr(out.json, "\"suite\":\"sm2\"") != NULL);
  if (out.data == NULL) return;

  /* The keys as keys.list exports them, handed to credential.verify. */
  EXPECT(run("{\"command\":\"keys.list\",\"actor\":{\"system\":true},\"args\":"
             "{\"authority\":\"sz\"}}",
             NULL, 0, &keys) == FUMA_OK);
  from = strstr(keys.json, "\"keys\":");
  if (from != NULL) from = strchr(from, '[');
  to = strrchr(keys.json, ']');
  EXPECT(from != NULL && to != NULL && to > from);
  if (from == NULL || to == NULL || to <= from) {
    free(out.data);
    return;
  }
  snprintf(request, sizeof request, "{\"command\":\"credential.verify\",\"args\":{\"keys\":%.*s}}",
           (int)(to - from + 1), from);
  {
    struct outcome* verified = malloc(sizeof *verified);
    EXPECT(verified != NULL);
    if (verified != NULL) {
      EXPECT(run(request, out.data, out.data_len, verified) == FUMA_OK);
      EXPECT(strstr(verified->json, "\"valid\":true") != NULL);
      EXPECT(strstr(verified->json, "\"suite\":\"sm2\"") != NULL);
      free(verified);
    }
  }

  if (new_captcha(captcha, sizeof captcha)) {
    struct outcome* login = malloc(sizeof *login);
    snprintf(request, sizeof request,
             "{\"command\":\"session.login\",\"args\":"
             "{\"captcha_id\":\"%s\",\"captcha_answer\":\"7777\"}}",
             captcha);
    EXPECT(login != NULL);
    if (login != NULL) {
      EXPECT(run(request, out.data, out.data_len, login) == FUMA_OK);
      EXPECT(strstr(login->json, uscc) != NULL);
      free(login->data);
      free(login);
    }
  }
  free(out.data);
}

int main(void) {
  fuma_options* opts = NULL;
  int opened;
  EXPECT(fuma_options_new(&opts) == FUMA_OK);
  EXPECT(fuma_options_set(opts, "captcha_answer", "7777") == FUMA_OK);
  opened = setup_open("login", opts);
  fuma_options_free(opts);
  if (!opened) return 2;
  if (engine != NULL) test_login();
  if (engine != NULL) test_sm2();
  setup_close();
  return expect_summary("capi login");
}
