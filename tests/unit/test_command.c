/*
 * test_command.c - organizer commands: reading the lines of a mail, the
 * transcript, and running the commands through the dispatcher against a
 * store in a temporary directory (decisions held and released, undo,
 * merge, naming MCs, refusals and their rate limit, confirmation tokens,
 * the deadline, state read back within a batch).
 */
#include <string.h>

#include "bot/outbox.h"
#include "bot/util.h"
#include "handlers/auth.h"
#include "handlers/command.h"
#include "handlers/command_p.h"
#include "scratch.h"

#define NOW 1777888800

/* ---- parsing ---- */

static struct cmd *
nth(struct cmd_script *s, guint i)
{
	g_assert_cmpuint(i, <, s->cmds->len);
	return s->cmds->pdata[i];
}

static void
test_parse_lines(void)
{
	struct cmd_script *s = cmd_parse("cmd",
		"# a comment\n"
		"\n"
		"  Accept  android   great work \n"
		"> reject android\n"
		"On Mon, 4 May 2026, Jane wrote:\n"
		"reject cxl: out of scope\n"
		"lead add rust Eve <eve@rust.example>\n"
		"LEAD   Remove rust eve@rust.example\n"
		"cfp close\n"
		"digest now\n"
		"list\n"
		"thanks!\n"
		"accept kvm\n");

	g_assert_cmpuint(s->cmds->len, ==, 8);
	g_assert_cmpint(nth(s, 0)->verb, ==, CMD_ACCEPT);
	g_assert_cmpstr(nth(s, 0)->args, ==, "android great work");
	g_assert_cmpstr(nth(s, 0)->line, ==, "Accept android great work");
	g_assert_false(nth(s, 0)->in_subject);
	g_assert_cmpint(nth(s, 1)->verb, ==, CMD_REJECT);
	g_assert_cmpstr(nth(s, 1)->args, ==, "cxl: out of scope");
	g_assert_cmpint(nth(s, 2)->verb, ==, CMD_LEAD_ADD);
	g_assert_cmpstr(nth(s, 2)->args, ==, "rust Eve <eve@rust.example>");
	g_assert_cmpint(nth(s, 3)->verb, ==, CMD_LEAD_REMOVE);
	g_assert_cmpint(nth(s, 4)->verb, ==, CMD_CFP_CLOSE);
	g_assert_cmpint(nth(s, 5)->verb, ==, CMD_DIGEST);
	g_assert_cmpint(nth(s, 6)->verb, ==, CMD_LIST);
	g_assert_cmpint(nth(s, 7)->verb, ==, CMD_STOP);
	g_assert_cmpint(nth(s, 7)->status, ==, CMD_IGNORED);
	g_assert_cmpint(s->errors, ==, 0);
	g_assert_true(cmd_script_changes(s));
	g_assert_cmpint(cmd_script_count(s, CMD_PENDING), ==, 7);
	cmd_script_free(s);

	/* A signature ends the commands without a line of its own. */
	s = cmd_parse(NULL, "list\n-- \nJane\naccept 1\n");
	g_assert_cmpuint(s->cmds->len, ==, 1);
	g_assert_false(cmd_script_changes(s));
	cmd_script_free(s);
}

static void
test_parse_subject(void)
{
	static const struct {
		const char *subject;
		gboolean command;
	} cases[] = {
		{ "list proposed", TRUE }, { "[LPC] accept android", TRUE },
		{ "[LPC] [MC-3] reject 3: no", TRUE }, { "Re: accept android", FALSE },
		{ "Fwd: accept android", FALSE }, { "cmd", FALSE }, { "", FALSE },
		{ "[LPC] Transcript: accept android", FALSE }, { "acceptance", FALSE },
		{ "Please confirm the commands you sent: accept 1", FALSE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct cmd_script *s = cmd_parse(cases[i].subject, "");

		g_assert_cmpuint(s->cmds->len, ==, cases[i].command ? 1 : 0);
		if (cases[i].command)
			g_assert_true(nth(s, 0)->in_subject);
		cmd_script_free(s);
		g_assert_cmpint(cmd_starts_with_command(cases[i].subject, ""), ==, cases[i].command);
	}
	g_assert_true(cmd_starts_with_command("hi", "\n# x\nshow 3\nhello\n"));
	g_assert_false(cmd_starts_with_command("hi", "hello\nshow 3\n"));
	/* Subject first, then the body. */
	{
		struct cmd_script *s = cmd_parse("accept 1", "accept 2\n");

		g_assert_cmpstr(nth(s, 0)->args, ==, "1");
		g_assert_cmpstr(nth(s, 1)->args, ==, "2");
		cmd_script_free(s);
	}
}

static void
test_parse_errors(void)
{
	GString *many = g_string_new(NULL);
	struct cmd_script *s;
	char *t, *longline;

	s = cmd_parse(NULL, "frobnicate 3\nlist bogus\nmerge 1 2\nshow\nlist accepted\n");
	g_assert_cmpint(s->errors, ==, 4);
	for (int i = 0; i < 4; i++)
		g_assert_cmpint(nth(s, i)->status, ==, CMD_FAILED);
	g_assert_cmpint(nth(s, 0)->verb, ==, CMD_UNKNOWN);
	g_assert_cmpint(nth(s, 4)->status, ==, CMD_PENDING);
	g_assert_false(s->cut);
	t = cmd_transcript(s);
	g_assert_nonnull(strstr(t, "> frobnicate 3\nerror: unknown command"));
	g_assert_nonnull(strstr(t, "> merge 1 2\nerror: write it as: merge MC into MC"));
	g_assert_nonnull(strstr(t, "> show\nerror: \"show\" needs more"));
	g_assert_nonnull(strstr(t, "> list accepted\nignored: not run"));
	g_free(t);
	cmd_script_free(s);
	s = cmd_parse(NULL, "lead add 1 Jane\nrename 1\nnote 2\nlead remove 1 Jane\n");
	g_assert_cmpint(s->errors, ==, 4);
	cmd_script_free(s);

	/* At most CMD_MAX_ERRORS errors... */
	for (int i = 0; i < 20; i++)
		g_string_append_printf(many, "bogus %d\n", i);
	s = cmd_parse(NULL, many->str);
	g_assert_cmpint(s->errors, ==, CMD_MAX_ERRORS);
	g_assert_true(s->cut);
	cmd_script_free(s);
	/* ...and CMD_MAX_LINES commands. */
	g_string_truncate(many, 0);
	for (int i = 0; i < 200; i++)
		g_string_append_printf(many, "show %d\n", i);
	s = cmd_parse("list", many->str);
	g_assert_cmpuint(s->cmds->len, ==, CMD_MAX_LINES);
	g_assert_true(s->cut);
	t = cmd_transcript(s);
	g_assert_nonnull(strstr(t, "Stopped: at most"));
	g_free(t);
	cmd_script_free(s);
	/* A line too long is an error, bounded in the transcript. */
	longline = g_strnfill(5000, 'x');
	memcpy(longline, "note 1 ", 7);
	s = cmd_parse(NULL, longline);
	g_assert_cmpint(nth(s, 0)->status, ==, CMD_FAILED);
	g_assert_cmpuint(strlen(nth(s, 0)->line), <=, CMD_MAX_LINE);
	cmd_script_free(s);
	g_free(longline);
	g_string_free(many, TRUE);
}

static void
test_transcript(void)
{
	struct cmd_script *s = cmd_parse(NULL, "accept 1\nshow 2\n");
	char *t, *lines;

	cmd_done(nth(s, 0), "first\nsecond");
	cmd_ignore(nth(s, 1), "why");
	t = cmd_transcript(s);
	g_assert_cmpstr(t, ==, "> accept 1\ndone: first\n  second\n> show 2\nignored: why\n");
	g_free(t);
	cmd_script_free(s);
	/* Nothing to do: the command list follows. */
	s = cmd_parse(NULL, "# only a comment\n");
	t = cmd_transcript(s);
	g_assert_true(g_str_has_prefix(t, "No commands found.\n"));
	g_assert_nonnull(strstr(t, cmd_help_text()));
	g_free(t);
	cmd_script_free(s);
	s = cmd_parse(NULL, "accept 1\nbogus\nlist\n");
	lines = cmd_script_lines(s);
	g_assert_cmpstr(lines, ==, "accept 1\nlist\n");
	g_free(lines);
	cmd_script_free(s);
}

static void
test_deadline_parse(void)
{
	static const struct {
		const char *in, *text, *utc;
	} cases[] = {
		{ "2026-07-01 23:59 UTC", "2026-07-01 23:59 UTC", "2026-07-01 23:59 UTC" },
		{ "2026-07-01 23:59 AoE", "2026-07-01 23:59 AoE", "2026-07-02 11:59 UTC" },
		{ "2026-07-01 23:59:30 +02:00", "2026-07-01 23:59:30 +02:00", "2026-07-01 21:59 UTC" },
		{ "2026-07-01T9:05 -0500", "2026-07-01 09:05 -0500", "2026-07-01 14:05 UTC" },
		{ "2026-01-15 12:00 Europe/Paris", "2026-01-15 12:00 Europe/Paris", "2026-01-15 11:00 UTC" },
		{ "2026-07-15 12:00 Europe/Paris", "2026-07-15 12:00 Europe/Paris", "2026-07-15 10:00 UTC" },
		{ "2026-07-01 23:59", NULL, NULL }, { "tomorrow", NULL, NULL },
		{ "2026-02-30 10:00 UTC", NULL, NULL }, { "2026-07-01 25:00 UTC", NULL, NULL },
		{ "2026-07-01 10:00 Mars/Olympus", NULL, NULL }, { "2026-07-01 10:00 ../../etc", NULL, NULL },
		{ "2026-07-01 10:00 +25:00", NULL, NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		GString *err = g_string_new(NULL);
		char *text, *utc;
		int rc = command_deadline_parse(cases[i].in, &text, &utc, err);

		g_test_message("%s -> %s %s %s", cases[i].in, text, utc, err->str);
		g_assert_cmpint(rc, ==, cases[i].text ? 0 : -1);
		g_assert_cmpstr(text, ==, cases[i].text);
		g_assert_cmpstr(utc, ==, cases[i].utc);
		g_free(text);
		g_free(utc);
		g_string_free(err, TRUE);
	}
}

/* Random lines: never a crash, the bounds always hold. */
static void
test_parse_garbage(void)
{
	static const char *const pieces[] = {
		"accept", "lead", " add", "remove", "cfp", " open", "merge", " into ", "digest now",
		"\n", "\r\n", "#", ">", "--", "thanks", "\"", ":", " ", "\t", "\xff", "\xc3\xa9",
		"mc-3", "3", "<a@b>", "@", "list", "all", "x", "undo", "confirm mcbot-", "\x01",
	};

	for (int round = 0; round < (g_test_slow() ? 20000 : 500); round++) {
		GString *text = g_string_new(NULL), *subj = g_string_new(NULL);
		struct cmd_script *s;
		char *t;

		for (int i = g_test_rand_int_range(0, 200); i > 0; i--)
			g_string_append(text, pieces[g_test_rand_int_range(0, G_N_ELEMENTS(pieces))]);
		for (int i = g_test_rand_int_range(0, 6); i > 0; i--)
			g_string_append(subj, pieces[g_test_rand_int_range(0, G_N_ELEMENTS(pieces))]);
		s = cmd_parse(subj->str, text->str);
		g_assert_cmpint(s->errors, <=, CMD_MAX_ERRORS);
		g_assert_cmpuint(s->cmds->len, <=, CMD_MAX_LINES + 1);
		for (guint i = 0; i < s->cmds->len; i++) {
			struct cmd *c = s->cmds->pdata[i];

			g_assert_true(g_utf8_validate(c->line, -1, NULL));
			g_assert_null(strchr(c->line, '\n'));
		}
		t = cmd_transcript(s);
		g_assert_true(g_utf8_validate(t, -1, NULL));
		g_free(t);
		cmd_script_free(s);
		g_string_free(text, TRUE);
		g_string_free(subj, TRUE);
	}
}

/* ---- running, through the dispatcher ---- */

struct env {
	char *dir;
	struct config *cfg;
	struct templates *tpl;
	struct store *st;
};

static void
env_init(struct env *e)
{
	const char *top = g_getenv("MCBOT_TOP");
	char *tdir = g_build_filename(top ? top : ".", "templates", NULL);
	char *sdir;
	GString *err = g_string_new(NULL);

	e->dir = g_dir_make_tmp("mcbot-command-XXXXXX", NULL);
	sdir = g_build_filename(e->dir, "state", NULL);
	e->cfg = config_defaults();
	g_free(e->cfg->list_address);
	e->cfg->list_address = g_strdup("mc@lpc.example.org");
	g_free(e->cfg->msgid_domain);
	e->cfg->msgid_domain = g_strdup("lpc.example.org");
	g_free(e->cfg->tag);
	e->cfg->tag = g_strdup("LPC");
	e->cfg->organizers = g_strsplit("organizer@lpc.example.org,chair@lpc.example.org", ",", -1);
	e->cfg->authserv_id = g_strdup("mx.lpc.example.org");
	e->cfg->received_by = g_strdup("mx.lpc.example.org");
	e->cfg->token_secret = g_strdup("unit-test-secret-0123456789");
	e->cfg->read_proof = e->cfg->change_proof = CONFIG_PROOF_DKIM | CONFIG_PROOF_TOKEN;
	if (templates_load(tdir, &e->tpl, err) < 0 || store_open(sdir, &e->st, err) < 0)
		g_error("%s", err->str);
	g_free(sdir);
	g_free(tdir);
	g_string_free(err, TRUE);
}

static void
env_free(struct env *e)
{
	char *argv[] = { "rm", "-rf", e->dir, NULL };

	store_close(e->st);
	templates_free(e->tpl);
	config_free(e->cfg);
	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
	g_free(e->dir);
}

static int
add_mc(struct env *e, const char *title, const char *lead1, const char *lead2)
{
	struct txn *t = txn_new(e->st);
	struct mc *mc = txn_new_mc(t, title);
	int id = mc->id;

	mc->version = 1;
	mc->proposer = g_strdup(lead1);
	g_ptr_array_add(mc->p->leads, person_new("Lead One", lead1));
	if (lead2)
		g_ptr_array_add(mc->p->leads, person_new("Lead Two", lead2));
	g_ptr_array_add(mc->p->topics, g_strdup("A topic"));
	txn_log(t, id, NOW - 100, lead1, "proposed");
	txn_put_mc(t, mc);
	g_assert_cmpint(txn_commit(t, NULL), ==, 0);
	txn_free(t);
	return id;
}

static char *
dkim_mail(const char *id, const char *subject, const char *body)
{
	return g_strdup_printf(
		"Received: from submit (submit [192.0.2.10])\n"
		"\tby mx.lpc.example.org (Postfix) with ESMTPS id 1\n"
		"Authentication-Results: mx.lpc.example.org; dkim=pass header.d=lpc.example.org;\n"
		"\tdmarc=pass header.from=lpc.example.org\n"
		"From: LPC Organizers <organizer@lpc.example.org>\nTo: mc@lpc.example.org\n"
		"Subject: %s\nMessage-ID: <%s@lpc.example.org>\n\n%s", subject, id, body);
}

static char *
plain_mail(const char *from, const char *id, const char *subject, const char *body)
{
	return g_strdup_printf("From: %s\nTo: mc@lpc.example.org\nSubject: %s\n"
			       "Message-ID: <%s@example.org>\n\n%s", from, subject, id, body);
}

/* Handle raw (taken) at time now; stage only (flush later) when stage. */
static enum folder
feed_at(struct env *e, char *raw, gint64 now, gboolean stage)
{
	struct ctx c = { e->cfg, e->st, e->tpl, now, 0 };
	struct result res = { FOLDER_DONE, "done", NULL };
	struct mail *m = NULL;
	GString *err = g_string_new(NULL);
	struct txn *t;

	if (mail_parse(raw, strlen(raw), NULL, &m, err) < 0)
		g_error("mail_parse: %s", err->str);
	t = txn_new(e->st);
	g_assert_cmpint(dispatch(m, &c, t, &res), ==, 0);
	g_test_message("%s: %s %s", m->key, res.outcome, res.detail ? res.detail : "");
	txn_processed(t, m->key);
	if (stage)
		txn_stage(t);
	else
		g_assert_cmpint(txn_commit(t, err), ==, 0);
	txn_free(t);
	mail_free(m);
	g_free(res.detail);
	g_free(raw);
	g_string_free(err, TRUE);
	return res.folder;
}

static enum folder
feed(struct env *e, char *raw)
{
	return feed_at(e, raw, NOW, FALSE);
}

static const char *
status(struct env *e, int id)
{
	return store_mc_by_id(e->st, id)->status;
}

static guint
count_dir(struct env *e, const char *rel)
{
	return scratch_count(store_dir(e->st), rel);
}

/* Subject and text of every queued mail to rcpt, oldest name order aside. */
static char *
mails_to(struct env *e, const char *rcpt)
{
	char *path = g_build_filename(store_dir(e->st), "outbox", "new", NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	GString *all = g_string_new(NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		char *f = g_build_filename(path, name, NULL), *data = NULL, *from, *to;
		const char *msg;
		gsize len, mlen;
		struct mail *m = NULL;

		g_assert_true(g_file_get_contents(f, &data, &len, NULL));
		g_assert_cmpint(outbox_parse(data, len, &from, &to, &msg, &mlen), ==, 0);
		if (strcmp(to, rcpt) == 0 && mail_parse(msg, mlen, NULL, &m, NULL) == 0)
			g_string_append_printf(all, "Subject: %s\n%s\n", m->subject, m->text);
		mail_free(m);
		g_free(from);
		g_free(to);
		g_free(data);
		g_free(f);
	}
	if (d)
		g_dir_close(d);
	g_free(path);
	return g_string_free(all, FALSE);
}

static char *
file_text(struct env *e, const char *rel)
{
	GBytes *b = store_read_file(e->st, rel, 0);
	char *s = b ? g_strdup(g_bytes_get_data(b, NULL)) : g_strdup("");

	if (b)
		g_bytes_unref(b);
	return s;
}

static void
test_decide_hold_undo_release(void)
{
	struct env e;
	int a, b;
	char *t, *log;

	env_init(&e);
	a = add_mc(&e, "Android MC", "a@android.example", NULL);
	b = add_mc(&e, "Compute Express Link", "b@cxl.example", "c@cxl.example");
	g_assert_cmpint(feed(&e, dkim_mail("d1", "cmd", "accept android great\nwaitlist compute\n"
					   "list waitlisted\nnote android kept\n")), ==, FOLDER_DONE);
	g_assert_cmpstr(status(&e, a), ==, "accepted");
	g_assert_cmpstr(status(&e, b), ==, "waitlisted");
	g_assert_cmpuint(count_dir(&e, "outbox/held"), ==, 3);
	t = mails_to(&e, "organizer@lpc.example.org");
	g_assert_nonnull(strstr(t, "Subject: [LPC] Transcript: cmd"));
	g_assert_nonnull(strstr(t, "done: 1 MC waitlisted\n  MC-2 "));
	g_assert_nonnull(strstr(t, "proposed -> accepted, note: great"));
	g_free(t);
	t = mails_to(&e, "chair@lpc.example.org");
	g_assert_nonnull(strstr(t, "Commands from organizer@lpc.example.org"));
	g_free(t);
	t = mails_to(&e, "a@android.example");
	g_assert_cmpstr(t, ==, "");                         /* held */
	g_free(t);
	log = file_text(&e, "mc/1/log");
	g_assert_nonnull(strstr(log, "\torganizer@lpc.example.org\taccepted (was proposed): great "
				"[dkim mx.lpc.example.org]\n"));
	g_assert_nonnull(strstr(log, "note: kept [dkim mx.lpc.example.org]"));
	g_free(log);

	feed(&e, dkim_mail("d2", "undo", ""));
	g_assert_cmpstr(status(&e, b), ==, "proposed");
	g_assert_cmpstr(status(&e, a), ==, "accepted");
	g_assert_cmpuint(count_dir(&e, "outbox/held"), ==, 1);
	feed(&e, dkim_mail("d3", "release", ""));
	g_assert_cmpuint(count_dir(&e, "outbox/held"), ==, 0);
	t = mails_to(&e, "a@android.example");
	g_assert_nonnull(strstr(t, "Subject: [LPC MC-1] Accepted: Android MC"));
	g_assert_nonnull(strstr(t, "great"));
	g_free(t);
	t = mails_to(&e, "b@cxl.example");
	g_assert_cmpstr(t, ==, "");                         /* undone, never sent */
	g_free(t);
	feed(&e, dkim_mail("d4", "undo", ""));
	g_assert_cmpstr(status(&e, a), ==, "proposed");
	feed(&e, dkim_mail("d4b", "release", ""));
	t = mails_to(&e, "organizer@lpc.example.org");
	g_assert_nonnull(strstr(t, "had gone out already"));
	g_assert_nonnull(strstr(t, "no mail is held"));
	g_free(t);
	feed(&e, dkim_mail("d5", "undo", ""));
	t = mails_to(&e, "organizer@lpc.example.org");
	g_assert_nonnull(strstr(t, "there is no decision to undo"));
	g_free(t);
	/* Sent at once when decisions are not held. */
	e.cfg->hold_decisions = FALSE;
	feed(&e, dkim_mail("d6", "reject MC-2: no room", ""));
	g_assert_cmpuint(count_dir(&e, "outbox/held"), ==, 0);
	t = mails_to(&e, "c@cxl.example");
	g_assert_nonnull(strstr(t, "Subject: [LPC MC-2] Not accepted: Compute Express Link"));
	g_assert_nonnull(strstr(t, "no room"));
	g_free(t);
	env_free(&e);
}

/* A batch: later mails read what earlier ones staged (group commit). */
static void
test_staged_state(void)
{
	struct env e;
	int a;

	env_init(&e);
	a = add_mc(&e, "Android MC", "a@android.example", NULL);
	feed_at(&e, dkim_mail("s1", "accept android", ""), NOW, TRUE);
	feed_at(&e, dkim_mail("s2", "cfp close", "deadline 2026-07-01 23:59 AoE\n"), NOW, TRUE);
	g_assert_false(command_cfp_open(e.st));
	feed_at(&e, dkim_mail("s3", "undo", ""), NOW, TRUE);
	g_assert_cmpstr(status(&e, a), ==, "proposed");
	g_assert_cmpint(store_flush(e.st, NULL), ==, 0);
	g_assert_cmpuint(count_dir(&e, "outbox/held"), ==, 0);
	g_assert_false(command_cfp_open(e.st));
	{
		char *d = command_deadline(e.st, e.cfg);

		g_assert_cmpstr(d, ==, "2026-07-01 23:59 AoE");
		g_free(d);
	}
	feed(&e, dkim_mail("s4", "cfp open", "deadline none\n"));
	g_assert_true(command_cfp_open(e.st));
	g_assert_null(command_deadline(e.st, e.cfg));
	e.cfg->deadline = g_strdup("2026-08-01 12:00 UTC");
	{
		char *d = command_deadline(e.st, e.cfg);

		g_assert_cmpstr(d, ==, "2026-08-01 12:00 UTC");
		g_free(d);
	}
	env_free(&e);
}

static void
test_names_and_merge(void)
{
	struct env e;
	int kmm, ktd, kvm, rust;
	struct txn *t;
	struct mc *mc;
	char *out, *log;

	env_init(&e);
	kmm = add_mc(&e, "Kernel Memory Management MC", "k@mm.example", NULL);
	ktd = add_mc(&e, "Kernel Testing & Dependability", "k@td.example", NULL);
	rust = add_mc(&e, "Rust MC", "r@rust.example", NULL);
	kvm = add_mc(&e, "KVM Microconference", "v@kvm.example", NULL);
	t = txn_new(e.st);
	mc = mc_dup(store_mc_by_id(e.st, kvm));
	for (int i = 0; i < 2; i++) {
		struct rsvp *r = g_new0(struct rsvp, 1);

		r->email = g_strdup_printf("att%d@example.org", i);
		r->name = g_strdup("Att");
		r->date = NOW - 50;
		g_ptr_array_add(mc->rsvps, r);
	}
	txn_put_rsvps(t, mc);
	txn_put_mc(t, mc);
	txn_commit(t, NULL);
	txn_free(t);

	feed(&e, dkim_mail("n1", "cmd", "note kernel hello\n"
			   "note Kernel Memory Management: first\n"
			   "note \"Kernel Testing & Dependability\" second\n"
			   "note MC-3 third\nnote 99 none\n"
			   "note kernel-testing fourth\n"
			   "merge kvm into rust\nmerge rust into rust\n"
			   "lead add rust New Lead <New@Rust.Example>\nlead add rust new@rust.example\n"
			   "lead remove rust r@rust.example\nlead remove rust nobody@x.example\n"
			   "rename rust Rust for Linux\n"));
	out = mails_to(&e, "organizer@lpc.example.org");
	g_test_message("%s", out);
	g_assert_nonnull(strstr(out, "> note kernel hello\nerror: no MC is named"));
	g_assert_nonnull(strstr(out, "> note 99 none\nerror: no MC"));
	g_assert_nonnull(strstr(out, "> merge rust into rust\nerror: an MC cannot be merged into itself"));
	g_assert_nonnull(strstr(out, "New Lead <New@rust.example> is now a lead"));
	g_assert_nonnull(strstr(out, "new@rust.example is a lead of MC-3 already"));
	g_assert_nonnull(strstr(out, "> lead remove rust nobody@x.example\nerror: no lead"));
	g_free(out);
	log = file_text(&e, "mc/1/log");
	g_assert_nonnull(strstr(log, "note: first ["));
	g_free(log);
	log = file_text(&e, "mc/2/log");
	g_assert_nonnull(strstr(log, "note: second ["));
	g_assert_nonnull(strstr(log, "note: fourth ["));
	g_free(log);
	log = file_text(&e, "mc/3/log");
	g_assert_nonnull(strstr(log, "note: third ["));
	g_assert_nonnull(strstr(log, "\tv@kvm.example\tMC-4: proposed\n"));
	g_assert_nonnull(strstr(log, "merged into this MC: 2 RSVPs added"));
	g_free(log);
	g_assert_cmpstr(status(&e, kvm), ==, "withdrawn");
	g_assert_cmpuint(store_mc_by_id(e.st, kvm)->rsvps->len, ==, 0);
	mc = store_mc_by_id(e.st, rust);
	g_assert_cmpuint(mc->rsvps->len, ==, 2);
	g_assert_cmpstr(mc->title, ==, "Rust for Linux");
	g_assert_cmpstr(mc->slug, ==, "rust");
	g_assert_cmpuint(mc->p->leads->len, ==, 1);
	g_assert_cmpstr(((struct person *)mc->p->leads->pdata[0])->email, ==, "New@rust.example");
	out = file_text(&e, "mc/3/rsvps");
	g_assert_nonnull(strstr(out, "att1@example.org"));
	g_free(out);
	g_assert_cmpstr(status(&e, kmm), ==, "proposed");
	g_assert_cmpstr(status(&e, ktd), ==, "proposed");
	/* A withdrawn MC is not decided. */
	feed(&e, dkim_mail("n2", "accept kvm", ""));
	g_assert_cmpstr(status(&e, kvm), ==, "withdrawn");
	env_free(&e);
}

static void
test_refusals(void)
{
	struct env e;
	char *t, *before;
	guint n;

	env_init(&e);
	add_mc(&e, "Android MC", "a@android.example", NULL);
	before = file_text(&e, "mc/1/proposal");
	g_assert_cmpint(feed(&e, plain_mail("Eve <eve@evil.example>", "r1", "accept android", "")),
			==, FOLDER_REFUSED);
	g_assert_cmpint(feed_at(&e, plain_mail("Eve <eve@evil.example>", "r2", "accept android", ""),
				NOW + 60, FALSE), ==, FOLDER_REFUSED);
	t = mails_to(&e, "eve@evil.example");
	g_assert_nonnull(strstr(t, "eve@evil.example is not an organizer"));
	n = count_dir(&e, "outbox/new");
	g_assert_cmpuint(n, ==, 1);                     /* once per interval */
	g_free(t);
	feed_at(&e, plain_mail("Eve <eve@evil.example>", "r3", "accept android", ""),
		NOW + e.cfg->refusal_interval + 1, FALSE);
	g_assert_cmpuint(count_dir(&e, "outbox/new"), ==, 2);
	/* An organizer without proof, when tokens are not accepted. */
	e.cfg->change_proof = CONFIG_PROOF_DKIM;
	g_assert_cmpint(feed(&e, plain_mail("organizer@lpc.example.org", "r4", "accept android", "")),
			==, FOLDER_REFUSED);
	t = mails_to(&e, "organizer@lpc.example.org");
	g_assert_nonnull(strstr(t, "no Received: header from mx.lpc.example.org"));
	g_free(t);
	/* Reading may need less: the sender alone. */
	e.cfg->read_proof = CONFIG_PROOF_SENDER;
	g_assert_cmpint(feed(&e, plain_mail("organizer@lpc.example.org", "r5", "list", "")), ==,
			FOLDER_DONE);
	g_assert_cmpint(feed(&e, plain_mail("organizer@lpc.example.org", "r6", "list",
					    "accept android\n")), ==, FOLDER_REFUSED);
	t = file_text(&e, "mc/1/proposal");
	g_assert_cmpstr(t, ==, before);
	g_free(t);
	g_free(before);
	env_free(&e);
}

static void
test_tokens_flow(void)
{
	struct env e;
	char *id, *lines, *token, *t, *bad, *want;
	gint64 exp;

	env_init(&e);
	exp = NOW + e.cfg->token_lifetime;
	add_mc(&e, "Android MC", "a@android.example", NULL);
	g_assert_cmpint(feed(&e, plain_mail("organizer@lpc.example.org", "t1", "accept android", "")),
			==, FOLDER_DONE);
	g_assert_cmpstr(status(&e, 1), ==, "proposed");
	g_assert_cmpuint(count_dir(&e, "org/pending"), ==, 1);
	id = auth_token_id("<t1@example.org>");
	lines = g_strdup("accept android\n");
	token = auth_token_make(e.cfg->token_secret, id, exp, "organizer@lpc.example.org", lines);
	t = mails_to(&e, "organizer@lpc.example.org");
	g_assert_nonnull(strstr(t, token));
	g_free(t);
	/* Altered, from someone else, then right, then again. */
	bad = g_strdup(token);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'a' ? 'b' : 'a';
	t = g_strdup_printf("confirm %s\n", bad);
	feed(&e, plain_mail("organizer@lpc.example.org", "t2", "Re: confirm", t));
	g_free(t);
	t = g_strdup_printf("confirm %s\n", token);
	g_assert_cmpint(feed(&e, plain_mail("eve@evil.example", "t3", "Re: x", t)), ==,
			FOLDER_REFUSED);
	feed(&e, plain_mail("chair@lpc.example.org", "t4", "Re: x", t));
	g_assert_cmpstr(status(&e, 1), ==, "proposed");
	feed_at(&e, plain_mail("organizer@lpc.example.org", "t5", "Re: x", t), exp + 1, FALSE);
	g_assert_cmpstr(status(&e, 1), ==, "proposed");
	feed(&e, plain_mail("organizer@lpc.example.org", "t6", "Re: x", t));
	g_assert_cmpstr(status(&e, 1), ==, "accepted");
	g_assert_cmpuint(count_dir(&e, "org/pending"), ==, 0);
	feed(&e, dkim_mail("t7", "undo", ""));
	feed(&e, plain_mail("organizer@lpc.example.org", "t8", "Re: x", t));
	g_assert_cmpstr(status(&e, 1), ==, "proposed");
	g_free(t);
	t = mails_to(&e, "organizer@lpc.example.org");
	g_assert_nonnull(strstr(t, "this token is not valid (altered?)"));
	g_assert_nonnull(strstr(t, "this token has expired"));
	g_assert_nonnull(strstr(t, "the confirmed commands ran:"));
	g_assert_nonnull(strstr(t, "this token was used already"));
	g_free(t);
	t = mails_to(&e, "chair@lpc.example.org");
	g_assert_nonnull(strstr(t, "no commands wait for this token from chair@lpc.example.org"));
	g_free(t);
	t = file_text(&e, "mc/1/log");
	want = g_strdup_printf("accepted (was proposed) [token %s]", id);
	g_assert_nonnull(strstr(t, want));
	g_free(want);
	g_free(t);
	g_free(bad);
	g_free(token);
	g_free(lines);
	g_free(id);
	env_free(&e);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mail_init();
	g_test_add_func("/command/parse-lines", test_parse_lines);
	g_test_add_func("/command/parse-subject", test_parse_subject);
	g_test_add_func("/command/parse-errors", test_parse_errors);
	g_test_add_func("/command/transcript", test_transcript);
	g_test_add_func("/command/deadline-parse", test_deadline_parse);
	g_test_add_func("/command/parse-garbage", test_parse_garbage);
	g_test_add_func("/command/decide-hold-undo-release", test_decide_hold_undo_release);
	g_test_add_func("/command/staged-state", test_staged_state);
	g_test_add_func("/command/names-and-merge", test_names_and_merge);
	g_test_add_func("/command/refusals", test_refusals);
	g_test_add_func("/command/tokens", test_tokens_flow);
	return g_test_run();
}
