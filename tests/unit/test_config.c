/*
 * test_config.c - the configuration file: defaults, good files, and every
 * kind of error reported as "file:line: message", all in one run.
 *
 * Fixtures are tests/fixtures/config/<name>.conf; a bad one comes with
 * <name>.expected, its exact messages with @FILE@ for the file's path and
 * @DIR@ for its directory.  Each fixture is copied to a fresh temporary
 * directory first, so that password files can get their modes there.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bot/config.h"

static char *
top_path(const char *rel)
{
	const char *top = g_getenv("MCBOT_TOP");

	return g_build_filename(top ? top : ".", rel, NULL);
}

static char *
read_all(const char *path)
{
	char *text = NULL;
	GError *e = NULL;

	g_file_get_contents(path, &text, NULL, &e);
	g_assert_no_error(e);
	return text;
}

static void
write_file(const char *dir, const char *name, const char *text, int mode)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *e = NULL;

	g_file_set_contents(path, text, -1, &e);
	g_assert_no_error(e);
	g_assert_cmpint(g_chmod(path, mode), ==, 0);
	g_free(path);
}

static void
rm_rf(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *e;

	while (d && (e = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, e, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

/* Copy fixture name.conf into a new temporary directory; returns the copy's path. */
static char *
fixture_copy(const char *name, char **dir)
{
	char *rel = g_strdup_printf("tests/fixtures/config/%s.conf", name);
	char *src = top_path(rel);
	char *text = read_all(src);
	char *file = g_strdup_printf("%s.conf", name);
	char *path;

	*dir = g_dir_make_tmp("test_config-XXXXXX", NULL);
	g_assert_nonnull(*dir);
	write_file(*dir, file, text, 0644);
	path = g_build_filename(*dir, file, NULL);
	g_free(file);
	g_free(text);
	g_free(src);
	g_free(rel);
	return path;
}

static char *
replace(const char *s, const char *what, const char *with)
{
	char **parts = g_strsplit(s, what, -1);
	char *out = g_strjoinv(with, parts);

	g_strfreev(parts);
	return out;
}

/* Load a bad fixture and compare its messages with name.expected. */
static void
check_bad(const char *name, void (*prepare)(const char *dir))
{
	char *dir, *path = fixture_copy(name, &dir);
	char *rel = g_strdup_printf("tests/fixtures/config/%s.expected", name);
	char *exp_path = top_path(rel);
	char *raw = read_all(exp_path);
	char *a = replace(raw, "@FILE@", path);
	char *expected = replace(a, "@DIR@", dir);
	GString *errs = g_string_new(NULL);
	struct config *c = (struct config *)1;

	if (prepare)
		prepare(dir);
	g_assert_cmpint(config_load(path, &c, errs), ==, -1);
	g_assert_null(c);
	g_assert_cmpstr(errs->str, ==, expected);
	g_string_free(errs, TRUE);
	g_free(expected);
	g_free(a);
	g_free(raw);
	g_free(exp_path);
	g_free(rel);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

static void
test_rsvp_states(void)
{
	char *dir, *path = fixture_copy("bad-rsvp-states", &dir);
	struct config *c = NULL;
	GString *errs = g_string_new(NULL);
	const char good[] = "[rsvp]\nstates = accepted, waitlisted\n";

	check_bad("bad-rsvp-states", NULL);
	g_assert_true(g_file_set_contents(path, good, -1, NULL));
	g_assert_cmpint(config_load(path, &c, errs), ==, 0);
	g_assert_cmpstr(c->rsvp_states, ==, "accepted, waitlisted");
	config_free(c);
	g_string_free(errs, TRUE);
	rm_rf(dir);
	g_free(dir);
	g_free(path);
}

static void
test_defaults(void)
{
	struct config *c = config_defaults();

	g_assert_null(c->path);
	g_assert_cmpint(c->inbox, ==, INBOX_MAILDIR);
	g_assert_cmpstr(c->maildir, ==, "Maildir");
	g_assert_cmpint(c->deliver, ==, DELIVER_FOLDER);
	g_assert_cmpstr(c->state_dir, ==, "mcbot-state");
	g_assert_cmpstr(c->deliver_folder, ==, "mcbot-state/delivered");
	g_assert_true(g_str_has_suffix(c->templates_dir, "templates"));
	g_assert_cmpstr(c->list_address, ==, "mc@localhost");
	g_assert_cmpstr(c->list_name, ==, "Microconference CfP");
	g_assert_cmpstr(c->conference, ==, "the conference");
	g_assert_cmpstr(c->tag, ==, "CfP");
	g_assert_cmpstr(c->msgid_domain, ==, "localhost");
	g_assert_cmpint(c->poll_interval, ==, 60);
	g_assert_cmpint(c->imap_port, ==, 993);
	g_assert_cmpstr(c->imap_mailbox, ==, "INBOX");
	g_assert_cmpstr(c->imap_folder_prefix, ==, "mcbot");
	g_assert_cmpint(c->imap_timeout, ==, 60);
	g_assert_cmpint(c->imap_batch, ==, 100);
	g_assert_cmpint(c->smtp_timeout, ==, 60);
	g_assert_false(c->smtp_local);
	g_assert_null(c->imap_password);
	g_assert_null(c->smtp_url);
	g_assert_null(c->deadline);
	g_assert_cmpuint(c->max_message_size, ==, 10 * 1024 * 1024);
	g_assert_cmpuint(c->max_text_size, ==, 256 * 1024);
	g_assert_cmpint(c->max_mime_parts, ==, 100);
	g_assert_cmpint(c->max_mime_depth, ==, 10);
	g_assert_cmpint(c->max_headers, ==, 500);
	g_assert_cmpint(c->parse_cpu_seconds, ==, 5);
	config_free(c);
}

static void
test_example(void)
{
	char *path = top_path("config/mcbot.conf");
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;

	g_assert_cmpint(config_load(path, &c, errs), ==, 0);
	g_assert_cmpstr(errs->str, ==, "");
	g_assert_cmpstr(c->path, ==, path);
	g_assert_cmpint(c->inbox, ==, INBOX_MAILDIR);
	g_assert_cmpint(c->deliver, ==, DELIVER_FOLDER);
	g_assert_cmpstr(c->list_address, ==, "mc@lpc.example.org");
	g_assert_cmpstr(c->msgid_domain, ==, "lpc.example.org");
	g_assert_cmpstr(c->tag, ==, "LPC");
	config_free(c);
	g_string_free(errs, TRUE);
	g_free(path);
}

static void
test_imap_good(void)
{
	char *dir, *path = fixture_copy("imap-good", &dir);
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;
	char *p;

	write_file(dir, "imap.pw", "imap s3cret\nsecond line is ignored\n", 0600);
	write_file(dir, "smtp.pw", "smtp-pw\r\n", 0400);
	write_file(dir, "ca.pem", "not checked here\n", 0644);
	g_assert_cmpint(config_load(path, &c, errs), ==, 0);
	g_assert_cmpstr(errs->str, ==, "");
	g_assert_cmpint(c->inbox, ==, INBOX_IMAP);
	g_assert_cmpstr(c->imap_host, ==, "imap.lpc.example.org");
	g_assert_cmpint(c->imap_port, ==, 10993);
	g_assert_cmpstr(c->imap_user, ==, "bot@lpc.example.org");
	g_assert_cmpstr(c->imap_password, ==, "imap s3cret");
	g_assert_cmpstr(c->smtp_password, ==, "smtp-pw");
	p = g_build_filename(dir, "ca.pem", NULL);
	g_assert_cmpstr(c->imap_ca_file, ==, p);
	g_assert_cmpstr(c->smtp_ca_file, ==, p);
	g_free(p);
	g_assert_cmpstr(c->imap_fingerprint, ==,
			"3a9f00112233445566778899aabbccddeeff00112233445566778899aabbccdd");
	g_assert_cmpstr(c->imap_mailbox, ==, "Proposals");
	g_assert_cmpstr(c->imap_folder_prefix, ==, "bot");
	g_assert_cmpint(c->imap_timeout, ==, 20);
	g_assert_cmpint(c->imap_batch, ==, 50);
	g_assert_cmpint(c->deliver, ==, DELIVER_SMTP);
	g_assert_cmpstr(c->smtp_url, ==, "smtps://smtp.lpc.example.org:465");
	g_assert_false(c->smtp_local);
	g_assert_cmpstr(c->smtp_helo, ==, "bot.lpc.example.org");
	g_assert_cmpint(c->smtp_timeout, ==, 30);
	g_assert_cmpstr(c->deadline, ==, "2026-07-01 23:59 UTC");
	p = g_build_filename(dir, "state", NULL);
	g_assert_cmpstr(c->state_dir, ==, p);
	g_free(p);
	/* Not set in the file: follows state_dir. */
	p = g_build_filename(dir, "state", "delivered", NULL);
	g_assert_cmpstr(c->deliver_folder, ==, p);
	g_free(p);
	/* "../templates" from the file's directory, made absolute and normal. */
	p = g_path_get_dirname(dir);
	g_assert_true(g_str_has_prefix(c->templates_dir, p));
	g_assert_cmpstr(c->templates_dir + strlen(p), ==, "/templates");
	g_free(p);
	g_assert_cmpint(c->poll_interval, ==, 5);
	g_assert_cmpuint(c->max_message_size, ==, 2 * 1024 * 1024);
	g_assert_cmpuint(c->max_text_size, ==, 64 * 1024);
	g_assert_cmpint(c->max_mime_parts, ==, 50);
	g_assert_cmpint(c->max_mime_depth, ==, 5);
	g_assert_cmpint(c->max_headers, ==, 300);
	g_assert_cmpint(c->parse_cpu_seconds, ==, 2);
	config_free(c);
	g_string_free(errs, TRUE);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

static void
test_maildir_relative(void)
{
	char *dir, *path = fixture_copy("maildir-good", &dir);
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;
	char *p;

	g_assert_cmpint(config_load(path, &c, errs), ==, 0);
	g_assert_cmpstr(errs->str, ==, "");
	p = g_build_filename(dir, "mail", "inbox", NULL);
	g_assert_cmpstr(c->maildir, ==, p);
	g_free(p);
	p = g_build_filename(dir, "state", NULL);
	g_assert_cmpstr(c->state_dir, ==, p);
	g_free(p);
	p = g_build_filename(dir, "state", "delivered", NULL);
	g_assert_cmpstr(c->deliver_folder, ==, p);
	g_free(p);
	g_assert_cmpstr(c->msgid_domain, ==, "example.org");
	g_assert_null(c->imap_password);
	config_free(c);
	g_string_free(errs, TRUE);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

static void
prepare_passwords(const char *dir)
{
	write_file(dir, "world-readable.pw", "secret\n", 0644);
	write_file(dir, "empty.pw", "\nsecond\n", 0600);
}

static void
test_bad_syntax(void)
{
	check_bad("bad-syntax", NULL);
}

static void
test_bad_values(void)
{
	check_bad("bad-values", NULL);
}

static void
test_bad_required(void)
{
	check_bad("bad-required", NULL);
}

static void
test_bad_password(void)
{
	check_bad("bad-password", prepare_passwords);
}

static void
test_missing_password(void)
{
	check_bad("bad-missing-password", NULL);
}

/* A password never appears in a message, whatever goes wrong. */
static void
test_no_secret_in_errors(void)
{
	char *dir = g_dir_make_tmp("test_config-XXXXXX", NULL);
	char *path = g_build_filename(dir, "x.conf", NULL);
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;

	write_file(dir, "x.conf", "[imap]\npassword = hunter2\n[smtp]\n"
		   "url = smtp://u:hunter2@host\n", 0600);
	g_assert_cmpint(config_load(path, &c, errs), ==, -1);
	g_assert_null(strstr(errs->str, "hunter2"));
	g_assert_nonnull(strstr(errs->str, "x.conf:2: [imap] password: passwords are not"));
	g_string_free(errs, TRUE);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

static void
test_nul_byte(void)
{
	char *dir = g_dir_make_tmp("test_config-XXXXXX", NULL);
	char *path = g_build_filename(dir, "nul.conf", NULL);
	char *want = g_strdup_printf("%s:3: a NUL byte: this is not a text file\n", path);
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;
	GError *e = NULL;

	g_file_set_contents(path, "[list]\n# x\ntag = A\0B\n", 21, &e);
	g_assert_no_error(e);
	g_assert_cmpint(config_load(path, &c, errs), ==, -1);
	g_assert_cmpstr(errs->str, ==, want);
	g_string_free(errs, TRUE);
	g_free(want);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

static void
test_unreadable_file(void)
{
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;

	g_assert_cmpint(config_load("/nonexistent/mcbot.conf", &c, errs), ==, -1);
	g_assert_null(c);
	g_assert_cmpstr(errs->str, ==, "/nonexistent/mcbot.conf: No such file or directory\n");
	g_string_free(errs, TRUE);
}

/* Sizes, suffixes and the edges of the ranges. */
static void
test_numbers(void)
{
	static const struct {
		const char *text;
		gsize size;
		gboolean ok;
	} cases[] = {
		{ "1024", 1024, TRUE }, { "1k", 1024, TRUE }, { "64K", 65536, TRUE },
		{ "1G", 1024 * 1024 * 1024, TRUE }, { "1023", 0, FALSE }, { "2G", 0, FALSE },
		{ "1.5M", 0, FALSE }, { "M", 0, FALSE }, { "+5M", 0, FALSE }, { "5 M", 5 << 20, TRUE },
		{ "99999999999999999999G", 0, FALSE }, { "10m", 0, FALSE },
	};
	char *dir = g_dir_make_tmp("test_config-XXXXXX", NULL);
	char *path = g_build_filename(dir, "n.conf", NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strdup_printf("[limits]\nmax_message_size = %s\n", cases[i].text);
		GString *errs = g_string_new(NULL);
		struct config *c = NULL;
		int rc;

		write_file(dir, "n.conf", text, 0600);
		rc = config_load(path, &c, errs);
		g_test_message("%s -> %s", cases[i].text, errs->str);
		g_assert_cmpint(rc, ==, cases[i].ok ? 0 : -1);
		if (cases[i].ok)
			g_assert_cmpuint(c->max_message_size, ==, cases[i].size);
		else
			g_assert_true(g_str_has_prefix(errs->str + strlen(path), ":2: [limits] "
						       "max_message_size: "));
		config_free(c);
		g_string_free(errs, TRUE);
		g_free(text);
	}
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

/* Random bytes and random lines: never a crash, always a clean answer. */
static void
test_garbage(void)
{
	static const char *const pieces[] = {
		"[list]", "[imap]", "[smtp]", "[", "]", "=", "address", "port", " = ", "\\",
		"\\n", "#", "\n", "\r\n", "\xff", "\xc3\xa9", "99999999999", "k", "password",
		"password_file", "type = imap", "deliver = smtp", "{{", "\t", "[frob]",
		"tag", "url", "smtps://h", "\x01", "",
	};
	char *dir = g_dir_make_tmp("test_config-XXXXXX", NULL);
	char *path = g_build_filename(dir, "g.conf", NULL);

	for (int round = 0; round < (g_test_slow() ? 20000 : 300); round++) {
		GString *text = g_string_new(NULL);
		GString *errs = g_string_new(NULL);
		struct config *c = NULL;
		int n = g_test_rand_int_range(0, 60), rc;
		char **msgs;

		for (int i = 0; i < n; i++)
			g_string_append(text, pieces[g_test_rand_int_range(0,
						(int)G_N_ELEMENTS(pieces))]);
		write_file(dir, "g.conf", text->str, 0600);
		rc = config_load(path, &c, errs);
		g_assert_true((rc == 0) == (errs->len == 0));
		g_assert_true((rc == 0) == (c != NULL));
		g_assert_true(errs->len == 0 || errs->str[errs->len - 1] == '\n');
		/* The scan catches whatever GKeyFile would reject: every message has a line. */
		for (char **l = msgs = g_strsplit(errs->str, "\n", -1); *l && **l; l++)
			if (!g_str_has_prefix(*l, path) || !g_ascii_isdigit((*l)[strlen(path) + 1]))
				g_error("no line number: %s\nin:\n%s", *l, text->str);
		g_strfreev(msgs);
		config_free(c);
		g_string_free(errs, TRUE);
		g_string_free(text, TRUE);
	}
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

/* [organizers]: lists, fingerprints, proofs, durations, and the defaults. */
static void
test_organizers(void)
{
	char *dir = g_dir_make_tmp("test_config-XXXXXX", NULL);
	char *path = g_build_filename(dir, "o.conf", NULL), *p;
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;

	write_file(dir, "token.secret", "0123456789abcdef-secret\n", 0600);
	write_file(dir, "o.conf", "[organizers]\n"
		   "addresses = organizer@LPC.example.org, chair@lpc.example.org\n"
		   "authserv_id = mx.lpc.example.org\n"
		   "pgp_fingerprints = organizer@lpc.example.org=13E4 F408 066D 22B0 BBB5 "
		   "7320 9179 F0AF 6EB6 4815, chair@lpc.example.org="
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		   "gnupg_home = gnupg\n"
		   "token_secret_file = token.secret\n"
		   "read_proof = sender, dkim\n"
		   "hold_decisions = false\n"
		   "refusal_interval = 12h\n"
		   "token_lifetime = 90m\n"
		   "pgp_max_age = 3d\n", 0600);
	g_assert_cmpint(config_load(path, &c, errs), ==, 0);
	g_assert_cmpstr(errs->str, ==, "");
	g_assert_cmpstr(c->organizers[0], ==, "organizer@lpc.example.org");
	g_assert_cmpstr(c->organizers[1], ==, "chair@lpc.example.org");
	g_assert_null(c->organizers[2]);
	g_assert_true(config_is_organizer(c, "Organizer@lpc.example.org"));
	g_assert_false(config_is_organizer(c, "organizer@lpc.example.org.evil"));
	g_assert_false(config_is_organizer(c, NULL));
	g_assert_cmpstr(c->authserv_id, ==, "mx.lpc.example.org");
	g_assert_cmpstr(c->received_by, ==, "mx.lpc.example.org");
	g_assert_cmpstr(c->pgp_keys[0], ==,
			"organizer@lpc.example.org 13E4F408066D22B0BBB573209179F0AF6EB64815");
	g_assert_cmpstr(c->pgp_keys[1], ==,
			"chair@lpc.example.org AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	p = g_build_filename(dir, "gnupg", NULL);
	g_assert_cmpstr(c->gnupg_home, ==, p);
	g_free(p);
	g_assert_cmpstr(c->token_secret, ==, "0123456789abcdef-secret");
	g_assert_cmpint(c->read_proof, ==, CONFIG_PROOF_SENDER | CONFIG_PROOF_DKIM);
	g_assert_cmpint(c->change_proof, ==, CONFIG_PROOF_PGP | CONFIG_PROOF_DKIM |
			CONFIG_PROOF_TOKEN);
	g_assert_false(c->hold_decisions);
	g_assert_cmpint(c->refusal_interval, ==, 12 * 3600);
	g_assert_cmpint(c->token_lifetime, ==, 90 * 60);
	g_assert_cmpint(c->pgp_max_age, ==, 3 * 86400);
	config_free(c);

	/* Defaults: nobody may command; decisions are held. */
	c = config_defaults();
	g_assert_null(c->organizers);
	g_assert_true(c->hold_decisions);
	g_assert_cmpint(c->read_proof, ==, 0);
	g_assert_cmpint(c->change_proof, ==, 0);
	g_assert_cmpint(c->refusal_interval, ==, 86400);
	g_assert_cmpint(c->token_lifetime, ==, 2 * 86400);
	g_assert_cmpint(c->pgp_max_age, ==, 7 * 86400);
	config_free(c);

	/* Every mistake, each with its line. */
	g_string_truncate(errs, 0);
	write_file(dir, "short.secret", "short\n", 0600);
	write_file(dir, "o.conf", "[organizers]\n"
		   "addresses = organizer@lpc.example.org, not-an-address\n"
		   "pgp_fingerprints = mallory@evil.example=13E4F408066D22B0BBB573209179F0AF6EB64815,"
		   " organizer@lpc.example.org=1234\n"
		   "read_proof = pgp, dkim, magic\n"
		   "change_proof = sender\n"
		   "refusal_interval = 10s\n"
		   "token_lifetime = 1w\n", 0600);
	g_assert_cmpint(config_load(path, &c, errs), ==, -1);
	g_test_message("%s", errs->str);
	{
		static const char *const want[] = {
			":2: [organizers] addresses: \"not-an-address\" is not a plain address",
			":3: [organizers] pgp_fingerprints: \"organizer@lpc.example.org=1234\": "
			"expected address=FINGERPRINT",
			":4: [organizers] read_proof: \"magic\" is not pgp, dkim, token or sender",
			":5: [organizers] change_proof: sender is no proof",
			":6: [organizers] refusal_interval: \"10s\" is not a duration",
			":7: [organizers] token_lifetime: \"1w\" is not a duration",
		};

		for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
			if (strstr(errs->str, want[i]) == NULL)
				g_error("missing \"%s\" in:\n%s", want[i], errs->str);
	}
	g_string_truncate(errs, 0);
	write_file(dir, "o.conf", "[organizers]\n"
		   "addresses = organizer@lpc.example.org\n"
		   "pgp_fingerprints = mallory@evil.example=13E4F408066D22B0BBB573209179F0AF6EB64815\n"
		   "token_secret_file = short.secret\n"
		   "change_proof = dkim, token\n", 0600);
	g_assert_cmpint(config_load(path, &c, errs), ==, -1);
	g_test_message("%s", errs->str);
	g_assert_nonnull(strstr(errs->str, ":3: [organizers] pgp_fingerprints is set but "
				"gnupg_home is not"));
	g_assert_nonnull(strstr(errs->str, ":3: [organizers] pgp_fingerprints: "
				"mallory@evil.example is not in addresses"));
	g_assert_nonnull(strstr(errs->str, ":4: [organizers] token_secret_file: the secret is "
				"shorter than 16 bytes"));
	g_assert_nonnull(strstr(errs->str, ":5: [organizers] change_proof: dkim needs "
				"authserv_id"));
	g_string_truncate(errs, 0);
	write_file(dir, "o.conf", "[organizers]\naddresses = organizer@lpc.example.org\n"
		   "read_proof = token\n", 0600);
	g_assert_cmpint(config_load(path, &c, errs), ==, -1);
	g_assert_nonnull(strstr(errs->str, ":3: [organizers] read_proof: token needs "
				"token_secret_file"));
	g_assert_nonnull(strstr(errs->str, ":2: [organizers] addresses is set but nothing can "
				"prove a command"));
	g_string_free(errs, TRUE);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	umask(022);
	g_test_add_func("/config/defaults", test_defaults);
	g_test_add_func("/config/example", test_example);
	g_test_add_func("/config/imap-good", test_imap_good);
	g_test_add_func("/config/maildir-relative", test_maildir_relative);
	g_test_add_func("/config/bad-syntax", test_bad_syntax);
	g_test_add_func("/config/bad-values", test_bad_values);
	g_test_add_func("/config/bad-required", test_bad_required);
	g_test_add_func("/config/bad-password", test_bad_password);
	g_test_add_func("/config/missing-password", test_missing_password);
	g_test_add_func("/config/no-secret-in-errors", test_no_secret_in_errors);
	g_test_add_func("/config/unreadable", test_unreadable_file);
	g_test_add_func("/config/nul-byte", test_nul_byte);
	g_test_add_func("/config/numbers", test_numbers);
	g_test_add_func("/config/garbage", test_garbage);
	g_test_add_func("/config/organizers", test_organizers);
	g_test_add_func("/config/rsvp-states", test_rsvp_states);
	return g_test_run();
}
