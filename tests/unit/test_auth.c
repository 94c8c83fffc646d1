/*
 * test_auth.c - who may command mcbot: the organizer's From, the
 * receiving server's Authentication-Results (tests/fixtures/command), the
 * confirmation tokens, and PGP/MIME signatures made here with gpg in
 * temporary keyrings (skipped when gpg is missing).
 */
#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "bot/config.h"
#include "bot/mail.h"
#include "bot/util.h"
#include "handlers/auth.h"

#define NOW 1777888800

static char *
top_path(const char *rel)
{
	const char *top = g_getenv("MCBOT_TOP");

	return g_build_filename(top ? top : ".", rel, NULL);
}

static struct config *
org_config(void)
{
	struct config *c = config_defaults();

	c->organizers = g_strsplit("organizer@lpc.example.org,chair@lpc.example.org", ",", -1);
	c->authserv_id = g_strdup("mx.lpc.example.org");
	c->received_by = g_strdup("mx.lpc.example.org");
	c->read_proof = c->change_proof = CONFIG_PROOF_PGP | CONFIG_PROOF_DKIM;
	return c;
}

/* A parsed mail that keeps its bytes (freed with it by the caller). */
struct held_mail {
	char *raw;
	struct mail *m;
};

static struct held_mail
parse(const char *raw)
{
	struct held_mail h = { g_strdup(raw), NULL };
	GString *err = g_string_new(NULL);

	if (mail_parse(h.raw, strlen(h.raw), NULL, &h.m, err) < 0)
		g_error("mail_parse: %s", err->str);
	g_string_free(err, TRUE);
	return h;
}

static struct held_mail
fixture(const char *name)
{
	char *rel = g_strdup_printf("tests/fixtures/command/%s.eml", name);
	char *path = top_path(rel), *text = NULL;
	struct held_mail h;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	h = parse(text);
	g_free(text);
	g_free(path);
	g_free(rel);
	return h;
}

static void
held_free(struct held_mail *h)
{
	mail_free(h->m);
	g_free(h->raw);
}

static enum auth_verdict
verdict_of(const struct config *c, const char *name, char **detail)
{
	struct held_mail h = fixture(name);
	struct auth a;
	enum auth_verdict v;

	auth_check(c, h.m, NOW, &a);
	v = a.verdict;
	if (detail)
		*detail = g_strdup(a.detail);
	g_test_message("%s: %d %s", name, v, a.detail);
	auth_clear(&a);
	held_free(&h);
	return v;
}

static void
test_dkim_fixtures(void)
{
	static const struct {
		const char *name;
		enum auth_verdict want;
		const char *why;
	} cases[] = {
		{ "10-dkim-decide", AUTH_PROVEN, "dkim: mx.lpc.example.org says dkim=pass header.d=lpc" },
		{ "11-no-proof", AUTH_UNPROVEN, "no Authentication-Results from mx.lpc" },
		{ "12-lookalike-at", AUTH_NOT_ORGANIZER, "exactly one From address" },
		{ "13-two-from", AUTH_NOT_ORGANIZER, "2 From fields" },
		{ "14-display-name", AUTH_NOT_ORGANIZER, "mallory@evil.example is not an organizer" },
		{ "15-ar-wrong-authserv", AUTH_UNPROVEN, "no Authentication-Results from mx.lpc" },
		{ "16-ar-below-received", AUTH_UNPROVEN, "no Authentication-Results from mx.lpc" },
		{ "17-ar-topmost-fail", AUTH_UNPROVEN, "(dkim=fail, spf=fail, dmarc=fail)" },
		{ "18-ar-unaligned", AUTH_UNPROVEN, "found no valid DKIM or DMARC" },
		{ "19-not-organizer", AUTH_NOT_ORGANIZER, "not an organizer" },
		{ "03-proposal-kvm", AUTH_NOT_ORGANIZER, "not an organizer" },
	};
	struct config *c = org_config();

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *detail = NULL;

		g_assert_cmpint(verdict_of(c, cases[i].name, &detail), ==, cases[i].want);
		if (strstr(detail, cases[i].why) == NULL)
			g_error("%s: \"%s\" does not say \"%s\"", cases[i].name, detail, cases[i].why);
		g_free(detail);
	}
	/* Another authserv-id: the corpus-style mail proves nothing. */
	g_free(c->authserv_id);
	g_free(c->received_by);
	c->authserv_id = g_strdup("mx.other.example");
	c->received_by = g_strdup("mx.other.example");
	g_assert_cmpint(verdict_of(c, "10-dkim-decide", NULL), ==, AUTH_UNPROVEN);
	/* No authserv-id at all: no dkim proof. */
	g_clear_pointer(&c->authserv_id, g_free);
	g_assert_cmpint(verdict_of(c, "10-dkim-decide", NULL), ==, AUTH_UNPROVEN);
	config_free(c);
}

/* A-R variants written inline: position, aligned dkim, comments, case. */
static void
test_dkim_inline(void)
{
	static const char *const head =
		"Received: from lmtp by imap.lpc.example.org (Dovecot) with LMTP id 1\n"
		"Received: from submit (submit [192.0.2.10])\n"
		"\tby MX.lpc.example.org (Postfix) with ESMTPS id 2\n";
	static const char *const tail =
		"From: Org <organizer@lpc.example.org>\nTo: mc@lpc.example.org\n"
		"Subject: list\nMessage-ID: <x@lpc.example.org>\n\nlist\n";
	static const struct {
		const char *ar;
		gboolean ok;
	} cases[] = {
		{ "Authentication-Results: mx.lpc.example.org; dkim=pass header.d=lpc.example.org\n", TRUE },
		{ "Authentication-Results: mx.lpc.example.org 1; dkim=pass (good) header.d=LPC.example.org\n", TRUE },
		{ "Authentication-Results: mx.lpc.example.org; dkim=pass header.d=example.org\n", FALSE },
		{ "Authentication-Results: mx.lpc.example.org; dmarc=pass header.from=evil.example\n", FALSE },
		{ "Authentication-Results: mx.lpc.example.org; dmarc=pass\n", TRUE },
		{ "Authentication-Results: mx.lpc.example.org; dkim=pass (header.d=lpc.example.org) header.d=evil.example\n", FALSE },
		{ "Authentication-Results: mx.lpc.example.org; none\n", FALSE },
		{ "Authentication-Results: mx.lpc.example.org.evil; dmarc=pass\n", FALSE },
		{ "Authentication-Results: x; mx.lpc.example.org; dmarc=pass\n", FALSE },
		/* another server's verdict above ours is skipped, ours decides */
		{ "Authentication-Results: other.example; dmarc=fail\n"
		  "Authentication-Results: mx.lpc.example.org; dmarc=pass\n", TRUE },
		/* ours says fail: a pass below it does not count */
		{ "Authentication-Results: mx.lpc.example.org; dmarc=fail\n"
		  "Authentication-Results: mx.lpc.example.org; dmarc=pass\n", FALSE },
		/* below the next Received: written before our server saw it */
		{ "Received: from evil by relay.evil.example; Mon, 4 May 2026\n"
		  "Authentication-Results: mx.lpc.example.org; dmarc=pass\n", FALSE },
		/* our server's chain can have several hops (LMTP, SMTP) */
		{ "Received: from mx by mx.lpc.example.org with LMTP id 3\n"
		  "Authentication-Results: mx.lpc.example.org; dmarc=pass\n", TRUE },
		{ "Received: from mx by mx.lpc.example.org with LMTP id 3\n"
		  "Received: from evil by relay.evil.example; Mon, 4 May 2026\n"
		  "Authentication-Results: mx.lpc.example.org; dmarc=pass\n", FALSE },
	};
	struct config *c = org_config();

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *raw = g_strconcat(head, cases[i].ar, tail, NULL);
		struct held_mail h = parse(raw);
		GString *why = g_string_new(NULL);
		char *detail = NULL;
		gboolean ok = auth_dkim(c, h.m, &detail, why);

		g_test_message("case %zu: %s%s", i, detail ? detail : "", why->str);
		if (ok != cases[i].ok)
			g_error("case %zu: got %d: %s", i, ok, why->str);
		g_free(detail);
		g_string_free(why, TRUE);
		held_free(&h);
		g_free(raw);
	}
	/* No Received: by our server at all: nothing counts. */
	{
		struct held_mail h = parse("Authentication-Results: mx.lpc.example.org; dmarc=pass\n"
					   "From: organizer@lpc.example.org\nSubject: list\n\nlist\n");
		GString *why = g_string_new(NULL);
		char *detail = NULL;

		g_assert_false(auth_dkim(c, h.m, &detail, why));
		g_assert_nonnull(strstr(why->str, "no Received: header from mx.lpc.example.org"));
		g_string_free(why, TRUE);
		held_free(&h);
	}
	config_free(c);
}

/* Random Authentication-Results and Received values: never a crash. */
static void
test_dkim_garbage(void)
{
	static const char *const pieces[] = {
		"mx.lpc.example.org", ";", " ", "\n\t", "dkim=pass", "dmarc=pass", "header.d=",
		"header.from=", "lpc.example.org", "(", ")", "\"", "\\", "=", "by ", "from ", "@",
		"\xff", "Received: ", "Authentication-Results: ", "\n", "x",
	};
	struct config *c = org_config();

	for (int round = 0; round < (g_test_slow() ? 5000 : 300); round++) {
		GString *raw = g_string_new("Received: from a\n by mx.lpc.example.org; x\n");
		struct mail *m = NULL;
		GString *why = g_string_new(NULL);
		char *detail = NULL;

		for (int i = g_test_rand_int_range(0, 40); i > 0; i--)
			g_string_append(raw, pieces[g_test_rand_int_range(0, G_N_ELEMENTS(pieces))]);
		g_string_append(raw, "\nFrom: organizer@lpc.example.org\nSubject: list\n\nlist\n");
		if (mail_parse(raw->str, raw->len, NULL, &m, NULL) == 0) {
			auth_dkim(c, m, &detail, why);
			g_free(detail);
			mail_free(m);
		}
		g_string_free(why, TRUE);
		g_string_free(raw, TRUE);
	}
	config_free(c);
}

static void
test_sender(void)
{
	static const struct {
		const char *from;
		gboolean ok;
	} cases[] = {
		{ "From: organizer@lpc.example.org\n", TRUE },
		{ "From: Any Name <Organizer@LPC.example.org>\n", TRUE },
		{ "From: organizer@lpc.example.org@evil.example\n", FALSE },
		{ "From: <organizer@lpc.example.org>mallory@evil.example\n", FALSE },
		{ "From: organizer@lpc.example.org\nFrom: mallory@evil.example\n", FALSE },
		{ "From: organizer@lpc.example.org, mallory@evil.example\n", FALSE },
		{ "From: \"organizer@lpc.example.org\" <mallory@evil.example>\n", FALSE },
		{ "From: organizer@lpc.example.org.evil.example\n", FALSE },
		{ "From: Org <organizer@lpc.example.org\n", FALSE },
		{ "Subject: no from\n", FALSE },
	};
	struct config *c = org_config();

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *raw = g_strconcat(cases[i].from, "To: mc@lpc.example.org\nSubject: x\n\nlist\n",
					NULL);
		struct held_mail h = parse(raw);
		GString *why = g_string_new(NULL);

		if (auth_sender(c, h.m, why) != cases[i].ok)
			g_error("%s: wrong (%s)", cases[i].from, why->str);
		g_string_free(why, TRUE);
		held_free(&h);
		g_free(raw);
	}
	config_free(c);
}

static void
test_tokens(void)
{
	const char *secret = "0123456789abcdef0123456789abcdef";
	const char *lines = "accept 3\nreject 4: no\n";
	char *id = auth_token_id("<m1@example.org>"), *t, *alt, *got_id = NULL;
	gint64 exp = NOW + 3600, e = 0;

	g_assert_cmpuint(strlen(id), ==, 16);
	t = auth_token_make(secret, id, exp, "organizer@lpc.example.org", lines);
	g_assert_true(auth_token_parse(t, &got_id, &e));
	g_assert_cmpstr(got_id, ==, id);
	g_assert_cmpint(e, ==, exp);
	g_assert_cmpint(auth_token_check(secret, t, "organizer@lpc.example.org", lines, NOW), ==,
			AUTH_TOKEN_OK);
	g_assert_cmpint(auth_token_check(secret, t, "Organizer@LPC.example.org", lines, NOW), ==,
			AUTH_TOKEN_OK);
	g_assert_cmpint(auth_token_check(secret, t, "organizer@lpc.example.org", lines, exp), ==,
			AUTH_TOKEN_OK);
	g_assert_cmpint(auth_token_check(secret, t, "organizer@lpc.example.org", lines, exp + 1),
			==, AUTH_TOKEN_EXPIRED);
	g_assert_cmpint(auth_token_check(secret, t, "chair@lpc.example.org", lines, NOW), ==,
			AUTH_TOKEN_BAD);
	g_assert_cmpint(auth_token_check(secret, t, "organizer@lpc.example.org", "accept 4\n",
					 NOW), ==, AUTH_TOKEN_BAD);
	g_assert_cmpint(auth_token_check("another secret, long enough", t,
					 "organizer@lpc.example.org", lines, NOW), ==, AUTH_TOKEN_BAD);
	/* Every character altered, one at a time: never OK. */
	for (gsize i = strlen("mcbot-"); i < strlen(t); i++) {
		if (t[i] == '-')
			continue;
		alt = g_strdup(t);
		alt[i] = alt[i] == '1' ? '2' : '1';
		g_assert_cmpint(auth_token_check(secret, alt, "organizer@lpc.example.org", lines,
						 NOW), !=, AUTH_TOKEN_OK);
		g_free(alt);
	}
	/* A longer expiry with the old mac is caught too. */
	alt = g_strdup_printf("mcbot-%s-%" G_GINT64_FORMAT "-%s", id, exp + 86400,
			      t + strlen(t) - 32);
	g_assert_cmpint(auth_token_check(secret, alt, "organizer@lpc.example.org", lines, NOW), ==,
			AUTH_TOKEN_BAD);
	g_free(alt);
	{
		static const char *const bad[] = { "", "mcbot-", "mcbot-0123", "token",
			"mcbot-0123456789abcdeg-1-0123456789abcdef0123456789abcdef",
			"mcbot-0123456789abcdef--0123456789abcdef0123456789abcdef",
			"mcbot-0123456789abcdef-x1-0123456789abcdef0123456789abcdef",
			"mcbot-0123456789abcdef-1-0123456789abcdef0123456789abcde",
			"mcbot-0123456789abcdef-1-0123456789ABCDEF0123456789abcdef",
			"mcbot-0123456789abcdef-99999999999999999999999-0123456789abcdef0123456789abcdef",
		};

		for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_assert_false(auth_token_parse(bad[i], NULL, NULL));
			g_assert_cmpint(auth_token_check(secret, bad[i], "a@b", lines, NOW), ==,
					AUTH_TOKEN_MALFORMED);
		}
	}
	g_assert_cmpint(auth_token_check(NULL, t, "organizer@lpc.example.org", lines, NOW), ==,
			AUTH_TOKEN_MALFORMED);
	g_free(got_id);
	g_free(t);
	g_free(id);
}

/* ---- PGP, with gpg ---- */

struct pgp {
	char *dir;
	char *homes[4];             /* org, chair, evil, bot */
	char *fpr[3];
};

static gboolean
run(const char *input, char **out, const char *first, ...)
{
	GPtrArray *argv = g_ptr_array_new();
	GSubprocess *p;
	GBytes *in = input ? g_bytes_new(input, strlen(input)) : NULL, *o = NULL;
	gboolean ok;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	p = g_subprocess_newv((const char *const *)argv->pdata,
			      (in ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0) |
			      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
			      NULL);
	ok = p && g_subprocess_communicate(p, in, NULL, &o, NULL, NULL) &&
	     g_subprocess_get_successful(p);
	if (out)
		*out = o ? g_strndup(g_bytes_get_data(o, NULL), g_bytes_get_size(o)) : g_strdup("");
	if (o)
		g_bytes_unref(o);
	if (in)
		g_bytes_unref(in);
	if (p)
		g_object_unref(p);
	g_ptr_array_unref(argv);
	return ok;
}

static char *
gen_key(const char *home, const char *uid)
{
	char *out = NULL, *fpr = NULL, **lines;

	g_assert_true(run(NULL, NULL, "gpg", "--homedir", home, "--batch", "--passphrase", "",
			  "--quick-gen-key", uid, "ed25519", "sign", "1y", NULL));
	g_assert_true(run(NULL, &out, "gpg", "--homedir", home, "--with-colons", "--list-keys",
			  NULL));
	lines = g_strsplit(out, "\n", -1);
	for (int i = 0; lines[i] && fpr == NULL; i++)
		if (g_str_has_prefix(lines[i], "fpr:")) {
			char **f = g_strsplit(lines[i], ":", -1);

			fpr = g_strdup(f[9]);
			g_strfreev(f);
		}
	g_strfreev(lines);
	g_free(out);
	g_assert_nonnull(fpr);
	return fpr;
}

static void
pgp_setup(struct pgp *k)
{
	static const char *const names[] = { "org", "chair", "evil", "bot" };
	char *pub = NULL, *trust;

	k->dir = g_dir_make_tmp("mcbot-auth-XXXXXX", NULL);
	for (int i = 0; i < 4; i++) {
		k->homes[i] = g_build_filename(k->dir, names[i], NULL);
		g_mkdir_with_parents(k->homes[i], 0700);
	}
	k->fpr[0] = gen_key(k->homes[0], "LPC Organizers <organizer@lpc.example.org>");
	k->fpr[1] = gen_key(k->homes[1], "Program Chair <chair@lpc.example.org>");
	k->fpr[2] = gen_key(k->homes[2], "LPC Organizers <organizer@lpc.example.org>");
	for (int i = 0; i < 2; i++) {
		g_assert_true(run(NULL, &pub, "gpg", "--homedir", k->homes[i], "--armor", "--export",
				  k->fpr[i], NULL));
		g_assert_true(run(pub, NULL, "gpg", "--homedir", k->homes[3], "--batch", "--import",
				  NULL));
		g_free(pub);
	}
	trust = g_strdup_printf("%s:6:\n", k->fpr[0]);
	g_assert_true(run(trust, NULL, "gpg", "--homedir", k->homes[3], "--batch",
			  "--import-ownertrust", NULL));
	g_free(trust);
}

static void
pgp_teardown(struct pgp *k)
{
	for (int i = 0; i < 4; i++) {
		run(NULL, NULL, "gpgconf", "--homedir", k->homes[i], "--kill", "all", NULL);
		g_free(k->homes[i]);
	}
	for (int i = 0; i < 3; i++)
		g_free(k->fpr[i]);
	run(NULL, NULL, "rm", "-rf", k->dir, NULL);
	g_free(k->dir);
}

/* LF text to CRLF. */
static char *
crlf(const char *s)
{
	GString *o = g_string_new(NULL);

	for (; *s; s++) {
		if (*s == '\n')
			g_string_append_c(o, '\r');
		g_string_append_c(o, *s);
	}
	return g_string_free(o, FALSE);
}

/* A PGP/MIME mail from from, body signed by key in home; tamper replaces
 * the first occurrence of its first string by its second after signing. */
static char *
signed_mail(const char *home, const char *key, const char *from, const char *body,
	    const char *tamper_from, const char *tamper_to)
{
	char *part_lf = g_strdup_printf("Content-Type: text/plain; charset=us-ascii\n\n%s\n", body);
	char *part = crlf(part_lf), *sig = NULL, *sig_crlf, *mail, *hit;
	char *path = g_build_filename(home, "part.txt", NULL);

	g_assert_true(g_file_set_contents(path, part, -1, NULL));
	g_assert_true(run(NULL, &sig, "gpg", "--homedir", home, "--batch", "--armor",
			  "--detach-sign", "-u", key, "-o", "-", path, NULL));
	sig_crlf = crlf(sig);
	mail = g_strdup_printf("From: %s\r\nTo: mc@lpc.example.org\r\nSubject: reject 1\r\n"
			       "Message-ID: <pgp@lpc.example.org>\r\nMIME-Version: 1.0\r\n"
			       "Content-Type: multipart/signed; micalg=pgp-sha256;\r\n"
			       " protocol=\"application/pgp-signature\"; boundary=\"b\"\r\n\r\n"
			       "--b\r\n%s\r\n--b\r\nContent-Type: application/pgp-signature\r\n\r\n"
			       "%s\r\n--b--\r\n", from, part, sig_crlf);
	if (tamper_from && (hit = strstr(mail, tamper_from)) != NULL) {
		char *a = g_strndup(mail, (gsize)(hit - mail));
		char *b = g_strconcat(a, tamper_to, hit + strlen(tamper_from), NULL);

		g_free(a);
		g_free(mail);
		mail = b;
	}
	g_free(path);
	g_free(sig_crlf);
	g_free(sig);
	g_free(part);
	g_free(part_lf);
	return mail;
}

static enum auth_verdict
pgp_verdict(const struct config *c, const char *raw, gint64 now, char **text)
{
	struct held_mail h = parse(raw);
	struct auth a;
	enum auth_verdict v;

	auth_check(c, h.m, now, &a);
	g_test_message("pgp: %d %s", a.verdict, a.detail);
	v = a.verdict;
	if (text)
		*text = g_strdup(a.signed_text);
	if (v == AUTH_PROVEN) {
		g_assert_cmpint(a.proof, ==, CONFIG_PROOF_PGP);
		g_assert_cmpuint(strlen(a.sig_id), ==, 64);
	}
	auth_clear(&a);
	held_free(&h);
	return v;
}

static void
test_pgp(void)
{
	struct config *c = org_config();
	struct pgp k = { 0 };
	const char *org = "LPC Organizers <organizer@lpc.example.org>";
	const char *chair = "Chair <chair@lpc.example.org>";
	gint64 now = (gint64)time(NULL);
	char *m, *text = NULL, *mixed, *gpg = g_find_program_in_path("gpg");

	if (gpg == NULL) {
		g_test_skip("gpg is not installed");
		config_free(c);
		return;
	}
	g_free(gpg);
	pgp_setup(&k);
	c->gnupg_home = g_strdup(k.homes[3]);
	c->pgp_keys = g_new0(char *, 3);
	c->pgp_keys[0] = g_strdup_printf("organizer@lpc.example.org %s", k.fpr[0]);
	c->pgp_keys[1] = g_strdup_printf("chair@lpc.example.org %s", k.fpr[1]);

	m = signed_mail(k.homes[0], k.fpr[0], org, "accept 1\nlist", NULL, NULL);
	g_assert_cmpint(pgp_verdict(c, m, now, &text), ==, AUTH_PROVEN);
	g_assert_cmpstr(text, ==, "accept 1\nlist\n");
	g_free(text);
	/* Too old, or from the future. */
	g_assert_cmpint(pgp_verdict(c, m, now + c->pgp_max_age + 60, NULL), ==, AUTH_FORGED);
	g_assert_cmpint(pgp_verdict(c, m, now - 2 * 86400, NULL), ==, AUTH_FORGED);
	/* Unsigned text next to the signed part proves nothing. */
	mixed = g_strdup_printf("From: %s\r\nSubject: x\r\nContent-Type: multipart/mixed; "
				"boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nreject 1\r\n"
				"--m\r\n%s\r\n--m--\r\n", org, strstr(m, "Content-Type: multipart/signed"));
	g_assert_cmpint(pgp_verdict(c, mixed, now, NULL), ==, AUTH_UNPROVEN);
	g_free(mixed);
	/* Without pgp configured the signature is not looked at. */
	{
		char **keys = c->pgp_keys;

		c->pgp_keys = NULL;
		g_assert_cmpint(pgp_verdict(c, m, now, NULL), ==, AUTH_UNPROVEN);
		c->pgp_keys = keys;
	}
	g_free(m);

	m = signed_mail(k.homes[0], k.fpr[0], org, "accept 1", "accept 1", "reject 1");
	g_assert_cmpint(pgp_verdict(c, m, now, NULL), ==, AUTH_FORGED);      /* tampered */
	g_free(m);
	m = signed_mail(k.homes[2], k.fpr[2], org, "accept 1", NULL, NULL);
	g_assert_cmpint(pgp_verdict(c, m, now, NULL), ==, AUTH_FORGED);      /* same uid */
	g_free(m);
	m = signed_mail(k.homes[1], k.fpr[1], chair, "accept 1", NULL, NULL);
	g_assert_cmpint(pgp_verdict(c, m, now, NULL), ==, AUTH_FORGED);      /* untrusted */
	g_free(m);
	m = signed_mail(k.homes[0], k.fpr[0], chair, "accept 1", NULL, NULL);
	g_assert_cmpint(pgp_verdict(c, m, now, NULL), ==, AUTH_FORGED);      /* not chair's key */
	g_free(m);
	m = signed_mail(k.homes[0], k.fpr[0], org, "accept 1", "application/pgp-signature\"",
			"application/pkcs7-signature\"");
	g_assert_cmpint(pgp_verdict(c, m, now, NULL), ==, AUTH_UNPROVEN);    /* S/MIME */
	g_free(m);
	pgp_teardown(&k);
	config_free(c);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mail_init();
	g_test_add_func("/auth/sender", test_sender);
	g_test_add_func("/auth/dkim-fixtures", test_dkim_fixtures);
	g_test_add_func("/auth/dkim-inline", test_dkim_inline);
	g_test_add_func("/auth/dkim-garbage", test_dkim_garbage);
	g_test_add_func("/auth/tokens", test_tokens);
	g_test_add_func("/auth/pgp", test_pgp);
	return g_test_run();
}
