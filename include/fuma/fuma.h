/*
 * fuma.h -- the C ABI of fuma (赋码).
 *
 * Conventions, stated once for every function below:
 *
 *  1. Status. Every function that can fail returns an int: FUMA_OK (0) on
 *     success, a negative FUMA_E* code on failure. The numeric values of the
 *     codes are pinned forever; new codes get new numbers.
 *  2. Errors. After a failure, fuma_error_last() describes it for the calling
 *     thread: the code, its stable name, a Chinese message for people and an
 *     English detail for developers. It stays valid until the next call of
 *     a status-returning fuma function on the same thread; such a call clears
 *     it when it succeeds. Functions that return no status leave it alone.
 *  3. Ownership. Out-parameters come first. A pointer returned through an
 *     out-parameter of type T** belongs to the caller, who releases it with
 *     the matching fuma_T_free(); every fuma_*_free(NULL) is a no-op. Pointers
 *     returned by getters (const char* or const void*) are borrowed from the
 *     object they were read from and live as long as it does.
 *  4. Strings are UTF-8. Functions that take a length take it in bytes; such
 *     strings need not be NUL-terminated and may contain NUL bytes (which are
 *     then rejected as invalid characters where they do not belong).
 *  5. Threads. Functions without a handle are safe to call from any thread.
 *     A fuma_engine may be used from many threads at once. A fuma_result or
 *     fuma_options belongs to one thread at a time. An engine whose writes
 *     arrive while another is committing starts one thread of its own to
 *     commit them together; fuma_engine_close joins it. That thread runs
 *     under the scheduling policy of the thread that opened the engine, not
 *     that of the write that started it. An engine is not carried across
 *     fork(): a child process opens its own.
 *  6. Barrier. No C++ exception ever crosses this ABI; an unexpected failure
 *     inside the library is reported as FUMA_EINTERNAL.
 *  7. Compatibility. Existing signatures never change; a changed call gets a
 *     new name with a _v2 suffix. Commands (fuma_call) are added without
 *     touching the ABI at all.
 *
 * This header is pure C99 and never includes C++.
 */
#ifndef FUMA_FUMA_H
#define FUMA_FUMA_H

#include <stddef.h>

#include "fuma/version.h"

#if defined(_WIN32) && defined(FUMA_SHARED)
#if defined(FUMA_BUILDING)
#define FUMA_API __declspec(dllexport)
#else
#define FUMA_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define FUMA_API __attribute__((visibility("default")))
#else
#define FUMA_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Status codes. Pinned: a value never changes meaning once released.
 * The stable name (fuma_error_name) is what JSON results and the Python
 * binding report.
 * ------------------------------------------------------------------------ */
enum {
  FUMA_OK = 0,
  FUMA_EINTERNAL = -1,             /* INTERNAL: a bug or an unexpected failure */
  FUMA_ENOMEM = -2,                /* OUT_OF_MEMORY */
  FUMA_EINVALID_ARGUMENT = -3,     /* INVALID_ARGUMENT: NULL, bad JSON, bad type */
  FUMA_EUNKNOWN_COMMAND = -4,      /* UNKNOWN_COMMAND */
  FUMA_ENOT_FOUND = -5,            /* NOT_FOUND */
  FUMA_EFORBIDDEN = -6,            /* FORBIDDEN: the actor may not do this */
  FUMA_ECONFLICT = -7,             /* CONFLICT: stale version, duplicate */
  FUMA_EINVALID_STATE = -8,        /* INVALID_STATE: not allowed in this status */
  FUMA_EON_SITE_ONLY = -9,         /* ON_SITE_ONLY: 需要现场办理 */
  FUMA_EMISSING_ATTACHMENTS = -10, /* MISSING_ATTACHMENTS */
  FUMA_ECREDENTIAL_REVOKED = -11,  /* CREDENTIAL_REVOKED */
  FUMA_EINVALID_CODE = -12,        /* INVALID_CODE: a USCC that fails its checks */
  FUMA_EEXHAUSTED = -13,           /* EXHAUSTED: no code left in a serial range */
  FUMA_ESTORAGE = -14,             /* STORAGE: the database failed or is corrupt */
  FUMA_EVERSION = -15,             /* VERSION: data written by a newer fuma */
  FUMA_ENOT_AN_IMAGE = -16,        /* NOT_AN_IMAGE: the upload is not a PNG, JPEG, BMP or GIF */
  FUMA_EIMAGE_TOO_LARGE = -17,     /* IMAGE_TOO_LARGE: picture over the byte or pixel limit */
  FUMA_ENO_QR_FOUND = -18,         /* NO_QR_FOUND: no QR code in the picture */
  FUMA_EMULTIPLE_QR = -19,         /* MULTIPLE_QR: more than one credential in the picture */
  FUMA_ENOT_A_CREDENTIAL = -20,    /* NOT_A_CREDENTIAL: the QR code is not a fuma credential */
  FUMA_ECREDENTIAL_MALFORMED =
      -21, /* CREDENTIAL_MALFORMED: a damaged or truncated credential text */
  FUMA_EUNSUPPORTED_VERSION =
      -22,                 /* UNSUPPORTED_VERSION: a credential format this library does not read */
  FUMA_EUNKNOWN_KEY = -23, /* UNKNOWN_KEY: signing key unknown or retired */
  FUMA_EBAD_SIGNATURE = -24,       /* BAD_SIGNATURE: the signature does not verify */
  FUMA_ECREDENTIAL_EXPIRED = -25,  /* CREDENTIAL_EXPIRED: the credential has expired */
  FUMA_EUNIT_REVOKED = -26,        /* UNIT_REVOKED: the unit's code is revoked */
  FUMA_ECAPTCHA_WRONG = -27,       /* CAPTCHA_WRONG: wrong captcha answer */
  FUMA_ECAPTCHA_EXPIRED = -28,     /* CAPTCHA_EXPIRED: captcha unknown, used or expired */
  FUMA_ETOO_MANY_ATTEMPTS = -29,   /* TOO_MANY_ATTEMPTS: too many failed logins; wait */
  FUMA_ESESSION_EXPIRED = -30,     /* SESSION_EXPIRED: no open session for this token */
  FUMA_ECOMMITMENT_REQUIRED = -31, /* COMMITMENT_REQUIRED: accept 登录承诺 first */
  FUMA_ELOGIN_FAILED = -32         /* LOGIN_FAILED: wrong staff username or password */
};

/* What fuma_error_last() describes. All strings are borrowed, UTF-8. */
typedef struct fuma_error {
  int code;            /* a FUMA_E* value */
  const char* name;    /* stable name, e.g. "ON_SITE_ONLY" */
  const char* message; /* Chinese, for people, e.g. "需要现场办理" */
  const char* detail;  /* English, for developers */
  const char* json;    /* the whole error as a JSON object (see fuma_call) */
} fuma_error;

/* The last error on this thread, or NULL when the last call succeeded. */
FUMA_API const fuma_error* fuma_error_last(void);

/* Forget the last error on this thread. */
FUMA_API void fuma_error_clear(void);

/* The stable name of a status code ("OK", "ON_SITE_ONLY", ...); "UNKNOWN"
 * for a value this library does not know. Static storage, never NULL. */
FUMA_API const char* fuma_error_name(int code);

/* ------------------------------------------------------------------------
 * Versions. FUMA_VERSION* and FUMA_ABI_VERSION (fuma/version.h) say what a
 * program was compiled against; these say what it runs with. A program may
 * run with any library whose ABI version equals the one it was built with.
 * ------------------------------------------------------------------------ */

/* The release version, e.g. "0.1.0". Static storage. */
FUMA_API const char* fuma_version(void);

/* The ABI version: the SOVERSION of the shared library. */
FUMA_API int fuma_abi_version(void);

/* ------------------------------------------------------------------------
 * USCC: Unified Social Credit Code (GB 32100-2015). Small, hot calls that
 * need no engine. fuma_call's "uscc.check" returns the same verdict with the
 * code's parts and their meanings.
 *
 * Before checking, surrounding ASCII whitespace (space, tab, CR, LF) is
 * removed and ASCII lowercase letters are uppercased. Nothing else is
 * normalised: full-width characters, inner spaces and other Unicode make a
 * code invalid.
 * ------------------------------------------------------------------------ */

/* Why a code is invalid. Pinned like the status codes. */
enum {
  FUMA_USCC_VALID = 0,
  FUMA_USCC_EMPTY = 1,     /* EMPTY: nothing but whitespace */
  FUMA_USCC_LENGTH = 2,    /* LENGTH: not 18 characters */
  FUMA_USCC_CHARSET = 3,   /* CHARSET: a character outside 0-9A-HJ-NPQRTUWXY */
  FUMA_USCC_AUTHORITY = 4, /* AUTHORITY: unknown registration-authority code */
  FUMA_USCC_CATEGORY = 5,  /* CATEGORY: category not used by that authority */
  FUMA_USCC_DIVISION = 6,  /* DIVISION: not a GB/T 2260 division code */
  FUMA_USCC_ORG_CHECK = 7, /* ORG_CHECK: GB 11714 check character wrong */
  FUMA_USCC_CHECK = 8      /* CHECK: final check character wrong */
};

/* Check a code of `len` bytes. Returns FUMA_USCC_VALID (0) or one of the
 * FUMA_USCC_* reasons (> 0) for an invalid code, or a negative FUMA_E* code
 * when the call itself is wrong (code NULL with len > 0). Never allocates. */
FUMA_API int fuma_uscc_validate(const char* code, size_t len);

/* The stable name of a reason ("VALID", "LENGTH", ...) and a Chinese
 * sentence explaining it. Static storage; "UNKNOWN" for other values. */
FUMA_API const char* fuma_uscc_reason_name(int reason);
FUMA_API const char* fuma_uscc_reason_message(int reason);

/* Compose a new code for on-site initial registration (申请初领).
 *
 * authority: registration-authority code character, e.g. '1' (机构编制).
 * category:  category character valid for that authority, e.g. '1' (机关).
 * division:  6-digit GB/T 2260 code of the registration authority.
 * segment:   the organisation-code prefix reserved for this registration
 *            authority (0-7 characters of the code alphabet, may be "").
 * serial:    the authority's next serial within the segment; it fills the
 *            remaining 8 - strlen(segment) positions as decimal digits.
 * out:       receives the 18 characters and a NUL terminator.
 *
 * Distinct serials always give distinct codes. Fails with
 * FUMA_EINVALID_ARGUMENT for a bad authority, category, division or segment
 * and FUMA_EEXHAUSTED when serial does not fit the remaining positions. */
FUMA_API int fuma_uscc_allocate(char out[19], char authority, char category, const char* division,
                                const char* segment, unsigned long long serial);

/* ------------------------------------------------------------------------
 * Options and engine.
 * ------------------------------------------------------------------------ */

typedef struct fuma_options fuma_options;
typedef struct fuma_engine fuma_engine;
typedef struct fuma_result fuma_result;

FUMA_API int fuma_options_new(fuma_options** out);
FUMA_API void fuma_options_free(fuma_options* options);

/* Set an option by name; values are strings. Known names:
 *   "busy_timeout_ms"  how long a writer waits for the database (default
 *                      5000).
 *   "workflow_path"    a locality's workflow definition (JSON file, UTF-8
 *                      path); empty or unset uses the shipped one.
 *   "checklist_path"   a locality's attachment checklist, likewise.
 *   "commitment_path"  a locality's login commitment (登录承诺), likewise.
 *   "guide_path"       a locality's service guide (服务指南), likewise.
 *   "forms_dir"        a directory of a locality's form templates
 *                      (change.json, application.json,
 *                      credential_request.json, certificate.json).
 *   "font_path", "font_index"
 *                      a locality's TrueType font for forms (a face of a
 *                      .ttc by index); default AR PL UMing.
 *   "public_url"       where the host answers for the service; certificates'
 *                      QR codes then lead to public_url + "/c/" + serial.
 *   "key_file"         the file holding the master key that seals private
 *                      signing keys; default: the database path + ".key".
 *                      Created with mode 0600; refused if group or others
 *                      may read it.
 *   "session_idle_seconds", "session_absolute_seconds"
 *                      when a session ends without activity (default 1800)
 *                      and after login whatever happens (default 28800).
 *   "captcha_answer"   tests and demonstrations only: every captcha has this
 *                      answer; the engine warns on stderr and in results.
 * The files are read and checked by fuma_engine_open, which fails with
 * FUMA_EINVALID_ARGUMENT naming the file and the defect. Unknown names fail
 * with FUMA_EINVALID_ARGUMENT. */
FUMA_API int fuma_options_set(fuma_options* options, const char* name, const char* value);

/* Open the engine on the SQLite file at `path` (UTF-8), created if absent;
 * path NULL keeps everything in memory. options may be NULL for defaults.
 * A file written by a newer fuma is refused with FUMA_EVERSION. */
FUMA_API int fuma_engine_open(fuma_engine** out, const char* path, const fuma_options* options);
FUMA_API void fuma_engine_close(fuma_engine* engine);

/* ------------------------------------------------------------------------
 * Commands: the one surface everything speaks. A request is a JSON object
 *
 *   {"command": "uscc.check", "args": {...}, "actor": {...}}
 *
 * where "args" and "actor" may be omitted; an optional "idempotency_key"
 * (a string of 1 to 128 bytes) makes a state-changing command safe to retry:
 * the same key from the same actor answers the first result again without
 * acting twice. Binary input (an image, an attachment) travels beside the
 * JSON as `data`/`data_len`; binary output (a PDF, a PNG) comes back beside
 * the result's JSON. On success *out holds the result, whose JSON is
 * {"ok": true, ...}. On failure *out is NULL and fuma_error_last()->json is
 *
 *   {"ok": false, "error": {"code": "...", "message": "...", "detail": "..."}}
 *
 * with, for a form's errors and missing attachments, "problems": a list of
 * {"field", "message"} (and "kind", "label" for an attachment kind).
 *
 * engine may be NULL for commands that need no store ("uscc.check",
 * "uscc.allocate", "fuma.version"); the others then fail with
 * FUMA_EINVALID_ARGUMENT. Each command's arguments and result are documented
 * in README.
 * ------------------------------------------------------------------------ */
FUMA_API int fuma_call(fuma_result** out, fuma_engine* engine, const char* request,
                       size_t request_len, const void* data, size_t data_len);

/* The result's JSON text (NUL-terminated; *len, if given, gets its length). */
FUMA_API const char* fuma_result_json(const fuma_result* result, size_t* len);

/* The result's bytes, or NULL with *len = 0 when the command returned none. */
FUMA_API const void* fuma_result_data(const fuma_result* result, size_t* len);

FUMA_API void fuma_result_free(fuma_result* result);

#ifdef __cplusplus
}
#endif

#endif /* FUMA_FUMA_H */
