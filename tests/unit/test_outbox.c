/* Unit tests for bot/outbox.c: the queue file format and outbox_flush()
 * into a folder, plus retry bookkeeping against a closed local port; and
 * for bot/sender.c, the thread that sends while the next batch is handled. */
#include <string.h>
#include <sys/stat.h>
#include <utime.h>
#include <glib/gstdio.h>

#include "bot/config.h"
#include "bot/outbox.h"
#include "bot/sender.h"
#include "scratch.h"

static const char MSG[] = "From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n.\r\n";

static char *path_in(const char *dir, const char *a, const char *b)
{
	return g_build_filename(dir, a, b, NULL);
}

static gboolean exists_in(const char *dir, const char *a, const char *b)
{
	char *p = path_in(dir, a, b);
	gboolean r = g_file_test(p, G_FILE_TEST_EXISTS);

	g_free(p);
	return r;
}

static char *slurp(const char *dir, const char *a, const char *b)
{
	char *p = path_in(dir, a, b), *data = NULL;

	g_assert_true(g_file_get_contents(p, &data, NULL, NULL));
	g_free(p);
	return data;
}

static void queue(const char *state, const char *name, const char *from, const char *rcpt)
{
	GBytes *b = outbox_format(from, rcpt, MSG, strlen(MSG));
	char *p = path_in(state, "outbox/new", name);
	gsize len;
	const char *d;

	g_assert_nonnull(b);
	d = g_bytes_get_data(b, &len);
	g_assert_true(g_file_set_contents(p, d, len, NULL));
	g_bytes_unref(b);
	g_free(p);
}

static void put(const char *state, const char *rel, const char *text)
{
	char *p = g_build_filename(state, rel, NULL);

	g_assert_true(g_file_set_contents(p, text, -1, NULL));
	g_free(p);
}

static char *setup(struct config *cfg)
{
	char *dir = g_dir_make_tmp("mcbot-outbox-XXXXXX", NULL);
	char *newdir = path_in(dir, "outbox", "new");

	g_assert_nonnull(dir);
	g_assert_cmpint(g_mkdir_with_parents(newdir, 0700), ==, 0);
	g_free(newdir);
	memset(cfg, 0, sizeof *cfg);
	cfg->state_dir = dir;
	cfg->deliver = DELIVER_FOLDER;
	cfg->deliver_folder = g_build_filename(dir, "deliver", NULL);
	cfg->smtp_url = "smtp://127.0.0.1:1";      /* nothing listens there */
	cfg->smtp_local = TRUE;
	cfg->smtp_timeout = 5;
	cfg->list_address = "mc@lpc.example.org";
	return dir;
}

static void teardown(struct config *cfg)
{
	rmtree(cfg->state_dir);
	g_free(cfg->state_dir);
	g_free(cfg->deliver_folder);
}

static void test_format_parse(void)
{
	GBytes *b = outbox_format("mc@lpc.example.org", "alice@example.com", MSG, strlen(MSG));
	const char *data, *msg;
	char *from, *rcpt;
	gsize len, msg_len;

	g_assert_nonnull(b);
	data = g_bytes_get_data(b, &len);
	g_assert_true(g_str_has_prefix(data,
		"MCBOT-ENVELOPE mc@lpc.example.org alice@example.com\nFrom: a@b.example\r\n"));
	g_assert_cmpint(outbox_parse(data, len, &from, &rcpt, &msg, &msg_len), ==, 0);
	g_assert_cmpstr(from, ==, "mc@lpc.example.org");
	g_assert_cmpstr(rcpt, ==, "alice@example.com");
	g_assert_cmpuint(msg_len, ==, strlen(MSG));
	g_assert_true(memcmp(msg, MSG, msg_len) == 0);
	g_free(from);
	g_free(rcpt);
	g_bytes_unref(b);

	g_assert_null(outbox_format("mc@lpc.example.org", "a@b\nMCBOT-ENVELOPE x@y z@w", "x", 1));
	g_assert_null(outbox_format("mc@lpc.example.org", "Alice <a@b>", "x", 1));
	g_assert_null(outbox_format("no-at", "a@b", "x", 1));
	g_assert_null(outbox_format("mc@lpc.example.org", "a@b c@d", "x", 1));
}

static void test_parse_rejects(void)
{
	static const char *const bad[] = {
		"",
		"MCBOT-ENVELOPE",
		"MCBOT-ENVELOPE a@b c@d",                       /* no newline */
		"MCBOT-ENVELOPE a@b c@d\n",                     /* no message */
		"MCBOT-ENVELOPEa@b c@d\nx",
		"mcbot-envelope a@b c@d\nx",
		"MCBOT-ENVELOPE a@b\nx",                        /* one address */
		"MCBOT-ENVELOPE a@b c@d e@f\nx",                /* three */
		"MCBOT-ENVELOPE a@b  c@d\nx",                   /* empty field */
		"MCBOT-ENVELOPE a@b c@d\r\nx",                  /* CR in the address */
		"MCBOT-ENVELOPE <a@b> c@d\nx",
		"MCBOT-ENVELOPE a@b c@@d\nx",
		"MCBOT-ENVELOPE a@b c\nx",
		"X-Other: y\nMCBOT-ENVELOPE a@b c@d\nx",
	};
	const char *msg;
	char *from, *rcpt, *longline;
	gsize msg_len;
	GString *g;

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("case %u", i);
		g_assert_cmpint(outbox_parse(bad[i], strlen(bad[i]), &from, &rcpt, &msg, &msg_len),
				==, -1);
		g_assert_null(from);
		g_assert_null(rcpt);
	}
	/* A NUL inside the envelope line. */
	{
		static const char nul[] = "MCBOT-ENVELOPE a@b\0x c@d\nmsg";
		g_assert_cmpint(outbox_parse(nul, sizeof nul - 1, &from, &rcpt, &msg, &msg_len), ==, -1);
	}
	/* An address longer than 254 bytes, and an envelope line without end. */
	g = g_string_new("MCBOT-ENVELOPE a@b ");
	for (int i = 0; i < 300; i++)
		g_string_append_c(g, 'x');
	g_string_append(g, "@d\nmsg");
	g_assert_cmpint(outbox_parse(g->str, g->len, &from, &rcpt, &msg, &msg_len), ==, -1);
	g_string_free(g, TRUE);
	longline = g_strnfill(10000, 'a');
	g_assert_cmpint(outbox_parse(longline, 10000, &from, &rcpt, &msg, &msg_len), ==, -1);
	g_free(longline);
}

static void test_flush_folder(void)
{
	struct config cfg;
	char *dir = setup(&cfg);
	struct outbox_stats st;
	GString *err = g_string_new(NULL);
	char *eml, *reason, *retry;

	queue(dir, "0002-b", "mc@lpc.example.org", "bob@example.com");
	queue(dir, "0001-a", "mc@lpc.example.org", "alice@example.com");
	queue(dir, "0003-later", "mc@lpc.example.org", "carol@example.com");
	put(dir, "outbox/new/0000-bad", "MCBOT-ENVELOPE a@b <c@d>\nmsg");
	put(dir, "outbox/new/0004-c.tmp", "half written");
	put(dir, "outbox/retry", "0003-later\t2\t99999999999\ngone\t1\t0\n");

	g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, 0);
	g_assert_cmpint(st.sent, ==, 2);
	g_assert_cmpint(st.permfail, ==, 1);
	g_assert_cmpint(st.tempfail, ==, 0);

	g_assert_false(exists_in(dir, "outbox/new", "0001-a"));
	g_assert_true(exists_in(dir, "outbox/sent", "0001-a"));
	g_assert_true(exists_in(dir, "outbox/sent", "0002-b"));
	eml = slurp(dir, "deliver", "0001-a.eml");
	g_assert_cmpstr(eml, ==, MSG);
	g_free(eml);
	g_assert_true(exists_in(dir, "deliver", "0002-b.eml"));

	g_assert_true(exists_in(dir, "outbox/failed", "0000-bad"));
	reason = slurp(dir, "outbox/failed", "0000-bad.reason");
	g_assert_cmpstr(reason, ==, "bad envelope line\n");
	g_free(reason);

	/* Not due yet, and a temporary file: both left alone. */
	g_assert_true(exists_in(dir, "outbox/new", "0003-later"));
	g_assert_false(exists_in(dir, "deliver", "0003-later.eml"));
	g_assert_true(exists_in(dir, "outbox/new", "0004-c.tmp"));
	g_assert_false(exists_in(dir, "deliver", "0004-c.tmp.eml"));

	/* The entry for a mail no longer queued is dropped. */
	retry = slurp(dir, "outbox", "retry");
	g_assert_cmpstr(retry, ==, "0003-later\t2\t99999999999\n");
	g_free(retry);

	/* Nothing to do: the retry file is not rewritten. */
	{
		GStatBuf a, b;
		char *p = path_in(dir, "outbox", "retry");
		g_assert_cmpint(g_stat(p, &a), ==, 0);
		g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, 0);
		g_assert_cmpint(st.sent + st.tempfail + st.permfail, ==, 0);
		g_assert_cmpint(g_stat(p, &b), ==, 0);
		g_assert_cmpuint(a.st_ino, ==, b.st_ino);
		g_free(p);
	}
	g_string_free(err, TRUE);
	teardown(&cfg);
}

static void test_flush_creates_dirs(void)
{
	struct config cfg;
	char *dir = setup(&cfg);
	char *outbox = g_build_filename(dir, "outbox", NULL);
	struct outbox_stats st;
	GString *err = g_string_new(NULL);

	rmtree(outbox);
	g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, 0);
	g_assert_true(exists_in(dir, "outbox", "new"));
	g_assert_true(exists_in(dir, "outbox", "sent"));
	g_assert_true(exists_in(dir, "outbox", "failed"));
	g_assert_false(exists_in(dir, "outbox", "retry"));
	g_free(outbox);
	g_string_free(err, TRUE);
	teardown(&cfg);
}

/* A dead server: the first mail is put off with a delay, the run stops. */
static void test_flush_tempfail(void)
{
	struct config cfg;
	char *dir = setup(&cfg);
	struct outbox_stats st;
	GString *err = g_string_new(NULL);
	char *retry, **lines, **f;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC, next;

	cfg.deliver = DELIVER_SMTP;
	queue(dir, "0001-a", "mc@lpc.example.org", "alice@example.com");
	queue(dir, "0002-b", "mc@lpc.example.org", "bob@example.com");

	g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, 0);
	g_assert_cmpint(st.tempfail, ==, 1);
	g_assert_cmpint(st.sent, ==, 0);
	retry = slurp(dir, "outbox", "retry");
	lines = g_strsplit(retry, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 2);  /* one line + "" */
	f = g_strsplit(lines[0], "\t", -1);
	g_assert_cmpstr(f[0], ==, "0001-a");
	g_assert_cmpstr(f[1], ==, "1");
	next = g_ascii_strtoll(f[2], NULL, 10);
	g_assert_cmpint(next, >=, now + 60);
	g_assert_cmpint(next, <=, now + 62);
	g_strfreev(f);
	g_strfreev(lines);
	g_free(retry);
	g_assert_true(exists_in(dir, "outbox/new", "0001-a"));
	g_assert_true(exists_in(dir, "outbox/new", "0002-b"));

	/* Second run: 0001-a is not due, 0002-b gets its first attempt. */
	g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, 0);
	g_assert_cmpint(st.tempfail, ==, 1);
	retry = slurp(dir, "outbox", "retry");
	g_assert_true(g_str_has_prefix(retry, "0001-a\t1\t"));
	g_assert_nonnull(strstr(retry, "\n0002-b\t1\t"));
	g_free(retry);

	/* The delay doubles, and stops growing at an hour. */
	put(dir, "outbox/retry", "0001-a\t1\t0\n0002-b\t9\t99999999999\n");
	g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, 0);
	retry = slurp(dir, "outbox", "retry");
	f = g_strsplit_set(retry, "\t\n", -1);
	g_assert_cmpstr(f[1], ==, "2");
	next = g_ascii_strtoll(f[2], NULL, 10);
	g_assert_cmpint(next - now, >=, 120);
	g_assert_cmpint(next - now, <=, 125);
	g_strfreev(f);
	g_free(retry);
	put(dir, "outbox/retry", "0001-a\t30\t0\n");
	g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, 0);
	retry = slurp(dir, "outbox", "retry");
	f = g_strsplit_set(retry, "\t\n", -1);
	g_assert_cmpstr(f[1], ==, "31");
	next = g_ascii_strtoll(f[2], NULL, 10);
	g_assert_cmpint(next - now, >=, 3600);
	g_assert_cmpint(next - now, <=, 3605);
	g_strfreev(f);
	g_free(retry);

	g_string_free(err, TRUE);
	teardown(&cfg);
}

/* Queued more than five days ago and still failing: failed/ with a reason. */
static void test_flush_give_up(void)
{
	struct config cfg;
	char *dir = setup(&cfg);
	struct outbox_stats st;
	GString *err = g_string_new(NULL);
	char *p, *reason;
	struct utimbuf old;

	cfg.deliver = DELIVER_SMTP;
	queue(dir, "0001-old", "mc@lpc.example.org", "alice@example.com");
	p = path_in(dir, "outbox/new", "0001-old");
	old.actime = old.modtime = g_get_real_time() / G_USEC_PER_SEC - 6 * 24 * 3600;
	g_assert_cmpint(utime(p, &old), ==, 0);
	g_free(p);

	g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, 0);
	g_assert_cmpint(st.permfail, ==, 1);
	g_assert_false(exists_in(dir, "outbox/new", "0001-old"));
	g_assert_true(exists_in(dir, "outbox/failed", "0001-old"));
	reason = slurp(dir, "outbox/failed", "0001-old.reason");
	g_assert_true(g_str_has_prefix(reason, "gave up after 1 attempts: smtp: "));
	g_assert_true(strchr(reason, '\n') == reason + strlen(reason) - 1);   /* one line */
	g_free(reason);
	g_string_free(err, TRUE);
	teardown(&cfg);
}

static void test_flush_no_folder(void)
{
	struct config cfg;
	char *dir = setup(&cfg);
	struct outbox_stats st;
	GString *err = g_string_new(NULL);

	g_free(cfg.deliver_folder);
	cfg.deliver_folder = NULL;
	queue(dir, "0001-a", "mc@lpc.example.org", "alice@example.com");
	g_assert_cmpint(outbox_flush(&cfg, &st, err), ==, -1);
	g_assert_cmpuint(err->len, >, 0);
	g_assert_true(exists_in(dir, "outbox/new", "0001-a"));
	g_string_free(err, TRUE);
	teardown(&cfg);
}

/* outbox_send() over names: only those, and a name already gone is no error. */
static void test_send_names(void)
{
	struct config cfg;
	char *dir = setup(&cfg);
	struct outbox_stats st;
	struct outbox_link *link = outbox_link_new();
	GPtrArray *names = g_ptr_array_new();
	GString *err = g_string_new(NULL);

	queue(dir, "0001-a", "mc@lpc.example.org", "alice@example.com");
	queue(dir, "0002-b", "mc@lpc.example.org", "bob@example.com");
	g_ptr_array_add(names, "0002-b");
	g_ptr_array_add(names, "0009-gone");
	g_assert_cmpint(outbox_send(&cfg, link, names, &st, err), ==, 0);
	g_assert_cmpint(st.sent, ==, 1);
	g_assert_true(exists_in(dir, "outbox/sent", "0002-b"));
	g_assert_true(exists_in(dir, "outbox/new", "0001-a"));
	/* A second pass over the same names: nothing left to do. */
	g_assert_cmpint(outbox_send(&cfg, link, names, &st, err), ==, 0);
	g_assert_cmpint(st.sent, ==, 0);
	g_ptr_array_unref(names);
	outbox_link_free(link);
	g_string_free(err, TRUE);
	teardown(&cfg);
}

/* Batch after batch: each push hands over only the new files; a mail that
 * fails for good while later ones are queued still ends in failed/. */
static void test_sender_batches(void)
{
	struct config cfg;
	char *dir = setup(&cfg);
	struct outbox_stats st = { 0 };
	struct sender *s = sender_new();
	GString *err = g_string_new(NULL);

	queue(dir, "0001-a", "mc@lpc.example.org", "alice@example.com");
	queue(dir, "0002-b", "mc@lpc.example.org", "bob@example.com");
	g_assert_cmpint(sender_push_new(s, &cfg, err), ==, 0);
	queue(dir, "0003-c", "mc@lpc.example.org", "carol@example.com");
	put(dir, "outbox/new/0004-d", "no envelope line\n");
	g_assert_cmpint(sender_push_new(s, &cfg, err), ==, 0);
	g_assert_cmpint(sender_wait(s, &st, err), ==, 0);
	g_assert_cmpint(st.sent, ==, 3);
	g_assert_cmpint(st.permfail, ==, 1);
	g_assert_true(exists_in(dir, "outbox/sent", "0003-c"));
	g_assert_true(exists_in(dir, "outbox/failed", "0004-d"));
	g_assert_true(exists_in(dir, "outbox/failed", "0004-d.reason"));
	g_assert_true(exists_in(dir, "deliver", "0001-a.eml"));

	/* Nothing new: no job; then the last pass finds nothing else. */
	memset(&st, 0, sizeof st);
	g_assert_cmpint(sender_push_new(s, &cfg, err), ==, 0);
	queue(dir, "0005-e", "mc@lpc.example.org", "eve@example.com");
	sender_push_all(s, &cfg);
	g_assert_cmpint(sender_wait(s, &st, err), ==, 0);
	g_assert_cmpint(st.sent, ==, 1);
	g_assert_cmpint(st.permfail, ==, 0);
	g_assert_true(exists_in(dir, "outbox/sent", "0005-e"));
	sender_free(s);
	g_string_free(err, TRUE);
	teardown(&cfg);
}

static char *retry_names(const char *dir)
{
	char *retry = slurp(dir, "outbox", "retry"), **lines = g_strsplit(retry, "\n", -1);
	GString *out = g_string_new(NULL);

	for (char **l = lines; *l && **l; l++) {
		char *tab = strchr(*l, '\t');

		g_string_append_len(out, *l, tab ? tab - *l : (gssize)strlen(*l));
		g_string_append_c(out, ' ');
	}
	g_strfreev(lines);
	g_free(retry);
	return g_string_free(out, FALSE);
}

/* A pass stopped by a lost connection: its names are tried again with the
 * next batch's, each on its retry schedule. */
static void test_sender_lost_connection(void)
{
	struct config cfg;
	char *dir = setup(&cfg), *names;
	struct outbox_stats st = { 0 };
	struct sender *s = sender_new();
	GString *err = g_string_new(NULL);

	cfg.deliver = DELIVER_SMTP;         /* nothing listens: a connection failure */
	queue(dir, "0001-a", "mc@lpc.example.org", "alice@example.com");
	queue(dir, "0002-b", "mc@lpc.example.org", "bob@example.com");
	g_assert_cmpint(sender_push_new(s, &cfg, err), ==, 0);
	g_assert_cmpint(sender_wait(s, &st, err), ==, 0);
	g_assert_cmpint(st.tempfail, ==, 1);
	g_assert_cmpint(st.stopped, ==, 1);
	names = retry_names(dir);
	g_assert_cmpstr(names, ==, "0001-a ");
	g_free(names);

	queue(dir, "0003-c", "mc@lpc.example.org", "carol@example.com");
	g_assert_cmpint(sender_push_new(s, &cfg, err), ==, 0);
	g_assert_cmpint(sender_wait(s, &st, err), ==, 0);
	names = retry_names(dir);
	g_assert_cmpstr(names, ==, "0001-a 0002-b ");   /* b, left by the first pass */
	g_free(names);

	sender_push_all(s, &cfg);
	g_assert_cmpint(sender_wait(s, &st, err), ==, 0);
	names = retry_names(dir);
	g_assert_cmpstr(names, ==, "0001-a 0002-b 0003-c ");
	g_free(names);
	g_assert_true(exists_in(dir, "outbox/new", "0001-a"));
	g_assert_true(exists_in(dir, "outbox/new", "0003-c"));
	sender_free(s);
	g_string_free(err, TRUE);
	teardown(&cfg);
}

/* A local I/O error on the thread reaches the caller, once. */
static void test_sender_local_error(void)
{
	struct config cfg;
	char *dir = setup(&cfg), *folder = cfg.deliver_folder;
	struct sender *s = sender_new();
	GString *err = g_string_new(NULL);

	cfg.deliver_folder = NULL;
	queue(dir, "0001-a", "mc@lpc.example.org", "alice@example.com");
	g_assert_cmpint(sender_check(s, err), ==, 0);
	g_assert_cmpint(sender_push_new(s, &cfg, err), ==, 0);
	sender_forget(s);           /* waits, and keeps the error */
	g_assert_cmpint(sender_check(s, err), ==, -1);
	g_assert_nonnull(strstr(err->str, "deliver_folder"));
	g_string_truncate(err, 0);
	g_assert_cmpint(sender_wait(s, NULL, err), ==, -1);
	g_assert_nonnull(strstr(err->str, "deliver_folder"));
	g_assert_cmpint(sender_check(s, err), ==, 0);
	g_assert_true(exists_in(dir, "outbox/new", "0001-a"));
	sender_free(s);
	cfg.deliver_folder = folder;
	g_string_free(err, TRUE);
	teardown(&cfg);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/outbox/format_parse", test_format_parse);
	g_test_add_func("/outbox/parse_rejects", test_parse_rejects);
	g_test_add_func("/outbox/flush_folder", test_flush_folder);
	g_test_add_func("/outbox/flush_creates_dirs", test_flush_creates_dirs);
	g_test_add_func("/outbox/flush_tempfail", test_flush_tempfail);
	g_test_add_func("/outbox/flush_give_up", test_flush_give_up);
	g_test_add_func("/outbox/flush_no_folder", test_flush_no_folder);
	g_test_add_func("/outbox/send_names", test_send_names);
	g_test_add_func("/sender/batches", test_sender_batches);
	g_test_add_func("/sender/lost_connection", test_sender_lost_connection);
	g_test_add_func("/sender/local_error", test_sender_local_error);
	return g_test_run();
}
