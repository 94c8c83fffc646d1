/*
 * command_state.c - what the organizers' commands remember outside the
 * MCs, as small text files under state_dir/org/, written through the
 * mail's transaction like everything else:
 *
 *   org/settings       "cfp: open|closed" and "deadline: <text with zone>"
 *   org/decisions      seq<TAB>time<TAB>mc<TAB>before<TAB>after<TAB>actor<TAB>0|1 (undone)
 *   org/held           name<TAB>mc<TAB>decision seq<TAB>recipient: held decision mails
 *   org/tokens-used    id<TAB>expiry: confirmation tokens already used
 *   org/signatures     id<TAB>time: PGP signatures already obeyed (replays are refused)
 *   org/refused        address<TAB>time<TAB>kind: the last refusal / confirmation counts
 *   org/pending/<id>   a confirmation waiting for its token (see org_pending_*)
 *   org/log            time<TAB>actor<TAB>action: commands that concern no MC
 *
 * Every file starts with a format line.  Reading is forgiving (a damaged
 * line is skipped: the worst case is a refusal sent twice); writing
 * drops what no longer matters (expired tokens, old signatures).
 */
#include <stdlib.h>
#include <string.h>

#include "../bot/util.h"
#include "command.h"
#include "command_p.h"

#define ORG_FORMAT "mcbot-org 1\n"
#define ORG_FILE_MAX (4 * 1024 * 1024)
#define ORG_MAX_DECISIONS 500
#define ORG_MAX_ENTRIES 20000
#define ORG_LINE_MAX 300

/* The data lines of org/<name> (transfer full; empty when absent or foreign). */
static char **
org_lines(const struct store *st, const char *rel)
{
	GBytes *b = store_read_file(st, rel, ORG_FILE_MAX);
	char *text;
	char **lines;

	if (b == NULL)
		return g_new0(char *, 1);
	text = g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
	g_bytes_unref(b);
	if (!g_str_has_prefix(text, ORG_FORMAT)) {
		g_free(text);
		return g_new0(char *, 1);
	}
	lines = g_strsplit(text + strlen(ORG_FORMAT), "\n", -1);
	g_free(text);
	return lines;
}

gint64
org_time_get(GHashTable *h, const char *key)
{
	gint64 *v = g_hash_table_lookup(h, key);

	return v ? *v : 0;
}

void
org_time_set(GHashTable *h, const char *key, gint64 when)
{
	gint64 *v = g_new(gint64, 1);

	*v = when;
	g_hash_table_replace(h, g_strdup(key), v);
}

static GHashTable *
time_table(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/* "key<TAB>time" lines into h. */
static void
load_times(const struct store *st, const char *rel, GHashTable *h)
{
	char **lines = org_lines(st, rel);

	for (int i = 0; lines[i]; i++) {
		char **f = g_strsplit(lines[i], "\t", 3);

		if (f[0] && f[1] && *f[0])
			org_time_set(h, f[0], g_ascii_strtoll(f[1], NULL, 10));
		g_strfreev(f);
	}
	g_strfreev(lines);
}

static void
decision_free(struct org_decision *d)
{
	g_free(d->before);
	g_free(d->after);
	g_free(d->actor);
	g_free(d);
}

static void
held_free(struct org_held *h)
{
	g_free(h->name);
	g_free(h->rcpt);
	g_free(h);
}

static void
load_settings(const struct store *st, struct org_state *o)
{
	char **lines = org_lines(st, "org/settings");

	for (int i = 0; lines[i]; i++) {
		if (strcmp(lines[i], "cfp: closed") == 0)
			o->cfp_closed = TRUE;
		else if (g_str_has_prefix(lines[i], "deadline: ") && lines[i][10] &&
			 o->deadline == NULL)   /* the first counts, as in command_deadline */
			o->deadline = util_clean_line(lines[i] + 10, ORG_LINE_MAX);
	}
	g_strfreev(lines);
}

static void
load_decisions(const struct store *st, struct org_state *o)
{
	char **lines = org_lines(st, "org/decisions");

	for (int i = 0; lines[i]; i++) {
		char **f = g_strsplit(lines[i], "\t", 8);

		if (g_strv_length(f) == 7) {
			struct org_decision *d = g_new0(struct org_decision, 1);

			d->seq = atoi(f[0]);
			d->when = g_ascii_strtoll(f[1], NULL, 10);
			d->mc_id = atoi(f[2]);
			d->before = g_strdup(f[3]);
			d->after = g_strdup(f[4]);
			d->actor = g_strdup(f[5]);
			d->undone = strcmp(f[6], "1") == 0;
			g_ptr_array_add(o->decisions, d);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
}

static void
load_held(const struct store *st, struct org_state *o)
{
	char **lines = org_lines(st, "org/held");

	for (int i = 0; lines[i]; i++) {
		char **f = g_strsplit(lines[i], "\t", 5);

		/* The name becomes a path: it must be one of ours. */
		if (g_strv_length(f) == 4 && strlen(f[0]) == 32 &&
		    strspn(f[0], "0123456789abcdef") == 32) {
			struct org_held *h = g_new0(struct org_held, 1);

			h->name = g_strdup(f[0]);
			h->mc_id = atoi(f[1]);
			h->decision = atoi(f[2]);
			h->rcpt = g_strdup(f[3]);
			g_ptr_array_add(o->held, h);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
}

/* Refusals ("refused") and confirmation counts ("confirm N") share a file. */
static void
load_refused(const struct store *st, struct org_state *o)
{
	char **lines = org_lines(st, "org/refused");

	for (int i = 0; lines[i]; i++) {
		char **f = g_strsplit(lines[i], "\t", 4);

		if (g_strv_length(f) == 3 && strcmp(f[2], "refused") == 0)
			org_time_set(o->refused, f[0], g_ascii_strtoll(f[1], NULL, 10));
		else if (g_strv_length(f) == 3 && g_str_has_prefix(f[2], "confirm "))
			g_hash_table_replace(o->confirms, g_strdup(f[0]),
					     g_strdup_printf("%s %s", f[1], f[2] + 8));
		g_strfreev(f);
	}
	g_strfreev(lines);
}

struct org_state *
org_state_load(const struct store *st)
{
	struct org_state *o = g_new0(struct org_state, 1);

	o->decisions = g_ptr_array_new_with_free_func((GDestroyNotify)decision_free);
	o->held = g_ptr_array_new_with_free_func((GDestroyNotify)held_free);
	o->used_tokens = time_table();
	o->signatures = time_table();
	o->refused = time_table();
	o->confirms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	load_settings(st, o);
	load_decisions(st, o);
	load_held(st, o);
	load_times(st, "org/tokens-used", o->used_tokens);
	load_times(st, "org/signatures", o->signatures);
	load_refused(st, o);
	return o;
}

void
org_state_free(struct org_state *o)
{
	if (o == NULL)
		return;
	g_free(o->deadline);
	g_ptr_array_unref(o->decisions);
	g_ptr_array_unref(o->held);
	g_hash_table_unref(o->used_tokens);
	g_hash_table_unref(o->signatures);
	g_hash_table_unref(o->refused);
	g_hash_table_unref(o->confirms);
	g_free(o);
}

static void
put(struct txn *t, const char *rel, GString *s)
{
	GBytes *b = g_string_free_to_bytes(s);

	txn_write_file(t, rel, b);
	g_bytes_unref(b);
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "key<TAB>time<TAB>suffix" for entries of h newer than oldest, sorted
 * (stable files diff well), at most ORG_MAX_ENTRIES. */
static void
save_times(GString *s, GHashTable *h, gint64 oldest, const char *suffix)
{
	guint len = 0, n = 0;
	char **keys = (char **)g_hash_table_get_keys_as_array(h, &len);

	qsort(keys, len, sizeof *keys, cmp_key);
	for (guint i = 0; i < len && n < ORG_MAX_ENTRIES; i++) {
		gint64 when = org_time_get(h, keys[i]);

		if (when < oldest)
			continue;
		g_string_append_printf(s, "%s\t%" G_GINT64_FORMAT "%s%s\n", keys[i], when,
				       suffix ? "\t" : "", suffix ? suffix : "");
		n++;
	}
	g_free(keys);
}

static void
save_settings(struct org_state *o, struct txn *t)
{
	GString *s = g_string_new(ORG_FORMAT);

	g_string_append_printf(s, "cfp: %s\n", o->cfp_closed ? "closed" : "open");
	if (o->deadline)
		g_string_append_printf(s, "deadline: %s\n", o->deadline);
	put(t, "org/settings", s);
}

static void
save_decisions(struct org_state *o, struct txn *t)
{
	GString *s = g_string_new(ORG_FORMAT);
	guint first = o->decisions->len > ORG_MAX_DECISIONS ?
		      o->decisions->len - ORG_MAX_DECISIONS : 0;

	for (guint i = first; i < o->decisions->len; i++) {
		const struct org_decision *d = o->decisions->pdata[i];
		char *actor = util_clean_line(d->actor, ORG_LINE_MAX);

		g_strdelimit(actor, "\t", ' ');
		g_string_append_printf(s, "%d\t%" G_GINT64_FORMAT "\t%d\t%s\t%s\t%s\t%d\n", d->seq,
				       d->when, d->mc_id, d->before, d->after, actor, d->undone);
		g_free(actor);
	}
	put(t, "org/decisions", s);
}

static void
save_held(struct org_state *o, struct txn *t)
{
	GString *s = g_string_new(ORG_FORMAT);

	for (guint i = 0; i < o->held->len; i++) {
		const struct org_held *h = o->held->pdata[i];

		g_string_append_printf(s, "%s\t%d\t%d\t%s\n", h->name, h->mc_id, h->decision,
				       h->rcpt);
	}
	put(t, "org/held", s);
}

static void
save_refused(struct org_state *o, struct txn *t, gint64 oldest)
{
	GString *s = g_string_new(ORG_FORMAT);
	GHashTableIter it;
	gpointer k, v;

	save_times(s, o->refused, oldest, "refused");
	g_hash_table_iter_init(&it, o->confirms);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		char **f = g_strsplit(v, " ", 2);

		if (f[0] && f[1] && g_ascii_strtoll(f[0], NULL, 10) >= oldest)
			g_string_append_printf(s, "%s\t%s\tconfirm %s\n", (char *)k, f[0], f[1]);
		g_strfreev(f);
	}
	put(t, "org/refused", s);
}

void
org_state_save(struct org_state *o, struct txn *t, const struct config *cfg, gint64 now)
{
	if (o->dirty & ORG_SETTINGS)
		save_settings(o, t);
	if (o->dirty & ORG_DECISIONS)
		save_decisions(o, t);
	if (o->dirty & ORG_HELD)
		save_held(o, t);
	if (o->dirty & ORG_TOKENS) {
		GString *s = g_string_new(ORG_FORMAT);

		/* A token is refused after its expiry anyway: forget it then. */
		save_times(s, o->used_tokens, now, NULL);
		put(t, "org/tokens-used", s);
	}
	if (o->dirty & ORG_SIGNATURES) {
		GString *s = g_string_new(ORG_FORMAT);

		/* Older signatures are refused for their age: a day of margin for skew. */
		save_times(s, o->signatures, now - cfg->pgp_max_age - 86400, NULL);
		put(t, "org/signatures", s);
	}
	if (o->dirty & ORG_REFUSED)
		save_refused(o, t, now - cfg->refusal_interval);
	o->dirty = 0;
}

struct org_decision *
org_last_decision(struct org_state *o)
{
	for (guint i = o->decisions->len; i > 0; i--) {
		struct org_decision *d = o->decisions->pdata[i - 1];

		if (!d->undone)
			return d;
	}
	return NULL;
}

struct org_decision *
org_add_decision(struct org_state *o, gint64 when, int mc_id, const char *before,
		 const char *after, const char *actor)
{
	struct org_decision *d = g_new0(struct org_decision, 1);
	int last = o->decisions->len ? ((struct org_decision *)
			o->decisions->pdata[o->decisions->len - 1])->seq : 0;

	d->seq = last + 1;
	d->when = when;
	d->mc_id = mc_id;
	d->before = g_strdup(before);
	d->after = g_strdup(after);
	d->actor = g_strdup(actor);
	g_ptr_array_add(o->decisions, d);
	o->dirty |= ORG_DECISIONS;
	return d;
}

void
org_log(struct txn *t, gint64 when, const char *actor, const char *action)
{
	char *a = util_clean_line(actor, ORG_LINE_MAX), *b = util_clean_line(action, 1000);
	char *line = g_strdup_printf("%" G_GINT64_FORMAT "\t%s\t%s\n", when, a, b);
	GBytes *bytes = g_bytes_new_take(line, strlen(line));

	txn_append_file(t, "org/log", bytes);
	g_bytes_unref(bytes);
	g_free(a);
	g_free(b);
}

/* ---- pending confirmations ---- */

static gboolean
pending_id_ok(const char *id)
{
	return id && strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16;
}

void
org_pending_put(struct txn *t, const struct org_pending *p)
{
	GString *s;
	char *rel;

	g_return_if_fail(pending_id_ok(p->id));
	s = g_string_new(ORG_FORMAT);
	rel = g_strdup_printf("org/pending/%s", p->id);
	g_string_append_printf(s, "from: %s\nexpires: %" G_GINT64_FORMAT "\n\n%s", p->from,
			       p->expires, p->lines);
	put(t, rel, s);
	g_free(rel);
}

struct org_pending *
org_pending_get(const struct store *st, const char *id)
{
	struct org_pending *p;
	char *rel, *text, *body;
	GBytes *b;

	if (!pending_id_ok(id))
		return NULL;
	rel = g_strdup_printf("org/pending/%s", id);
	b = store_read_file(st, rel, 64 * 1024);
	g_free(rel);
	if (b == NULL)
		return NULL;
	text = g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
	g_bytes_unref(b);
	p = g_new0(struct org_pending, 1);
	p->id = g_strdup(id);
	body = strstr(text, "\n\n");
	if (g_str_has_prefix(text, ORG_FORMAT "from: ") && body) {
		char **f = g_strsplit(text + strlen(ORG_FORMAT), "\n", 3);

		p->from = g_strdup(f[0] + 6);
		if (f[1] && g_str_has_prefix(f[1], "expires: "))
			p->expires = g_ascii_strtoll(f[1] + 9, NULL, 10);
		p->lines = g_strdup(body + 2);
		g_strfreev(f);
	}
	g_free(text);
	if (p->from == NULL || p->expires == 0) {
		org_pending_free(p);
		return NULL;
	}
	return p;
}

void
org_pending_drop(struct txn *t, const char *id)
{
	char *rel;

	g_return_if_fail(pending_id_ok(id));
	rel = g_strdup_printf("org/pending/%s", id);
	txn_remove_file(t, rel);
	g_free(rel);
}

void
org_pending_free(struct org_pending *p)
{
	if (p == NULL)
		return;
	g_free(p->id);
	g_free(p->from);
	g_free(p->lines);
	g_free(p);
}

/* ---- command.h ---- */

char *
command_deadline(const struct store *st, const struct config *cfg)
{
	char **lines = org_lines(st, "org/settings");
	char *d = NULL;

	for (int i = 0; lines[i] && d == NULL; i++)
		if (g_str_has_prefix(lines[i], "deadline: ") && lines[i][10])
			d = util_clean_line(lines[i] + 10, ORG_LINE_MAX);
	g_strfreev(lines);
	return d ? d : g_strdup(cfg->deadline);
}

gboolean
command_cfp_open(const struct store *st)
{
	char **lines = org_lines(st, "org/settings");
	gboolean open = TRUE;

	for (int i = 0; lines[i]; i++)
		if (strcmp(lines[i], "cfp: closed") == 0)
			open = FALSE;
	g_strfreev(lines);
	return open;
}

/* A zone as people write it in a CfP, or NULL. */
static GTimeZone *
deadline_zone(const char *z)
{
	if (g_ascii_strcasecmp(z, "UTC") == 0 || g_ascii_strcasecmp(z, "GMT") == 0 ||
	    strcmp(z, "Z") == 0)
		return g_time_zone_new_utc();
	if (g_ascii_strcasecmp(z, "AoE") == 0)
		return g_time_zone_new_identifier("-12:00");
	/* An offset: +HH:MM or +HHMM. */
	if (g_regex_match_simple("^[+-]([01][0-9]|2[0-3]):?[0-5][0-9]$", z, 0, 0))
		return g_time_zone_new_identifier(z);
	/* A tz database name: letters, '/', '_', '-', '+', digits; no path tricks. */
	if (g_regex_match_simple("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){1,2}$", z, 0, 0))
		return g_time_zone_new_identifier(z);
	return NULL;
}

int
command_deadline_parse(const char *in, char **text, char **utc, GString *err)
{
	GRegex *re = g_regex_new("^(\\d{4})-(\\d{2})-(\\d{2})[ T]+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?"
				 "\\s+(\\S+)$", 0, 0, NULL);
	GMatchInfo *mi = NULL;
	GTimeZone *tz = NULL;
	GDateTime *dt = NULL, *u;
	int f[6] = { 0 }, rc = -1;
	char *zone = NULL;

	*text = *utc = NULL;
	if (!g_regex_match(re, in, 0, &mi)) {
		fail(err, "write the deadline as YYYY-MM-DD HH:MM ZONE, e.g. 2026-07-01 23:59 UTC");
		goto out;
	}
	for (int i = 0; i < 6; i++) {
		char *s = g_match_info_fetch(mi, i + 1);

		f[i] = s && *s ? atoi(s) : 0;
		g_free(s);
	}
	zone = g_match_info_fetch(mi, 7);
	if ((tz = deadline_zone(zone)) == NULL) {
		fail(err, "unknown time zone \"%s\": use UTC, AoE, +02:00 or a name such as "
		     "Europe/Paris", zone);
		goto out;
	}
	dt = g_date_time_new(tz, f[0], f[1], f[2], f[3], f[4], f[5]);
	if (dt == NULL) {
		fail(err, "there is no such date or time");
		goto out;
	}
	u = g_date_time_to_utc(dt);
	*utc = g_date_time_format(u, "%Y-%m-%d %H:%M UTC");
	g_date_time_unref(u);
	*text = f[5] ? g_strdup_printf("%04d-%02d-%02d %02d:%02d:%02d %s", f[0], f[1], f[2], f[3],
				       f[4], f[5], zone)
		     : g_strdup_printf("%04d-%02d-%02d %02d:%02d %s", f[0], f[1], f[2], f[3], f[4],
				       zone);
	rc = 0;
out:
	if (dt)
		g_date_time_unref(dt);
	if (tz)
		g_time_zone_unref(tz);
	g_free(zone);
	g_match_info_free(mi);
	g_regex_unref(re);
	return rc;
}
