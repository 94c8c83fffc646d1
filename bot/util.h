/*
 * util.h - small helpers shared by every module: the error idiom, atomic
 * files, and cleaning of text that comes from mail.
 *
 * Ownership, for the whole project: the caller owns what it passes in and
 * what it gets back (free with g_free / the matching _free), unless the
 * prototype says otherwise.  Allocation does not fail (GLib aborts).
 *
 * Errors: functions return 0 on success and -1 on failure.  When a GString
 * *err is given, a one-line human-readable reason is put there (replacing
 * its contents); that text may go back to a user in a reply, so it never
 * contains secrets.
 */
#ifndef MCBOT_UTIL_H
#define MCBOT_UTIL_H

#include <glib.h>
#include <stddef.h>

/* Put a printf-style reason in err (if not NULL) and return -1. */
int fail(GString *err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Read a whole file, at most max bytes (0: no limit).  *out is NUL-terminated. */
int util_read_file(const char *path, size_t max, char **out, size_t *len, GString *err);

/* Write a file atomically: path.tmp, write, fsync, rename, fsync the directory. */
int util_write_atomic(const char *path, const char *data, size_t len, GString *err);

/* fsync a directory (after rename/unlink inside it). */
int util_fsync_dir(const char *dir, GString *err);

/* mkdir -p with mode 0700 for the parts it creates. */
int util_mkdirs(const char *path, GString *err);

/*
 * Clean one line of text from mail for a single-line field (a header, a
 * state line, a log line): CR, LF, TAB and other controls become spaces,
 * NUL and Unicode bidi controls are removed, invalid UTF-8 is repaired,
 * runs of white space are folded and the ends trimmed, and the result is
 * cut to at most max bytes on a character boundary.  Returns a new string.
 */
char *util_clean_line(const char *s, size_t max);

/*
 * Clean multi-line text: as util_clean_line, but keeps LF (CRLF, lone CR,
 * U+2028 and U+2029 become LF) and TAB; removes other controls and bidi
 * controls; repairs UTF-8; cuts to max bytes.
 */
char *util_clean_text(const char *s, size_t max);

/*
 * A slug from a title: lowercase ASCII letters, digits and single '-',
 * at most max bytes, never empty ("mc" if nothing is left).  Words such as
 * "MC" / "microconference" at the end are dropped.
 */
char *util_slugify(const char *title, size_t max);

/*
 * The runs of ASCII letters and digits in s, NULL-terminated (free with
 * g_strfreev); s should already be lowercase ASCII for words to compare.
 */
char **util_ascii_words(const char *s);

/* True if s is a plain address we may put in SMTP commands and headers:
 * printable ASCII, no space or <>, exactly one '@', local and domain parts
 * non-empty, at most 254 bytes. */
gboolean util_addr_ok(const char *s);

/* Lowercase hex SHA-256 of data (64 chars). */
char *util_sha256_hex(const void *data, size_t len);

#endif
