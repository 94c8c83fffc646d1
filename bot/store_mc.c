/*
 * store_mc.c - an MC's proposal file ("Field: value" lines, a blank line,
 * the description), its rsvps file and its threads file, to and from
 * struct mc.
 *
 * Thread Message-IDs were once "Thread:" lines of the proposal file: they
 * are still read from there, and written to the threads file, which an
 * answered RSVP only appends to.
 */
#include <stdlib.h>
#include <string.h>

#include "store_p.h"
#include "util.h"

#define FIELD_MAX 2000

static void
put(GString *s, const char *field, const char *value)
{
	char *v;

	if (value == NULL)
		return;
	v = util_clean_line(value, FIELD_MAX);
	g_string_append_printf(s, "%s: %s\n", field, v);
	g_free(v);
}

static void
put_lines(GString *s, const char *field, const char *text)
{
	char **lines;
	char *blank;

	if (text == NULL)
		return;
	/* blank text would read back as "", then be written as nothing */
	blank = util_clean_line(text, 0);
	if (*blank == '\0') {
		g_free(blank);
		return;
	}
	g_free(blank);
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++)
		put(s, field, lines[i]);
	g_strfreev(lines);
}

GString *
mc_serialize(const struct mc *mc)
{
	GString *s = g_string_new(STORE_FORMAT "\n");
	const struct proposal *p = mc->p;

	g_string_append_printf(s, "Id: %d\n", mc->id);
	put(s, "Slug", mc->slug);
	put(s, "Title", mc->title);
	put(s, "Status", mc->status);
	g_string_append_printf(s, "Version: %d\n", mc->version);
	put(s, "Proposer", mc->proposer);
	g_string_append_printf(s, "Created: %" G_GINT64_FORMAT "\n", mc->created);
	g_string_append_printf(s, "Updated: %" G_GINT64_FORMAT "\n", mc->updated);
	for (guint i = 0; i < p->leads->len; i++) {
		const struct person *l = p->leads->pdata[i];
		char *v = l->email ? g_strdup_printf("%s <%s>", l->name, l->email)
				   : g_strdup(l->name);

		put(s, "Lead", v);
		g_free(v);
	}
	for (guint i = 0; i < p->topics->len; i++)
		put(s, "Topic", p->topics->pdata[i]);
	put(s, "Attendees-Label", p->attendees_label);
	for (guint i = 0; i < p->attendees->len; i++)
		put(s, "Attendee", p->attendees->pdata[i]);
	put_lines(s, "Accomplishments", p->accomplishments);
	for (guint i = 0; i < p->constraints->len; i++)
		put(s, "Constraint", p->constraints->pdata[i]);
	if (p->from_form)
		put(s, "Form", "yes");
	g_string_append_c(s, '\n');
	if (p->description)
		g_string_append(s, p->description);
	return s;
}

static void
parse_lead(struct proposal *p, const char *v)
{
	const char *lt = strrchr(v, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;

	if (lt && gt && lt > v) {
		char *name = g_strndup(v, (gsize)(lt - v));
		char *email = g_strndup(lt + 1, (gsize)(gt - lt - 1));

		g_strstrip(name);
		g_ptr_array_add(p->leads, person_new(name, email));
		g_free(name);
		g_free(email);
		return;
	}
	g_ptr_array_add(p->leads, person_new(v, NULL));
}

static void
append_line(char **text, const char *line)
{
	char *old = *text;

	*text = old ? g_strconcat(old, "\n", line, NULL) : g_strdup(line);
	g_free(old);
}

static int
parse_field(struct mc *mc, const char *f, const char *v)
{
	struct proposal *p = mc->p;

	if (strcmp(f, "Id") == 0)
		mc->id = atoi(v);
	else if (strcmp(f, "Slug") == 0)
		g_free(mc->slug), mc->slug = g_strdup(v);
	else if (strcmp(f, "Title") == 0)
		g_free(mc->title), mc->title = g_strdup(v);
	else if (strcmp(f, "Status") == 0)
		g_free(mc->status), mc->status = g_strdup(v);
	else if (strcmp(f, "Version") == 0)
		mc->version = atoi(v);
	else if (strcmp(f, "Proposer") == 0)
		g_free(mc->proposer), mc->proposer = g_strdup(v);
	else if (strcmp(f, "Created") == 0)
		mc->created = g_ascii_strtoll(v, NULL, 10);
	else if (strcmp(f, "Updated") == 0)
		mc->updated = g_ascii_strtoll(v, NULL, 10);
	else if (strcmp(f, "Lead") == 0)
		parse_lead(p, v);
	else if (strcmp(f, "Topic") == 0)
		g_ptr_array_add(p->topics, g_strdup(v));
	else if (strcmp(f, "Attendees-Label") == 0)
		g_free(p->attendees_label), p->attendees_label = g_strdup(v);
	else if (strcmp(f, "Attendee") == 0)
		g_ptr_array_add(p->attendees, g_strdup(v));
	else if (strcmp(f, "Accomplishments") == 0)
		append_line(&p->accomplishments, v);
	else if (strcmp(f, "Constraint") == 0)
		g_ptr_array_add(p->constraints, g_strdup(v));
	else if (strcmp(f, "Form") == 0)
		p->from_form = TRUE;
	else if (strcmp(f, "Thread") == 0)
		g_ptr_array_add(mc->threads, g_strdup(v));
	else
		return -1;
	return 0;
}

struct mc *
mc_alloc(void)
{
	struct mc *mc = g_new0(struct mc, 1);

	mc->p = proposal_new();
	mc->threads = g_ptr_array_new_with_free_func(g_free);
	mc->rsvps = g_ptr_array_new_with_free_func((GDestroyNotify)rsvp_free);
	return mc;
}

int
mc_parse(const char *data, gsize len, struct mc **out, GString *err)
{
	struct mc *mc = mc_alloc();
	const char *p = data, *end = data + len;
	int lineno = 0;

	*out = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		char *line = g_strndup(p, nl ? (gsize)(nl - p) : (gsize)(end - p));
		char *colon;

		p = nl ? nl + 1 : end;
		lineno++;
		if (lineno == 1) {
			gboolean ok = strcmp(line, STORE_FORMAT) == 0;

			g_free(line);
			if (!ok) {
				fail(err, "unknown format (want \"%s\")", STORE_FORMAT);
				goto bad;
			}
			continue;
		}
		if (*line == '\0') {
			g_free(line);
			break;
		}
		colon = strstr(line, ": ");
		if (colon == NULL || (*colon = '\0', parse_field(mc, line, colon + 2)) < 0) {
			fail(err, "line %d: bad field", lineno);
			g_free(line);
			goto bad;
		}
		g_free(line);
	}
	g_free(mc->p->description);
	mc->p->description = g_strndup(p, (gsize)(end - p));
	g_free(mc->p->title);
	mc->p->title = g_strdup(mc->title);
	if (mc->id <= 0 || mc->slug == NULL || mc->title == NULL || mc->status == NULL) {
		fail(err, "missing Id, Slug, Title or Status");
		goto bad;
	}
	*out = mc;
	return 0;
bad:
	mc_free(mc);
	return -1;
}

GString *
rsvps_serialize(const struct mc *mc)
{
	return rsvps_serialize_from(mc, 0);
}

GString *
rsvps_serialize_from(const struct mc *mc, guint from)
{
	GString *s = g_string_new(NULL);

	for (guint i = from; i < mc->rsvps->len; i++) {
		const struct rsvp *r = mc->rsvps->pdata[i];
		char *name = util_clean_line(r->name, 200);

		g_strdelimit(name, "\t", ' ');
		g_string_append_printf(s, "%s\t%s\t%" G_GINT64_FORMAT "\n", r->email, name, r->date);
		g_free(name);
	}
	return s;
}

void
rsvps_parse(struct mc *mc, const char *data)
{
	/* email TAB name TAB unix-time per line; split in place (a store of
	 * 1,000 MCs with 200 RSVPs each is read at every digest run). */
	for (const char *p = data; *p;) {
		const char *eol = p + strcspn(p, "\n");
		const char *t1 = memchr(p, '\t', (gsize)(eol - p));
		const char *t2 = t1 ? memchr(t1 + 1, '\t', (gsize)(eol - t1 - 1)) : NULL;

		if (t2) {
			struct rsvp *r = g_new0(struct rsvp, 1);

			r->email = g_strndup(p, (gsize)(t1 - p));
			r->name = g_strndup(t1 + 1, (gsize)(t2 - t1 - 1));
			r->date = g_ascii_strtoll(t2 + 1, NULL, 10);
			g_ptr_array_add(mc->rsvps, r);
		}
		p = *eol ? eol + 1 : eol;
	}
}

GString *
threads_serialize(const struct mc *mc)
{
	return threads_serialize_from(mc, 0);
}

GString *
threads_serialize_from(const struct mc *mc, guint from)
{
	GString *s = g_string_new(NULL);

	for (guint i = from; i < mc->threads->len; i++) {
		char *v = util_clean_line(mc->threads->pdata[i], FIELD_MAX);

		g_string_append(s, v);
		g_string_append_c(s, '\n');
		g_free(v);
	}
	return s;
}

void
threads_parse(struct mc *mc, const char *data)
{
	char **lines = g_strsplit(data, "\n", -1);

	for (int i = 0; lines[i]; i++)
		if (lines[i][0] != '\0')
			g_ptr_array_add(mc->threads, g_strdup(lines[i]));
	g_strfreev(lines);
}

static gboolean
same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static gboolean
same_strs(const GPtrArray *a, const GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++)
		if (!same_str(a->pdata[i], b->pdata[i]))
			return FALSE;
	return TRUE;
}

gboolean
mc_same_head(const struct mc *a, const struct mc *b)
{
	const struct proposal *p = a->p, *q = b->p;

	if (a->id != b->id || a->version != b->version || a->created != b->created ||
	    a->updated != b->updated || !same_str(a->slug, b->slug) ||
	    !same_str(a->title, b->title) || !same_str(a->status, b->status) ||
	    !same_str(a->proposer, b->proposer))
		return FALSE;
	if (!same_str(p->title, q->title) || !same_str(p->description, q->description) ||
	    !same_str(p->attendees_label, q->attendees_label) ||
	    !same_str(p->accomplishments, q->accomplishments) || p->from_form != q->from_form ||
	    !same_strs(p->topics, q->topics) || !same_strs(p->attendees, q->attendees) ||
	    !same_strs(p->constraints, q->constraints) || p->leads->len != q->leads->len)
		return FALSE;
	for (guint i = 0; i < p->leads->len; i++) {
		const struct person *l = p->leads->pdata[i], *m = q->leads->pdata[i];

		if (!same_str(l->name, m->name) || !same_str(l->email, m->email))
			return FALSE;
	}
	return TRUE;
}

gboolean
mc_rsvps_extend(const struct mc *a, const struct mc *b)
{
	if (b->rsvps->len < a->rsvps->len)
		return FALSE;
	for (guint i = 0; i < a->rsvps->len; i++) {
		const struct rsvp *r = a->rsvps->pdata[i], *s = b->rsvps->pdata[i];

		if (r->date != s->date || !same_str(r->email, s->email) ||
		    !same_str(r->name, s->name))
			return FALSE;
	}
	return TRUE;
}

void
rsvp_free(struct rsvp *r)
{
	if (r == NULL)
		return;
	g_free(r->email);
	g_free(r->name);
	g_free(r);
}

static struct proposal *
proposal_dup(const struct proposal *src)
{
	struct proposal *p = proposal_new();

	p->title = g_strdup(src->title);
	g_free(p->description);
	p->description = g_strdup(src->description);
	for (guint i = 0; i < src->topics->len; i++)
		g_ptr_array_add(p->topics, g_strdup(src->topics->pdata[i]));
	for (guint i = 0; i < src->leads->len; i++) {
		const struct person *l = src->leads->pdata[i];

		g_ptr_array_add(p->leads, person_new(l->name, l->email));
	}
	for (guint i = 0; i < src->attendees->len; i++)
		g_ptr_array_add(p->attendees, g_strdup(src->attendees->pdata[i]));
	p->attendees_label = g_strdup(src->attendees_label);
	p->accomplishments = g_strdup(src->accomplishments);
	for (guint i = 0; i < src->constraints->len; i++)
		g_ptr_array_add(p->constraints, g_strdup(src->constraints->pdata[i]));
	p->from_form = src->from_form;
	return p;
}

struct mc *
mc_dup(const struct mc *src)
{
	struct mc *mc = mc_alloc();

	mc->id = src->id;
	mc->slug = g_strdup(src->slug);
	mc->title = g_strdup(src->title);
	mc->status = g_strdup(src->status);
	mc->version = src->version;
	mc->proposer = g_strdup(src->proposer);
	mc->created = src->created;
	mc->updated = src->updated;
	proposal_free(mc->p);
	mc->p = proposal_dup(src->p);
	for (guint i = 0; i < src->threads->len; i++)
		g_ptr_array_add(mc->threads, g_strdup(src->threads->pdata[i]));
	for (guint i = 0; i < src->rsvps->len; i++) {
		const struct rsvp *r = src->rsvps->pdata[i];
		struct rsvp *c = g_new0(struct rsvp, 1);

		c->email = g_strdup(r->email);
		c->name = g_strdup(r->name);
		c->date = r->date;
		g_ptr_array_add(mc->rsvps, c);
	}
	return mc;
}

void
mc_free(struct mc *mc)
{
	if (mc == NULL)
		return;
	g_free(mc->slug);
	g_free(mc->title);
	g_free(mc->status);
	g_free(mc->proposer);
	proposal_free(mc->p);
	g_ptr_array_unref(mc->threads);
	g_ptr_array_unref(mc->rsvps);
	g_free(mc);
}
