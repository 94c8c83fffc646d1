/*
 * export_md.c - the public page as Markdown, for a wiki or a static site
 * generator.  Every value is one escaped line: whatever a proposer wrote
 * renders as the same text, never as a heading, a link, emphasis or HTML.
 */
#include <string.h>

#include "export.h"
#include "export_p.h"

void
export_md_escape(GString *out, const char *s)
{
	const char *p = s;
	size_t digits;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;            /* leading blanks would make a code block */
	/* What starts a block only at the start of a line. */
	if (*p == '+' || *p == '-' || *p == '=')     /* '#' is escaped everywhere below */
		g_string_append_c(out, '\\');
	digits = strspn(p, "0123456789");
	if (digits > 0 && (p[digits] == '.' || p[digits] == ')')) {
		g_string_append_len(out, p, digits);
		g_string_append_c(out, '\\');
		p += digits;
	}
	for (; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			g_string_append_c(out, ' ');
			continue;
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			continue;
		if (strchr("\\`*_[]<>&|~!#", *p))
			g_string_append_c(out, '\\');
		g_string_append_c(out, *p);
	}
}

static void
md_list(GString *out, GPtrArray *items)
{
	for (guint i = 0; i < items->len; i++) {
		g_string_append(out, "- ");
		export_md_escape(out, items->pdata[i]);
		g_string_append_c(out, '\n');
	}
}

static void
md_description(GString *out, const char *text)
{
	GArray *is_list;
	GPtrArray *blocks = export_blocks(text, &is_list);

	for (guint i = 0; i < blocks->len; i++) {
		if (g_array_index(is_list, gboolean, i)) {
			char **items = g_strsplit(blocks->pdata[i], "\n", -1);

			for (int j = 0; items[j]; j++) {
				g_string_append(out, "- ");
				export_md_escape(out, items[j]);
				g_string_append_c(out, '\n');
			}
			g_strfreev(items);
		} else {
			export_md_escape(out, blocks->pdata[i]);
			g_string_append_c(out, '\n');
		}
		g_string_append_c(out, '\n');
	}
	g_array_unref(is_list);
	g_ptr_array_unref(blocks);
}

static void
md_mc(GString *out, const struct export_mc *e)
{
	char *label = export_status_label(e->status);

	g_string_append(out, "## ");
	export_md_escape(out, e->title);
	g_string_append(out, "\n\n*");
	export_md_escape(out, label);
	g_string_append_printf(out, " \u00b7 MC-%d \u00b7 ", e->id);
	if (e->attendees == 1)
		g_string_append(out, "1 person plans to attend*\n\n");
	else
		g_string_append_printf(out, "%u people plan to attend*\n\n", e->attendees);
	md_description(out, e->description);
	if (e->topics->len) {
		g_string_append(out, "### Topics\n\n");
		md_list(out, e->topics);
		g_string_append_c(out, '\n');
	}
	if (e->leads->len) {
		g_string_append_printf(out, "### %s\n\n", e->leads->len == 1 ? "Lead" : "Leads");
		md_list(out, e->leads);
		g_string_append_c(out, '\n');
	}
	g_free(label);
}

char *
export_markdown(const struct export_page *pg)
{
	GString *out = g_string_new("# ");
	guint n = pg->mcs->len;

	export_md_escape(out, pg->heading);
	if (pg->conference[0]) {
		g_string_append(out, " \u2014 ");
		export_md_escape(out, pg->conference);
	}
	g_string_append(out, "\n\n");
	if (n == 1)
		g_string_append(out, "1 microconference");
	else
		g_string_append_printf(out, "%u microconferences", n);
	if (pg->updated)
		g_string_append_printf(out, ", last updated %s", pg->updated);
	g_string_append(out, ".\n\n");
	if (n == 0)
		g_string_append(out, "No microconference yet.\n");
	for (guint i = 0; i < n; i++)
		md_mc(out, pg->mcs->pdata[i]);
	while (out->len >= 2 && out->str[out->len - 1] == '\n' && out->str[out->len - 2] == '\n')
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}
