/*
 * harness.h - what the handler tests share: mails from text, and a
 * temporary store with the shipped templates and a test configuration.
 * Included by one test program each (static functions).
 */
#ifndef MCBOT_TEST_HARNESS_H
#define MCBOT_TEST_HARNESS_H

#include <stdarg.h>
#include <string.h>

#include "bot/config.h"
#include "bot/mail.h"
#include "bot/outbox.h"
#include "bot/store.h"
#include "bot/template.h"
#include "bot/util.h"
#include "scratch.h"

static const char *
top_dir(void)
{
	const char *top = g_getenv("MCBOT_TOP");

	return top && *top ? top : ".";
}

/* Parse a mail; its text stays alive until the end of the test. */
static struct mail *
mk(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static struct mail *
mk(const char *fmt, ...)
{
	va_list ap;
	char *raw;
	struct mail *m = NULL;
	GString *err = g_string_new(NULL);

	va_start(ap, fmt);
	raw = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (mail_parse(raw, strlen(raw), NULL, &m, err) < 0)
		g_error("mail_parse: %s", err->str);
	g_test_queue_free(raw);
	g_test_queue_destroy((GDestroyNotify)mail_free, m);
	g_string_free(err, TRUE);
	return m;
}

struct env {
	char *dir;
	struct store *st;
	struct config *cfg;
	struct templates *tpl;
	gint64 now;
};

static struct env *
env_new(void)
{
	struct env *e = g_new0(struct env, 1);
	GString *err = g_string_new(NULL);
	char *tdir = g_build_filename(top_dir(), "templates", NULL);
	GError *ge = NULL;

	if (templates_load(tdir, &e->tpl, err) < 0) {
		g_free(tdir);
		g_string_free(err, TRUE);
		g_free(e);
		return NULL;
	}
	e->dir = g_dir_make_tmp("mcbot-test-XXXXXX", &ge);
	g_assert_no_error(ge);
	if (store_open(e->dir, &e->st, err) < 0)
		g_error("store_open: %s", err->str);
	e->cfg = config_defaults();
	g_free(e->cfg->list_address);
	e->cfg->list_address = g_strdup("mc@lpc.example.org");
	g_free(e->cfg->tag);
	e->cfg->tag = g_strdup("LPC");
	g_free(e->cfg->msgid_domain);
	e->cfg->msgid_domain = g_strdup("lpc.example.org");
	e->now = 1772445600;
	g_free(tdir);
	g_string_free(err, TRUE);
	return e;
}

static void
env_free(struct env *e)
{
	store_close(e->st);
	templates_free(e->tpl);
	config_free(e->cfg);
	rmtree(e->dir);
	g_free(e->dir);
	g_free(e);
}

static void
commit(struct env *e, struct txn *t)
{
	GString *err = g_string_new(NULL);

	if (txn_commit(t, err) < 0)
		g_error("txn_commit: %s", err->str);
	txn_free(t);
	g_string_free(err, TRUE);
}

/* A queued reply as "Subject: ...", a blank line and the decoded text; NULL if none. */
static char *
read_reply(const char *path)
{
	char *data = NULL, *from = NULL, *rcpt = NULL, *out;
	const char *msg;
	gsize len, mlen;
	struct mail *m = NULL;

	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	g_assert_cmpint(outbox_parse(data, len, &from, &rcpt, &msg, &mlen), ==, 0);
	g_assert_cmpint(mail_parse(msg, mlen, NULL, &m, NULL), ==, 0);
	out = g_strdup_printf("To: %s\nSubject: %s\nIn-Reply-To: %s\n\n%s", rcpt, m->subject,
			      m->in_reply_to ? m->in_reply_to : "", m->text);
	g_test_queue_free(out);
	mail_free(m);
	g_free(from);
	g_free(rcpt);
	g_free(data);
	return out;
}

#endif
