/*
 * run.c - the main job, for `mcbot once` and `mcbot run`.
 *
 * One mail = one transaction: parse, dispatch to a handler, stage the
 * store changes and queued replies together.  A batch of staged
 * transactions is made durable by one journal record (store_flush); only
 * then do the mails leave the inbox and their replies go out.  A mail whose key is already processed is moved
 * without being handled again.
 */
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <string.h>
#include <time.h>

#include "../handlers/handler.h"
#include "inbox.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "run.h"
#include "store.h"
#include "template.h"
#include "util.h"

static volatile int stop_requested;

static void
on_signal(int sig)
{
	stop_requested = 1;
}

struct runner {
	const struct config *cfg;
	struct store *st;
	struct templates *tpl;
	struct mail_limits lim;
	struct run_stats *rs;
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
	int rc = 0;

	r->rs->seen++;
	if (it->raw == NULL) {
		it->folder = FOLDER_OVERSIZE;
		r->rs->oversize++;
		log_notice("%s: %zu bytes, over max_message_size: set aside", it->id, it->size);
		goto out;
	}
	if (mail_parse(it->raw, it->len, &r->lim, &m, why) < 0) {
		it->folder = FOLDER_FAILED;
		r->rs->failed++;
		log_notice("mail %s: cannot be parsed: %s", it->id, why->str);
		goto out;
	}
	if (store_processed(r->st, m->key)) {
		it->folder = FOLDER_DONE;
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
	txn_processed(t, m->key);
	txn_stage(t);           /* made durable for the whole batch in drain() */
	txn_free(t);
	it->folder = res.folder;
	if (res.folder == FOLDER_DROPPED)
		r->rs->dropped++;
	else if (res.folder == FOLDER_FAILED)
		r->rs->failed++;
	else
		r->rs->done++;
	log_info("mail %s from %s: %s %s%s%s", m->message_id ? m->message_id : m->key,
		 m->from_addr ? m->from_addr : "(none)", res.outcome, folder_name(res.folder),
		 res.detail ? ": " : "", res.detail ? res.detail : "");
out:
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
	g_string_free(errs, TRUE);
	return rc;
}

static void
runner_done(struct runner *r)
{
	store_close(r->st);
	templates_free(r->tpl);
}

/* Drain the inbox batch by batch; then send what was queued. */
static int
drain(struct runner *r, struct inbox *ib, GString *err)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)inbox_item_free);
	struct outbox_stats os = { 0 };
	int rc = 0;

	for (;;) {
		g_ptr_array_set_size(items, 0);
		rc = inbox_fetch(ib, r->cfg->imap_batch, items, err);
		if (rc < 0 || items->len == 0)
			break;
		for (guint i = 0; i < items->len && rc == 0; i++)
			rc = run_item(r, items->pdata[i], err);
		/* Group commit: one journal record for the batch, before any
		 * mail moves or any reply goes out. */
		if (rc == 0)
			rc = store_flush(r->st, err);
		if (rc < 0)
			break;      /* unwritable state: stop before moving anything */
		rc = inbox_finish(ib, items, err);
		if (rc < 0 || stop_requested)
			break;
		if (outbox_flush(r->cfg, &os, err) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0)
		rc = outbox_flush(r->cfg, &os, err);
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
	if (rc == 0)
		rc = drain(&r, ib, err);
	if (ib)
		inbox_close(ib);
	runner_done(&r);
	return rc;
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
	GString *err = g_string_new(NULL);
	int backoff = 1, status = 0;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (runner_init(&r, cfg, &rs, err) < 0) {
		log_warnx("%s", err->str);
		g_string_free(err, TRUE);
		return 1;
	}
	sd_notify(0, "READY=1");
	while (!stop_requested) {
		sd_notify(0, "WATCHDOG=1");
		if (ib == NULL && inbox_open(cfg, &ib, err) < 0) {
			log_warnx("inbox: %s; retrying in %d s", err->str, backoff);
			for (int i = 0; i < backoff && !stop_requested; i++)
				g_usleep(G_USEC_PER_SEC);
			backoff = MIN(backoff * 2, 300);
			continue;
		}
		if (drain(&r, ib, err) < 0 || inbox_wait(ib, wait_slice(cfg), &stop_requested,
							   err) < 0) {
			log_warnx("inbox: %s; reconnecting", err->str);
			inbox_close(ib);
			ib = NULL;
			continue;
		}
		backoff = 1;
	}
	sd_notify(0, "STOPPING=1");
	if (ib)
		inbox_close(ib);
	runner_done(&r);
	log_info("stopped");
	g_string_free(err, TRUE);
	return status;
}
