/*
 * digest.c - a digest run: who is due, one transaction for every digest
 * and the memory of them; the daemon's tick and `mcbot digest`.
 *
 * `--now` sends the NEXT period's digests at once instead of waiting for
 * their time (an organizer who wants the digest today); it still sends at
 * most one digest per period per recipient, so the scheduled run of that
 * period then finds nothing due.  There is deliberately no way to force a
 * second digest in a period: the memory is what keeps a crash, a restart,
 * a cron job and the daemon from sending doubles.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "compose.h"
#include "../handlers/command.h"
#include "digest_p.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "util.h"

struct recipient {
	char *key;
	char *addr;
	char *name;                 /* NULL for organizers */
	int mc_id;                  /* 0 for organizers */
	gint64 since;
};

static void
recipient_free(struct recipient *r)
{
	g_free(r->key);
	g_free(r->addr);
	g_free(r->name);
	g_free(r);
}

static void
add_if_due(GPtrArray *due, const struct digest_state *s, const char *period, char *key,
	   const char *addr, const char *name, int mc_id)
{
	const struct digest_mark *m = digest_state_mark(s, key);
	struct recipient *r;

	if (m && strcmp(m->period, period) >= 0) {
		g_free(key);
		return;
	}
	r = g_new0(struct recipient, 1);
	r->key = key;
	r->addr = g_strdup(addr);
	r->name = g_strdup(name);
	r->mc_id = mc_id;
	r->since = m ? m->until : 0;
	g_ptr_array_add(due, r);
}

static gboolean
mc_closed(const struct mc *mc)
{
	static const char *const closed[] = { "rejected", "withdrawn", "merged", NULL };

	for (int i = 0; closed[i]; i++)
		if (strcmp(mc->status, closed[i]) == 0)
			return TRUE;
	return FALSE;
}

/* An MC the period's digests tell about: it existed when the period began. */
static gboolean
mc_in_period(const struct mc *mc, const struct digest_period *p, gboolean ahead)
{
	return ahead || mc->created <= p->start;
}

/*
 * Every recipient whose digest of period p is due, organizers first.
 * Organizers hear nothing before the first MC: a new installation does
 * not mail them an empty issue 1 the moment it starts.
 */
static GPtrArray *
due_recipients(const struct config *cfg, struct store *st, const struct digest_state *s,
	       const struct digest_period *p, gboolean ahead, int *skipped)
{
	GPtrArray *due = g_ptr_array_new_with_free_func((GDestroyNotify)recipient_free);
	GPtrArray *all = store_mcs(st);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	gboolean any = FALSE;

	for (guint i = 0; i < all->len && !any; i++)
		any = mc_in_period(all->pdata[i], p, ahead);
	for (int i = 0; any && cfg->organizers && cfg->organizers[i]; i++) {
		const char *a = cfg->organizers[i];
		char *key = digest_key_organizer(a);

		if (g_hash_table_contains(seen, key)) {
			g_free(key);
			continue;
		}
		g_hash_table_add(seen, g_strdup(key));
		add_if_due(due, s, p->id, key, a, NULL, 0);
	}
	for (guint i = 0; i < all->len; i++) {
		const struct mc *mc = all->pdata[i];

		/* An MC proposed after the period began waits for the next one;
		 * a closed one has had its decision mail and hears no more. */
		if (!mc_in_period(mc, p, ahead) || mc_closed(mc))
			continue;
		for (guint j = 0; j < mc->p->leads->len; j++) {
			const struct person *l = mc->p->leads->pdata[j];
			char *key;

			if (l->email == NULL || !util_addr_ok(l->email)) {
				(*skipped)++;
				continue;
			}
			key = digest_key_lead(mc->id, l->email);
			if (g_hash_table_contains(seen, key)) {
				g_free(key);
				continue;
			}
			g_hash_table_add(seen, g_strdup(key));
			add_if_due(due, s, p->id, key, l->email, l->name, mc->id);
		}
	}
	g_hash_table_unref(seen);
	return due;
}

/* The outbox file of one digest (transfer full), or NULL. */
static GBytes *
digest_build(const struct config *cfg, const char *seed, const struct recipient *to,
	     const char *tagged, const char *body, gint64 now)
{
	struct compose cm = { 0 };
	GBytes *msg, *file = NULL;

	cm.from_addr = cfg->list_address;
	cm.from_name = cfg->list_name;
	cm.to_addr = to->addr;
	cm.to_name = to->name;
	cm.subject = tagged;
	cm.body = body;
	cm.auto_submitted = "auto-generated";
	cm.bulk = TRUE;
	cm.msgid_seed = seed;
	cm.msgid_domain = cfg->msgid_domain;
	cm.date = now;
	cm.x_loop = cfg->list_address;
	msg = compose_build(&cm);
	if (msg) {
		gsize len;
		const char *data = g_bytes_get_data(msg, &len);

		file = outbox_format(cfg->list_address, to->addr, data, len);
		g_bytes_unref(msg);
	}
	return file;
}

/*
 * The template values of the last digest rendered.  Recipients come MC by
 * MC, and the leads of one MC with the same window get the same values but
 * for their name; so do organizers with the same window.  Working them out
 * once per MC instead of once per lead is most of the cost they have.
 */
struct vars_cache {
	GHashTable *vars;           /* owned; NULL before the first */
	int mc_id;                  /* 0: an organizer's */
	gint64 since;
};

/* The values of to's digest (borrowed from c, valid until the next call). */
static GHashTable *
digest_vars(struct vars_cache *c, const struct digest_render *r, const struct digest_mc *dm,
	    const struct recipient *to)
{
	if (c->vars == NULL || c->mc_id != to->mc_id || c->since != to->since) {
		if (c->vars)
			g_hash_table_unref(c->vars);
		c->vars = dm ? digest_lead_vars(r, dm, to->name, to->since, r->now)
			     : digest_organizer_vars(r, to->since, r->now);
		c->mc_id = to->mc_id;
		c->since = to->since;
	} else if (dm) {
		digest_put(c->vars, "recipient_name", g_strdup(to->name ? to->name : ""));
	}
	return c->vars;
}

/* Render, build and queue (or show) one recipient's digest. */
static int
digest_one(const struct config *cfg, const struct templates *tpl, const struct digest_render *r,
	   GHashTable *by_id, struct vars_cache *cache, const struct recipient *to, struct txn *t,
	   struct digest_report *rep, GString *err)
{
	const struct digest_mc *dm = to->mc_id ? g_hash_table_lookup(by_id,
								     GINT_TO_POINTER(to->mc_id)) : NULL;
	GHashTable *vars;
	char *subject = NULL, *body = NULL, *seed = NULL, *name = NULL, *tagged = NULL;
	GBytes *file = NULL;
	int status = -1;

	if (to->mc_id && dm == NULL)
		return fail(err, "digest: MC-%d vanished", to->mc_id);
	vars = digest_vars(cache, r, dm, to);
	if (template_render(tpl, dm ? "digest-lead" : "digest-organizer", vars, &subject, &body,
			    err) < 0)
		goto out;
	seed = g_strdup_printf("digest/%s/%s", r->period->id, to->key);
	tagged = dm ? g_strdup_printf("[%s MC-%d] %s", cfg->tag, to->mc_id, subject)
		    : g_strdup_printf("[%s] %s", cfg->tag, subject);
	if ((file = digest_build(cfg, seed, to, tagged, body, r->now)) == NULL) {
		fail(err, "digest: cannot build the mail to <%s>", to->addr);
		goto out;
	}
	if (rep->text)
		g_string_append_printf(rep->text, "=== issue %d, period %s, to %s (%s) ===\n"
				       "Subject: %s\n\n%s\n", r->issue, r->period->id, to->addr,
				       dm ? "lead" : "organizer", tagged, body);
	if (t) {
		name = util_sha256_hex(seed, strlen(seed));
		name[32] = '\0';
		txn_queue_mail(t, name, file);
	}
	if (dm)
		rep->leads++;
	else
		rep->organizers++;
	status = 0;
out:
	if (file)
		g_bytes_unref(file);
	g_free(name);
	g_free(tagged);
	g_free(seed);
	g_free(body);
	g_free(subject);
	return status;
}

static gboolean
templates_ok(const struct templates *tpl, GString *err)
{
	static const char *const need[] = { "digest-lead", "digest-organizer", NULL };

	for (int i = 0; need[i]; i++)
		if (!template_exists(tpl, need[i])) {
			fail(err, "digest: the template %s.txt is missing", need[i]);
			return FALSE;
		}
	return TRUE;
}

/* Queue every due digest and the new memory; the caller holds rep. */
static int
digest_send(const struct config *cfg, struct store *st, const struct templates *tpl,
	    struct digest_state *s, GPtrArray *due, struct digest_render *r, gboolean dry,
	    gboolean requested, struct digest_report *rep, GString *err)
{
	GHashTable *by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
	struct vars_cache cache = { 0 };
	struct txn *t = dry ? NULL : txn_new(st);
	const struct digest_view *v = r->view;
	int status = -1;

	for (guint i = 0; i < v->mcs->len; i++) {
		const struct digest_mc *dm = v->mcs->pdata[i];

		g_hash_table_insert(by_id, GINT_TO_POINTER(dm->mc->id), (gpointer)dm);
	}
	for (guint i = 0; i < due->len; i++) {
		const struct recipient *to = due->pdata[i];

		if (digest_one(cfg, tpl, r, by_id, &cache, to, t, rep, err) < 0)
			goto out;
		digest_state_set(s, to->key, r->period->id, r->issue, r->now);
	}
	if (strcmp(r->period->id, s->period) > 0) {
		s->issue = r->issue;
		g_strlcpy(s->period, r->period->id, sizeof s->period);
	}
	if (t) {
		GBytes *b = g_string_free_to_bytes(digest_state_format(s));

		txn_write_file(t, DIGEST_STATE_FILE, b);
		g_bytes_unref(b);
		if (requested)
			txn_remove_file(t, DIGEST_REQUEST_FILE);
		if (txn_commit(t, err) < 0)
			goto out;
	}
	status = 0;
out:
	if (cache.vars)
		g_hash_table_unref(cache.vars);
	txn_free(t);
	g_hash_table_unref(by_id);
	return status;
}

/* A "digest now" that found nothing left to send is done all the same. */
static int
drop_request(struct store *st, GString *err)
{
	struct txn *t = txn_new(st);
	int rc;

	txn_remove_file(t, DIGEST_REQUEST_FILE);
	rc = txn_commit(t, err);
	txn_free(t);
	return rc;
}

void
digest_request(struct txn *t, gint64 when, const char *by)
{
	char *who = util_clean_line(by ? by : "", 300);
	char *line = g_strdup_printf("%" G_GINT64_FORMAT "\t%s\n", when, who);
	GBytes *b = g_bytes_new_take(line, strlen(line));

	txn_write_file(t, DIGEST_REQUEST_FILE, b);
	g_bytes_unref(b);
	g_free(who);
}

int
digest_run(const struct config *cfg, struct store *st, const struct templates *tpl,
	   gint64 now, unsigned flags, struct digest_report *rep, GString *err)
{
	struct digest_state *s = NULL;
	struct digest_view *view = NULL;
	struct digest_render r = { 0 };
	GPtrArray *due = NULL;
	GBytes *request = store_read_file(st, DIGEST_REQUEST_FILE, 4096);
	gboolean dry = (flags & DIGEST_DRY_RUN) != 0;
	int status = -1, issue;

	rep->issue = rep->leads = rep->organizers = rep->skipped = 0;
	if (request)                /* an organizer's "digest now" */
		flags |= DIGEST_AHEAD;
	if (digest_period_at(cfg->digest_timezone, cfg->digest_day, cfg->digest_time, now,
			     (flags & DIGEST_AHEAD) != 0, &rep->period, err) < 0 ||
	    digest_state_load(store_dir(st), &s, err) < 0)
		goto out;
	due = due_recipients(cfg, st, s, &rep->period, (flags & DIGEST_AHEAD) != 0,
			     &rep->skipped);
	if (due->len == 0) {
		status = request && !dry ? drop_request(st, err) : 0;
		goto out;
	}
	if (!templates_ok(tpl, err) || digest_view_build(st, &view, err) < 0)
		goto out;
	/* A new period is a new issue; late recipients of a period share its number. */
	issue = strcmp(rep->period.id, s->period) > 0 ? s->issue + 1 : MAX(s->issue, 1);
	r.cfg = cfg;
	r.view = view;
	r.period = &rep->period;
	r.issue = issue;
	r.now = now;
	r.tz = g_time_zone_new_identifier(cfg->digest_timezone);
	r.deadline = command_deadline(st, cfg);     /* an organizer's "deadline" wins */
	if (digest_send(cfg, st, tpl, s, due, &r, dry, request != NULL, rep, err) < 0)
		goto out;
	rep->issue = issue;
	status = 0;
out:
	if (request)
		g_bytes_unref(request);
	if (r.tz)
		g_time_zone_unref(r.tz);
	g_free(r.deadline);
	digest_view_free(view);
	if (due)
		g_ptr_array_unref(due);
	digest_state_free(s);
	return status;
}

void
digest_tick(const struct config *cfg, struct store *st, const struct templates *tpl,
	    gint64 now)
{
	static char failed[DIGEST_PERIOD_LEN];      /* log a failing period once */
	struct digest_report rep = { 0 };
	struct outbox_stats os = { 0 };
	GString *err;

	if (!cfg->digest_enabled)
		return;
	err = g_string_new(NULL);
	if (digest_run(cfg, st, tpl, now, 0, &rep, err) < 0) {
		if (strcmp(failed, rep.period.id) != 0)
			log_warnx("%s", err->str);
		g_strlcpy(failed, rep.period.id, sizeof failed);
	} else if (rep.issue > 0) {
		log_info("digest: issue %d, period %s: %d lead and %d organizer digests queued",
			 rep.issue, rep.period.id, rep.leads, rep.organizers);
		if (outbox_flush(cfg, &os, err) < 0)
			log_warnx("outbox: %s", err->str);
	}
	g_string_free(err, TRUE);
}

static gint64
digest_now(void)
{
	const char *fixed = g_getenv("MCBOT_NOW");      /* tests fix the clock */

	return fixed ? g_ascii_strtoll(fixed, NULL, 10) : (gint64)time(NULL);
}

static void
digest_print(const struct config *cfg, const struct digest_report *rep, gboolean dry)
{
	GTimeZone *tz = g_time_zone_new_identifier(cfg->digest_timezone);
	char *start = tz ? digest_format_time(tz, rep->period.start) : g_strdup("?");
	char *next = tz ? digest_format_time(tz, rep->period.next) : g_strdup("?");

	if (rep->issue == 0)
		printf("digest: nothing due for the period of %s (the next starts %s)\n", start,
		       next);
	else
		printf("digest: issue %d, period of %s: %d lead and %d organizer digests %s\n",
		       rep->issue, start, rep->leads, rep->organizers,
		       dry ? "would be sent (dry run: nothing sent or recorded)" : "queued");
	if (rep->skipped)
		printf("digest: %d leads have no usable address\n", rep->skipped);
	g_free(start);
	g_free(next);
	if (tz)
		g_time_zone_unref(tz);
}

int
digest_main(const struct config *cfg, int argc, char **argv)
{
	GString *err = g_string_new(NULL);
	struct digest_report rep = { 0 };
	struct outbox_stats os = { 0 };
	struct templates *tpl = NULL;
	struct store *st = NULL;
	unsigned flags = 0;
	int status = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			flags |= DIGEST_DRY_RUN;
		} else if (strcmp(argv[i], "--now") == 0) {
			flags |= DIGEST_AHEAD;
		} else {
			fprintf(stderr, "usage: mcbot digest [--dry-run] [--now]\n");
			status = 2;
			goto out;
		}
	}
	if (cli_open_job(cfg, &tpl, &st) < 0)
		goto out;
	if (flags & DIGEST_DRY_RUN)
		rep.text = g_string_new(NULL);
	if (digest_run(cfg, st, tpl, digest_now(), flags, &rep, err) < 0) {
		fprintf(stderr, "mcbot: %s\n", err->str);
		goto out;
	}
	if (rep.text)
		fputs(rep.text->str, stdout);
	digest_print(cfg, &rep, (flags & DIGEST_DRY_RUN) != 0);
	/* Also what an interrupted run left queued. */
	if (!(flags & DIGEST_DRY_RUN) && outbox_flush(cfg, &os, err) < 0) {
		fprintf(stderr, "mcbot: outbox: %s\n", err->str);
		goto out;
	}
	if (os.tempfail || os.permfail)
		log_warnx("outbox: %d sent, %d to retry, %d failed", os.sent, os.tempfail,
			  os.permfail);
	status = 0;
out:
	if (rep.text)
		g_string_free(rep.text, TRUE);
	store_close(st);
	templates_free(tpl);
	g_string_free(err, TRUE);
	return status;
}
