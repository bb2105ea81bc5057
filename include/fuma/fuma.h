/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * @brief The C ABI of fuma (赋码).
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
 *     the matching fuma_T_free() (fuma_engine_close() for an engine); every
 *     one of them accepts NULL and then does nothing. Pointers returned by
 *     getters (const char* or const void*) are borrowed from the object they
 *     were read from and live as long as it does. Pointers passed in are
 *     borrowed for the call only: the library keeps no pointer of the
 *     caller's after it returns.
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

/**
 * @def FUMA_API
 * @brief Marks a function that libfuma exports.
 *
 * Default visibility with GCC and Clang (libfuma is built with hidden
 * visibility and exports nothing else); dllexport or dllimport for a Windows
 * DLL (FUMA_SHARED defined, FUMA_BUILDING while building it).
 */
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

/**
 * @defgroup errors Status codes and errors
 * @brief What a call answers, and what went wrong when it failed.
 * @{
 */

/**
 * @brief Status codes: FUMA_OK, or a negative FUMA_E* code.
 *
 * Pinned: a value never changes meaning once released, and a new code gets a
 * new number. The stable name in each description (fuma_error_name()) is what
 * JSON results and the Python binding report.
 */
enum {
  FUMA_OK = 0,                     /**< OK: success */
  FUMA_EINTERNAL = -1,             /**< INTERNAL: a bug or an unexpected failure */
  FUMA_ENOMEM = -2,                /**< OUT_OF_MEMORY */
  FUMA_EINVALID_ARGUMENT = -3,     /**< INVALID_ARGUMENT: NULL, bad JSON, bad type */
  FUMA_EUNKNOWN_COMMAND = -4,      /**< UNKNOWN_COMMAND */
  FUMA_ENOT_FOUND = -5,            /**< NOT_FOUND */
  FUMA_EFORBIDDEN = -6,            /**< FORBIDDEN: the actor may not do this */
  FUMA_ECONFLICT = -7,             /**< CONFLICT: stale version, duplicate */
  FUMA_EINVALID_STATE = -8,        /**< INVALID_STATE: not allowed in this status */
  FUMA_EON_SITE_ONLY = -9,         /**< ON_SITE_ONLY: 需要现场办理 */
  FUMA_EMISSING_ATTACHMENTS = -10, /**< MISSING_ATTACHMENTS */
  FUMA_ECREDENTIAL_REVOKED = -11,  /**< CREDENTIAL_REVOKED */
  FUMA_EINVALID_CODE = -12,        /**< INVALID_CODE: a USCC that fails its checks */
  FUMA_EEXHAUSTED = -13,           /**< EXHAUSTED: no code left in a serial range */
  FUMA_ESTORAGE = -14,             /**< STORAGE: the database failed or is corrupt */
  FUMA_EVERSION = -15,             /**< VERSION: data written by a newer fuma */
  FUMA_ENOT_AN_IMAGE = -16,        /**< NOT_AN_IMAGE: the upload is no picture, or a damaged one */
  FUMA_EIMAGE_TOO_LARGE = -17,     /**< IMAGE_TOO_LARGE: picture over the byte or pixel limit */
  FUMA_ENO_QR_FOUND = -18,         /**< NO_QR_FOUND: no QR code in the picture */
  FUMA_EMULTIPLE_QR = -19,         /**< MULTIPLE_QR: more than one credential in the picture */
  FUMA_ENOT_A_CREDENTIAL = -20,    /**< NOT_A_CREDENTIAL: the QR code is not a fuma credential */
  FUMA_ECREDENTIAL_MALFORMED =
      -21, /**< CREDENTIAL_MALFORMED: a damaged or truncated credential text */
  FUMA_EUNSUPPORTED_VERSION =
      -22, /**< UNSUPPORTED_VERSION: a credential format this library does not read */
  FUMA_EUNKNOWN_KEY = -23,         /**< UNKNOWN_KEY: signing key unknown or retired */
  FUMA_EBAD_SIGNATURE = -24,       /**< BAD_SIGNATURE: the signature does not verify */
  FUMA_ECREDENTIAL_EXPIRED = -25,  /**< CREDENTIAL_EXPIRED: the credential has expired */
  FUMA_EUNIT_REVOKED = -26,        /**< UNIT_REVOKED: the unit's code is revoked */
  FUMA_ECAPTCHA_WRONG = -27,       /**< CAPTCHA_WRONG: wrong captcha answer */
  FUMA_ECAPTCHA_EXPIRED = -28,     /**< CAPTCHA_EXPIRED: captcha unknown, used or expired */
  FUMA_ETOO_MANY_ATTEMPTS = -29,   /**< TOO_MANY_ATTEMPTS: too many failed logins; wait */
  FUMA_ESESSION_EXPIRED = -30,     /**< SESSION_EXPIRED: no open session for this token */
  FUMA_ECOMMITMENT_REQUIRED = -31, /**< COMMITMENT_REQUIRED: accept 登录承诺 first */
  FUMA_ELOGIN_FAILED = -32,        /**< LOGIN_FAILED: wrong staff username or password */
  FUMA_EUNSUPPORTED_IMAGE_FORMAT =
      -33, /**< UNSUPPORTED_IMAGE_FORMAT: a picture format fuma does not read (TIFF, HEIC...) */
  FUMA_ESTORE_UNAVAILABLE =
      -34 /**< STORE_UNAVAILABLE: the store cannot be reached now (a database server down); retry */
};

/**
 * @brief What fuma_error_last() describes: one failure on one thread.
 *
 * All strings are UTF-8, NUL-terminated and borrowed from the calling
 * thread's error record: valid until the next call of a status-returning
 * fuma function or of fuma_error_clear() on that thread.
 */
typedef struct fuma_error {
  int code;            /**< a FUMA_E* value */
  const char* name;    /**< the stable name, e.g. "ON_SITE_ONLY" */
  const char* message; /**< Chinese, for people, e.g. "需要现场办理" */
  const char* detail;  /**< English, for developers */
  /** The whole error as a JSON object, {"ok": false, "error": {...}}, with the
   *  error's "problems" when it lists any (see fuma_call()). */
  const char* json;
} fuma_error;

/**
 * @brief The last failure on the calling thread.
 *
 * Every status-returning function forgets the thread's last error when it
 * starts and records a new one when it fails; the functions that return no
 * status leave it alone.
 *
 * @return The failure's description, borrowed: valid until the next call of
 *         a status-returning fuma function or of fuma_error_clear() on this
 *         thread, and never beyond the thread's end. NULL when the last
 *         status-returning call on this thread succeeded, after
 *         fuma_error_clear(), and before any such call.
 * @par Threads
 *      Safe from any thread; each thread sees its own errors only.
 */
FUMA_API const fuma_error* fuma_error_last(void);

/**
 * @brief Forget the last error on the calling thread: fuma_error_last()
 * answers NULL until the next failure.
 *
 * @par Threads
 *      Safe from any thread; other threads' errors are untouched.
 */
FUMA_API void fuma_error_clear(void);

/**
 * @brief The stable name of a status code.
 *
 * @param code A status code: FUMA_OK or a FUMA_E* value.
 * @return "OK", "ON_SITE_ONLY", ... (the names in the status code list);
 *         "UNKNOWN" for a value this library does not know. Static storage,
 *         never NULL.
 * @par Threads
 *      Safe from any thread.
 */
FUMA_API const char* fuma_error_name(int code);

/** @} */

/**
 * @defgroup versions Versions
 * @brief Which fuma a program runs with.
 *
 * FUMA_VERSION* and FUMA_ABI_VERSION (fuma/version.h) say what a program was
 * compiled against; these functions say what it runs with. A program may run
 * with any library whose ABI version equals the one it was built with.
 * @{
 */

/**
 * @brief The release version of the library, e.g. "0.1.0".
 *
 * @return FUMA_VERSION of the headers the library was built from. Static
 *         storage, never NULL.
 * @par Threads
 *      Safe from any thread.
 */
FUMA_API const char* fuma_version(void);

/**
 * @brief The ABI version of the library: the SOVERSION of the shared library
 * (1 for libfuma.so.1).
 *
 * @return FUMA_ABI_VERSION of the headers the library was built from.
 * @par Threads
 *      Safe from any thread.
 */
FUMA_API int fuma_abi_version(void);

/** @} */

/**
 * @defgroup uscc USCC
 * @brief The Unified Social Credit Code (GB 32100-2015): checks and
 * allocation that need no engine.
 *
 * Small, hot calls. fuma_call()'s "uscc.check" returns the same verdict with
 * the code's parts and their meanings.
 *
 * Before checking, surrounding ASCII whitespace (space, tab, CR, LF) is
 * removed and ASCII lowercase letters are uppercased. Nothing else is
 * normalised: full-width characters, inner spaces and other Unicode make a
 * code invalid.
 * @{
 */

/**
 * @brief Why a code is invalid: FUMA_USCC_VALID, or a positive reason.
 *
 * Pinned like the status codes. The checks run in this order and the first
 * that fails is the reason.
 */
enum {
  FUMA_USCC_VALID = 0,     /**< VALID: the code passes every check */
  FUMA_USCC_EMPTY = 1,     /**< EMPTY: nothing but whitespace */
  FUMA_USCC_LENGTH = 2,    /**< LENGTH: not 18 characters */
  FUMA_USCC_CHARSET = 3,   /**< CHARSET: a character outside 0-9A-HJ-NPQRTUWXY */
  FUMA_USCC_AUTHORITY = 4, /**< AUTHORITY: unknown registration-authority code */
  FUMA_USCC_CATEGORY = 5,  /**< CATEGORY: category not used by that authority */
  FUMA_USCC_DIVISION = 6,  /**< DIVISION: not a GB/T 2260 division code */
  FUMA_USCC_ORG_CHECK = 7, /**< ORG_CHECK: GB 11714 check character wrong */
  FUMA_USCC_CHECK = 8      /**< CHECK: final check character wrong */
};

/**
 * @brief Check a code.
 *
 * An invalid code is an answer, not a failure: the call succeeds and
 * fuma_error_last() is NULL afterwards. Never allocates.
 *
 * @param code The code's bytes, borrowed for the call; need not be
 *             NUL-terminated. May be NULL when len is 0.
 * @param len  The number of bytes at code.
 * @return FUMA_USCC_VALID (0) for a valid code; one of the FUMA_USCC_*
 *         reasons (> 0) for an invalid one; FUMA_EINVALID_ARGUMENT when code
 *         is NULL with len > 0.
 * @par Threads
 *      Safe from any thread.
 */
FUMA_API int fuma_uscc_validate(const char* code, size_t len);

/**
 * @brief The stable name of a reason.
 *
 * @param reason FUMA_USCC_VALID or a FUMA_USCC_* reason.
 * @return "VALID", "LENGTH", ...; "UNKNOWN" for another value. Static
 *         storage, never NULL.
 * @par Threads
 *      Safe from any thread.
 */
FUMA_API const char* fuma_uscc_reason_name(int reason);

/**
 * @brief A Chinese sentence explaining a reason, for people.
 *
 * @param reason FUMA_USCC_VALID or a FUMA_USCC_* reason.
 * @return e.g. "统一社会信用代码应为18位" for FUMA_USCC_LENGTH; "未知原因"
 *         for another value. UTF-8, static storage, never NULL.
 * @par Threads
 *      Safe from any thread.
 */
FUMA_API const char* fuma_uscc_reason_message(int reason);

/**
 * @brief Compose a new code for on-site initial registration (申请初领).
 *
 * The code is authority, category, division, segment, serial (as zero-padded
 * decimal digits in the 8 - strlen(segment) positions after the segment),
 * then the two check characters. Distinct serials always give distinct codes.
 *
 * @param out       Receives the 18 characters and a NUL terminator; the
 *                  caller's buffer, untouched when the call fails.
 * @param authority The registration-authority code character, e.g. '1'
 *                  (机构编制).
 * @param category  A category character valid for that authority, e.g. '1'
 *                  (机关).
 * @param division  The 6-digit GB/T 2260 code of the registration authority,
 *                  NUL-terminated, borrowed; a current division (new codes
 *                  are refused for abolished ones).
 * @param segment   The organisation-code prefix reserved for this
 *                  registration authority: 0 to 7 characters of the code
 *                  alphabet, NUL-terminated, borrowed; NULL is taken as "".
 * @param serial    The authority's next serial within the segment.
 * @return FUMA_OK; FUMA_EINVALID_ARGUMENT for out or division NULL, or a bad
 *         authority, category, division or segment; FUMA_EEXHAUSTED when
 *         serial does not fit the remaining positions.
 * @par Threads
 *      Safe from any thread.
 */
FUMA_API int fuma_uscc_allocate(char out[19], char authority, char category, const char* division,
                                const char* segment, unsigned long long serial);

/** @} */

/**
 * @defgroup engine Options and engine
 * @brief Opening the engine on a database, with a locality's options.
 * @{
 */

/**
 * @brief Options for fuma_engine_open(), set by name.
 *
 * Opaque. Made by fuma_options_new(), released by fuma_options_free(); used
 * by one thread at a time.
 */
typedef struct fuma_options fuma_options;

/**
 * @brief The engine: one database and a locality's definitions, behind
 * every command.
 *
 * Opaque. Made by fuma_engine_open(), released by fuma_engine_close(); any
 * number of threads may call fuma_call() on one engine at once.
 */
typedef struct fuma_engine fuma_engine;

/**
 * @brief A command's result: its JSON and the bytes beside it.
 *
 * Opaque. Made by fuma_call(), read with fuma_result_json() and
 * fuma_result_data(), released by fuma_result_free(); used by one thread at
 * a time.
 */
typedef struct fuma_result fuma_result;

/**
 * @brief Make a set of options, every one at its default.
 *
 * @param out Receives the new options, which belong to the caller: release
 *            them with fuma_options_free(). Untouched when the call fails.
 * @return FUMA_OK; FUMA_EINVALID_ARGUMENT when out is NULL; FUMA_ENOMEM.
 * @par Threads
 *      Safe from any thread.
 */
FUMA_API int fuma_options_new(fuma_options** out);

/**
 * @brief Release options made by fuma_options_new().
 *
 * An engine keeps a copy of its options: they may be released as soon as
 * fuma_engine_open() returns.
 *
 * @param options The options, or NULL (then nothing happens).
 * @par Threads
 *      No other thread may be using the options.
 */
FUMA_API void fuma_options_free(fuma_options* options);

/**
 * @brief Set an option by name.
 *
 * Values are strings; setting a name again replaces its value. Known names:
 *
 *  - "sqlite_busy_timeout_ms" (also by its earlier name "busy_timeout_ms"):
 *    how long a writer waits for another process's lock on a SQLite store,
 *    in milliseconds; an integer >= 0 (default 5000).
 *  - "postgresql_pool_size": the connections a PostgreSQL store keeps open
 *    at most, shared by the engine's threads; an integer >= 1 (default 4).
 *  - "postgresql_wait_ms": how long a call waits for one of them, for the
 *    server, or for a write's lock that another transaction holds (another
 *    host stalled inside a write; at least a second for that lock), before
 *    FUMA_ESTORE_UNAVAILABLE; an integer >= 0 (default 10000).
 *  - "workflow_path": a locality's workflow definition (a JSON file, UTF-8
 *    path); empty or unset uses the shipped one.
 *  - "checklist_path": a locality's attachment checklist, likewise.
 *  - "commitment_path": a locality's login commitment (登录承诺), likewise.
 *  - "guide_path": a locality's service guide (服务指南), likewise.
 *  - "locality_path": a locality's contact details (联系电话及其他) and the
 *    address of its registry of 事业单位, likewise.
 *  - "holidays_path": a locality's holiday calendar (节假日安排), read over
 *    the shipped State Council arrangements: its years replace or extend
 *    the shipped ones; unset uses the shipped years alone.
 *  - "forms_dir": a directory of a locality's form templates (change.json,
 *    application.json, credential_request.json, certificate.json); a file
 *    that is absent keeps the shipped template.
 *  - "font_path", "font_index": a locality's TrueType font for forms (a face
 *    of a .ttc by index, an integer >= 0, default 0); default AR PL UMing CN,
 *    found through fontconfig (Debian's fonts-arphic-uming): without it the
 *    open fails with FUMA_EINVALID_ARGUMENT naming the package.
 *  - "public_url": where the host answers for the service; certificates' QR
 *    codes then lead to public_url + "/c/" + serial.
 *  - "key_file": the file holding the master key that seals private signing
 *    keys; default for a SQLite store: its path + ".key"; a PostgreSQL store
 *    must name it (every host of one database names the same key). Created
 *    with mode 0600 when
 *    the first signing key is made; refused if group or others may read it.
 *    An engine in memory keeps a master key of its own in memory instead.
 *  - "session_idle_seconds", "session_absolute_seconds": when a session ends
 *    without activity (default 1800) and after login whatever happens
 *    (default 28800); integers >= 1.
 *  - "captcha_answer": tests and demonstrations only: every captcha has this
 *    answer (1 to 8 characters of the captcha alphabet); the engine warns on
 *    stderr and in results.
 *  - "crypto_suite": "standard" (SHA-256, keys sealed with AES-256-GCM) or
 *    "sm" (SM3, keys sealed with SM4), recorded in the store when it is
 *    created; an existing store keeps its own (one with no record is
 *    "standard"), and fuma_engine_open() fails with FUMA_EINVALID_ARGUMENT,
 *    naming both, when this names another. Unset: the store's, or
 *    "standard" for a new store.
 *
 * The files, the font and the captcha answer are read and checked by
 * fuma_engine_open(), which fails with FUMA_EINVALID_ARGUMENT naming the
 * file and the defect.
 *
 * @param options The options to change.
 * @param name    The option's name, NUL-terminated, borrowed.
 * @param value   Its value, NUL-terminated, borrowed (copied).
 * @return FUMA_OK; FUMA_EINVALID_ARGUMENT for options, name or value NULL, an
 *         unknown name, or a value that is not an integer in range where one
 *         is required; FUMA_ENOMEM.
 * @par Threads
 *      No other thread may be using the options.
 */
FUMA_API int fuma_options_set(fuma_options* options, const char* name, const char* value);

/**
 * @brief Open the engine on its store.
 *
 * The store is created if absent, and one written by an older fuma is
 * upgraded in place.
 *
 * @param out      Receives the engine, which belongs to the caller: release
 *                 it with fuma_engine_close(). Set to NULL when the call fails.
 * @param location Where the store is, UTF-8, NUL-terminated, borrowed:
 *                 a SQLite file, as a plain path or "sqlite:PATH";
 *                 NULL, "", "memory:" or ":memory:" keeps everything in
 *                 memory, gone when the engine is closed; a PostgreSQL
 *                 database by libpq connection URI, "postgresql://..." or
 *                 "postgres://..." (option "key_file" required), which
 *                 several processes may share.
 * @param options The options, borrowed (the engine keeps a copy); NULL for
 *                the defaults.
 * @return FUMA_OK; FUMA_EINVALID_ARGUMENT for out NULL or a locality's file,
 *         font or option that fails its checks (the detail names it);
 *         FUMA_ESTORAGE when the store cannot be opened or created, is another
 *         program's or is corrupt; FUMA_EVERSION for a store written by a
 *         newer fuma; FUMA_ESTORE_UNAVAILABLE when a PostgreSQL server
 *         cannot be reached; FUMA_ENOMEM.
 * @par Threads
 *      Safe from any thread. The engine's committer thread, when it starts,
 *      takes the scheduling policy of the thread that opened the engine.
 */
FUMA_API int fuma_engine_open(fuma_engine** out, const char* location,
                              const fuma_options* options);

/**
 * @brief Close an engine: wait for its committer thread, close the database
 * and release everything the engine holds.
 *
 * Every write that a fuma_call() answered is already committed. The
 * results the engine made stay valid.
 *
 * @param engine The engine, or NULL (then nothing happens).
 * @par Threads
 *      No other thread may be calling fuma_call() on the engine, or call it
 *      afterwards.
 */
FUMA_API void fuma_engine_close(fuma_engine* engine);

/** @} */

/**
 * @defgroup commands Commands
 * @brief fuma_call(): the one surface everything speaks.
 *
 * A request is a JSON object
 *
 *     {"command": "uscc.check", "args": {...}, "actor": {...}}
 *
 * where "args" and "actor" may be omitted; an optional "idempotency_key"
 * (a string of 1 to 128 bytes) makes a state-changing command safe to retry:
 * the same key from the same actor answers the first result again without
 * acting twice. An optional "request_id" (1 to 128 printable ASCII
 * characters without spaces) is the caller's id for the request, such as
 * the X-Request-Id of an HTTP request: the audit record of a state-changing
 * command keeps it. Binary input (an image, an attachment) travels beside the
 * JSON as `data`/`data_len`; binary output (a PDF, a PNG) comes back beside
 * the result's JSON, never as base64 inside it. On success *out holds the
 * result, whose JSON is {"ok": true, ...}. On failure *out is NULL and
 * fuma_error_last()->json is
 *
 *     {"ok": false, "error": {"code": "...", "message": "...", "detail": "..."}}
 *
 * with, for a form's errors and missing attachments, "problems": a list of
 * {"field", "message"} (and "kind", "label" for an attachment kind).
 *
 * Each command's arguments, result and errors are described in
 * docs/commands.md.
 * @{
 */

/**
 * @brief Run one command.
 *
 * Requests are limited to 16 MiB of valid UTF-8 JSON, nested at most 32
 * deep, and data to 64 MiB. An unknown field of the request or an unknown
 * argument of the command is refused, naming it.
 *
 * @param out         Receives the result, which belongs to the caller:
 *                    release it with fuma_result_free(). Set to NULL when the
 *                    call fails.
 * @param engine      The engine, or NULL for the commands that need no
 *                    database ("fuma.version", "uscc.check", "uscc.allocate",
 *                    "credential.verify", "guide.get"; the last answers the
 *                    shipped service guide). Any other command then fails
 *                    with FUMA_EINVALID_ARGUMENT.
 * @param request     The request's JSON text, borrowed for the call; need not
 *                    be NUL-terminated.
 * @param request_len The number of bytes of request.
 * @param data        The bytes beside the request (an image, an attachment),
 *                    borrowed for the call; NULL when data_len is 0.
 * @param data_len    The number of bytes at data.
 * @return FUMA_OK; FUMA_EINVALID_ARGUMENT for out or request NULL, data NULL
 *         with data_len > 0, a request that is empty, too large, not a JSON
 *         object or malformed, bad arguments, or a command that needs an
 *         engine without one; FUMA_EUNKNOWN_COMMAND; FUMA_ENOMEM;
 *         FUMA_ESTORAGE; and whatever else the command answers (its errors
 *         are listed in docs/commands.md).
 * @par Threads
 *      Any number of threads may call it on one engine at once.
 */
FUMA_API int fuma_call(fuma_result** out, fuma_engine* engine, const char* request,
                       size_t request_len, const void* data, size_t data_len);

/**
 * @brief The result's JSON text, {"ok": true, ...}.
 *
 * @param result The result, borrowed.
 * @param len    If not NULL, receives the text's length in bytes (0 for a
 *               NULL result).
 * @return The text, UTF-8 and NUL-terminated, borrowed from the result: valid
 *         until fuma_result_free(). NULL when result is NULL.
 * @par Threads
 *      The result belongs to one thread at a time.
 */
FUMA_API const char* fuma_result_json(const fuma_result* result, size_t* len);

/**
 * @brief The bytes the command returned beside its JSON (a PDF, a PNG).
 *
 * @param result The result, borrowed.
 * @param len    If not NULL, receives the number of bytes (0 when none).
 * @return The bytes, borrowed from the result: valid until
 *         fuma_result_free(). NULL when the command returned none or result
 *         is NULL.
 * @par Threads
 *      The result belongs to one thread at a time.
 */
FUMA_API const void* fuma_result_data(const fuma_result* result, size_t* len);

/**
 * @brief Release a result, with its JSON and bytes.
 *
 * @param result The result, or NULL (then nothing happens).
 * @par Threads
 *      No other thread may be using the result.
 */
FUMA_API void fuma_result_free(fuma_result* result);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* FUMA_FUMA_H */
