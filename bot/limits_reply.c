/*
 * limits_reply.c - the per-sender cap, the outbox brake and the hard
 * bounce count (see limits_reply.h), and the daily counters.
 *
 * Every count is a store file changed through the mail's transaction, so
 * a crash and a replay count a mail once.  The files are read through
 * store_read_file() and store_read_tail(), which include what earlier
 * mails of the same batch staged.  Counters are rewritten whole (read, add one, write): they hold
 * a few lines per day.  The per-sender and bounce counts are kept between
 * replies and only the lines added since are counted (struct tally).
 */
#define _GNU_SOURCE             /* memrchr */
#include <string.h>

#include "limits_reply.h"
#include "util.h"

#define LIMITS_REPLIES_DIR "limits/replies"
#define LIMITS_KEEP_DAYS 2          /* per-day reply files kept: today and yesterday */
#define LIMITS_PRUNE_DAYS 30        /* how far back older ones are looked for */
#define LIMITS_MAX_BOUNCES_FILE (64 * 1024 * 1024)
#define LIMITS_REASON_MAX 40

char *
limits_reply_day(gint64 t)
{
	/* the last day asked for (UTC days are 86400 s long) */
	static gint64 first = 1, last = 0;
	static char *known;
	GDateTime *dt;
	char *day;

	if (t >= first && t <= last)
		return g_strdup(known);
	dt = g_date_time_new_from_unix_utc(t);
	if (dt == NULL)
		return g_strdup("1970-01-01");
	day = g_date_time_format(dt, "%Y-%m-%d");
	first = t - (gint64)g_date_time_get_hour(dt) * 3600 - g_date_time_get_minute(dt) * 60 -
		g_date_time_get_second(dt);
	last = first + 86399;
	g_free(known);
	known = g_strdup(day);
	g_date_time_unref(dt);
	return day;
}

static char *
limits_reply_day_file(gint64 t)
{
	char *day = limits_reply_day(t);
	char *rel = g_strdup_printf("%s/%s", LIMITS_REPLIES_DIR, day);

	g_free(day);
	return rel;
}

/*
 * Counts of the lines of an append-only store file, by a key read from
 * each line, kept from one reply to the next: only what was added since
 * the last count is read (store_read_tail() sees the staged changes too).
 * What was counted must still be what the file starts with: the bytes
 * just before the end of the count are compared.  Otherwise (a new day, a
 * file shortened or rewritten by hand) it is counted again from the start.
 */
#define TALLY_CHECK 64

struct tally {
	char *rel;                  /* the file counted */
	gsize done;                 /* bytes counted from its start: whole lines */
	char check[TALLY_CHECK];    /* the last MIN(done, TALLY_CHECK) of them */
	GHashTable *counts;         /* key -> number of lines (GINT_TO_POINTER) */
};

/* The key of one line (transfer full), or NULL when it counts for nothing. */
typedef char *(*tally_key)(const char *line, gsize len);

static struct tally tally_replies, tally_bounces;

static void
tally_reset(struct tally *t, const char *rel)
{
	if (t->rel != rel) {
		g_free(t->rel);
		t->rel = g_strdup(rel);
	}
	t->done = 0;
	if (t->counts)
		g_hash_table_unref(t->counts);
	t->counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* Count the lines from p to end (which ends a line). */
static void
tally_lines(struct tally *t, tally_key key, const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		gsize l = nl ? (gsize)(nl - p) : (gsize)(end - p);
		char *k = key(p, l);

		if (k)
			g_hash_table_replace(t->counts, k,
					     GINT_TO_POINTER(GPOINTER_TO_INT(
						     g_hash_table_lookup(t->counts, k)) + 1));
		p = nl ? nl + 1 : end;
	}
}

/*
 * What is new in st's file rel since the count, with the bytes to check
 * before it (*keep of them), or NULL when the file does not exist; the
 * count starts again when they do not match.
 */
static GBytes *
tally_read(struct tally *t, const struct store *st, const char *rel, gsize *keep)
{
	gboolean fresh = t->rel == NULL || strcmp(t->rel, rel) != 0;
	GBytes *b;
	gsize size, len;

	for (;;) {
		if (fresh)
			tally_reset(t, rel);
		*keep = MIN(t->done, TALLY_CHECK);
		b = store_read_tail(st, rel, t->done - *keep, &size);
		if (b == NULL) {
			tally_reset(t, rel);
			return NULL;
		}
		if (fresh || (size >= t->done && g_bytes_get_size(b) >= *keep &&
			      memcmp(g_bytes_get_data(b, &len), t->check, *keep) == 0))
			return b;
		g_bytes_unref(b);
		fresh = TRUE;
	}
}

/* The lines of st's file rel whose key is k, as the store sees the file
 * now; a last line without its newline counts too. */
static int
tally_count(struct tally *t, const struct store *st, const char *rel, tally_key key,
	    const char *k, int *exists)
{
	gsize keep, len;
	GBytes *b = tally_read(t, st, rel, &keep);
	const char *start, *data, *last;
	int n;

	if (exists)
		*exists = b != NULL;
	if (b == NULL)
		return 0;
	start = g_bytes_get_data(b, &len);
	data = start + keep;            /* where the count stopped */
	len -= keep;
	last = len ? memrchr(data, '\n', len) : NULL;
	if (last) {
		gsize done = t->done + (gsize)(last + 1 - data);
		gsize c = MIN(done, TALLY_CHECK);

		tally_lines(t, key, data, last + 1);
		t->done = done;
		memcpy(t->check, last + 1 - c, c);
		len -= (gsize)(last + 1 - data);
		data = last + 1;
	}
	n = GPOINTER_TO_INT(g_hash_table_lookup(t->counts, k));
	if (len > 0) {
		char *tail = key(data, len);

		n += tail && strcmp(tail, k) == 0;
		g_free(tail);
	}
	g_bytes_unref(b);
	return n;
}

/* A line of a day file: the address it holds, lowercased; a line with a
 * NUL in it matches no address. */
static char *
limits_reply_line_addr(const char *line, gsize len)
{
	if (memchr(line, '\0', len))
		return NULL;
	return g_ascii_strdown(line, (gssize)len);
}

static char *limits_reply_bounce_addr(const char *line, gsize len);

/* Mails waiting in outbox/new, counted up to stop_at + 1. */
static int
limits_reply_queued(const struct store *st, int stop_at)
{
	char *dir = g_build_filename(store_dir(st), "outbox", "new", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	int n = 0;

	while (d && n <= stop_at && (name = g_dir_read_name(d)) != NULL)
		if (name[0] != '.' && !g_str_has_suffix(name, ".tmp"))
			n++;
	if (d)
		g_dir_close(d);
	g_free(dir);
	return n;
}

const char *
limits_reply_refusal(const struct config *cfg, const struct store *st, gint64 now,
		     const char *rcpt)
{
	return limits_reply_check(cfg, st, now, rcpt, NULL);
}

const char *
limits_reply_check(const struct config *cfg, const struct store *st, gint64 now,
		   const char *rcpt, int *day_file)
{
	char *addr = g_ascii_strdown(rcpt, -1);
	const char *why = NULL;

	if (day_file)
		*day_file = -1;
	if (cfg->max_hard_bounces > 0 &&
	    tally_count(&tally_bounces, st, LIMITS_BOUNCES_FILE, limits_reply_bounce_addr, addr,
			NULL) >= cfg->max_hard_bounces)
		why = "hard-bounces";
	if (why == NULL && cfg->max_replies_per_sender_day > 0 && !config_is_organizer(cfg, addr)) {
		char *rel = limits_reply_day_file(now);

		if (tally_count(&tally_replies, st, rel, limits_reply_line_addr, addr, day_file) >=
		    cfg->max_replies_per_sender_day)
			why = "sender-cap";
		g_free(rel);
	}
	if (why == NULL && cfg->outbox_brake > 0 &&
	    limits_reply_queued(st, cfg->outbox_brake) > cfg->outbox_brake)
		why = "outbox-brake";
	g_free(addr);
	return why;
}

void
limits_reply_note(struct txn *t, const struct store *st, gint64 now, const char *rcpt)
{
	limits_reply_note_seen(t, st, now, rcpt, -1);
}

void
limits_reply_note_seen(struct txn *t, const struct store *st, gint64 now, const char *rcpt,
		       int day_file)
{
	char *rel = limits_reply_day_file(now);
	GBytes *today = day_file < 0 ? store_read_file(st, rel, 0) : NULL;
	char *line = g_strdup_printf("%s\n", rcpt);
	GBytes *b;

	if (!util_addr_ok(rcpt))
		goto out;
	/* The first reply of a day clears away the files of older days. */
	if (day_file == 0 || (day_file < 0 && today == NULL))
		for (int i = LIMITS_KEEP_DAYS; i < LIMITS_KEEP_DAYS + LIMITS_PRUNE_DAYS; i++) {
			char *old = limits_reply_day_file(now - (gint64)i * 86400);

			txn_remove_file(t, old);
			g_free(old);
		}
	b = g_bytes_new_take(g_ascii_strdown(line, -1), strlen(line));
	txn_append_file(t, rel, b);
	g_bytes_unref(b);
out:
	if (today)
		g_bytes_unref(today);
	g_free(line);
	g_free(rel);
}

void
limits_reply_count(struct txn *t, const struct store *st, const char *rel, gint64 now,
		   const char *reason)
{
	char *day = limits_reply_day(now), *why = util_clean_line(reason ? reason : "-",
								   LIMITS_REASON_MAX);
	GBytes *old = store_read_file(st, rel, 0), *b;
	GString *out = g_string_new(NULL);
	gboolean found = FALSE;

	g_strdelimit(why, "\t ", '-');
	if (why[0] == '\0') {
		g_free(why);
		why = g_strdup("-");
	}
	if (old) {
		char *text = g_strndup(g_bytes_get_data(old, NULL), g_bytes_get_size(old));
		char **lines = g_strsplit(text, "\n", -1);

		for (int i = 0; lines[i]; i++) {
			char **f = g_strsplit(lines[i], "\t", -1);

			if (g_strv_length(f) != 3) {
				g_strfreev(f);
				continue;       /* an empty or damaged line */
			}
			if (strcmp(f[0], day) == 0 && strcmp(f[1], why) == 0) {
				g_string_append_printf(out, "%s\t%s\t%" G_GINT64_FORMAT "\n", day, why,
						       g_ascii_strtoll(f[2], NULL, 10) + 1);
				found = TRUE;
			} else {
				g_string_append_printf(out, "%s\n", lines[i]);
			}
			g_strfreev(f);
		}
		g_strfreev(lines);
		g_free(text);
		g_bytes_unref(old);
	}
	if (!found)
		g_string_append_printf(out, "%s\t%s\t1\n", day, why);
	b = g_string_free_to_bytes(out);
	txn_write_file(t, rel, b);
	g_bytes_unref(b);
	g_free(day);
	g_free(why);
}

void
limits_reply_bounce(struct txn *t, gint64 now, const char *addr, const char *status)
{
	char *a, *s, *line;
	GBytes *b;

	if (!util_addr_ok(addr))
		return;
	a = g_ascii_strdown(addr, -1);
	s = g_strdup(status && *status ? status : "5.0.0");
	/* A status is digits and dots: keep nothing else. */
	g_strcanon(s, "0123456789.", '_');
	if (strlen(s) > 16)
		s[16] = '\0';
	line = g_strdup_printf("%" G_GINT64_FORMAT "\t%s\t%s\n", now, a, s);
	b = g_bytes_new_take(line, strlen(line));
	txn_append_file(t, LIMITS_BOUNCES_FILE, b);
	g_bytes_unref(b);
	g_free(a);
	g_free(s);
}

/* The address field of one bounces line, into a new string, or NULL. */
static char *
limits_reply_bounce_addr(const char *line, gsize len)
{
	const char *tab = memchr(line, '\t', len), *tab2;

	if (tab == NULL)
		return NULL;
	tab++;
	tab2 = memchr(tab, '\t', len - (gsize)(tab - line));
	if (tab2 == NULL)
		return NULL;
	return g_ascii_strdown(tab, tab2 - tab);
}

int
limits_reply_bounces_in(const char *data, gsize len, const char *addr)
{
	const char *p = data, *end = data + len;
	int n = 0;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		gsize l = nl ? (gsize)(nl - p) : (gsize)(end - p);
		char *a = limits_reply_bounce_addr(p, l);

		if (a && g_ascii_strcasecmp(a, addr) == 0)
			n++;
		g_free(a);
		p = nl ? nl + 1 : end;
	}
	return n;
}

GHashTable *
limits_reply_bounced(const char *state_dir, int min)
{
	GHashTable *count = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *path = g_build_filename(state_dir, LIMITS_BOUNCES_FILE, NULL);
	char *data = NULL;
	gsize len = 0;

	if (min > 0 && g_file_test(path, G_FILE_TEST_EXISTS) &&
	    util_read_file(path, LIMITS_MAX_BOUNCES_FILE, &data, &len, NULL) == 0) {
		const char *p = data, *end = data + len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (gsize)(end - p));
			gsize l = nl ? (gsize)(nl - p) : (gsize)(end - p);
			char *a = limits_reply_bounce_addr(p, l);

			if (a) {
				int n = GPOINTER_TO_INT(g_hash_table_lookup(count, a)) + 1;

				if (n >= min)
					g_hash_table_add(out, g_strdup(a));
				g_hash_table_replace(count, a, GINT_TO_POINTER(n));
			}
			p = nl ? nl + 1 : end;
		}
	}
	g_free(data);
	g_free(path);
	g_hash_table_unref(count);
	return out;
}
