/*
 * digest_table.c - aligned plain-text tables for the digests.
 *
 * Digests are read in terminal mail clients with a fixed-width font, so
 * columns are measured in terminal columns, not bytes or characters: a
 * CJK name takes two columns per character, a combining accent none.
 */
#include <string.h>

#include "digest_p.h"
#include "util.h"

#define CELL_MAX 1000               /* bytes kept of one cell before fitting */
#define ELLIPSIS "\xe2\x80\xa6"     /* U+2026 */

struct digest_table {
	int ncols;
	char **headers;
	char *align;
	int *max;
	GPtrArray *rows;            /* char ** (ncols cells each) */
};

static int
char_width(gunichar c)
{
	if (g_unichar_iszerowidth(c))
		return 0;
	return g_unichar_iswide(c) ? 2 : 1;
}

int
digest_text_width(const char *s)
{
	int w = 0;

	for (const char *p = s; *p; p = g_utf8_next_char(p))
		w += char_width(g_utf8_get_char(p));
	return w;
}

char *
digest_text_fit(const char *s, int width)
{
	GString *out;
	int w = 0;

	if (digest_text_width(s) <= width)
		return g_strdup(s);
	out = g_string_new(NULL);
	if (width <= 0)
		return g_string_free(out, FALSE);
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		int cw = char_width(g_utf8_get_char(p));

		if (w + cw > width - 1)
			break;
		g_string_append_len(out, p, g_utf8_next_char(p) - p);
		w += cw;
	}
	/* No space before the ellipsis: "Tracing and…", not "Tracing and …". */
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	g_string_append(out, ELLIPSIS);
	return g_string_free(out, FALSE);
}

/* A cell: one clean line (TABs become spaces). */
static char *
cell_clean(const char *s)
{
	return util_clean_line(s ? s : "", CELL_MAX);
}

struct digest_table *
digest_table_new(int ncols, const char *const *headers, const char *align, const int *max)
{
	struct digest_table *t = g_new0(struct digest_table, 1);

	g_assert(ncols > 0 && strlen(align) == (size_t)ncols);
	t->ncols = ncols;
	t->headers = g_new0(char *, ncols + 1);
	for (int i = 0; i < ncols; i++)
		t->headers[i] = cell_clean(headers[i]);
	t->align = g_strdup(align);
	t->max = g_new0(int, ncols);
	if (max)
		memcpy(t->max, max, sizeof *max * (size_t)ncols);
	t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	return t;
}

void
digest_table_add(struct digest_table *t, const char *const *cells)
{
	char **row = g_new0(char *, t->ncols + 1);

	for (int i = 0; i < t->ncols; i++) {
		char *c = cell_clean(cells[i]);

		row[i] = t->max[i] > 0 ? digest_text_fit(c, t->max[i]) : g_strdup(c);
		g_free(c);
	}
	g_ptr_array_add(t->rows, row);
}

guint
digest_table_rows(const struct digest_table *t)
{
	return t->rows->len;
}

static void
pad(GString *s, int n, char c)
{
	for (int i = 0; i < n; i++)
		g_string_append_c(s, c);
}

/* One line of cells, aligned to widths, without trailing spaces. */
static void
render_row(GString *out, const struct digest_table *t, char **cells, const int *widths)
{
	gsize start = out->len;

	for (int i = 0; i < t->ncols; i++) {
		int gap = widths[i] - digest_text_width(cells[i]);

		if (i > 0)
			g_string_append(out, "  ");
		if (t->align[i] == DIGEST_RIGHT)
			pad(out, gap, ' ');
		g_string_append(out, cells[i]);
		if (t->align[i] != DIGEST_RIGHT)
			pad(out, gap, ' ');
	}
	while (out->len > start && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	g_string_append_c(out, '\n');
}

char *
digest_table_render(const struct digest_table *t)
{
	int *widths = g_new0(int, t->ncols);
	char **headers = g_new0(char *, t->ncols + 1);
	GString *out = g_string_new(NULL);

	for (int i = 0; i < t->ncols; i++) {
		headers[i] = t->max[i] > 0 ? digest_text_fit(t->headers[i], t->max[i])
					   : g_strdup(t->headers[i]);
		widths[i] = digest_text_width(headers[i]);
	}
	for (guint r = 0; r < t->rows->len; r++) {
		char **row = t->rows->pdata[r];

		for (int i = 0; i < t->ncols; i++)
			widths[i] = MAX(widths[i], digest_text_width(row[i]));
	}
	render_row(out, t, headers, widths);
	for (int i = 0; i < t->ncols; i++) {
		if (i > 0)
			g_string_append(out, "  ");
		pad(out, widths[i], '-');
	}
	g_string_append_c(out, '\n');
	for (guint r = 0; r < t->rows->len; r++)
		render_row(out, t, t->rows->pdata[r], widths);
	g_strfreev(headers);
	g_free(widths);
	return g_string_free(out, FALSE);
}

void
digest_table_free(struct digest_table *t)
{
	if (t == NULL)
		return;
	g_strfreev(t->headers);
	g_free(t->align);
	g_free(t->max);
	g_ptr_array_unref(t->rows);
	g_free(t);
}
