/*
 * cli_outbox.c - `mcbot outbox`: what waits in the outbox, what failed
 * and why, what is held for an organizer's release, and sending failed
 * or delayed mail again.
 *
 * It reads the outbox directories directly (layout in outbox.h) and does
 * not take the store lock, so it works while the daemon runs.  The only
 * changes it makes are safe against a running daemon: a rename from
 * failed/ back to new/, and dropping lines of the retry file (at worst a
 * daemon writing the file at the same moment keeps a back-off a little
 * longer).  A requeued mail gets a fresh mtime, which restarts its
 * give-up clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "cli.h"
#include "mail.h"
#include "outbox.h"
#include "util.h"

#define CLI_OUTBOX_MAX_FILE (64 * 1024 * 1024)
#define CLI_OUTBOX_MAX_RETRY (8 * 1024 * 1024)

struct ob {
	char *new_dir, *failed_dir, *sent_dir, *held_dir, *retry_path;
	GHashTable *retry;          /* name -> "attempts\tnext" line rest (owned) */
	gboolean retry_dirty;
};

static void
ob_init(struct ob *o, const struct config *cfg)
{
	char *dir = g_build_filename(cfg->state_dir, "outbox", NULL);

	o->new_dir = g_build_filename(dir, "new", NULL);
	o->failed_dir = g_build_filename(dir, "failed", NULL);
	o->sent_dir = g_build_filename(dir, "sent", NULL);
	o->held_dir = g_build_filename(dir, "held", NULL);
	o->retry_path = g_build_filename(dir, "retry", NULL);
	o->retry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_free(dir);
}

static void
ob_done(struct ob *o)
{
	g_free(o->new_dir);
	g_free(o->failed_dir);
	g_free(o->sent_dir);
	g_free(o->held_dir);
	g_free(o->retry_path);
	g_hash_table_destroy(o->retry);
}

/* Names that outbox.c writes; anything else is not ours to touch. */
static gboolean
ob_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || name[0] == '.' || g_str_has_suffix(name, ".tmp") ||
	    g_str_has_suffix(name, ".reason"))
		return FALSE;
	for (const char *p = name; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("._+-", *p))
			return FALSE;
	return TRUE;
}

static int
ob_load_retry(struct ob *o, GString *err)
{
	char *data = NULL, **lines;
	size_t len;

	if (!g_file_test(o->retry_path, G_FILE_TEST_EXISTS))
		return 0;
	if (util_read_file(o->retry_path, CLI_OUTBOX_MAX_RETRY, &data, &len, err) < 0)
		return -1;
	lines = g_strsplit(data, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		char *tab = strchr(lines[i], '\t');

		if (tab && tab > lines[i])
			g_hash_table_replace(o->retry, g_strndup(lines[i], (gsize)(tab - lines[i])),
					     g_strdup(tab + 1));
	}
	g_strfreev(lines);
	g_free(data);
	return 0;
}

/* Sorted queue names of dir (transfer full); an absent dir is empty. */
static GPtrArray *
ob_names(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d)))
		if (ob_name_ok(n))
			g_ptr_array_add(names, g_strdup(n));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, (GCompareFunc)g_ascii_strcasecmp);
	return names;
}

/* The recipient and decoded Subject of a queue file ("?" when unreadable). */
static void
ob_describe(const char *dir, const char *name, char **rcpt, char **subject)
{
	char *path = g_build_filename(dir, name, NULL), *data = NULL, *from = NULL;
	const char *msg;
	gsize mlen;
	size_t len;

	*rcpt = NULL;
	*subject = NULL;
	if (util_read_file(path, CLI_OUTBOX_MAX_FILE, &data, &len, NULL) == 0 &&
	    outbox_parse(data, len, &from, rcpt, &msg, &mlen) == 0) {
		GMimeStream *st = g_mime_stream_mem_new_with_buffer(msg, mlen);
		GMimeParser *p = g_mime_parser_new_with_stream(st);
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
		const char *s = m ? g_mime_message_get_subject(m) : NULL;

		*subject = util_clean_line(s ? s : "", 120);
		if (m)
			g_object_unref(m);
		g_object_unref(p);
		g_object_unref(st);
	}
	if (*rcpt == NULL)
		*rcpt = g_strdup("?");
	if (*subject == NULL)
		*subject = g_strdup("(not a queue file)");
	g_free(from);
	g_free(data);
	g_free(path);
}

static char *
ob_when(const char *retry_rest, int *attempts)
{
	char **f = g_strsplit(retry_rest ? retry_rest : "", "\t", 3);
	gint64 next = f[0] && f[1] ? g_ascii_strtoll(f[1], NULL, 10) : 0;
	GDateTime *dt;
	char *s;

	*attempts = f[0] ? atoi(f[0]) : 0;
	g_strfreev(f);
	if (next <= (gint64)time(NULL))
		return g_strdup("at the next run");
	dt = g_date_time_new_from_unix_local(next);
	s = g_date_time_format(dt, "%Y-%m-%d %H:%M");
	g_date_time_unref(dt);
	return s;
}

static void
ob_list_queued(struct ob *o)
{
	GPtrArray *names = ob_names(o->new_dir);

	printf("queued (%u):\n", names->len);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		char *rcpt, *subject, *when;
		int attempts;

		ob_describe(o->new_dir, name, &rcpt, &subject);
		when = ob_when(g_hash_table_lookup(o->retry, name), &attempts);
		printf("  %s\n    to %s: %s\n    %d failed attempt%s, next try %s\n", name, rcpt,
		       subject, attempts, attempts == 1 ? "" : "s", when);
		g_free(rcpt);
		g_free(subject);
		g_free(when);
	}
	g_ptr_array_unref(names);
}

static void
ob_list_failed(struct ob *o)
{
	GPtrArray *names = ob_names(o->failed_dir);

	printf("failed (%u):\n", names->len);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		char *rpath = g_strconcat(o->failed_dir, "/", name, ".reason", NULL);
		char *reason = NULL, *rcpt, *subject, *line;
		size_t len;

		ob_describe(o->failed_dir, name, &rcpt, &subject);
		if (util_read_file(rpath, 4096, &reason, &len, NULL) < 0)
			reason = g_strdup("(no reason recorded)");
		line = util_clean_line(reason, 300);
		printf("  %s\n    to %s: %s\n    %s\n", name, rcpt, subject, line);
		g_free(line);
		g_free(reason);
		g_free(rcpt);
		g_free(subject);
		g_free(rpath);
	}
	g_ptr_array_unref(names);
}

/* Decision mails waiting for an organizer's "release" (outbox.h). */
static void
ob_list_held(struct ob *o)
{
	GPtrArray *names = ob_names(o->held_dir);

	printf("held for release (%u):\n", names->len);
	for (guint i = 0; i < names->len; i++) {
		char *rcpt, *subject;

		ob_describe(o->held_dir, names->pdata[i], &rcpt, &subject);
		printf("  %s\n    to %s: %s\n", (char *)names->pdata[i], rcpt, subject);
		g_free(rcpt);
		g_free(subject);
	}
	g_ptr_array_unref(names);
}

static void
ob_list_all(struct ob *o)
{
	GPtrArray *sent = ob_names(o->sent_dir);

	ob_list_queued(o);
	ob_list_failed(o);
	ob_list_held(o);
	printf("sent: %u\n", sent->len);
	g_ptr_array_unref(sent);
}

static int
ob_save_retry(struct ob *o, GString *err)
{
	GString *out = g_string_new(NULL);
	GList *keys = g_list_sort(g_hash_table_get_keys(o->retry), (GCompareFunc)strcmp);
	int rc;

	for (GList *l = keys; l; l = l->next)
		g_string_append_printf(out, "%s\t%s\n", (char *)l->data,
				       (char *)g_hash_table_lookup(o->retry, l->data));
	g_list_free(keys);
	rc = util_write_atomic(o->retry_path, out->str, out->len, err);
	g_string_free(out, TRUE);
	return rc;
}

/* failed/name back to new/name (a fresh mtime), or a queued name's back-off dropped. */
static int
ob_retry_one(struct ob *o, const char *name, GString *err)
{
	char *src = g_build_filename(o->failed_dir, name, NULL);
	char *dst = g_build_filename(o->new_dir, name, NULL);
	char *reason = g_strconcat(src, ".reason", NULL);
	int rc = -1;

	if (!ob_name_ok(name)) {
		fail(err, "%s: not an outbox mail name", name);
	} else if (g_file_test(src, G_FILE_TEST_IS_REGULAR)) {
		if (g_file_test(dst, G_FILE_TEST_EXISTS))
			fail(err, "%s: also queued in %s", name, o->new_dir);
		else if (g_utime(src, NULL) < 0 || g_rename(src, dst) < 0)
			fail(err, "%s: %s", src, g_strerror(errno));
		else if (util_fsync_dir(o->new_dir, err) == 0) {
			g_unlink(reason);
			util_fsync_dir(o->failed_dir, NULL);
			printf("%s: moved back to the queue\n", name);
			rc = 0;
		}
	} else if (g_file_test(dst, G_FILE_TEST_IS_REGULAR)) {
		printf("%s: queued; its back-off is dropped\n", name);
		rc = 0;
	} else {
		fail(err, "%s: neither queued nor failed", name);
	}
	if (rc == 0 && g_hash_table_remove(o->retry, name))
		o->retry_dirty = TRUE;
	g_free(src);
	g_free(dst);
	g_free(reason);
	return rc;
}

static int
ob_retry(struct ob *o, int argc, char **argv, GString *err)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	int bad = 0;

	if (argc == 1 && strcmp(argv[0], "all") == 0) {
		GPtrArray *failed = ob_names(o->failed_dir);
		GList *queued = g_hash_table_get_keys(o->retry);

		for (guint i = 0; i < failed->len; i++)
			g_ptr_array_add(names, g_strdup(failed->pdata[i]));
		for (GList *l = queued; l; l = l->next)
			g_ptr_array_add(names, g_strdup(l->data));
		g_list_free(queued);
		g_ptr_array_unref(failed);
	} else {
		for (int i = 0; i < argc; i++)
			g_ptr_array_add(names, g_strdup(argv[i]));
	}
	for (guint i = 0; i < names->len; i++)
		if (ob_retry_one(o, names->pdata[i], err) < 0) {
			fprintf(stderr, "mcbot outbox: %s\n", err->str);
			bad++;
		}
	if (names->len == 0)
		printf("nothing to retry\n");
	else if (bad < (int)names->len)
		printf("the daemon sends them at its next round (or run: mcbot once)\n");
	g_ptr_array_unref(names);
	if (o->retry_dirty && ob_save_retry(o, err) < 0) {
		fprintf(stderr, "mcbot outbox: %s\n", err->str);
		bad++;
	}
	return bad ? 1 : 0;
}

/* Files written as root in a directory of another user lock that user out. */
static int
ob_owner_ok(const struct config *cfg)
{
	GStatBuf st;

	if (geteuid() != 0 || g_stat(cfg->state_dir, &st) < 0 || st.st_uid == 0)
		return 0;
	fprintf(stderr, "mcbot outbox: %s belongs to uid %u: run this as that user "
		"(e.g. sudo -u mcbot mcbot ...), not as root\n", cfg->state_dir,
		(unsigned)st.st_uid);
	return -1;
}

int
cli_outbox(const struct config *cfg, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "list";
	GString *err = g_string_new(NULL);
	struct ob o;
	int rc = 0;

	ob_init(&o, cfg);
	mail_init();
	if (ob_load_retry(&o, err) < 0) {
		fprintf(stderr, "mcbot outbox: %s\n", err->str);
		rc = 1;
	} else if (strcmp(what, "list") == 0 && argc <= 2) {
		ob_list_all(&o);
	} else if (strcmp(what, "queued") == 0 && argc == 2) {
		ob_list_queued(&o);
	} else if (strcmp(what, "failed") == 0 && argc == 2) {
		ob_list_failed(&o);
	} else if (strcmp(what, "held") == 0 && argc == 2) {
		ob_list_held(&o);
	} else if (strcmp(what, "retry") == 0 && argc > 2) {
		rc = ob_owner_ok(cfg) < 0 ? 1 : ob_retry(&o, argc - 2, argv + 2, err);
	} else {
		fprintf(stderr, "usage: mcbot outbox [list | queued | failed | held | retry NAME... "
			"| retry all]\n");
		rc = 2;
	}
	ob_done(&o);
	g_string_free(err, TRUE);
	return rc;
}
