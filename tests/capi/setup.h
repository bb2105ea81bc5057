/* SPDX-License-Identifier: Apache-2.0 */
/* What the C tests that go through fuma_call share (C99, static: each test
 * program is one file and includes it once):
 *
 *   setup_open(name, opts)  opens `engine` on a fuma.db in a fresh
 *                           /tmp/fuma-capi-<name>-XXXXXX (opts may be NULL),
 *                           or, when FUMA_TEST_STORE names a PostgreSQL
 *                           database (tests/support/pg-server sets it to a
 *                           new one for each program), on that database,
 *                           with the key file in the directory;
 *   setup_close()           closes it and removes the directory and its
 *                           files;
 *   run(request, data, data_len, out)
 *                           calls fuma_call; out (if given) gets the result
 *                           JSON, or the error JSON on failure, and a copy
 *                           of the result's bytes (the caller frees
 *                           out->data). When the environment names a file
 *                           in FUMA_CONTRACT_LOG, each call is appended to
 *                           it (log_call), and c.contract judges it against
 *                           the command's declaration;
 *   string_field, int_field read one field of a JSON text;
 *   setup_unit(...)         the setup as the system: an authority sz with
 *                           an acceptor acc (and a reviewer rev), and a unit
 *                           registered by acc, its USCC copied out.
 *
 * Every step of the setup is an EXPECT, so a failure is counted there. */
#ifndef FUMA_TESTS_CAPI_SETUP_H
#define FUMA_TESTS_CAPI_SETUP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect.h"
#include "fuma/fuma.h"

static fuma_engine* engine = NULL;
static char setup_dir[64];

/* A command's result: its JSON and a copy of its bytes (free data). */
struct outcome {
  char json[65536];
  char* data;
  size_t data_len;
};

/* One call as tests/capi/check_contract.py reads it: a header line
 *   fuma-call STATUS REQUEST_LEN ANSWER_LEN DATA_LEN RETURNED_LEN
 * then the request and the answer (the result JSON, or the error JSON),
 * byte for byte, and a newline. */
static void log_call(const char* request, int rc, const char* answer, size_t answer_len,
                     size_t data_len, size_t returned_len) {
  const char* path = getenv("FUMA_CONTRACT_LOG");
  FILE* log;
  if (path == NULL || *path == '\0') return;
  log = fopen(path, "ab");
  if (log == NULL) {
    fprintf(stderr, "cannot append to FUMA_CONTRACT_LOG %s\n", path);
    ++expect_failures;
    return;
  }
  if (answer == NULL) answer_len = 0;
  fprintf(log, "fuma-call %d %zu %zu %zu %zu\n", rc, strlen(request), answer_len, data_len,
          returned_len);
  fwrite(request, 1, strlen(request), log);
  if (answer_len > 0) fwrite(answer, 1, answer_len, log);
  fputc('\n', log);
  fclose(log);
}

static int run(const char* request, const void* data, size_t data_len, struct outcome* out) {
  fuma_result* r = NULL;
  int rc = fuma_call(&r, engine, request, strlen(request), data, data_len);
  if (rc == FUMA_OK) {
    size_t json_len = 0, returned_len = 0;
    const char* json = fuma_result_json(r, &json_len);
    fuma_result_data(r, &returned_len);
    log_call(request, rc, json, json_len, data_len, returned_len);
  } else {
    const fuma_error* e = fuma_error_last();
    const char* json = e != NULL ? e->json : NULL;
    log_call(request, rc, json, json ? strlen(json) : 0, data_len, 0);
  }
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

/* 0 when the directory cannot be made; otherwise 1, whether or not the
 * engine opened (engine stays NULL and the failure is counted if not). */
static int setup_open(const char* name, fuma_options* opts) {
  char path[96];
  const char* store = getenv("FUMA_TEST_STORE");
  snprintf(setup_dir, sizeof setup_dir, "/tmp/fuma-capi-%s-XXXXXX", name);
  if (mkdtemp(setup_dir) == NULL) return 0;
  snprintf(path, sizeof path, "%s/fuma.db", setup_dir);
  if (store != NULL && strncmp(store, "postgresql://", 13) == 0) {
    fuma_options* own = NULL;
    char key_file[112];
    snprintf(key_file, sizeof key_file, "%s.key", path);
    if (opts == NULL) EXPECT(fuma_options_new(&own) == FUMA_OK);
    EXPECT(fuma_options_set(opts ? opts : own, "key_file", key_file) == FUMA_OK);
    EXPECT(fuma_engine_open(&engine, store, opts ? opts : own) == FUMA_OK);
    fuma_options_free(own);
    return 1;
  }
  EXPECT(fuma_engine_open(&engine, path, opts) == FUMA_OK);
  return 1;
}

static void setup_close(void) {
  static const char* const files[] = {"fuma.db", "fuma.db-wal", "fuma.db-shm", "fuma.db.key"};
  char path[96];
  size_t i;
  fuma_engine_close(engine);
  engine = NULL;
  for (i = 0; i < sizeof files / sizeof files[0]; ++i) {
    snprintf(path, sizeof path, "%s/%s", setup_dir, files[i]);
    unlink(path);
  }
  rmdir(setup_dir);
}

/* The authority sz (深圳市委编办), its acceptor acc (李四), with a reviewer
 * rev (王五) when with_reviewer, and the unit 深圳市某局 registered by acc,
 * fixed-term when valid_until is not NULL. Copies its USCC into uscc;
 * 1 when it could. */
static int setup_unit(int with_reviewer, const char* valid_until, char* uscc, size_t uscc_size) {
  static struct outcome out;
  char request[512];
  int got;
  EXPECT(run("{\"command\":\"authority.create\",\"actor\":{\"system\":true},\"args\":"
             "{\"code\":\"sz\",\"name\":\"深圳市委编办\",\"division\":\"440300\"}}",
             NULL, 0, NULL) == FUMA_OK);
  EXPECT(
      run("{\"command\":\"staff.create\",\"actor\":{\"system\":true},\"args\":"
          "{\"authority\":\"sz\",\"username\":\"acc\",\"name\":\"李四\",\"roles\":[\"acceptor\"]}}",
          NULL, 0, NULL) == FUMA_OK);
  if (with_reviewer) {
    EXPECT(run("{\"command\":\"staff.create\",\"actor\":{\"system\":true},\"args\":"
               "{\"authority\":\"sz\",\"username\":\"rev\",\"name\":\"王五\",\"roles\":["
               "\"reviewer\"]}}",
               NULL, 0, NULL) == FUMA_OK);
  }
  snprintf(request, sizeof request,
           "{\"command\":\"unit.register\",\"actor\":{\"staff\":\"acc\"},\"args\":"
           "{\"name\":\"深圳市某局\",\"category\":\"机关\",\"address\":\"深圳市福田区\","
           "\"responsible_person\":\"张三\"%s%s%s}}",
           valid_until ? ",\"valid_until\":\"" : "", valid_until ? valid_until : "",
           valid_until ? "\"" : "");
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  got = string_field(out.json, "uscc", uscc, uscc_size);
  EXPECT(got);
  return got;
}

/* A reissue case of the unit, started and saved with the reason 证书遗失;
 * its id, or 0 when it could not be made. */
static inline long long setup_reissue_case(const char* uscc) {
  static struct outcome out;
  char request[512];
  long long id;
  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"business\":\"reissue\"}}",
           uscc);
  EXPECT(run(request, NULL, 0, &out) == FUMA_OK);
  id = int_field(out.json, "id");
  EXPECT(id > 0);
  if (id <= 0) return 0;
  snprintf(request, sizeof request,
           "{\"command\":\"application.save\",\"actor\":{\"unit\":\"%s\"},"
           "\"args\":{\"id\":%lld,\"fields\":{\"reason\":\"证书遗失\"}}}",
           uscc, id);
  EXPECT(run(request, NULL, 0, NULL) == FUMA_OK);
  return id;
}

#endif /* FUMA_TESTS_CAPI_SETUP_H */
