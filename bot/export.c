/*
 * export.c - `mcbot export`: which MCs and which of their fields go on
 * the public page, address scrubbing, the JSON form, and the command.
 *
 * Only names the proposers wrote as leads are published, never an
 * address; the RSVPs are published as a count.  Everything from mail is
 * scrubbed once here, when the page model is built, so the renderers
 * (export_html.c, export_md.c) cannot forget it.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "export.h"
#include "export_p.h"
#include "json_out.h"
#include "store.h"
#include "util.h"

#define EXPORT_MAX_LINE 2000
#define EXPORT_MAX_TEXT (256 * 1024)

static const char *const export_default_statuses[] = { "proposed", "accepted", NULL };

int
export_parse_format(const char *name, enum export_format *out)
{
	if (g_ascii_strcasecmp(name, "html") == 0)
		*out = EXPORT_HTML;
	else if (g_ascii_strcasecmp(name, "markdown") == 0 || g_ascii_strcasecmp(name, "md") == 0)
		*out = EXPORT_MARKDOWN;
	else if (g_ascii_strcasecmp(name, "json") == 0)
		*out = EXPORT_JSON;
	else
		return -1;
	return 0;
}

/* Bytes an address may have left and right of its '@' (UTF-8 included). */
static gboolean
export_local_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static gboolean
export_domain_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c >= 0x80 || c == '.' || c == '-' || c == '[' || c == ']' ||
	       c == ':';
}

char *
export_scrub(const char *s)
{
	GString *out = g_string_new(NULL);
	size_t n = strlen(s), done = 0;

	for (size_t at = 0; at < n; at++) {
		size_t l = at, r = at + 1;

		if (s[at] != '@')
			continue;
		while (l > done && export_local_char((unsigned char)s[l - 1]))
			l--;
		while (r < n && export_domain_char((unsigned char)s[r]))
			r++;
		while (l < at && s[l] == '.')
			l++;
		while (r > at + 1 && (s[r - 1] == '.' || s[r - 1] == ':' || s[r - 1] == '-'))
			r--;
		if (l == at || r == at + 1) {
			/* "@name", "name@": not an address, but no '@' leaves either. */
			g_string_append_len(out, s + done, at - done);
			g_string_append(out, " at ");
			done = at + 1;
			continue;
		}
		if (l >= 7 && g_ascii_strncasecmp(s + l - 7, "mailto:", 7) == 0 && l - 7 >= done)
			l -= 7;
		if (l > done && s[l - 1] == '<' && r < n && s[r] == '>') {
			l--;
			r++;
		}
		g_string_append_len(out, s + done, l - done);
		g_string_append(out, EXPORT_HIDDEN);
		done = r;
		at = r - 1;
	}
	g_string_append(out, s + done);
	return g_string_free(out, FALSE);
}

/* One line of store text for the page: clean, valid, scrubbed. */
static char *
export_line(const char *s)
{
	char *clean = util_clean_line(s ? s : "", EXPORT_MAX_LINE);
	char *out = export_scrub(clean);

	g_free(clean);
	return out;
}

/* A lead's name, or NULL when nothing but an address is left of it. */
static char *
export_lead_name(const char *name)
{
	char *s = export_line(name);
	char **parts = g_strsplit(s, EXPORT_HIDDEN, -1);
	char *joined = g_strjoinv(" ", parts);
	char *clean = util_clean_line(joined, EXPORT_MAX_LINE);
	gboolean letters = FALSE;

	g_strfreev(parts);
	g_free(joined);
	g_free(s);
	g_strstrip(g_strdelimit(clean, "<>()\"", ' '));
	for (const char *p = clean; *p && !letters; p = g_utf8_next_char(p))
		letters = g_unichar_isalpha(g_utf8_get_char(p));
	if (!letters) {
		g_free(clean);
		return NULL;
	}
	s = util_clean_line(clean, EXPORT_MAX_LINE);
	g_free(clean);
	return s;
}

static struct export_mc *
export_mc_new(const struct mc *mc)
{
	struct export_mc *e = g_new0(struct export_mc, 1);
	const struct proposal *p = mc->p;
	char *text = util_clean_text(p && p->description ? p->description : "", EXPORT_MAX_TEXT);

	e->id = mc->id;
	e->title = export_line(mc->title && *mc->title ? mc->title : "(untitled)");
	e->status = export_line(mc->status ? mc->status : "proposed");
	e->description = export_scrub(text);
	g_free(text);
	e->topics = g_ptr_array_new_with_free_func(g_free);
	e->leads = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; p && i < p->topics->len; i++)
		g_ptr_array_add(e->topics, export_line(p->topics->pdata[i]));
	for (guint i = 0; p && i < p->leads->len; i++) {
		const struct person *l = p->leads->pdata[i];
		char *name = export_lead_name(l->name);

		if (name)
			g_ptr_array_add(e->leads, name);
	}
	e->attendees = mc->rsvps ? mc->rsvps->len : 0;
	return e;
}

static void
export_mc_free(gpointer data)
{
	struct export_mc *e = data;

	g_free(e->title);
	g_free(e->status);
	g_free(e->description);
	g_ptr_array_unref(e->topics);
	g_ptr_array_unref(e->leads);
	g_free(e);
}

char *
export_status_label(const char *status)
{
	char *s = g_strdup(status);

	if (s[0])
		s[0] = g_ascii_toupper(s[0]);
	return s;
}

static gboolean
export_wanted(const char *status, const char *const *statuses)
{
	for (int i = 0; statuses[i]; i++)
		if (strcmp(statuses[i], "all") == 0 || strcmp(statuses[i], status) == 0)
			return TRUE;
	return FALSE;
}

static char *
export_heading(const char *const *st)
{
	char *list, *h;

	if (st == export_default_statuses || (st[0] && !st[1] && strcmp(st[0], "proposed") == 0))
		return g_strdup("Proposed microconferences");
	if (st[0] && !st[1] && strcmp(st[0], "all") == 0)
		return g_strdup("Microconferences");
	if (st[0] && !st[1])
		return g_strdup_printf("%s microconferences", st[0]);
	list = g_strjoinv(", ", (char **)st);
	h = g_strdup_printf("Microconferences: %s", list);
	g_free(list);
	return h;
}

static struct export_page *
export_page_new(const struct config *cfg, GPtrArray *mcs, const char *const *statuses)
{
	struct export_page *pg = g_new0(struct export_page, 1);
	gint64 latest = 0;
	char *h;

	h = export_heading(statuses);
	pg->heading = export_line(h);
	if (pg->heading[0])
		pg->heading[0] = g_ascii_toupper(pg->heading[0]);
	g_free(h);
	pg->conference = export_line(cfg && cfg->conference ? cfg->conference : "");
	pg->mcs = g_ptr_array_new_with_free_func(export_mc_free);
	for (guint i = 0; i < mcs->len; i++) {
		const struct mc *mc = mcs->pdata[i];

		if (!export_wanted(mc->status ? mc->status : "proposed", statuses))
			continue;
		g_ptr_array_add(pg->mcs, export_mc_new(mc));
		latest = MAX(latest, MAX(mc->updated, mc->created));
	}
	if (latest > 0) {
		GDateTime *dt = g_date_time_new_from_unix_utc(latest);

		pg->updated = dt ? g_date_time_format(dt, "%Y-%m-%d") : NULL;
		if (dt)
			g_date_time_unref(dt);
	}
	return pg;
}

static void
export_page_free(struct export_page *pg)
{
	g_free(pg->heading);
	g_free(pg->conference);
	g_free(pg->updated);
	g_ptr_array_unref(pg->mcs);
	g_free(pg);
}

/* A list item marker at the start of a line: its length, or 0. */
static size_t
export_item_marker(const char *line)
{
	size_t d = strspn(line, "0123456789");

	if ((line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ')
		return 2;
	if (g_str_has_prefix(line, "\u2022 "))
		return strlen("\u2022 ");
	if (d > 0 && d < 4 && (line[d] == '.' || line[d] == ')') && line[d + 1] == ' ')
		return d + 2;
	return 0;
}

static void
export_close_block(GPtrArray *blocks, GArray *kinds, GString *cur, gboolean list)
{
	if (cur->len == 0)
		return;
	g_ptr_array_add(blocks, g_strdup(cur->str));
	g_array_append_val(kinds, list);
	g_string_truncate(cur, 0);
}

GPtrArray *
export_blocks(const char *text, GArray **is_list)
{
	char **lines = g_strsplit(text, "\n", -1);
	GPtrArray *blocks = g_ptr_array_new_with_free_func(g_free);
	GArray *kinds = g_array_new(FALSE, FALSE, sizeof(gboolean));
	GString *cur = g_string_new(NULL);
	gboolean list = FALSE;

	for (int i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);
		size_t mark = export_item_marker(line);

		/* A blank line ends a block, and so does an item after prose; a
		 * line without a marker inside a list continues the item. */
		if (line[0] == '\0' || (cur->len && !list && mark > 0)) {
			export_close_block(blocks, kinds, cur, list);
			if (line[0] == '\0')
				continue;
		}
		if (cur->len == 0)
			list = mark > 0;
		if (cur->len)
			g_string_append_c(cur, list && mark > 0 ? '\n' : ' ');
		g_string_append(cur, line + mark);
	}
	export_close_block(blocks, kinds, cur, list);
	g_string_free(cur, TRUE);
	g_strfreev(lines);
	*is_list = kinds;
	return blocks;
}

static char *
export_json(const struct export_page *pg)
{
	JsonBuilder *b = json_builder_new();
	char *out;

	json_builder_begin_object(b);
	json_out_string(b, "heading", pg->heading);
	json_out_string(b, "conference", pg->conference);
	json_out_string(b, "updated", pg->updated);
	json_builder_set_member_name(b, "microconferences");
	json_builder_begin_array(b);
	for (guint i = 0; i < pg->mcs->len; i++) {
		const struct export_mc *e = pg->mcs->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, e->id);
		json_out_string(b, "title", e->title);
		json_out_string(b, "status", e->status);
		json_out_string(b, "description", e->description);
		json_out_strings(b, "topics", e->topics);
		json_out_strings(b, "leads", e->leads);
		json_builder_set_member_name(b, "attendees");
		json_builder_add_int_value(b, e->attendees);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	out = json_out_text(b);
	g_object_unref(b);
	return out;
}

char *
export_render(const struct config *cfg, GPtrArray *mcs, enum export_format fmt,
	      const char *const *statuses)
{
	struct export_page *pg = export_page_new(cfg, mcs, statuses ? statuses
						 : export_default_statuses);
	char *out = NULL;

	switch (fmt) {
	case EXPORT_HTML:
		out = export_html(pg);
		break;
	case EXPORT_MARKDOWN:
		out = export_markdown(pg);
		break;
	case EXPORT_JSON:
		out = export_json(pg);
		break;
	}
	export_page_free(pg);
	return out;
}

static const char *const export_known[] = { "proposed", "accepted", "rejected", "waitlisted",
					    "withdrawn", "all", NULL };

/* "accepted,waitlisted" into a NULL-terminated list (transfer full), or NULL if unknown. */
static char **
export_parse_statuses(const char *arg, GString *err)
{
	char **st = g_strsplit(arg, ",", -1);
	int n = 0;

	for (int i = 0; st[i]; i++) {
		g_strstrip(st[i]);
		if (!g_strv_contains(export_known, st[i])) {
			fail(err, "unknown status \"%s\" (expected %s)", st[i],
			     "proposed, accepted, rejected, waitlisted, withdrawn or all");
			g_strfreev(st);
			return NULL;
		}
		n++;
	}
	if (n == 0) {
		fail(err, "--status needs at least one status");
		g_strfreev(st);
		return NULL;
	}
	return st;
}

int
export_main(const struct config *cfg, int argc, char **argv)
{
	char *format = NULL, *status = NULL, *output = NULL, *page = NULL, **statuses = NULL;
	const GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format,
		  "html (default), markdown or json", "FORMAT" },
		{ "status", 's', 0, G_OPTION_ARG_STRING, &status,
		  "Only MCs with these statuses (default: proposed,accepted; or all)", "S[,S...]" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		  "Write to FILE (atomically) instead of the standard output", "FILE" },
		{ NULL }
	};
	GOptionContext *oc = g_option_context_new("- the public page of the MCs");
	GString *err = g_string_new(NULL);
	enum export_format fmt = EXPORT_HTML;
	struct store *st = NULL;
	GError *gerr = NULL;
	int rc = 2;

	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_help_enabled(oc, TRUE);
	if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
		fprintf(stderr, "mcbot export: %s\n", gerr->message);
		goto out;
	}
	if (argc > 1) {
		fprintf(stderr, "mcbot export: unexpected argument \"%s\"\n", argv[1]);
		goto out;
	}
	if (format && export_parse_format(format, &fmt) < 0) {
		fprintf(stderr, "mcbot export: unknown format \"%s\" (html, markdown or json)\n",
			format);
		goto out;
	}
	if (status && (statuses = export_parse_statuses(status, err)) == NULL) {
		fprintf(stderr, "mcbot export: %s\n", err->str);
		goto out;
	}
	rc = 1;
	if (store_open_readonly(cfg->state_dir, &st, err) < 0) {
		fprintf(stderr, "mcbot export: %s\n", err->str);
		goto out;
	}
	page = export_render(cfg, store_mcs(st), fmt, (const char *const *)statuses);
	if (output && util_write_atomic(output, page, strlen(page), err) < 0) {
		fprintf(stderr, "mcbot export: %s\n", err->str);
		goto out;
	}
	if (!output && (fputs(page, stdout) == EOF || fflush(stdout) != 0)) {
		fprintf(stderr, "mcbot export: cannot write the standard output\n");
		goto out;
	}
	rc = 0;
out:
	store_close(st);
	g_free(page);
	g_strfreev(statuses);
	g_free(format);
	g_free(status);
	g_free(output);
	g_clear_error(&gerr);
	g_string_free(err, TRUE);
	g_option_context_free(oc);
	return rc;
}
