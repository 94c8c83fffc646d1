/*
 * announce.c - `mcbot announce MC`: the announcement of an MC to the list.
 *
 * It runs as one transaction like a handled mail: the queued mail, the
 * MC's new thread and a log line are committed together, then the outbox
 * is sent.  compose.c derives every Message-ID from a seed; the
 * announcement needs one that names the MC, so the derived one is
 * replaced in the built bytes (it is a unique 32-hex string, written once).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../handlers/rsvp.h"
#include "announce.h"
#include "cli.h"
#include "compose.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "util.h"

#define SLUG_IN_MSGID 60

static char *
seed_of(const struct mc *mc, gint64 now)
{
	return g_strdup_printf("announce/%d/%" G_GINT64_FORMAT, mc->id, now);
}

char *
announce_message_id(const struct config *cfg, const struct mc *mc, gint64 now)
{
	char *seed = seed_of(mc, now);
	char *hash = util_sha256_hex(seed, strlen(seed));
	/* compose_message_id cleans the domain the same way for both ids */
	char *plain = compose_message_id("", cfg->msgid_domain);
	char *slug = g_strndup(mc->slug, SLUG_IN_MSGID);
	char *id = g_strdup_printf("announce.%s.%d.%.12s%s", slug, mc->id, hash,
				   strchr(plain, '@'));

	g_free(slug);
	g_free(plain);
	g_free(hash);
	g_free(seed);
	return id;
}

static char *
lines_of(GPtrArray *items)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < items->len; i++)
		g_string_append_printf(s, "%s\n", (char *)items->pdata[i]);
	return g_string_free(s, FALSE);
}

static GHashTable *
announce_vars(const struct config *cfg, const struct mc *mc)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	GString *leads = g_string_new(NULL);

	/* Names only: the announcement goes to a list. */
	for (guint i = 0; i < mc->p->leads->len; i++)
		g_string_append_printf(leads, "%s\n", ((struct person *)mc->p->leads->pdata[i])->name);
	g_hash_table_insert(v, "list_name", g_strdup(cfg->list_name));
	g_hash_table_insert(v, "list_address", g_strdup(cfg->list_address));
	g_hash_table_insert(v, "conference", g_strdup(cfg->conference));
	g_hash_table_insert(v, "tag", g_strdup(cfg->tag));
	g_hash_table_insert(v, "mc_id", g_strdup_printf("%d", mc->id));
	g_hash_table_insert(v, "mc_ref", g_strdup_printf("MC-%d", mc->id));
	g_hash_table_insert(v, "mc_slug", g_strdup(mc->slug));
	g_hash_table_insert(v, "mc_title", g_strdup(mc->title));
	g_hash_table_insert(v, "mc_status", g_strdup(mc->status));
	g_hash_table_insert(v, "leads", g_string_free(leads, FALSE));
	g_hash_table_insert(v, "topics", lines_of(mc->p->topics));
	g_hash_table_insert(v, "topics_count", g_strdup_printf("%u", mc->p->topics->len));
	g_hash_table_insert(v, "description", g_strdup(mc->p->description ? mc->p->description : ""));
	g_hash_table_insert(v, "attendees_count", g_strdup_printf("%u", mc->rsvps->len));
	return v;
}

/* msg with its Message-ID "<from>" replaced by "<to>"; NULL if it is not there once. */
static GBytes *
replace_msgid(GBytes *msg, const char *from, const char *to)
{
	gsize len, flen;
	const char *data = g_bytes_get_data(msg, &len), *hit;
	char *needle = g_strdup_printf("<%s>", from), *with = g_strdup_printf("<%s>", to);
	GByteArray *out = NULL;

	flen = strlen(needle);
	hit = g_strstr_len(data, (gssize)len, needle);
	if (hit && g_strstr_len(hit + flen, (gssize)(len - (gsize)(hit - data) - flen), needle) == NULL) {
		out = g_byte_array_sized_new((guint)(len + strlen(with)));
		g_byte_array_append(out, (const guint8 *)data, (guint)(hit - data));
		g_byte_array_append(out, (const guint8 *)with, (guint)strlen(with));
		g_byte_array_append(out, (const guint8 *)hit + flen, (guint)(len - (gsize)(hit - data) - flen));
	}
	g_free(needle);
	g_free(with);
	return out ? g_byte_array_free_to_bytes(out) : NULL;
}

int
announce_queue(const struct config *cfg, const struct templates *tpl, struct txn *t,
	       const struct mc *mc, const char *rcpt, gint64 now, char **msgid, GString *err)
{
	GHashTable *vars = announce_vars(cfg, mc);
	char *subject = NULL, *body = NULL, *tagged = NULL, *seed = seed_of(mc, now);
	char *derived = compose_message_id(seed, cfg->msgid_domain);
	char *id = announce_message_id(cfg, mc, now), *name = NULL, *action;
	struct compose cm = { 0 };
	GBytes *built = NULL, *msg = NULL, *file;
	struct mc *copy;
	gsize len;
	const char *data;
	int rc = -1;

	if (!util_addr_ok(rcpt)) {
		fail(err, "not an address to announce to: %s", rcpt ? rcpt : "(none)");
		goto out;
	}
	if (template_render(tpl, "announce", vars, &subject, &body, err) < 0)
		goto out;
	tagged = g_strdup_printf("[%s MC-%d] %s", cfg->tag, mc->id, subject);
	cm.from_addr = cfg->list_address;
	cm.from_name = cfg->list_name;
	cm.to_addr = rcpt;
	cm.subject = tagged;
	cm.body = body;
	cm.auto_submitted = "auto-generated";
	cm.msgid_seed = seed;
	cm.msgid_domain = cfg->msgid_domain;
	cm.date = now;
	cm.x_loop = cfg->list_address;
	if ((built = compose_build(&cm)) == NULL) {
		fail(err, "cannot build the announcement (list address %s)", cfg->list_address);
		goto out;
	}
	if ((msg = replace_msgid(built, derived, id)) == NULL) {
		fail(err, "the built announcement has no Message-ID <%s>", derived);
		goto out;
	}
	data = g_bytes_get_data(msg, &len);
	file = outbox_format(cfg->list_address, rcpt, data, len);
	name = util_sha256_hex(seed, strlen(seed));
	name[32] = '\0';
	txn_queue_mail(t, name, file);
	g_bytes_unref(file);
	copy = mc_dup(mc);
	g_ptr_array_add(copy->threads, g_strdup(id));
	action = g_strdup_printf("announced to %s as <%s>", rcpt, id);
	txn_log(t, mc->id, now, "mcbot", action);
	g_free(action);
	txn_put_mc(t, copy);
	if (msgid) {
		*msgid = id;
		id = NULL;
	}
	rc = 0;
out:
	if (msg)
		g_bytes_unref(msg);
	if (built)
		g_bytes_unref(built);
	g_free(name);
	g_free(id);
	g_free(derived);
	g_free(tagged);
	g_free(body);
	g_free(subject);
	g_free(seed);
	g_hash_table_unref(vars);
	return rc;
}

static gint64
announce_now(void)
{
	const char *fixed = g_getenv("MCBOT_NOW");      /* tests fix the clock */

	return fixed ? g_ascii_strtoll(fixed, NULL, 10) : (gint64)time(NULL);
}

/* The MC the operator means: exact (cli_find_mc), else a loose name that fits one. */
static struct mc *
announce_find(const struct store *st, const char *name)
{
	struct mc *mc = cli_find_mc(st, name);

	if (mc == NULL && rsvp_find(st, name, NULL, &mc) != RSVP_FOUND)
		mc = NULL;
	return mc;
}

int
announce_main(const struct config *cfg, int argc, char **argv)
{
	GString *err = g_string_new(NULL);
	struct templates *tpl = NULL;
	struct store *st = NULL;
	struct txn *t = NULL;
	struct outbox_stats os = { 0 };
	const struct mc *mc;
	char *msgid = NULL;
	int status = 1, id;

	if (argc != 2) {
		fprintf(stderr, "usage: mcbot announce MC\n");
		status = 2;
		goto out;
	}
	if (cli_open_job(cfg, &tpl, &st) < 0)
		goto out;
	if ((mc = announce_find(st, argv[1])) == NULL) {
		fprintf(stderr, "mcbot: no MC \"%s\" (or more than one)\n", argv[1]);
		goto out;
	}
	if (!rsvp_state_open(mc->status, rsvp_states(cfg))) {
		fprintf(stderr, "mcbot: MC-%d is %s: it takes no RSVPs, not announced\n", mc->id,
			mc->status);
		goto out;
	}
	id = mc->id;                /* the commit replaces mc in memory */
	t = txn_new(st);
	if (announce_queue(cfg, tpl, t, mc, cfg->list_address, announce_now(), &msgid, err) < 0 ||
	    txn_commit(t, err) < 0) {
		fprintf(stderr, "mcbot: announce MC-%d: %s\n", id, err->str);
		goto out;
	}
	printf("MC-%d announced to %s as <%s>\n", id, cfg->list_address, msgid);
	if (outbox_flush(cfg, &os, err) < 0) {
		fprintf(stderr, "mcbot: outbox: %s\n", err->str);
		goto out;
	}
	if (os.tempfail || os.permfail)
		log_warnx("outbox: %d sent, %d to retry, %d failed", os.sent, os.tempfail,
			  os.permfail);
	status = 0;
out:
	if (t)
		txn_free(t);
	g_free(msgid);
	store_close(st);
	templates_free(tpl);
	g_string_free(err, TRUE);
	return status;
}
