/* SPDX-License-Identifier: Apache-2.0 */
/*
 * one_case: a unit's 申请补领 from start to 办结 through fuma's C ABI, the
 * way a portal written in C (or any language with a C FFI) drives it.
 *
 *   one_case DATABASE FORM.pdf
 *
 * It opens (or creates) the store, sets up a registration authority with two
 * staff members, registers a unit on site, and walks one case through every
 * step, printing the 办理进度 after each; it shows how an error is read
 * (申请初领 online answers ON_SITE_ONLY), and writes the form to sign and
 * stamp to FORM.pdf. Every request is a JSON text; every answer is JSON,
 * with bytes (the PDF) beside it.
 *
 * Build against an installed fuma:
 *   cc -std=c99 one_case.c $(pkg-config --cflags --libs fuma) -o one_case
 */
#include <fuma/fuma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fuma_engine* engine;

/* Runs one request. On success returns the result (the caller frees it); on
 * failure prints the error for people and for developers and returns NULL. */
static fuma_result* call(const char* request, const void* data, size_t size) {
  fuma_result* result = NULL;
  if (fuma_call(&result, engine, request, strlen(request), data, size) != FUMA_OK) {
    const fuma_error* e = fuma_error_last();
    fprintf(stderr, "%s: %s (%s)\n", e->name, e->message, e->detail);
    return NULL;
  }
  return result;
}

/* Where the value of member "key" begins in a JSON text, or NULL. A portal
 * reads results with its own JSON library; this example keeps to the C
 * standard library, and to answers whose first such member is the one meant. */
static const char* value_of(const char* json, const char* key) {
  char quoted[64];
  const char* at;
  if (json == NULL) return NULL;
  snprintf(quoted, sizeof quoted, "\"%s\":", key);
  at = strstr(json, quoted);
  return at ? at + strlen(quoted) : NULL;
}

/* Copies a string value (as value_of finds it) into out. */
static void copy_string(const char* value, char* out, size_t size) {
  size_t n = 0;
  if (value != NULL && *value == '"') {
    ++value;
    while (value[n] != '\0' && value[n] != '"' && n + 1 < size) ++n;
    memcpy(out, value, n);
  }
  out[n] = '\0';
}

/* A command as whom, with which arguments; prints the 办理进度 label its
 * answer carries, if any. */
static int step(const char* command, const char* actor, const char* args) {
  char request[1024], label[64];
  fuma_result* r;
  snprintf(request, sizeof request, "{\"command\":\"%s\",\"actor\":%s,\"args\":%s}", command, actor,
           args);
  r = call(request, NULL, 0);
  if (r == NULL) return 0;
  copy_string(value_of(value_of(fuma_result_json(r, NULL), "status"), "label"), label,
              sizeof label);
  printf("%-22s %s\n", command, label);
  fuma_result_free(r);
  return 1;
}

int main(int argc, char** argv) {
  const char* system_actor = "{\"system\":true}";
  char request[1024], uscc[32], unit[64], args[256];
  fuma_result* r;
  const char* value;
  long long id;
  FILE* out;
  int ok = 0;

  if (argc != 3) {
    fprintf(stderr, "usage: one_case DATABASE FORM.pdf\n");
    return 2;
  }
  if (fuma_engine_open(&engine, argv[1], NULL) != FUMA_OK) {
    fprintf(stderr, "%s\n", fuma_error_last()->message);
    return 1;
  }
  /* Set-up, as the embedding program itself: an authority and its staff. */
  if (!step("authority.create", system_actor,
            "{\"code\":\"sz\",\"name\":\"深圳市委编办\",\"division\":\"440300\"}") ||
      !step("staff.create", system_actor,
            "{\"authority\":\"sz\",\"username\":\"acc\",\"name\":\"李受理\","
            "\"roles\":[\"acceptor\"]}") ||
      !step("staff.create", system_actor,
            "{\"authority\":\"sz\",\"username\":\"rev\",\"name\":\"王复核\","
            "\"roles\":[\"reviewer\"]}"))
    goto done;

  /* 申请初领 on site: the authority allocates the unit's code. */
  r = call(
      "{\"command\":\"unit.register\",\"actor\":{\"staff\":\"acc\"},\"args\":"
      "{\"name\":\"深圳市示例局\",\"category\":\"机关\",\"address\":\"深圳市福田区\","
      "\"responsible_person\":\"张三\"}}",
      NULL, 0);
  if (r == NULL) goto done;
  copy_string(value_of(fuma_result_json(r, NULL), "uscc"), uscc, sizeof uscc);
  fuma_result_free(r);
  printf("unit.register          %s\n", uscc);
  snprintf(unit, sizeof unit, "{\"unit\":\"%s\"}", uscc);

  /* An error is a status code, and fuma_error_last() says what it means. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":%s,\"args\":{\"business\":\"initial\"}}",
           unit);
  if (fuma_call(&r, engine, request, strlen(request), NULL, 0) == FUMA_EON_SITE_ONLY) {
    printf("申请初领 online         %s: %s\n", fuma_error_last()->name, fuma_error_last()->message);
  }

  /* 申请补领, from start to 办结. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.start\",\"actor\":%s,\"args\":{\"business\":\"reissue\"}}",
           unit);
  r = call(request, NULL, 0);
  if (r == NULL) goto done;
  value = value_of(fuma_result_json(r, NULL), "id");
  id = value ? strtoll(value, NULL, 10) : 0;
  fuma_result_free(r);
  if (id <= 0) goto done;
  snprintf(args, sizeof args, "{\"id\":%lld,\"fields\":{\"reason\":\"证书遗失\"}}", id);
  if (!step("application.save", unit, args)) goto done;
  snprintf(args, sizeof args, "{\"id\":%lld}", id);
  if (!step("application.submit", unit, args) ||
      !step("application.accept", "{\"staff\":\"acc\"}", args) ||
      !step("application.approve", "{\"staff\":\"rev\"}", args))
    goto done;
  snprintf(args, sizeof args, "{\"id\":%lld,\"reply\":\"请下载申请表，签字盖章后面交\"}", id);
  if (!step("application.notify", "{\"staff\":\"acc\"}", args)) goto done;

  /* 下载表格: the PDF comes beside the JSON, never inside it. */
  snprintf(request, sizeof request,
           "{\"command\":\"application.form\",\"actor\":%s,\"args\":{\"id\":%lld}}", unit, id);
  r = call(request, NULL, 0);
  if (r == NULL) goto done;
  out = fopen(argv[2], "wb");
  if (out != NULL) {
    size_t size = 0;
    const void* pdf = fuma_result_data(r, &size);
    ok = fwrite(pdf, 1, size, out) == size;
    ok = fclose(out) == 0 && ok;
    printf("application.form       %s (%zu bytes)\n", argv[2], size);
  }
  fuma_result_free(r);
  snprintf(args, sizeof args, "{\"id\":%lld}", id);
  ok = ok && step("application.complete", "{\"staff\":\"acc\"}", args);

done:
  fuma_engine_close(engine);
  return ok ? 0 : 1;
}
