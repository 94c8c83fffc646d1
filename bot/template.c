/*
 * template.c - loading and checking the reply templates.
 *
 * A template file is "<name>.txt":
 *
 *     Subject: We received your proposal: {{mc_title}}
 *
 *     Hello {{sender_name}},
 *     {{#missing}}
 *     Still missing:
 *       - {{missing}}
 *     {{/missing}}
 *
 * {{name}} is replaced by a value; a line holding only {{#name}} starts a
 * section shown when the value is not empty, {{^name}} one shown when it
 * is empty, {{/name}} ends it.  Everything is checked here, at start-up, so
 * that a typo stops the daemon before the first mail instead of producing a
 * broken reply later: every problem is reported as "file:line: message".
 * Files not ending in ".txt" are not templates; "form.in" is the blank
 * proposal form that replies include as {{form}}.
 */
#include <stdarg.h>
#include <string.h>

#include "template_p.h"
#include "util.h"

const char *const template_required[] = {
	"proposal-created",
	"proposal-updated",
	"proposal-incomplete",
	"proposal-duplicate",
	"help",
	"unknown",
	"rsvp-recorded",
	"rsvp-duplicate",
	"rsvp-cancelled",
	"rsvp-declined",
	"rsvp-unknown",
	"announce",
	"proposal-closed",
	"command-transcript",
	"command-copy",
	"command-refused",
	"confirm",
	"decision-accepted",
	"decision-rejected",
	"decision-waitlisted",
	"digest-lead",
	"digest-organizer",
	NULL,
};

#define TEMPLATE_FORM_FILE "form.in"

/*
 * Every placeholder a template may use, and what a handler puts in it.
 * "One per line" values are lists: one item per line, no bullets; the
 * template lays them out (see template_render.c).
 */
static const char *const template_vars[] = {
	"list_name",            /* [list] name */
	"list_address",         /* [list] address */
	"conference",           /* [list] conference */
	"tag",                  /* [list] tag */
	"sender_name",          /* the sender's display name, or the address */
	"sender_email",         /* the sender's address */
	"subject",              /* the Subject of the mail being answered */
	"date",                 /* today, YYYY-MM-DD */
	"mc_id",                /* 3 */
	"mc_ref",               /* MC-3 */
	"mc_slug",              /* android */
	"mc_title",             /* Android MC */
	"mc_version",           /* 2 */
	"mc_status",            /* proposed, accepted, rejected, withdrawn */
	"description",          /* the proposal's description */
	"leads",                /* one per line: "Name <addr>" or "Name" */
	"leads_without_address",/* one per line: names */
	"topics",               /* one per line */
	"topics_count",         /* 9 */
	"attendees",            /* one per line */
	"attendees_count",      /* 12 */
	"accomplishments",      /* text */
	"constraints",          /* one per line */
	"missing",              /* one per line: what the proposal still lacks */
	"deadline",             /* the CfP deadline, or empty */
	"changes",              /* one per line: what a new version changed */
	"form",                 /* the blank proposal form (form.in) */
	"reason",               /* why a mail could not be acted on */
	"mc_list",              /* one per line: the open MCs */
	"mc_count",             /* number of lines in mc_list */
	"closest",              /* one per line: MC names close to what was asked */
	"duplicate_of",         /* "MC-3 Android MC": the existing proposal */
	"attending",            /* non-empty when an RSVP says yes */
	"recipient_name",       /* the name of a digest's recipient */
	"since",                /* start of a digest's window, "YYYY-MM-DD HH:MM ZONE" */
	"new_rsvps",            /* one per line */
	"new_versions",         /* one per line */
	"decision",             /* accepted / rejected */
	"actions",              /* one per line: what the recipient should do */
	"transcript",           /* organizer commands and their results */
	"token",                /* a confirmation token */
	/* the weekly digests (digest_render.c, digest_organizer.c) */
	"issue",                /* the digest's number: 3 */
	"until",                /* end of the digest's window, "YYYY-MM-DD HH:MM ZONE" */
	"next_digest",          /* when the next digest is due, "YYYY-MM-DD HH:MM ZONE" */
	"rsvp_summary",         /* "14 (3 new, 1 cancelled)" */
	"cancelled",            /* one per line: who withdrew an RSVP */
	"notes",                /* one per line: organizers' notes */
	"quiet",                /* non-empty when nothing happened to the MC */
	"totals",               /* the CfP in numbers, one "Label:  n" per line */
	"mc_table",             /* every MC by status, aligned tables */
	"activity",             /* MC by MC, what happened; one line for a quiet MC */
	"new_proposals",        /* one per line */
	"duplicates",           /* one per line: possible duplicate proposals */
	"mail_problems",        /* counts and a table of mail dropped, refused, failed */
	"outbox_problems",      /* one per line: mail waiting, retried, refused */
	"expires",              /* when the token expires, "YYYY-MM-DD HH:MM UTC" */
	"proof",                /* what proved an organizer's mail: "dkim (mx.example.org)" */
	"actor",                /* the organizer who sent the commands */
	NULL,
};

static gboolean
template_var_known(const char *name)
{
	for (int i = 0; template_vars[i]; i++)
		if (strcmp(name, template_vars[i]) == 0)
			return TRUE;
	return FALSE;
}

static void
template_free_one(struct tpl *t)
{
	g_free(t->name);
	g_free(t->subject);
	for (int i = 0; t->names && t->body[i]; i++)
		g_free(t->names[i]);
	g_free(t->names);
	g_free(t->tags);
	g_strfreev(t->body);
	g_free(t);
}

void
templates_free(struct templates *t)
{
	if (t == NULL)
		return;
	g_free(t->dir);
	if (t->by_name)
		g_hash_table_destroy(t->by_name);
	g_free(t->form);
	g_free(t);
}

gboolean
template_exists(const struct templates *t, const char *name)
{
	return name && g_hash_table_contains(t->by_name, name);
}

char *
templates_form(const struct templates *t)
{
	return g_strdup(t->form);
}

static void
template_error(GString *errs, int *nerr, const char *file, int line, const char *fmt, ...)
	G_GNUC_PRINTF(5, 6);

static void
template_error(GString *errs, int *nerr, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		g_string_append_printf(errs, "%s:%d: ", file, line);
	else
		g_string_append_printf(errs, "%s: ", file);
	va_start(ap, fmt);
	g_string_append_vprintf(errs, fmt, ap);
	va_end(ap);
	g_string_append_c(errs, '\n');
	(*nerr)++;
}

enum tpl_tag
template_section(const char *line, char **name)
{
	char *s = g_strstrip(g_strdup(line));
	size_t n = strlen(s);
	enum tpl_tag kind = TAG_VAR;

	*name = NULL;
	if (n > 5 && strncmp(s, "{{", 2) == 0 && strcmp(s + n - 2, "}}") == 0 &&
	    strstr(s + 2, "}}") == s + n - 2) {
		switch (s[2]) {
		case '#': kind = TAG_IF; break;
		case '^': kind = TAG_UNLESS; break;
		case '/': kind = TAG_END; break;
		}
		if (kind != TAG_VAR)
			*name = g_strndup(s + 3, n - 5);
	}
	g_free(s);
	return kind;
}

/* Check the {{...}} of one line that is not a section tag. */
static void
template_check_vars(GString *errs, int *nerr, const char *file, int no, const char *line)
{
	const char *p = line, *open, *close;

	while ((open = strstr(p, "{{")) != NULL) {
		close = strstr(open + 2, "}}");
		if (close == NULL) {
			template_error(errs, nerr, file, no, "unclosed \"{{\"");
			return;
		}
		char *name = g_strndup(open + 2, close - open - 2);
		if (name[0] && strchr("#^/", name[0]))
			template_error(errs, nerr, file, no, "section tag {{%s}} must stand alone "
				       "on its line", name);
		else if (!template_var_known(name))
			template_error(errs, nerr, file, no, "unknown placeholder {{%s}}", name);
		g_free(name);
		p = close + 2;
	}
}

/* Check the body lines; first is the file line number of body[0]. */
static void
template_check_body(GString *errs, int *nerr, const char *file, int first, char **body)
{
	char *open[TEMPLATE_MAX_DEPTH];
	int open_line[TEMPLATE_MAX_DEPTH];
	char open_sign[TEMPLATE_MAX_DEPTH];
	int depth = 0;

	for (int i = 0; body[i]; i++) {
		char *name;
		enum tpl_tag tag = template_section(body[i], &name);
		int no = first + i;

		if (tag == TAG_VAR) {
			template_check_vars(errs, nerr, file, no, body[i]);
			continue;
		}
		if (!template_var_known(name))
			template_error(errs, nerr, file, no, "unknown placeholder {{%s}} in a "
				       "section tag", name);
		if (tag == TAG_END) {
			if (depth == 0)
				template_error(errs, nerr, file, no, "{{/%s}} without a section "
					       "to close", name);
			else if (strcmp(open[depth - 1], name) != 0)
				template_error(errs, nerr, file, no, "{{/%s}} does not match "
					       "{{%c%s}} at line %d", name, open_sign[depth - 1],
					       open[depth - 1], open_line[depth - 1]);
			if (depth > 0)
				g_free(open[--depth]);
		} else if (depth == TEMPLATE_MAX_DEPTH) {
			template_error(errs, nerr, file, no, "sections nested more than %d deep",
				       TEMPLATE_MAX_DEPTH);
		} else {
			open_line[depth] = no;
			open_sign[depth] = tag == TAG_IF ? '#' : '^';
			open[depth++] = g_strdup(name);
		}
		g_free(name);
	}
	while (depth > 0) {
		depth--;
		template_error(errs, nerr, file, open_line[depth], "{{%c%s}} is never closed",
			       open_sign[depth], open[depth]);
		g_free(open[depth]);
	}
}

/* The lines of text (CRLF accepted), without a last empty line (transfer full). */
static char **
template_lines(const char *text)
{
	char **lines = g_strsplit(text, "\n", -1);
	guint n = g_strv_length(lines);

	for (guint i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);
		if (len && lines[i][len - 1] == '\r')
			lines[i][len - 1] = '\0';
	}
	if (n > 0 && lines[n - 1][0] == '\0') {
		g_free(lines[n - 1]);
		lines[n - 1] = NULL;
	}
	return lines;
}

/* 0 when text is UTF-8 without NUL, else the line of the first bad byte. */
static int
template_bad_utf8_line(const char *text, size_t len)
{
	const char *end;
	int line = 1;

	/* With an explicit length, a NUL byte also fails validation. */
	if (g_utf8_validate(text, (gssize)len, &end))
		return 0;
	for (const char *p = text; p < end; p++)
		line += *p == '\n';
	return line;
}

static gboolean
template_name_ok(const char *name)
{
	if (name[0] == '\0')
		return FALSE;
	for (const char *p = name; *p; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-')
			return FALSE;
	return TRUE;
}

/* Load and check dir/<name>.txt; NULL if it has problems (all reported). */
static struct tpl *
template_load_one(const char *path, const char *name, GString *errs, int *nerr)
{
	struct tpl *t = NULL;
	GString *err = g_string_new(NULL);
	char *text = NULL, **lines = NULL;
	size_t len;
	int before = *nerr, bad;
	guint n;

	if (!template_name_ok(name)) {
		template_error(errs, nerr, path, 0, "template names use only a-z, 0-9 and '-'");
		goto out;
	}
	if (util_read_file(path, TEMPLATE_MAX_FILE, &text, &len, err) < 0) {
		g_string_append_printf(errs, "%s\n", err->str);    /* it names the file */
		(*nerr)++;
		goto out;
	}
	if ((bad = template_bad_utf8_line(text, len)) > 0) {
		template_error(errs, nerr, path, bad, "not valid UTF-8 text");
		goto out;
	}
	lines = template_lines(text);
	if (lines[0] == NULL || !g_str_has_prefix(lines[0], "Subject:")) {
		template_error(errs, nerr, path, 1, "the first line must be \"Subject: ...\"");
		goto out;
	}
	if (strstr(lines[0], "{{#") || strstr(lines[0], "{{^") || strstr(lines[0], "{{/"))
		template_error(errs, nerr, path, 1, "no sections in the Subject");
	else
		template_check_vars(errs, nerr, path, 1, lines[0]);
	if (lines[0][8 + strspn(lines[0] + 8, " \t")] == '\0')
		template_error(errs, nerr, path, 1, "the Subject is empty");
	if (lines[1] == NULL || lines[1][strspn(lines[1], " \t")] != '\0') {
		template_error(errs, nerr, path, 2, "the second line must be empty (it "
			       "separates the Subject from the body)");
		goto out;
	}
	if (lines[2] == NULL) {
		template_error(errs, nerr, path, 3, "the body is empty");
		goto out;
	}
	template_check_body(errs, nerr, path, 3, lines + 2);
	if (*nerr > before)
		goto out;
	t = g_new0(struct tpl, 1);
	t->name = g_strdup(name);
	t->subject = g_strstrip(g_strdup(lines[0] + 8));
	t->body = g_strdupv(lines + 2);
	n = g_strv_length(t->body);
	t->tags = g_new(enum tpl_tag, n);
	t->names = g_new(char *, n);
	t->body_clean = TRUE;
	for (guint i = 0; i < n; i++) {
		char *clean = util_clean_text(t->body[i], 0);

		t->tags[i] = template_section(t->body[i], &t->names[i]);
		t->body_clean = t->body_clean && strcmp(clean, t->body[i]) == 0;
		g_free(clean);
	}
out:
	g_strfreev(lines);
	g_free(text);
	g_string_free(err, TRUE);
	return t;
}

/* form.in: any UTF-8 text, kept LF-terminated. */
static char *
template_load_form(const char *dir, GString *errs, int *nerr)
{
	char *path = g_build_filename(dir, TEMPLATE_FORM_FILE, NULL);
	GString *err = g_string_new(NULL);
	char *text = NULL, *form = NULL, *joined, **lines = NULL;
	size_t len;
	int bad;

	if (util_read_file(path, TEMPLATE_MAX_FORM, &text, &len, err) < 0) {
		/* err names the file */
		g_string_append_printf(errs, "%s (the proposal form, {{form}})\n", err->str);
		(*nerr)++;
		goto out;
	}
	if ((bad = template_bad_utf8_line(text, len)) > 0) {
		template_error(errs, nerr, path, bad, "not valid UTF-8 text");
		goto out;
	}
	lines = template_lines(text);
	joined = g_strjoinv("\n", lines);
	if (joined[0] == '\0')
		template_error(errs, nerr, path, 0, "the form is empty");
	else
		form = g_strconcat(joined, "\n", NULL);
	g_free(joined);
out:
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	g_string_free(err, TRUE);
	return form;
}

static gint
template_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.txt names in dir, sorted so that messages come in a stable order. */
static GPtrArray *
template_list(const char *dir, GString *errs, int *nerr)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GError *gerr = NULL;
	GDir *d = g_dir_open(dir, 0, &gerr);
	const char *e;

	if (d == NULL) {
		template_error(errs, nerr, dir, 0, "%s", gerr->message);
		g_error_free(gerr);
		return names;
	}
	while ((e = g_dir_read_name(d)) != NULL)
		if (e[0] != '.' && g_str_has_suffix(e, ".txt"))
			g_ptr_array_add(names, g_strndup(e, strlen(e) - 4));
	g_dir_close(d);
	g_ptr_array_sort(names, template_cmp);
	return names;
}

int
templates_load(const char *dir, struct templates **out, GString *errs)
{
	struct templates *t = g_new0(struct templates, 1);
	GPtrArray *names;
	int nerr = 0;

	*out = NULL;
	t->dir = g_strdup(dir);
	t->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					   (GDestroyNotify)template_free_one);
	names = template_list(dir, errs, &nerr);
	if (nerr > 0)
		goto out;
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		char *file = g_strconcat(name, ".txt", NULL);
		char *path = g_build_filename(dir, file, NULL);
		struct tpl *one = template_load_one(path, name, errs, &nerr);

		if (one)
			g_hash_table_insert(t->by_name, one->name, one);
		g_free(file);
		g_free(path);
	}
	for (int i = 0; template_required[i]; i++) {
		char *file = g_strconcat(template_required[i], ".txt", NULL);
		char *path = g_build_filename(dir, file, NULL);

		if (!g_file_test(path, G_FILE_TEST_EXISTS))
			template_error(errs, &nerr, path, 0, "missing; every run needs this "
				       "template");
		g_free(file);
		g_free(path);
	}
	t->form = template_load_form(dir, errs, &nerr);
out:
	g_ptr_array_free(names, TRUE);
	if (nerr > 0) {
		templates_free(t);
		return -1;
	}
	*out = t;
	return 0;
}
