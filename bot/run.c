/*
 * run.c - the main job, for `mcbot once` and `mcbot run`.
 *
 * One mail = one transaction: parse, dispatch to a handler, stage the
 * store changes and queued replies together.  A batch of staged
 * transactions is made durable by one journal record (store_flush); only
 * then do the mails leave the inbox and their replies go out: on the
 * sender's thread (sender.c), while the next batch is fetched and handled.
 * A mail whose key is already processed is moved without being handled
 * again.
 */
#include <malloc.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <string.h>
#include <time.h>

#include "../handlers/classify.h"
#include "../handlers/handler.h"
#include "../handlers/oversize.h"
#include "digest.h"
#include "guard.h"
#include "inbox.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "run.h"
#include "sender.h"
#include "store.h"
#include "template.h"
#include "util.h"

static volatile int stop_requested;
/* SIGHUP: reload at the next safe point.  wake_requested ends a wait early. */
static volatile int reload_requested, wake_requested;

static void
on_signal(int sig)
{
	if (sig == SIGHUP) {
		reload_requested = 1;
	} else {
		stop_requested = 1;
	}
	wake_requested = 1;
}

struct runner {
	const struct config *cfg;
	struct store *st;
	struct templates *tpl;
	struct mail_limits lim;
	struct run_stats *rs;
	struct sender *sender;      /* once and run only: sends the outbox */
};

static gint64
run_now(void)
{
	const char *fixed = g_getenv("MCBOT_NOW");      /* tests fix the clock */

	return fixed ? g_ascii_strtoll(fixed, NULL, 10) : (gint64)time(NULL);
}

/* Handle one fetched mail and decide its folder.  -1: state not writable. */
static int
run_item(struct runner *r, struct inbox_item *it, GString *err)
{
	struct ctx c = { r->cfg, r->st, r->tpl, run_now(), 0 };
	struct result res = { FOLDER_DONE, "done", NULL };
	struct mail *m = NULL;
	struct txn *t;
	GString *why = g_string_new(NULL);
	const char *poison;
	int rc = 0;

	r->rs->seen++;
	if (guard_poisoned(it, &poison)) {      /* it killed an earlier run */
		it->folder = FOLDER_FAILED;
		r->rs->failed++;
		log_warnx("mail %s: %s: set aside unparsed", it->id, poison);
		digest_note_unparsed(r->st, c.now, it, poison);
		goto out;
	}
	guard_begin(it, r->cfg->parse_cpu_seconds);     /* until guard_end below */
	if (it->raw == NULL) {
		it->folder = FOLDER_OVERSIZE;
		r->rs->oversize++;
		log_notice("%s: %zu bytes, over max_message_size: set aside", it->id, it->size);
		digest_note_unparsed(r->st, c.now, it, NULL);
		oversize_notice(&c, it, &r->lim);       /* from the header block */
		goto out;
	}
	if (mail_parse(it->raw, it->len, &r->lim, &m, why) < 0) {
		it->folder = FOLDER_FAILED;
		r->rs->failed++;
		log_notice("mail %s: cannot be parsed: %s", it->id, why->str);
		digest_note_unparsed(r->st, c.now, it, why->str);
		goto out;
	}
	if (store_processed(r->st, m->key)) {
		it->folder = folder_from_name(store_processed_folder(r->st, m->key));
		r->rs->skipped++;
		log_debug(LOG_AREA_MAIN, "%s: already processed", m->key);
		goto out;
	}
	t = txn_new(r->st);
	if (dispatch(m, &c, t, &res) < 0) {
		txn_free(t);
		it->folder = FOLDER_NONE;
		log_warnx("%s: not handled, kept for the next run", m->key);
		goto out;
	}
	if (res.folder != FOLDER_DONE)     /* counted in the organizers' digest */
		digest_note_mail(t, c.now, res.folder, res.outcome, m->key, m->from_addr,
				 res.detail);
	txn_processed_in(t, m->key, folder_name(res.folder));
	txn_stage(t);           /* made durable for the whole batch in drain() */
	txn_free(t);
	it->folder = res.folder;
	if (res.folder == FOLDER_DROPPED)
		r->rs->dropped++;
	else if (res.folder == FOLDER_FAILED)
		r->rs->failed++;
	else
		r->rs->done++;
	log_info("mail %s from %s: %s: %s, to %s%s%s", m->message_id ? m->message_id : m->key,
		 m->from_addr ? m->from_addr : "(none)", kind_name(c.kind), res.outcome,
		 folder_name(res.folder), res.detail ? ": " : "", res.detail ? res.detail : "");
out:
	guard_end();
	g_free(res.detail);
	mail_free(m);
	g_string_free(why, TRUE);
	return rc;
}

static int
runner_init(struct runner *r, const struct config *cfg, struct run_stats *rs, GString *err)
{
	GString *errs = g_string_new(NULL);
	int rc;

	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	r->rs = rs;
	r->lim.max_text = cfg->max_text_size;
	r->lim.max_parts = cfg->max_mime_parts;
	r->lim.max_depth = cfg->max_mime_depth;
	r->lim.max_headers = cfg->max_headers;
	mail_init();
	rc = templates_load(cfg->templates_dir, &r->tpl, errs);
	if (rc < 0)
		fail(err, "templates:\n%s", errs->str);
	else
		rc = store_open(cfg->state_dir, &r->st, err);
	if (rc == 0)
		guard_open(cfg->state_dir);
	g_string_free(errs, TRUE);
	return rc;
}

static void
runner_done(struct runner *r)
{
	sender_free(r->sender);
	guard_close();
	store_close(r->st);
	templates_free(r->tpl);
}

/* store_on_applied() during a drain: the batch's replies are in outbox/new
 * and its journal record is durable. */
static int
runner_applied(void *data, GString *err)
{
	struct runner *r = data;

	return sender_push_new(r->sender, r->cfg, err);
}

/*
 * Drain the inbox batch by batch.  The replies of a batch go to the
 * sender as soon as its flush made them durable (its journal record: the
 * sender starts while the flush syncs the files); the sender sends them
 * while the mails are moved and the next batch is handled.  At the end,
 * one pass over the whole outbox, and the drain returns only when the
 * sender is done: outside a drain, store flushes hand nothing to it.
 */
static int
drain(struct runner *r, struct inbox *ib, GString *err)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)inbox_item_free);
	struct outbox_stats os = { 0 };
	int rc = 0;

	store_on_applied(r->st, runner_applied, r);
	for (;;) {
		sd_notify(0, "WATCHDOG=1");
		g_ptr_array_set_size(items, 0);
		malloc_trim(0);     /* the last batch's mails and files are freed now */
		rc = inbox_fetch(ib, r->cfg->imap_batch, items, err);
		if (rc < 0 || items->len == 0)
			break;
		/* SIGTERM: finish the current mail; the rest stay in the inbox. */
		for (guint i = 0; i < items->len && rc == 0 && !stop_requested; i++)
			rc = run_item(r, items->pdata[i], err);
		/* Group commit: one journal record for the batch, before any
		 * mail moves or any reply goes out. */
		if (rc == 0)
			rc = store_flush(r->st, err);
		if (rc < 0)
			break;      /* unwritable state: stop before moving anything */
		rc = inbox_finish(ib, items, err);
		store_step();
		if (rc == 0)
			rc = sender_check(r->sender, err);
		if (rc < 0 || stop_requested)
			break;
	}
	if (rc == 0)
		sender_push_all(r->sender, r->cfg);
	if (sender_wait(r->sender, &os, rc == 0 ? err : NULL) < 0)
		rc = -1;
	store_on_applied(r->st, NULL, NULL);
	if (os.sent || os.tempfail || os.permfail)
		log_info("outbox: %d sent, %d to retry, %d failed", os.sent, os.tempfail, os.permfail);
	g_ptr_array_unref(items);
	return rc;
}

int
run_once(const struct config *cfg, struct run_stats *rs, GString *err)
{
	struct runner r;
	struct inbox *ib = NULL;
	int rc;

	rc = runner_init(&r, cfg, rs, err);
	if (rc == 0)
		rc = inbox_open(cfg, &ib, err);
	if (rc == 0) {
		r.sender = sender_new();
		rc = drain(&r, ib, err);
	}
	if (ib)
		inbox_close(ib);
	runner_done(&r);
	return rc;
}

int
run_replay(const struct config *cfg, const char *path, struct run_stats *rs, GString *err)
{
	struct inbox_item it = { 0 };
	struct outbox_stats os = { 0 };
	struct runner r;
	int rc;

	rc = runner_init(&r, cfg, rs, err);
	if (rc == 0)
		rc = util_read_file(path, 0, &it.raw, &it.len, err);
	if (rc == 0) {
		it.id = g_path_get_basename(path);
		it.size = it.len;
		if (it.len > cfg->max_message_size)
			g_clear_pointer(&it.raw, g_free);       /* as the inbox does */
		rc = run_item(&r, &it, err);
	}
	if (rc == 0)
		rc = store_flush(r.st, err);
	if (rc == 0)
		rc = outbox_flush(cfg, &os, err);
	if (os.sent || os.tempfail || os.permfail)
		log_info("outbox: %d sent, %d to retry, %d failed", os.sent, os.tempfail, os.permfail);
	g_free(it.id);
	g_free(it.raw);
	runner_done(&r);
	return rc;
}

/*
 * SIGHUP, between batches: read the configuration and the templates again.
 * When either has a problem, or the new file moves the state directory
 * (that takes a restart: the store is open and locked), the running ones
 * stay and the reason is logged.  *owned is the configuration this
 * function loaded last (the first one belongs to main).
 */
static void
run_reload(struct runner *r, struct config **owned, struct inbox **ib)
{
	GString *errs = g_string_new(NULL);
	const struct config *old = r->cfg;
	struct config *nc = NULL;
	struct templates *nt = NULL;
	char **lines = NULL;

	reload_requested = 0;
	sd_notify(0, "RELOADING=1");
	if (old->path && config_load(old->path, &nc, errs) < 0) {
		log_warnx("reload: %s has problems; the running configuration stays:", old->path);
		goto out;
	}
	if (nc && strcmp(nc->state_dir, old->state_dir) != 0) {
		log_warnx("reload: [store] state_dir changed: that takes a restart; the running "
			  "configuration stays");
		goto out;
	}
	if (templates_load((nc ? nc : old)->templates_dir, &nt, errs) < 0) {
		log_warnx("reload: the templates have problems; the running ones stay:");
		goto out;
	}
	templates_free(r->tpl);
	r->tpl = g_steal_pointer(&nt);
	if (nc) {
		/* The inbox and the sender's connection borrow the configuration:
		 * connect again with the new one. */
		inbox_close(*ib);
		*ib = NULL;
		sender_forget(r->sender);
		r->cfg = nc;
		r->lim.max_text = nc->max_text_size;
		r->lim.max_parts = nc->max_mime_parts;
		r->lim.max_depth = nc->max_mime_depth;
		r->lim.max_headers = nc->max_headers;
		config_free(*owned);
		*owned = g_steal_pointer(&nc);
	}
	log_info("reload: %s and the templates in %s reloaded",
		 old->path ? "the configuration" : "(embedded default)", r->cfg->templates_dir);
out:
	lines = g_strsplit(errs->str, "\n", -1);
	for (int i = 0; lines[i]; i++)
		if (lines[i][0])
			log_warnx("reload: %s", lines[i]);
	g_strfreev(lines);
	templates_free(nt);
	config_free(nc);
	g_string_free(errs, TRUE);
	sd_notify(0, "READY=1");
}

#define RUN_BACKOFF_MAX 300

/*
 * Wait before connecting again: exponential backoff (1, 2, 4 ... 300 s)
 * with jitter (0.5 to 1.5 times the step), so that the clients of a
 * restarted server do not all come back in the same second.
 */
static void
run_backoff(int *backoff)
{
	gint64 ms = (gint64)(*backoff * 1000 * (0.5 + g_random_double()));

	log_notice("inbox: connecting again in %.2f s", (double)ms / 1000);
	for (gint64 t = 0; t < ms && !wake_requested; t += 100) {
		if (t % 1000 == 0)
			sd_notify(0, "WATCHDOG=1");
		g_usleep((gulong)MIN(100, ms - t) * 1000);
	}
	*backoff = MIN(*backoff * 2, RUN_BACKOFF_MAX);
}

/* How long one wait may last: the poll interval, but short enough to
 * feed systemd's watchdog twice per period. */
static int
wait_slice(const struct config *cfg)
{
	uint64_t usec = 0;
	int slice = cfg->poll_interval;

	if (sd_watchdog_enabled(0, &usec) > 0)
		slice = MIN(slice, MAX(1, (int)(usec / G_USEC_PER_SEC / 2)));
	return MAX(slice, 1);
}

int
run_daemon(const struct config *cfg)
{
	struct runner r;
	struct run_stats rs = { 0 };
	struct inbox *ib = NULL;
	struct config *reloaded = NULL;
	GString *err = g_string_new(NULL);
	int backoff = 1, status = 0;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	if (runner_init(&r, cfg, &rs, err) < 0) {
		log_warnx("%s", err->str);
		g_string_free(err, TRUE);
		return 1;
	}
	r.sender = sender_new();
	sd_notify(0, "READY=1");
	while (!stop_requested) {
		int drained;

		sd_notify(0, "WATCHDOG=1");
		wake_requested = 0;
		if (stop_requested)
			break;
		if (reload_requested)
			run_reload(&r, &reloaded, &ib);
		cfg = r.cfg;
		if (ib == NULL && inbox_open(cfg, &ib, err) < 0) {
			log_warnx("inbox: %s", err->str);
			run_backoff(&backoff);
			continue;
		}
		if ((drained = drain(&r, ib, err)) == 0) {
			backoff = 1;    /* the session works */
			digest_tick(cfg, r.st, r.tpl, run_now());      /* when one is due */
		}
		if (drained < 0 || inbox_wait(ib, wait_slice(cfg), &wake_requested, err) < 0) {
			/* A session that fails at once must not become a tight loop. */
			log_warnx("inbox: %s; reconnecting", err->str);
			inbox_close(ib);
			ib = NULL;
			run_backoff(&backoff);
			continue;
		}
	}
	sd_notify(0, "STOPPING=1");
	if (ib)
		inbox_close(ib);
	runner_done(&r);
	config_free(reloaded);
	log_info("stopped");
	g_string_free(err, TRUE);
	return status;
}
