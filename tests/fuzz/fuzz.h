/*
 * fuzz.h - what the libFuzzer targets in tests/fuzz/ share (header only:
 * each target is one program).
 *
 * A target defines LLVMFuzzerTestOneInput and calls fuzz_init() from
 * LLVMFuzzerInitialize.  GLib criticals abort (they are API misuse), so
 * libFuzzer reports them as crashes.  FUZZ_CHECK(cond) is an assertion
 * that holds in every build.
 */
#ifndef MCBOT_FUZZ_H
#define MCBOT_FUZZ_H

#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

static inline void
fuzz_init(void)
{
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
}

/* The input as a NUL-terminated string (mail bytes arrive that way too). */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = g_malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static int
fuzz_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? 0 : 0;
}

static inline void
fuzz_rmtree(const char *dir)
{
	nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *fuzz_made_dir;     /* by fuzz_tmpdir (one a process), removed at exit */

static void
fuzz_remove_made_dir(void)
{
	if (fuzz_made_dir)
		fuzz_rmtree(fuzz_made_dir);
}

/* A scratch directory, on tmpfs when there is one (targets write files). */
static inline char *
fuzz_tmpdir(void)
{
	const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
	char *tmpl = g_build_filename(base, "mcbot-fuzz-XXXXXX", NULL);

	if (g_mkdtemp(tmpl) == NULL)
		abort();
	fuzz_made_dir = tmpl;
	atexit(fuzz_remove_made_dir);   /* libFuzzer ends a timed run with exit() */
	return tmpl;
}

/* The same text as struct mail would hand it on: clean UTF-8, LF lines. */
static inline gboolean
fuzz_line_clean(const char *s)
{
	if (s == NULL)
		return TRUE;
	if (!g_utf8_validate(s, -1, NULL))
		return FALSE;
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 ||
		    c == 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
		    c == 0x200e || c == 0x200f || c == 0x061c || c == 0xfeff)
			return FALSE;
	}
	return TRUE;
}

#endif
