/*
 * test_clean.c - the cleaning of mail text (util_clean_line/_text) and
 * extract_squash, which copy runs of bytes for speed, give exactly what a
 * plain character-by-character reading gives: the reference versions
 * below, run on many random strings mixing ASCII controls, spaces, bidi
 * controls, no-break and zero-width spaces, C1 controls, line separators
 * and invalid bytes.
 */
#include <string.h>

#include "bot/util.h"
#include "handlers/extract_p.h"

static gboolean
ref_is_bidi(gunichar c)
{
	return c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x061c || c == 0xfeff;
}

static char *
ref_clean(const char *s, size_t max, gboolean multiline)
{
	char *valid = g_utf8_make_valid(s, -1);
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;
	size_t n;

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (ref_is_bidi(c))
			continue;
		if (multiline) {
			if (c == '\r') {
				if (p[1] != '\n')
					g_string_append_c(out, '\n');
			} else if (c == '\n' || c == '\t') {
				g_string_append_c(out, (char)c);
			} else if (c == 0x2028 || c == 0x2029) {
				g_string_append_c(out, '\n');
			} else if (!(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))) {
				g_string_append_unichar(out, c);
			}
			continue;
		}
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || g_unichar_isspace(c)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_unichar(out, c);
	}
	g_free(valid);
	if (max > 0 && out->len > max) {
		n = max;
		while (n > 0 && (out->str[n] & 0xc0) == 0x80)
			n--;
		g_string_truncate(out, n);
	}
	if (!multiline)
		while (out->len && out->str[out->len - 1] == ' ')
			g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

static char *
ref_squash(const char *s)
{
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;

	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_isspace(c) || c == 0xA0 || c == 0x202F || c == 0x2007) {
			space = TRUE;
			continue;
		}
		if (c == 0x200B || c == 0xFEFF || c == 0x00AD)
			continue;
		if (space && out->len)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

/* Pieces random text is made of (one character or byte each, mostly). */
static const char *const pieces[] = {
	"a", "b", "Z", "0", ".", "-", ":", " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\v", "\f",
	"\x01", "\x1b", "\x7f", "\xc2\xa0", "\xc2\x85", "\xc2\x9b", "\xc3\xa9", "\xe2\x80\xa8",
	"\xe2\x80\xa9", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\x8b", "\xef\xbb\xbf",
	"\xc2\xad", "\xe2\x80\xaf", "\xe2\x80\x87", "\xe3\x80\x80", "\xe5\x8f\x82", "\xd8\x9c",
	"\xf0\x9f\x98\x80", "\xff", "\xc3", "\x80", "\xe2\x80",
};

static char *
random_text(GRand *r, gboolean ascii_only, gboolean valid_only)
{
	GString *s = g_string_new(NULL);
	int n = g_rand_int_range(r, 0, 40);

	for (int i = 0; i < n; i++) {
		const char *p = pieces[g_rand_int_range(r, 0, G_N_ELEMENTS(pieces))];

		if (ascii_only && (p[0] & 0x80))
			continue;
		g_string_append(s, p);
	}
	if (valid_only) {
		char *v = g_utf8_make_valid(s->str, -1);

		g_string_free(s, TRUE);
		return v;
	}
	return g_string_free(s, FALSE);
}

static void
check_clean(const char *s, size_t max)
{
	char *want, *got;

	for (int ml = 0; ml < 2; ml++) {
		want = ref_clean(s, max, ml);
		got = ml ? util_clean_text(s, max) : util_clean_line(s, max);
		if (strcmp(want, got) != 0)
			g_test_message("input \"%s\" max %zu multiline %d", g_strescape(s, NULL), max,
				       ml);
		g_assert_cmpstr(got, ==, want);
		g_free(want);
		g_free(got);
	}
}

static void
test_clean_random(void)
{
	GRand *r = g_rand_new_with_seed(7);

	for (int i = 0; i < 20000; i++) {
		char *s = random_text(r, i % 3 == 0, FALSE);

		check_clean(s, 0);
		check_clean(s, (size_t)g_rand_int_range(r, 1, 30));
		g_free(s);
	}
	g_rand_free(r);
}

/* The fast path (text given back as it is) and its edges. */
static void
test_clean_unchanged(void)
{
	static const char *const cases[] = {
		"", "plain line", " lead", "trail ", "two  spaces", "tab\there", "a\nb", "a\r\nb",
		"del\x7f", "exactly ten", "x", " ", "multi\n\nline\ttext\n",
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		check_clean(cases[i], 0);
		check_clean(cases[i], 10);
		check_clean(cases[i], 11);
	}
}

static void
test_squash_random(void)
{
	GRand *r = g_rand_new_with_seed(11);

	for (int i = 0; i < 20000; i++) {
		/* the reference steps by characters: valid UTF-8 only (below for the rest) */
		char *s = random_text(r, i % 3 == 0, TRUE);
		char *want = ref_squash(s), *got = extract_squash(s);

		g_assert_cmpstr(got, ==, want);
		g_free(want);
		g_free(got);
		g_free(s);
	}
	/* invalid UTF-8, a sequence cut by the end included: valid UTF-8 out,
	 * read only up to the NUL (AddressSanitizer watches the second pass) */
	for (int i = 0; i < 20000; i++) {
		char *s = random_text(r, FALSE, FALSE), *got = extract_squash(s);

		g_assert_true(g_utf8_validate(got, -1, NULL));
		g_free(got);
		g_free(s);
	}
	{
		char *got = extract_squash("ab \xe2\x80");

		g_assert_cmpstr(got, ==, "ab \xef\xbf\xbd\xef\xbf\xbd");     /* one U+FFFD a byte */
		g_free(got);
	}
	g_rand_free(r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/clean/random", test_clean_random);
	g_test_add_func("/clean/unchanged", test_clean_unchanged);
	g_test_add_func("/clean/squash-random", test_squash_random);
	return g_test_run();
}
