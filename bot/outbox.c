/*
 * outbox.c - the queue of outgoing mail: one file per mail, sent in name
 * order, moved to sent/ or failed/ afterwards.
 *
 * The retry file is the only state besides the directories; it is small,
 * read whole, and rewritten atomically only when a run changed it.  A
 * crash loses at most retry counts, never a mail.  The give-up age is
 * measured from the queued file's mtime (it is written once, atomically,
 * and never changed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "limits_reply.h"
#include "outbox.h"
#include "smtp.h"
#include "smtp_p.h"
#include "store.h"
#include "log.h"
#include "util.h"

#define OUTBOX_ENVELOPE "MCBOT-ENVELOPE "
#define OUTBOX_MAX_ENVELOPE 600
#define OUTBOX_MAX_FILE (64 * 1024 * 1024)
#define OUTBOX_MAX_RETRY_FILE (8 * 1024 * 1024)
#define OUTBOX_MAX_NAME 200
#define OUTBOX_FIRST_DELAY 60
#define OUTBOX_MAX_DELAY 3600
#define OUTBOX_GIVE_UP (5 * 24 * 3600)
/* A kept SMTP connection unused for longer is closed and made anew. */
#define OUTBOX_SMTP_IDLE (30 * G_USEC_PER_SEC)

struct retry {
	int attempts;
	gint64 next;
};

struct flush {
	const struct config *cfg;
	char *new_dir, *sent_dir, *failed_dir, *retry_path;
	GHashTable *retry;          /* name -> struct retry * */
	gboolean retry_dirty;
	gboolean deliver_dir_ok;
	gboolean moved_sent, moved_failed;  /* directories to sync at the end */
	struct outbox_link *link;   /* the connection kept between passes */
	struct smtp *smtp;          /* taken from link at the first SMTP mail */
	GHashTable *bounced;        /* lowercased addresses not to mail any more */
	gint64 now;
	struct outbox_stats *st;
};

/*
 * One SMTP connection kept from one pass to the next: a drain sends after
 * every batch, the daemon after every mail it answers, and each new
 * connection costs a handshake (TLS and AUTH included).  It is only reused
 * for the same configuration (same object, same settings: a reloaded one
 * gets a new connection), closed after OUTBOX_SMTP_IDLE unused, and at
 * exit (QUIT).  libcurl itself opens a new connection when the server has
 * closed the old one meanwhile.
 */
struct outbox_link {
	struct smtp *smtp;
	const struct config *cfg;
	char *key;                  /* hash of the settings it was made with */
	gint64 used;                /* monotonic time of its last pass */
};

/* The link of outbox_flush(): the main thread's. */
static struct outbox_link outbox_main_link;

static char *outbox_smtp_key(const struct config *cfg)
{
	char *all = g_strdup_printf("%s\n%s\n%s\n%s\n%d\n%s\n%d\n%s\n%s",
				    cfg->smtp_url ? cfg->smtp_url : "",
				    cfg->smtp_user ? cfg->smtp_user : "",
				    cfg->smtp_password ? cfg->smtp_password : "",
				    cfg->smtp_ca_file ? cfg->smtp_ca_file : "", cfg->smtp_local,
				    cfg->smtp_helo ? cfg->smtp_helo : "", cfg->smtp_timeout,
				    cfg->msgid_domain ? cfg->msgid_domain : "",
				    cfg->list_address ? cfg->list_address : "");
	char *key = util_sha256_hex(all, strlen(all));

	g_free(all);
	return key;
}

static void outbox_link_drop(struct outbox_link *l)
{
	smtp_free(l->smtp);
	g_free(l->key);
	memset(l, 0, sizeof *l);
}

static void outbox_main_link_drop(void)
{
	outbox_link_drop(&outbox_main_link);
}

struct outbox_link *outbox_link_new(void)
{
	return g_new0(struct outbox_link, 1);
}

void outbox_link_free(struct outbox_link *l)
{
	if (!l)
		return;
	outbox_link_drop(l);
	g_free(l);
}

/* The kept connection when it was made for cfg (transfer full), else NULL. */
static struct smtp *outbox_link_take(struct outbox_link *l, const struct config *cfg)
{
	struct smtp *s = NULL;
	char *key;

	if (!l->smtp)
		return NULL;
	key = outbox_smtp_key(cfg);
	if (l->cfg == cfg && strcmp(l->key, key) == 0 &&
	    g_get_monotonic_time() - l->used <= OUTBOX_SMTP_IDLE)
		s = g_steal_pointer(&l->smtp);
	outbox_link_drop(l);
	g_free(key);
	return s;
}

static void outbox_link_put(struct outbox_link *l, const struct config *cfg, struct smtp *s)
{
	static gboolean registered;

	outbox_link_drop(l);
	l->smtp = s;
	l->cfg = cfg;
	l->key = outbox_smtp_key(cfg);
	l->used = g_get_monotonic_time();
	if (l == &outbox_main_link && !registered) {
		atexit(outbox_main_link_drop);
		registered = TRUE;
	}
}

GBytes *outbox_format(const char *from, const char *rcpt, const char *msg, gsize len)
{
	GByteArray *b;

	if (!util_addr_ok(from) || !util_addr_ok(rcpt))
		return NULL;
	b = g_byte_array_sized_new(strlen(OUTBOX_ENVELOPE) + strlen(from) + strlen(rcpt) + 2 + len);
	g_byte_array_append(b, (const guint8 *) OUTBOX_ENVELOPE, strlen(OUTBOX_ENVELOPE));
	g_byte_array_append(b, (const guint8 *) from, strlen(from));
	g_byte_array_append(b, (const guint8 *) " ", 1);
	g_byte_array_append(b, (const guint8 *) rcpt, strlen(rcpt));
	g_byte_array_append(b, (const guint8 *) "\n", 1);
	g_byte_array_append(b, (const guint8 *) msg, len);
	return g_byte_array_free_to_bytes(b);
}

int outbox_parse(const char *data, gsize len, char **from, char **rcpt,
		 const char **msg, gsize *msg_len)
{
	gsize plen = strlen(OUTBOX_ENVELOPE);
	const char *nl, *sp;
	char *f = NULL, *r = NULL;

	*from = *rcpt = NULL;
	if (len < plen || memcmp(data, OUTBOX_ENVELOPE, plen))
		return -1;
	nl = memchr(data, '\n', MIN(len, OUTBOX_MAX_ENVELOPE));
	if (!nl || nl + 1 == data + len)
		return -1;
	sp = memchr(data + plen, ' ', nl - (data + plen));
	if (!sp)
		return -1;
	f = g_strndup(data + plen, sp - (data + plen));
	r = g_strndup(sp + 1, nl - (sp + 1));
	/* g_strndup stops at a NUL: compare lengths so none hides there. */
	if (strlen(f) != (gsize) (sp - (data + plen)) || strlen(r) != (gsize) (nl - (sp + 1)) ||
	    !util_addr_ok(f) || !util_addr_ok(r)) {
		g_free(f);
		g_free(r);
		return -1;
	}
	*from = f;
	*rcpt = r;
	*msg = nl + 1;
	*msg_len = len - (nl + 1 - data);
	return 0;
}

/* Queue names are ours, but they become paths: keep them plain. */
static gboolean outbox_name_ok(const char *name)
{
	size_t n = 0;

	if (name[0] == '.' || g_str_has_suffix(name, ".tmp"))
		return FALSE;
	for (const char *p = name; *p; p++, n++) {
		if (!g_ascii_isalnum(*p) && !strchr("._+-", *p))
			return FALSE;
	}
	return n > 0 && n <= OUTBOX_MAX_NAME;
}

/* "name<TAB>attempts<TAB>next-try" */
static int outbox_retry_line(char **fields, struct retry *r)
{
	char *end;
	gint64 v;

	if (g_strv_length(fields) != 3 || !outbox_name_ok(fields[0]))
		return -1;
	v = g_ascii_strtoll(fields[1], &end, 10);
	if (end == fields[1] || *end || v < 0 || v > G_MAXINT)
		return -1;
	r->attempts = (int) v;
	v = g_ascii_strtoll(fields[2], &end, 10);
	if (end == fields[2] || *end)
		return -1;
	r->next = v;
	return 0;
}

static int outbox_retry_load(struct flush *f, GString *err)
{
	char *data = NULL, **lines;
	size_t len;

	if (!g_file_test(f->retry_path, G_FILE_TEST_EXISTS))
		return 0;
	if (util_read_file(f->retry_path, OUTBOX_MAX_RETRY_FILE, &data, &len, err) < 0)
		return -1;
	lines = g_strsplit(data, "\n", -1);
	for (char **l = lines; *l; l++) {
		char **fields = g_strsplit(*l, "\t", -1);
		struct retry r;

		if (**l && outbox_retry_line(fields, &r) == 0) {
			g_hash_table_replace(f->retry, g_strdup(fields[0]), g_memdup2(&r, sizeof r));
		} else if (**l) {
			log_warnx("outbox: %s: ignoring a bad line", f->retry_path);
			f->retry_dirty = TRUE;
		}
		g_strfreev(fields);
	}
	g_strfreev(lines);
	g_free(data);
	return 0;
}

static int outbox_retry_save(struct flush *f, GString *err)
{
	GList *names, *l;
	GString *out;
	int rc;

	if (!f->retry_dirty)
		return 0;
	out = g_string_new(NULL);
	names = g_list_sort(g_hash_table_get_keys(f->retry), (GCompareFunc) strcmp);
	for (l = names; l; l = l->next) {
		struct retry *r = g_hash_table_lookup(f->retry, l->data);
		g_string_append_printf(out, "%s\t%d\t%" G_GINT64_FORMAT "\n",
				       (const char *) l->data, r->attempts, r->next);
	}
	g_list_free(names);
	rc = util_write_atomic(f->retry_path, out->str, out->len, err);
	g_string_free(out, TRUE);
	if (rc == 0)
		f->retry_dirty = FALSE;
	return rc;
}

static gint outbox_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The queue file names in new_dir, sorted (transfer full), or NULL. */
static GPtrArray *outbox_names(const char *new_dir, GString *err)
{
	GError *gerr = NULL;
	GDir *d = g_dir_open(new_dir, 0, &gerr);
	GPtrArray *names;
	const char *name;

	if (!d) {
		fail(err, "outbox: %s", gerr->message);
		g_error_free(gerr);
		return NULL;
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d))) {
		if (outbox_name_ok(name))
			g_ptr_array_add(names, g_strdup(name));
		else if (name[0] != '.' && !g_str_has_suffix(name, ".tmp"))
			log_warnx("outbox: ignoring %s/%s: not a queue file name", new_dir, name);
	}
	g_dir_close(d);
	g_ptr_array_sort(names, outbox_cmp);
	return names;
}

GPtrArray *outbox_queued(const struct config *cfg, GString *err)
{
	char *dir = g_build_filename(cfg->state_dir, "outbox", "new", NULL);
	GPtrArray *names = NULL;

	if (util_mkdirs(dir, err) == 0)
		names = outbox_names(dir, err);
	g_free(dir);
	return names;
}

/* Retry entries of mails gone from new/ (names: all of new/) are dropped. */
static void outbox_retry_prune(struct flush *f, GPtrArray *names)
{
	GHashTable *present = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer key;

	for (guint i = 0; i < names->len; i++)
		g_hash_table_add(present, names->pdata[i]);
	g_hash_table_iter_init(&it, f->retry);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		if (!g_hash_table_contains(present, key)) {
			g_hash_table_iter_remove(&it);
			f->retry_dirty = TRUE;
		}
	}
	g_hash_table_destroy(present);
}

/*
 * rename dir_from/name -> dir_to/name.  The directories are synced once at
 * the end of the flush (outbox_sync): a crash before that sends a mail
 * again, with the same Message-ID - never loses one.
 */
static int outbox_move(const char *from_dir, const char *to_dir, const char *name, GString *err)
{
	char *src = g_build_filename(from_dir, name, NULL);
	char *dst = g_build_filename(to_dir, name, NULL);
	int rc = -1;

	if (g_rename(src, dst) < 0) {
		fail(err, "outbox: rename %s: %s", src, g_strerror(errno));
		goto out;
	}
	store_step();
	rc = 0;
out:
	g_free(src);
	g_free(dst);
	return rc;
}

/* A permanent failure: failed/<name>.reason first, then the mail itself. */
static int outbox_fail(struct flush *f, const char *name, const char *reason, GString *err)
{
	char *path = g_strconcat(f->failed_dir, G_DIR_SEPARATOR_S, name, ".reason", NULL);
	char *line = util_clean_line(reason, 1000);
	char *text = g_strconcat(line, "\n", NULL);
	int rc;

	rc = util_write_atomic(path, text, strlen(text), err);
	f->moved_failed = TRUE;
	if (rc == 0)
		rc = outbox_move(f->new_dir, f->failed_dir, name, err);
	if (rc == 0 && g_hash_table_remove(f->retry, name))
		f->retry_dirty = TRUE;
	if (rc == 0)
		f->st->permfail++;
	g_free(path);
	g_free(line);
	g_free(text);
	return rc;
}

static int outbox_to_folder(struct flush *f, const char *name, const char *msg, gsize len,
			    GString *err)
{
	char *file, *path;
	int rc;

	if (!f->cfg->deliver_folder || !*f->cfg->deliver_folder)
		return fail(err, "outbox: deliver = folder but deliver_folder is not set");
	if (!f->deliver_dir_ok) {
		if (util_mkdirs(f->cfg->deliver_folder, err) < 0)
			return -1;
		f->deliver_dir_ok = TRUE;
	}
	file = g_strconcat(name, ".eml", NULL);
	path = g_build_filename(f->cfg->deliver_folder, file, NULL);
	rc = util_write_atomic(path, msg, len, err);
	g_free(file);
	g_free(path);
	return rc;
}

/* A temporary failure: count it, back off, or give up after OUTBOX_GIVE_UP. */
static int outbox_later(struct flush *f, const char *name, gint64 queued, const char *reason,
			GString *err)
{
	struct retry *r = g_hash_table_lookup(f->retry, name);
	gint64 delay;

	if (!r) {
		r = g_new0(struct retry, 1);
		g_hash_table_replace(f->retry, g_strdup(name), r);
	}
	if (r->attempts < G_MAXINT)
		r->attempts++;
	delay = (gint64) OUTBOX_FIRST_DELAY << MIN(r->attempts - 1, 10);
	r->next = f->now + MIN(delay, OUTBOX_MAX_DELAY);
	f->retry_dirty = TRUE;
	if (f->now - queued >= OUTBOX_GIVE_UP) {
		char *why = g_strdup_printf("gave up after %d attempts: %s", r->attempts, reason);
		int rc;

		log_warnx("outbox: %s: %s", name, why);
		rc = outbox_fail(f, name, why, err);
		g_free(why);
		return rc;
	}
	log_warnx("outbox: %s: temporary failure (attempt %d, next in %" G_GINT64_FORMAT " s): %s",
		  name, r->attempts, r->next - f->now, reason);
	f->st->tempfail++;
	return 0;
}

/* Send one queued mail.  *stop is set when the server is unreachable. */
static int outbox_one(struct flush *f, const char *name, gboolean *stop, GString *err)
{
	char *path = g_build_filename(f->new_dir, name, NULL);
	char *data = NULL, *from = NULL, *rcpt = NULL;
	GString *why = g_string_new(NULL);
	const char *msg;
	gsize msg_len;
	size_t len;
	GStatBuf sb;
	enum smtp_status status;
	int rc = -1;

	if (g_lstat(path, &sb) < 0) {
		if (errno == ENOENT)    /* handled by an earlier pass meanwhile */
			rc = 0;
		else
			fail(err, "outbox: %s: %s", path, g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = outbox_fail(f, name, "not a regular file", err);
		goto out;
	}
	if (sb.st_size > OUTBOX_MAX_FILE) {
		rc = outbox_fail(f, name, "queue file too large", err);
		goto out;
	}
	if (util_read_file(path, OUTBOX_MAX_FILE, &data, &len, err) < 0)
		goto out;
	if (outbox_parse(data, len, &from, &rcpt, &msg, &msg_len) < 0) {
		log_warnx("outbox: %s: bad envelope line", name);
		rc = outbox_fail(f, name, "bad envelope line", err);
		goto out;
	}

	{
		char *low = g_ascii_strdown(rcpt, -1);
		gboolean bounced = g_hash_table_contains(f->bounced, low);

		g_free(low);
		if (bounced) {
			char *reason = g_strdup_printf("not sent: %s had %d or more hard bounces "
						    "([limits] max_hard_bounces)", rcpt,
						    f->cfg->max_hard_bounces);

			log_warnx("outbox: %s: %s", name, reason);
			rc = outbox_fail(f, name, reason, err);
			g_free(reason);
			goto out;
		}
	}
	if (f->cfg->deliver == DELIVER_FOLDER) {
		if (outbox_to_folder(f, name, msg, msg_len, err) < 0)
			goto out;
		status = SMTP_SENT;
	} else {
		if (!f->smtp)
			f->smtp = outbox_link_take(f->link, f->cfg);
		if (!f->smtp)
			f->smtp = smtp_new(f->cfg);
		status = smtp_send(f->smtp, from, rcpt, msg, msg_len, why);
	}

	switch (status) {
	case SMTP_SENT:
		f->moved_sent = TRUE;
		if (outbox_move(f->new_dir, f->sent_dir, name, err) < 0)
			goto out;
		if (g_hash_table_remove(f->retry, name))
			f->retry_dirty = TRUE;
		f->st->sent++;
		log_info("outbox: %s sent to %s", name, rcpt);
		rc = 0;
		break;
	case SMTP_TEMPFAIL:
		*stop = f->smtp && smtp_conn_failed(f->smtp);
		rc = outbox_later(f, name, (gint64) sb.st_mtime, why->str, err);
		break;
	case SMTP_PERMFAIL:
		log_warnx("outbox: %s to %s refused: %s", name, rcpt, why->str);
		rc = outbox_fail(f, name, why->str, err);
		break;
	}
out:
	g_free(path);
	g_free(data);
	g_free(from);
	g_free(rcpt);
	g_string_free(why, TRUE);
	return rc;
}

int outbox_send(const struct config *cfg, struct outbox_link *link, GPtrArray *names,
		struct outbox_stats *st, GString *err)
{
	struct outbox_stats dummy;
	struct flush f = { .cfg = cfg, .link = link };
	GPtrArray *all = NULL;
	char *dir;
	gboolean stop = FALSE;
	int rc = -1;

	f.st = st ? st : &dummy;
	memset(f.st, 0, sizeof *f.st);
	/* MCBOT_NOW: tests fix the clock, as for the handlers (run.c). */
	f.now = g_getenv("MCBOT_NOW") ? g_ascii_strtoll(g_getenv("MCBOT_NOW"), NULL, 10)
				      : g_get_real_time() / G_USEC_PER_SEC;
	f.bounced = limits_reply_bounced(cfg->state_dir, cfg->max_hard_bounces);
	f.retry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	dir = g_build_filename(cfg->state_dir, "outbox", NULL);
	f.new_dir = g_build_filename(dir, "new", NULL);
	f.sent_dir = g_build_filename(dir, "sent", NULL);
	f.failed_dir = g_build_filename(dir, "failed", NULL);
	f.retry_path = g_build_filename(dir, "retry", NULL);

	if (util_mkdirs(f.new_dir, err) < 0 || util_mkdirs(f.sent_dir, err) < 0 ||
	    util_mkdirs(f.failed_dir, err) < 0 || outbox_retry_load(&f, err) < 0)
		goto out;
	if (!names) {
		if (!(names = all = outbox_names(f.new_dir, err)))
			goto out;
		outbox_retry_prune(&f, all);
	}

	for (guint i = 0; i < names->len && !stop; i++) {
		const char *name = names->pdata[i];
		struct retry *r = g_hash_table_lookup(f.retry, name);

		if (r && r->next > f.now)
			continue;
		if (outbox_one(&f, name, &stop, err) < 0)
			goto out;
	}
	rc = 0;
out:
	/* A connection that failed is not kept: the next pass starts anew. */
	if (f.smtp && rc == 0 && !stop)
		outbox_link_put(link, cfg, g_steal_pointer(&f.smtp));
	smtp_free(f.smtp);
	f.st->stopped = stop;
	/* Only directories whose entries changed need syncing. */
	if ((f.moved_sent && util_fsync_dir(f.sent_dir, rc < 0 ? NULL : err) < 0) ||
	    (f.moved_failed && util_fsync_dir(f.failed_dir, rc < 0 ? NULL : err) < 0) ||
	    ((f.moved_sent || f.moved_failed) &&
	     util_fsync_dir(f.new_dir, rc < 0 ? NULL : err) < 0))
		rc = -1;
	if (outbox_retry_save(&f, rc < 0 ? NULL : err) < 0)
		rc = -1;
	if (all)
		g_ptr_array_free(all, TRUE);
	g_hash_table_destroy(f.retry);
	g_hash_table_unref(f.bounced);
	g_free(dir);
	g_free(f.new_dir);
	g_free(f.sent_dir);
	g_free(f.failed_dir);
	g_free(f.retry_path);
	return rc;
}

int outbox_flush(const struct config *cfg, struct outbox_stats *st, GString *err)
{
	return outbox_send(cfg, &outbox_main_link, NULL, st, err);
}
