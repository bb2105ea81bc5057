/* SPDX-License-Identifier: Apache-2.0 */
/* The forms' font at fuma_engine_open, on a system where fontconfig finds no
 * font at all (ctest runs this with FONTCONFIG_FILE naming a configuration
 * without font directories): the standard font's absence fails the open
 * with a message naming the Debian package; a font_path that names no file
 * fails it naming the file; a font_path that names the font needs no
 * fontconfig. */
#include <string.h>

#include <fuma/fuma.h>

#include "expect.h"

#define UMING "/usr/share/fonts/truetype/arphic/uming.ttc"

/* Opens an in-memory engine with font_path set to `path` (none when NULL). */
static int open_with_font(const char* path, fuma_engine** engine) {
  fuma_options* options = NULL;
  int rc;
  if (fuma_options_new(&options) != FUMA_OK) return FUMA_ENOMEM;
  if (path) EXPECT(fuma_options_set(options, "font_path", path) == FUMA_OK);
  rc = fuma_engine_open(engine, NULL, options);
  fuma_options_free(options);
  return rc;
}

static void test_missing_standard_font_fails_the_open_naming_the_package(void) {
  fuma_engine* engine = NULL;
  const fuma_error* e;
  EXPECT(open_with_font(NULL, &engine) == FUMA_EINVALID_ARGUMENT);
  EXPECT(engine == NULL);
  e = fuma_error_last();
  EXPECT(strstr(e->message, "fonts-arphic-uming") != NULL);
  EXPECT(strstr(e->message, "字体") != NULL);
  EXPECT(strstr(e->detail, "fontconfig finds no font of the family 'AR PL UMing CN'") != NULL);
  EXPECT(strstr(e->detail, "install the Debian package fonts-arphic-uming") != NULL);
  fuma_engine_close(engine);
}

static void test_font_path_naming_no_file_fails_the_open_naming_it(void) {
  fuma_engine* engine = NULL;
  EXPECT(open_with_font("/nonexistent/uming.ttc", &engine) == FUMA_EINVALID_ARGUMENT);
  EXPECT(engine == NULL);
  EXPECT(strcmp(fuma_error_last()->detail, "cannot read font file /nonexistent/uming.ttc") == 0);
  EXPECT(strcmp(fuma_error_last()->message, "无法读取字体文件") == 0);
  fuma_engine_close(engine);
}

static void test_font_path_naming_the_font_needs_no_fontconfig(void) {
  fuma_engine* engine = NULL;
  EXPECT(open_with_font(UMING, &engine) == FUMA_OK);
  EXPECT(engine != NULL);
  fuma_engine_close(engine);
}

int main(void) {
  test_missing_standard_font_fails_the_open_naming_the_package();
  test_font_path_naming_no_file_fails_the_open_naming_it();
  test_font_path_naming_the_font_needs_no_fontconfig();
  return expect_summary("c.font");
}
