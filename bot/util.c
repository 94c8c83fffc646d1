/*
 * util.c - the error idiom, atomic files, and cleaning of mail text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int
fail(GString *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	g_string_vprintf(err, fmt, ap);
	va_end(ap);
	return -1;
}

int
util_read_file(const char *path, size_t max, char **out, size_t *len, GString *err)
{
	GString *buf;
	char chunk[65536];
	ssize_t n;
	int fd;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, "%s: %s", path, g_strerror(errno));
	buf = g_string_new(NULL);
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(err, "%s: %s", path, g_strerror(errno));
			goto bad;
		}
		if (max && buf->len + (size_t)n > max) {
			fail(err, "%s: larger than %zu bytes", path, max);
			goto bad;
		}
		g_string_append_len(buf, chunk, n);
	}
	close(fd);
	if (len)
		*len = buf->len;
	*out = g_string_free(buf, FALSE);
	return 0;
bad:
	close(fd);
	g_string_free(buf, TRUE);
	return -1;
}

int
util_fsync_dir(const char *dir, GString *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return fail(err, "%s: %s", dir, g_strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL) {
		close(fd);
		return fail(err, "fsync %s: %s", dir, g_strerror(errno));
	}
	close(fd);
	return 0;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
util_write_atomic(const char *path, const char *data, size_t len, GString *err)
{
	char *tmp = g_strconcat(path, ".tmp", NULL);
	char *dir = g_path_get_dirname(path);
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail(err, "%s: %s", tmp, g_strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		fail(err, "%s: %s", tmp, g_strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fail(err, "%s: %s", tmp, g_strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		fail(err, "rename %s: %s", path, g_strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = util_fsync_dir(dir, err);
out:
	g_free(tmp);
	g_free(dir);
	return rc;
}

int
util_mkdirs(const char *path, GString *err)
{
	if (g_mkdir_with_parents(path, 0700) < 0)
		return fail(err, "mkdir %s: %s", path, g_strerror(errno));
	return 0;
}

/* U+200E/F, U+202A..E, U+2066..9, U+061C: bidi controls; U+FEFF BOM. */
static gboolean
is_bidi(gunichar c)
{
	return c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x061c || c == 0xfeff;
}

/* Cut s to at most max bytes without splitting a UTF-8 character. */
static void
cut_utf8(GString *s, size_t max)
{
	size_t n;

	if (max == 0 || s->len <= max)
		return;
	n = max;
	while (n > 0 && (s->str[n] & 0xc0) == 0x80)
		n--;
	g_string_truncate(s, n);
}

/*
 * clean() for plain ASCII, byte by byte: the same result as the general
 * path below (which decodes UTF-8 one character at a time), which only
 * differs on bytes >= 0x80.  Most of what mail and servers send is ASCII.
 */
static char *
clean_ascii(const char *s, size_t len, size_t max, gboolean multiline)
{
	GString *out = g_string_sized_new(len);
	const char *p = s, *run;
	gboolean space = FALSE;

	while (*p) {
		/* A run of bytes kept as they are, copied at once. */
		for (run = p; multiline ? (*p >= 0x20 && *p != 0x7f) || *p == '\n' || *p == '\t'
					: *p > 0x20 && *p != 0x7f; p++)
			;
		if (p > run) {
			if (space)
				g_string_append_c(out, ' ');
			space = FALSE;
			g_string_append_len(out, run, p - run);
			continue;
		}
		if (multiline) {
			if (*p == '\r' && p[1] != '\n')
				g_string_append_c(out, '\n');
		} else {
			space = out->len > 0;
		}
		p++;
	}
	if (max > 0 && out->len > max)
		g_string_truncate(out, max);
	if (!multiline)
		while (out->len && out->str[out->len - 1] == ' ')
			g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

/*
 * The length of s's leading ASCII bytes; *same says whether clean_ascii()
 * would give them back unchanged (nothing to drop, join, cut or trim), as
 * it does for most text that was cleaned before (the store's files).
 */
static size_t
ascii_prefix(const char *s, size_t max, gboolean multiline, gboolean *same)
{
	size_t len;

	*same = TRUE;
	for (len = 0;; len++) {
		unsigned char c = (unsigned char)s[len];

		if (c > 0x20 && c < 0x7f)       /* the usual case first: one test */
			continue;
		if (c == '\0' || c >= 0x80)
			break;
		if (c < 0x20 || c == 0x7f)
			*same = *same && multiline && (c == '\n' || c == '\t');
		else if (c == ' ' && !multiline && (len == 0 || s[len - 1] == ' '))
			*same = FALSE;
	}
	if (!multiline && len > 0 && s[len - 1] == ' ')
		*same = FALSE;
	if (max > 0 && len > max)
		*same = FALSE;
	return len;
}

/* Whether a decoded character (>= 0x80) is kept as it is: not a bidi
 * control, a C1 control or (single-line) a space. */
static gboolean
kept_wide(gunichar c, gboolean multiline)
{
	if (is_bidi(c) || c < 0xa0)
		return FALSE;
	if (multiline)
		return c != 0x2028 && c != 0x2029;
	return !g_unichar_isspace(c);
}

/*
 * The general path: text with bytes >= 0x80, made valid UTF-8 first.
 * Characters kept as they are are copied as runs of bytes (valid UTF-8
 * encodes each character one way only, so the bytes are the same).
 */
static char *
clean(const char *s, size_t max, gboolean multiline)
{
	char *valid;
	const char *p, *run;
	GString *out;
	gboolean space = FALSE, same;
	size_t len;

	if (s == NULL)
		return g_strdup("");
	len = ascii_prefix(s, max, multiline, &same);
	if (s[len] == '\0')
		return same ? g_strndup(s, len) : clean_ascii(s, len, max, multiline);
	valid = g_utf8_make_valid(s, -1);
	out = g_string_sized_new(strlen(valid));
	for (p = valid; *p;) {
		gunichar c;

		for (run = p;; p = g_utf8_next_char(p)) {
			unsigned char b = (unsigned char)*p;

			if (b < 0x80) {
				if (multiline ? (b < 0x20 && b != '\n' && b != '\t') || b == 0x7f
					      : b <= 0x20 || b == 0x7f)
					break;
			} else if (!kept_wide(g_utf8_get_char(p), multiline)) {
				break;
			}
		}
		if (p > run) {
			if (space)
				g_string_append_c(out, ' ');
			space = FALSE;
			g_string_append_len(out, run, p - run);
			continue;
		}
		c = g_utf8_get_char(p);
		p = g_utf8_next_char(p);
		if (is_bidi(c))
			continue;
		if (multiline) {
			if (c == '\r') {
				if (*p != '\n')
					g_string_append_c(out, '\n');
			} else if (c == 0x2028 || c == 0x2029) {   /* line and paragraph separators */
				g_string_append_c(out, '\n');
			}
			continue;
		}
		space = out->len > 0;
	}
	g_free(valid);
	cut_utf8(out, max);
	if (!multiline)
		while (out->len && out->str[out->len - 1] == ' ')
			g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

char *
util_clean_line(const char *s, size_t max)
{
	return clean(s, max, FALSE);
}

char *
util_clean_text(const char *s, size_t max)
{
	return clean(s, max, TRUE);
}

static gboolean
is_mc_word(const char *w)
{
	static const char *const drop[] = { "mc", "microconference", "micro-conference",
					    "micro", "conference", NULL };
	for (int i = 0; drop[i]; i++)
		if (strcmp(w, drop[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Split s in place into its runs of [a-z0-9] (pointers into s).  A
 * plain scan: slugs are made for every MC on every lookup by title. */
static GPtrArray *
slug_words(char *s)
{
	GPtrArray *w = g_ptr_array_new();
	char *p = s;

	while (*p) {
		while (*p && !g_ascii_islower(*p) && !g_ascii_isdigit(*p))
			*p++ = '\0';
		if (*p)
			g_ptr_array_add(w, p);
		while (g_ascii_islower(*p) || g_ascii_isdigit(*p))
			p++;
	}
	return w;
}

char *
util_slugify(const char *title, size_t max)
{
	const char *t = title ? title : "";
	char *ascii = g_str_is_ascii(t) ? NULL : g_str_to_ascii(t, "C");
	char *low = g_ascii_strdown(ascii ? ascii : t, -1);
	GPtrArray *words = slug_words(low);
	GString *out = g_string_new(NULL);
	guint n = words->len;

	/* Drop trailing "MC" / "microconference" words. */
	while (n > 0 && is_mc_word(words->pdata[n - 1]))
		n--;
	for (guint i = 0; i < n; i++) {
		const char *w = words->pdata[i];

		if (out->len && out->len + 1 + strlen(w) > max)
			break;
		if (out->len)
			g_string_append_c(out, '-');
		g_string_append(out, w);
	}
	if (out->len > max)
		g_string_truncate(out, max);
	while (out->len && out->str[out->len - 1] == '-')
		g_string_truncate(out, out->len - 1);
	if (out->len == 0)
		g_string_assign(out, "mc");
	g_ptr_array_free(words, TRUE);
	g_free(low);
	g_free(ascii);
	return g_string_free(out, FALSE);
}

gboolean
util_addr_ok(const char *s)
{
	const char *at = NULL;
	size_t n = 0;

	if (s == NULL)
		return FALSE;
	for (const char *p = s; *p; p++, n++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '(' || c == ')' ||
		    c == ',' || c == ';' || c == '"' || c == '\\' || c == '[' || c == ']')
			return FALSE;
		if (c == '@') {
			if (at)
				return FALSE;
			at = p;
		}
	}
	if (n == 0 || n > 254 || at == NULL || at == s || at[1] == '\0')
		return FALSE;
	return strchr(at + 1, '.') != NULL || strcmp(at + 1, "localhost") == 0;
}

char *
util_sha256_hex(const void *data, size_t len)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

char **
util_ascii_words(const char *s)
{
	GPtrArray *out = g_ptr_array_new();
	const char *p = s;

	while (*p) {
		const char *start;

		while (*p && !g_ascii_isalnum(*p))
			p++;
		start = p;
		while (g_ascii_isalnum(*p))
			p++;
		if (p > start)
			g_ptr_array_add(out, g_strndup(start, (gsize)(p - start)));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}
