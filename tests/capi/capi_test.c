/* SPDX-License-Identifier: Apache-2.0 */
/* The C ABI from C99: every exported function, its errors and ownership. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect.h"
#include "fuma/fuma.h"

static const char* kValid = "91350100M000100Y43";

static int call(fuma_result** out, fuma_engine* engine, const char* request) {
  return fuma_call(out, engine, request, strlen(request), NULL, 0);
}

static void test_versions(void) {
  EXPECT(strcmp(fuma_version(), FUMA_VERSION) == 0);
  EXPECT(fuma_abi_version() == FUMA_ABI_VERSION);
}

static void test_validate(void) {
  char code[19];
  EXPECT(fuma_uscc_validate(kValid, strlen(kValid)) == FUMA_USCC_VALID);
  EXPECT(fuma_uscc_validate("", 0) == FUMA_USCC_EMPTY);
  EXPECT(fuma_uscc_validate(NULL, 0) == FUMA_USCC_EMPTY);
  EXPECT(fuma_uscc_validate(kValid, 17) == FUMA_USCC_LENGTH);
  memcpy(code, kValid, 18);
  code[17] = 'X';
  EXPECT(fuma_uscc_validate(code, 18) == FUMA_USCC_CHECK);
  code[17] = '3';
  code[16] = '5';
  EXPECT(fuma_uscc_validate(code, 18) == FUMA_USCC_ORG_CHECK);
  /* A NUL byte inside the given length is a character like any other. */
  memcpy(code, kValid, 18);
  code[4] = '\0';
  EXPECT(fuma_uscc_validate(code, 18) == FUMA_USCC_CHARSET);
  EXPECT(strcmp(fuma_uscc_reason_name(FUMA_USCC_ORG_CHECK), "ORG_CHECK") == 0);
  EXPECT(strcmp(fuma_uscc_reason_name(1000), "UNKNOWN") == 0);
  EXPECT(strlen(fuma_uscc_reason_message(FUMA_USCC_CHECK)) > 0);
}

static void test_validate_null_with_length_is_an_error(void) {
  const fuma_error* e;
  EXPECT(fuma_uscc_validate(NULL, 5) == FUMA_EINVALID_ARGUMENT);
  e = fuma_error_last();
  EXPECT(e != NULL);
  if (e) {
    EXPECT(e->code == FUMA_EINVALID_ARGUMENT);
    EXPECT(strcmp(e->name, "INVALID_ARGUMENT") == 0);
    EXPECT(strstr(e->detail, "code is NULL") != NULL);
    EXPECT(strlen(e->message) > 0);
    EXPECT(strstr(e->json, "\"ok\":false") != NULL);
  }
  /* The next successful call clears it. */
  EXPECT(fuma_uscc_validate(kValid, 18) == FUMA_USCC_VALID);
  EXPECT(fuma_error_last() == NULL);
}

static void test_allocate(void) {
  char out[19];
  EXPECT(fuma_uscc_allocate(out, '1', '1', "440300", "", 0) == FUMA_OK);
  EXPECT(strcmp(out, "11440300000000000N") == 0);
  EXPECT(fuma_uscc_allocate(out, '1', '1', "440300", NULL, 1) == FUMA_OK);
  EXPECT(fuma_uscc_validate(out, strlen(out)) == FUMA_USCC_VALID);
  EXPECT(fuma_uscc_allocate(out, '1', '1', "440300", "MB2C", 10000) == FUMA_EEXHAUSTED);
  EXPECT(strcmp(fuma_error_last()->name, "EXHAUSTED") == 0);
  EXPECT(fuma_uscc_allocate(out, '1', '4', "440300", "", 1) == FUMA_EINVALID_ARGUMENT);
  EXPECT(fuma_uscc_allocate(out, '1', '1', NULL, "", 1) == FUMA_EINVALID_ARGUMENT);
  EXPECT(fuma_uscc_allocate(NULL, '1', '1', "440300", "", 1) == FUMA_EINVALID_ARGUMENT);
}

static void test_error_names(void) {
  EXPECT(strcmp(fuma_error_name(FUMA_OK), "OK") == 0);
  EXPECT(strcmp(fuma_error_name(FUMA_EON_SITE_ONLY), "ON_SITE_ONLY") == 0);
  EXPECT(strcmp(fuma_error_name(FUMA_EVERSION), "VERSION") == 0);
  EXPECT(strcmp(fuma_error_name(-9999), "UNKNOWN") == 0);
  EXPECT(strcmp(fuma_error_name(5), "UNKNOWN") == 0);
}

static void test_stateless_call(void) {
  fuma_result* r = NULL;
  size_t len = 99;
  const char* json;
  EXPECT(
      call(&r, NULL, "{\"command\":\"uscc.check\",\"args\":{\"code\":\"91350100M000100Y43\"}}") ==
      FUMA_OK);
  json = fuma_result_json(r, &len);
  EXPECT(json != NULL && len == strlen(json));
  EXPECT(strstr(json, "\"valid\":true") != NULL);
  EXPECT(fuma_result_data(r, &len) == NULL && len == 0);
  fuma_result_free(r);
}

static void test_call_errors(void) {
  fuma_result* r = (fuma_result*)&r; /* must be reset to NULL on failure */
  EXPECT(call(&r, NULL, "{\"command\":\"no.such\"}") == FUMA_EUNKNOWN_COMMAND);
  EXPECT(r == NULL);
  EXPECT(strstr(fuma_error_last()->json, "\"code\":\"UNKNOWN_COMMAND\"") != NULL);
  EXPECT(call(&r, NULL, "not json") == FUMA_EINVALID_ARGUMENT);
  EXPECT(fuma_call(&r, NULL, NULL, 0, NULL, 0) == FUMA_EINVALID_ARGUMENT);
  EXPECT(fuma_call(&r, NULL, "{}", 2, NULL, 5) == FUMA_EINVALID_ARGUMENT);
  EXPECT(fuma_call(NULL, NULL, "{}", 2, NULL, 0) == FUMA_EINVALID_ARGUMENT);
  fuma_error_clear();
  EXPECT(fuma_error_last() == NULL);
}

static void test_engine_on_a_file(void) {
  char dir[] = "/tmp/fuma-capi-XXXXXX";
  char path[64];
  fuma_options* opts = NULL;
  fuma_engine* engine = NULL;
  fuma_result* r = NULL;
  EXPECT(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/fuma.db", dir);
  EXPECT(fuma_options_new(&opts) == FUMA_OK);
  EXPECT(fuma_options_set(opts, "busy_timeout_ms", "1000") == FUMA_OK);
  EXPECT(fuma_options_set(opts, "no_such_option", "1") == FUMA_EINVALID_ARGUMENT);
  EXPECT(fuma_options_set(opts, "busy_timeout_ms", NULL) == FUMA_EINVALID_ARGUMENT);
  EXPECT(fuma_engine_open(&engine, path, opts) == FUMA_OK);
  fuma_options_free(opts);
  EXPECT(access(path, F_OK) == 0);
  EXPECT(call(&r, engine, "{\"command\":\"fuma.version\"}") == FUMA_OK);
  EXPECT(strstr(fuma_result_json(r, NULL), FUMA_VERSION) != NULL);
  fuma_result_free(r);
  fuma_engine_close(engine);
  EXPECT(fuma_engine_open(&engine, "/nonexistent-dir/x/fuma.db", NULL) == FUMA_ESTORAGE);
  EXPECT(engine == NULL);
  EXPECT(fuma_engine_open(NULL, path, NULL) == FUMA_EINVALID_ARGUMENT);
  unlink(path);
  snprintf(path, sizeof path, "%s/fuma.db-wal", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/fuma.db-shm", dir);
  unlink(path);
  rmdir(dir);
}

/* The crypto suite is chosen when the store is created and kept by it: the
 * audit chain of an "sm" store says SM3, and opening it as "standard" fails
 * naming both suites, leaving the store as it was. */
static void test_crypto_suite(void) {
  char dir[] = "/tmp/fuma-capi-XXXXXX";
  char path[64];
  char file[80];
  fuma_options* opts = NULL;
  fuma_engine* engine = NULL;
  fuma_result* r = NULL;
  const char* verify = "{\"command\":\"audit.verify\",\"actor\":{\"system\":true}}";
  EXPECT(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/fuma.db", dir);
  EXPECT(fuma_options_new(&opts) == FUMA_OK);
  EXPECT(fuma_options_set(opts, "crypto_suite", "sm4") == FUMA_EINVALID_ARGUMENT);
  EXPECT(fuma_options_set(opts, "crypto_suite", "sm") == FUMA_OK);
  EXPECT(fuma_engine_open(&engine, path, opts) == FUMA_OK);
  EXPECT(call(&r, engine,
              "{\"command\":\"authority.create\",\"actor\":{\"system\":true},\"args\":"
              "{\"code\":\"sz\",\"name\":\"深圳市委编办\",\"division\":\"440300\"}}") == FUMA_OK);
  fuma_result_free(r);
  EXPECT(call(&r, engine, verify) == FUMA_OK);
  EXPECT(strstr(fuma_result_json(r, NULL), "\"intact\":true") != NULL);
  EXPECT(strstr(fuma_result_json(r, NULL), "\"digest\":\"sm3\"") != NULL);
  EXPECT(strstr(fuma_result_json(r, NULL), "\"crypto_suite\":\"sm\"") != NULL);
  fuma_result_free(r);
  fuma_engine_close(engine);

  EXPECT(fuma_options_set(opts, "crypto_suite", "standard") == FUMA_OK);
  engine = NULL;
  EXPECT(fuma_engine_open(&engine, path, opts) == FUMA_EINVALID_ARGUMENT);
  EXPECT(engine == NULL);
  EXPECT(strstr(fuma_error_last()->detail, "'sm'") != NULL);
  EXPECT(strstr(fuma_error_last()->detail, "'standard'") != NULL);
  fuma_options_free(opts);

  EXPECT(fuma_engine_open(&engine, path, NULL) == FUMA_OK);
  EXPECT(call(&r, engine, verify) == FUMA_OK);
  EXPECT(strstr(fuma_result_json(r, NULL), "\"crypto_suite\":\"sm\"") != NULL);
  fuma_result_free(r);
  fuma_engine_close(engine);
  unlink(path);
  snprintf(file, sizeof file, "%s-wal", path);
  unlink(file);
  snprintf(file, sizeof file, "%s-shm", path);
  unlink(file);
  rmdir(dir);
}

static void test_free_null_is_a_no_op(void) {
  fuma_result_free(NULL);
  fuma_options_free(NULL);
  fuma_engine_close(NULL);
  EXPECT(fuma_result_json(NULL, NULL) == NULL);
}

static void* fail_in_thread(void* arg) {
  (void)arg;
  fuma_uscc_validate(NULL, 1);
  return (void*)fuma_error_last();
}

static void test_errors_are_per_thread(void) {
  pthread_t t;
  void* other = NULL;
  fuma_error_clear();
  EXPECT(pthread_create(&t, NULL, fail_in_thread, NULL) == 0);
  pthread_join(t, &other);
  EXPECT(other != NULL);
  EXPECT(fuma_error_last() == NULL);
}

int main(void) {
  test_versions();
  test_validate();
  test_validate_null_with_length_is_an_error();
  test_allocate();
  test_error_names();
  test_stateless_call();
  test_call_errors();
  test_engine_on_a_file();
  test_crypto_suite();
  test_free_null_is_a_no_op();
  test_errors_are_per_thread();
  return expect_summary("capi");
}
