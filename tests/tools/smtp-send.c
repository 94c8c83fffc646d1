/*
 * smtp-send - test driver for bot/smtp.c: compose a small mail (or take
 * one from a file) and send it COUNT times through one struct smtp.
 *
 *   smtp-send --url smtp://127.0.0.1:2525 [--local] [--helo NAME] [--ca FILE]
 *             [--user U --password-file F] [--timeout S] [--count N]
 *             [--file MSG] FROM RCPT
 *
 * Prints one line per mail: "SENT", "TEMPFAIL conn <reason>",
 * "TEMPFAIL mail <reason>" or "PERMFAIL <reason>", then
 * "connections N".  Exit status is that of the last mail: 0 sent,
 * 1 temporary, 2 permanent failure; 3 for a usage error.
 */
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>

#include "bot/compose.h"
#include "bot/config.h"
#include "bot/smtp.h"
#include "bot/smtp_p.h"

static GBytes *make_mail(const char *from, const char *rcpt, int i, const char *file)
{
	struct compose c = { 0 };
	char *seed, *subject, *raw;
	gsize len;
	GBytes *b;

	if (file) {
		if (!g_file_get_contents(file, &raw, &len, NULL))
			return NULL;
		return g_bytes_new_take(raw, len);
	}
	seed = g_strdup_printf("smtp-send:%d", i);
	subject = g_strdup_printf("[TEST] mail %d", i);
	c.from_addr = from;
	c.from_name = "mcbot test";
	c.to_addr = rcpt;
	c.subject = subject;
	c.body = "Hello,\n\nthis is a test from smtp-send: caf\xc3\xa9.\n.\n..\nBye.\n";
	c.auto_submitted = "auto-generated";
	c.msgid_seed = seed;
	c.date = g_get_real_time() / G_USEC_PER_SEC;
	c.x_loop = from;
	b = compose_build(&c);
	g_free(seed);
	g_free(subject);
	return b;
}

int main(int argc, char **argv)
{
	char *url = NULL, *helo = NULL, *ca = NULL, *user = NULL, *pwfile = NULL, *file = NULL;
	gboolean local = FALSE;
	int timeout = 10, count = 1, rc = 3;
	GOptionEntry opts[] = {
		{ "url", 0, 0, G_OPTION_ARG_STRING, &url, "smtp:// or smtps:// URL", "URL" },
		{ "local", 0, 0, G_OPTION_ARG_NONE, &local, "plaintext allowed", NULL },
		{ "helo", 0, 0, G_OPTION_ARG_STRING, &helo, "EHLO name", "NAME" },
		{ "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca, "CA file", "FILE" },
		{ "user", 0, 0, G_OPTION_ARG_STRING, &user, "AUTH user", "USER" },
		{ "password-file", 0, 0, G_OPTION_ARG_FILENAME, &pwfile, "AUTH password", "FILE" },
		{ "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "seconds", "S" },
		{ "count", 0, 0, G_OPTION_ARG_INT, &count, "mails to send", "N" },
		{ "file", 0, 0, G_OPTION_ARG_FILENAME, &file, "message to send", "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("FROM RCPT");
	GError *gerr = NULL;
	struct config cfg = { 0 };
	struct smtp *s = NULL;
	GString *err = g_string_new(NULL);
	char *password = NULL;

	g_option_context_add_main_entries(ctx, opts, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &gerr) || argc != 3 || !url) {
		fprintf(stderr, "usage: smtp-send --url URL [options] FROM RCPT%s%s\n",
			gerr ? ": " : "", gerr ? gerr->message : "");
		goto out;
	}
	if (pwfile) {
		if (!g_file_get_contents(pwfile, &password, NULL, NULL)) {
			fprintf(stderr, "smtp-send: cannot read %s\n", pwfile);
			goto out;
		}
		password[strcspn(password, "\r\n")] = '\0';
	}
	g_mime_init();
	cfg.deliver = DELIVER_SMTP;
	cfg.smtp_url = url;
	cfg.smtp_local = local;
	cfg.smtp_helo = helo;
	cfg.smtp_ca_file = ca;
	cfg.smtp_user = user;
	cfg.smtp_password = password;
	cfg.smtp_timeout = timeout;
	cfg.list_address = argv[1];

	s = smtp_new(&cfg);
	for (int i = 1; i <= count; i++) {
		GBytes *mail = make_mail(argv[1], argv[2], i, file);
		gsize len;
		const char *data;

		if (!mail) {
			fprintf(stderr, "smtp-send: cannot build or read the mail\n");
			rc = 3;
			goto out;
		}
		data = g_bytes_get_data(mail, &len);
		switch (smtp_send(s, argv[1], argv[2], data, len, err)) {
		case SMTP_SENT:
			printf("SENT\n");
			rc = 0;
			break;
		case SMTP_TEMPFAIL:
			printf("TEMPFAIL %s %s\n", smtp_conn_failed(s) ? "conn" : "mail", err->str);
			rc = 1;
			break;
		case SMTP_PERMFAIL:
			printf("PERMFAIL %s\n", err->str);
			rc = 2;
			break;
		}
		fflush(stdout);
		g_bytes_unref(mail);
	}
	printf("connections %ld\n", smtp_connections(s));
out:
	smtp_free(s);
	g_free(password);
	g_free(url);
	g_free(helo);
	g_free(ca);
	g_free(user);
	g_free(pwfile);
	g_free(file);
	g_string_free(err, TRUE);
	g_clear_error(&gerr);
	g_option_context_free(ctx);
	return rc;
}
