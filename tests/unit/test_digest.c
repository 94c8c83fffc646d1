/*
 * test_digest.c - whole digest runs on a real store: once per period per
 * recipient, dry runs, --now, content (the pieces: test_digest_parts.c).
 */
#include <string.h>

#include "bot/config.h"
#include "bot/digest.h"
#include "bot/digest_p.h"
#include "bot/mail.h"
#include "bot/store.h"
#include "bot/template.h"
#include "bot/util.h"
#include "scratch.h"

#define DAY 86400
#define WEEK (7 * DAY)
#define T_MON_0601_0800 1780300800      /* Monday 2026-06-01 08:00 UTC */
#define T_WED_0603_1200 1780488000      /* Wednesday 2026-06-03 12:00 UTC */

/* ---- whole runs on a store ---- */

struct fixture {
	char *dir;
	struct config *cfg;
	struct store *st;
	struct templates *tpl;
};

static void
fx_open(struct fixture *fx)
{
	GString *err = g_string_new(NULL), *errs = g_string_new(NULL);

	if (store_open(fx->cfg->state_dir, &fx->st, err) < 0)
		g_error("store_open: %s", err->str);
	if (fx->tpl == NULL && templates_load(fx->cfg->templates_dir, &fx->tpl, errs) < 0)
		g_error("templates: %s", errs->str);
	g_string_free(errs, TRUE);
	g_string_free(err, TRUE);
}

static void
fx_init(struct fixture *fx)
{
	GError *e = NULL;
	const char *top = g_getenv("MCBOT_TOP");
	char *organizers[] = { "org@lpc.example.org", "Chair@LPC.example.org", NULL };

	mail_init();
	fx->dir = g_dir_make_tmp("mcbot-digest-XXXXXX", &e);
	g_assert_no_error(e);
	fx->cfg = config_defaults();
	g_free(fx->cfg->state_dir);
	fx->cfg->state_dir = g_build_filename(fx->dir, "state", NULL);
	g_free(fx->cfg->templates_dir);
	fx->cfg->templates_dir = g_build_filename(top ? top : ".", "templates", NULL);
	g_free(fx->cfg->list_address);
	fx->cfg->list_address = g_strdup("mc@lpc.example.org");
	g_free(fx->cfg->tag);
	fx->cfg->tag = g_strdup("LPC");
	fx->cfg->organizers = g_strdupv(organizers);
	g_free(fx->cfg->deadline);
	fx->cfg->deadline = g_strdup("2026-06-10 23:59 UTC");
	fx->tpl = NULL;
	fx_open(fx);
}

static void
fx_done(struct fixture *fx)
{
	char *argv[] = { "rm", "-rf", fx->dir, NULL };

	store_close(fx->st);
	templates_free(fx->tpl);
	config_free(fx->cfg);
	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
	g_free(fx->dir);
}

static void
commit_ok(struct txn *t)
{
	GString *err = g_string_new(NULL);

	if (txn_commit(t, err) < 0)
		g_error("txn_commit: %s", err->str);
	txn_free(t);
	g_string_free(err, TRUE);
}

/* An MC proposed at created, with a lead with an address and one without. */
static int
add_mc(struct fixture *fx, const char *title, const char *lead, gint64 created)
{
	struct txn *t = txn_new(fx->st);
	struct mc *mc = txn_new_mc(t, title);
	int id = mc->id;
	char *action = g_strdup_printf("proposed as \"%s\" (version 1)", title);

	mc->version = 1;
	mc->created = mc->updated = created;
	mc->proposer = g_strdup(lead);
	g_ptr_array_add(mc->p->leads, person_new("Ann Lead", lead));
	g_ptr_array_add(mc->p->leads, person_new("Bo Nomail", NULL));
	g_free(mc->p->description);
	mc->p->description = g_strdup("A description long enough to count as one, surely.");
	txn_log(t, id, created, lead, action);
	txn_put_mc(t, mc);
	commit_ok(t);
	g_free(action);
	return id;
}

static void
add_rsvp(struct fixture *fx, int id, const char *email, const char *name, gint64 when)
{
	struct txn *t = txn_new(fx->st);
	struct mc *mc = mc_dup(store_mc_by_id(fx->st, id));
	struct rsvp *r = g_new0(struct rsvp, 1);

	r->email = g_strdup(email);
	r->name = g_strdup(name);
	r->date = when;
	g_ptr_array_add(mc->rsvps, r);
	txn_put_rsvps(t, mc);
	txn_log(t, id, when, email, "rsvp: attending");
	txn_put_mc(t, mc);
	commit_ok(t);
}

static void
add_log(struct fixture *fx, int id, gint64 when, const char *actor, const char *action)
{
	struct txn *t = txn_new(fx->st);

	txn_log(t, id, when, actor, action);
	commit_ok(t);
}

static int
run_digest(struct fixture *fx, gint64 now, unsigned flags, struct digest_report *rep)
{
	GString *err = g_string_new(NULL);
	int rc;

	memset(rep, 0, sizeof *rep);
	if (flags & DIGEST_DRY_RUN)
		rep->text = g_string_new(NULL);
	rc = digest_run(fx->cfg, fx->st, fx->tpl, now, flags, rep, err);
	if (rc < 0)
		g_error("digest_run: %s", err->str);
	g_string_free(err, TRUE);
	return rc;
}

/* Every queued mail's text, concatenated (transfer full). */
static char *
queued_text(const char *state_dir)
{
	char *d = g_build_filename(state_dir, "outbox", "new", NULL);
	GDir *dir = g_dir_open(d, 0, NULL);
	GString *all = g_string_new(NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir)) != NULL) {
		char *p = g_build_filename(d, name, NULL), *data = NULL;

		g_assert_cmpint(util_read_file(p, 0, &data, NULL, NULL), ==, 0);
		g_string_append(all, data);
		g_free(data);
		g_free(p);
	}
	if (dir)
		g_dir_close(dir);
	g_free(d);
	return g_string_free(all, FALSE);
}

static void
test_run_once_per_period(void)
{
	struct fixture fx;
	struct digest_report rep;
	gint64 t0 = T_MON_0601_0800 - 2 * DAY;          /* Saturday before */
	char *state;
	int id;

	fx_init(&fx);
	/* An empty CfP: nobody gets an empty digest. */
	run_digest(&fx, T_MON_0601_0800 + 60, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 0);
	id = add_mc(&fx, "Tracing and Observability", "ann@tracing.example", t0);
	add_mc(&fx, "Late MC", "late@x.example", T_MON_0601_0800 + 3600);
	/* Monday noon: period 2026-06-01; the late MC waits for next week. */
	run_digest(&fx, T_MON_0601_0800 + 4 * 3600, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 1);
	g_assert_cmpstr(rep.period.id, ==, "2026-06-01");
	g_assert_cmpint(rep.organizers, ==, 2);
	g_assert_cmpint(rep.leads, ==, 1);
	g_assert_cmpint(rep.skipped, ==, 1);            /* Bo Nomail: no address */
	g_assert_cmpuint(scratch_count(fx.cfg->state_dir, "outbox/new"), ==, 3);
	/* Again, later that week, and after a restart: nothing. */
	run_digest(&fx, T_MON_0601_0800 + 2 * DAY, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 0);
	store_close(fx.st);
	fx_open(&fx);
	run_digest(&fx, T_MON_0601_0800 + 3 * DAY, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 0);
	g_assert_cmpuint(scratch_count(fx.cfg->state_dir, "outbox/new"), ==, 3);
	/* Three weeks later: one digest each (issue 2), the late MC included. */
	add_rsvp(&fx, id, "pat@x.example", "Pat Attendee", T_MON_0601_0800 + 8 * DAY);
	run_digest(&fx, T_MON_0601_0800 + 3 * WEEK + DAY, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 2);
	g_assert_cmpstr(rep.period.id, ==, "2026-06-22");
	g_assert_cmpint(rep.leads, ==, 2);
	g_assert_cmpint(rep.organizers, ==, 2);
	g_assert_cmpuint(scratch_count(fx.cfg->state_dir, "outbox/new"), ==, 7);
	{
		char *p = g_build_filename(fx.cfg->state_dir, DIGEST_STATE_FILE, NULL);

		g_assert_cmpint(util_read_file(p, 0, &state, NULL, NULL), ==, 0);
		g_assert_nonnull(strstr(state, "issue\t2\t2026-06-22\n"));
		g_assert_nonnull(strstr(state, "to\tlead:1:ann@tracing.example\t2026-06-22\t2\t"));
		g_assert_nonnull(strstr(state, "to\torganizer:chair@lpc.example.org\t2026-06-22"));
		g_free(state);
		g_free(p);
	}
	fx_done(&fx);
}

static void
test_run_dry_and_ahead(void)
{
	struct fixture fx;
	struct digest_report rep;
	char *p;

	fx_init(&fx);
	add_mc(&fx, "Tracing and Observability", "ann@tracing.example", T_MON_0601_0800 - DAY);
	run_digest(&fx, T_WED_0603_1200, DIGEST_DRY_RUN, &rep);
	g_assert_cmpint(rep.issue, ==, 1);
	g_assert_cmpint(rep.leads + rep.organizers, ==, 3);
	g_assert_nonnull(strstr(rep.text->str, "to ann@tracing.example (lead)"));
	g_assert_nonnull(strstr(rep.text->str, "Subject: [LPC MC-1] Weekly digest #1"));
	g_string_free(rep.text, TRUE);
	/* A dry run sends and records nothing. */
	g_assert_cmpuint(scratch_count(fx.cfg->state_dir, "outbox/new"), ==, 0);
	p = g_build_filename(fx.cfg->state_dir, DIGEST_STATE_FILE, NULL);
	g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
	/* --now on Wednesday: next Monday's period at once ... */
	run_digest(&fx, T_WED_0603_1200, DIGEST_AHEAD, &rep);
	g_assert_cmpint(rep.issue, ==, 1);
	g_assert_cmpstr(rep.period.id, ==, "2026-06-08");
	g_assert_cmpint(rep.leads + rep.organizers, ==, 3);
	/* ... so the scheduled run of that period has nothing left to send. */
	run_digest(&fx, T_MON_0601_0800 + WEEK + 60, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 0);
	run_digest(&fx, T_MON_0601_0800 + WEEK + 60, DIGEST_AHEAD, &rep);
	g_assert_cmpint(rep.issue, ==, 2);
	g_assert_cmpuint(scratch_count(fx.cfg->state_dir, "outbox/new"), ==, 6);
	g_free(p);
	fx_done(&fx);
}

static void
test_lead_content(void)
{
	struct fixture fx;
	struct digest_report rep;
	gint64 t0 = T_MON_0601_0800 - 3 * DAY;
	char *all;
	int id, quiet;

	fx_init(&fx);
	id = add_mc(&fx, "Tracing and Observability", "ann@tracing.example", t0);
	quiet = add_mc(&fx, "Quiet Things", "q@quiet.example", t0 - WEEK);
	add_rsvp(&fx, id, "pat@x.example", "Pat Attendee", t0 + 3600);
	add_rsvp(&fx, id, "sam@x.example", "", t0 + 7200);
	add_log(&fx, id, t0 + 3 * 3600, "org@lpc.example.org", "note: needs a bigger room");
	add_log(&fx, id, t0 + 4 * 3600, "org@lpc.example.org", "accepted: welcome");
	add_log(&fx, id, t0 + 5 * 3600, "bob@x.example",
		"possible duplicate proposed by bob@x.example: \"Tracing MC\"");
	add_log(&fx, id, t0 + 6 * 3600, "ann@tracing.example",
		"updated to version 2 by mail: - topics: 0 -> 3 - description changed");
	/* The quiet MC's leads already had last week's digest. */
	run_digest(&fx, t0 - 3 * DAY, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 1);
	store_close(fx.st);
	{
		char *d = g_build_filename(fx.cfg->state_dir, "outbox", "new", NULL);
		char *argv[] = { "rm", "-rf", d, NULL };

		g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
			     NULL);
		g_free(d);
	}
	fx_open(&fx);
	run_digest(&fx, T_WED_0603_1200, DIGEST_DRY_RUN, &rep);
	all = rep.text->str;
	g_test_message("%s", all);
	g_assert_cmpint(rep.issue, ==, 2);
	g_assert_nonnull(strstr(all, "Subject: [LPC MC-1] Weekly digest #2: Tracing and Observability"));
	g_assert_nonnull(strstr(all, "RSVPs:    2 (2 new, 0 cancelled)"));
	g_assert_nonnull(strstr(all, "  - Pat Attendee\n  - sam@x.example\n"));
	g_assert_nonnull(strstr(all, "needs a bigger room (org@lpc.example.org)"));
	g_assert_nonnull(strstr(all, "accepted: welcome (org@lpc.example.org)"));
	g_assert_nonnull(strstr(all, "version 2: topics: 0 -> 3; description changed"));
	g_assert_nonnull(strstr(all, "Send an address for the lead(s) without one: Bo Nomail"));
	g_assert_nonnull(strstr(all, "Add to the proposal: a list of topics"));
	g_assert_nonnull(strstr(all, "The deadline for proposals is in 7 days: 2026-06-10 23:59 UTC"));
	/* The quiet MC says so in one line. */
	g_assert_nonnull(strstr(all, "Nothing new for MC-2 since the last digest."));
	/* The organizers see both, the duplicate, and the quiet one as one line. */
	g_assert_nonnull(strstr(all, "MC-2 Quiet Things: quiet\n"));
	g_assert_nonnull(strstr(all, "possible duplicate proposed by bob@x.example"));
	g_assert_nonnull(strstr(all, "New RSVPs:            2 (0 cancelled)\n"));
	(void)quiet;
	g_string_free(rep.text, TRUE);
	fx_done(&fx);
}

static void
test_organizer_mail_problems(void)
{
	struct fixture fx;
	struct digest_report rep;
	struct txn *t;
	char *q;

	fx_init(&fx);
	add_mc(&fx, "Tracing and Observability", "ann@tracing.example", T_MON_0601_0800 - DAY);
	t = txn_new(fx.st);
	digest_note_mail(t, T_MON_0601_0800 - 3600, FOLDER_DROPPED, "dropped", "key-1",
			 "MAILER-DAEMON@x.example", "bounce");
	digest_note_mail(t, T_MON_0601_0800 - 3000, FOLDER_REFUSED, "refused", "key-2",
			 "mallory@evil.example", "not an organizer");
	digest_note_mail(t, T_MON_0601_0800 - 2000, FOLDER_DROPPED, "dropped", "key-1",
			 "MAILER-DAEMON@x.example", "bounce");
	commit_ok(t);
	run_digest(&fx, T_WED_0603_1200, 0, &rep);
	g_assert_cmpint(rep.organizers, ==, 2);
	q = queued_text(fx.cfg->state_dir);
	g_assert_nonnull(strstr(q, "Auto-Submitted: auto-generated"));
	g_assert_nonnull(strstr(q, "Precedence: bulk"));
	g_assert_nonnull(strstr(q, "Subject: [LPC] Weekly digest #1: 1 MCs"));
	g_assert_nonnull(strstr(q, "dropped: 1\r\n"));      /* noted twice, counted once */
	g_assert_nonnull(strstr(q, "refused: 1\r\n"));
	g_assert_nonnull(strstr(q, "mallory@evil.example"));
	g_free(q);
	fx_done(&fx);
}

/* A rejected MC's leads had the decision mail: no more digests for them. */
static void
test_closed_mc(void)
{
	struct fixture fx;
	struct digest_report rep;
	struct txn *t;
	struct mc *mc;
	int id;

	fx_init(&fx);
	id = add_mc(&fx, "Tracing", "ann@tracing.example", T_MON_0601_0800 - DAY);
	add_mc(&fx, "Open One", "open@x.example", T_MON_0601_0800 - DAY);
	t = txn_new(fx.st);
	mc = mc_dup(store_mc_by_id(fx.st, id));
	g_free(mc->status);
	mc->status = g_strdup("rejected");
	txn_put_mc(t, mc);
	commit_ok(t);
	run_digest(&fx, T_WED_0603_1200, DIGEST_DRY_RUN, &rep);
	g_assert_cmpint(rep.leads, ==, 1);
	g_assert_cmpint(rep.organizers, ==, 2);
	g_assert_null(strstr(rep.text->str, "to ann@tracing.example"));
	g_assert_nonnull(strstr(rep.text->str, "Rejected (1)"));     /* organizers see it */
	g_string_free(rep.text, TRUE);
	fx_done(&fx);
}

/* An organizer's "digest now": the next run sends next week's, once. */
static void
test_request(void)
{
	struct fixture fx;
	struct digest_report rep;
	struct txn *t;
	char *p;

	fx_init(&fx);
	add_mc(&fx, "Tracing", "ann@tracing.example", T_MON_0601_0800 - DAY);
	run_digest(&fx, T_MON_0601_0800 + 60, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 1);
	t = txn_new(fx.st);
	digest_request(t, T_WED_0603_1200, "org@lpc.example.org");
	commit_ok(t);
	p = g_build_filename(fx.cfg->state_dir, DIGEST_REQUEST_FILE, NULL);
	g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
	run_digest(&fx, T_WED_0603_1200, DIGEST_DRY_RUN, &rep);       /* a dry run keeps it */
	g_string_free(rep.text, TRUE);
	g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
	run_digest(&fx, T_WED_0603_1200, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 2);
	g_assert_cmpstr(rep.period.id, ==, "2026-06-08");
	g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
	run_digest(&fx, T_WED_0603_1200 + 60, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 0);
	/* Asked again with nothing left to send: the request goes all the same. */
	t = txn_new(fx.st);
	digest_request(t, T_WED_0603_1200 + 120, "org@lpc.example.org");
	commit_ok(t);
	run_digest(&fx, T_WED_0603_1200 + 180, 0, &rep);
	g_assert_cmpint(rep.issue, ==, 0);
	g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
	g_free(p);
	fx_done(&fx);
}

/* The same recipient and period give the same Message-ID and file name. */
static void
test_deterministic_ids(void)
{
	struct fixture fx, fy;
	struct digest_report rep;
	char *a, *b;

	fx_init(&fx);
	fx_init(&fy);
	add_mc(&fx, "Tracing", "ann@tracing.example", T_MON_0601_0800 - DAY);
	add_mc(&fy, "Tracing", "ann@tracing.example", T_MON_0601_0800 - DAY);
	run_digest(&fx, T_WED_0603_1200, 0, &rep);
	run_digest(&fy, T_WED_0603_1200, 0, &rep);
	a = queued_text(fx.cfg->state_dir);
	b = queued_text(fy.cfg->state_dir);
	g_assert_cmpstr(a, ==, b);
	g_assert_nonnull(strstr(a, "Message-Id: <mcbot."));
	g_free(a);
	g_free(b);
	fx_done(&fx);
	fx_done(&fy);
}

/* The digest shown to recipient addr in a dry run's text, without its
 * trailing white space (transfer full). */
static char *
section_for(const char *text, const char *addr)
{
	char *head = g_strdup_printf(", to %s (", addr);
	const char *start = strstr(text, head), *end;

	g_assert_nonnull(start);
	end = strstr(start, "\n=== ");
	g_free(head);
	/* Without the LF that separates digests, the last one too. */
	return g_strchomp(end ? g_strndup(start, (gsize)(end - start)) : g_strdup(start));
}

/*
 * Leads of one MC share the digest's values when their windows are the
 * same (they are worked out once per MC): each still gets their own name,
 * and a lead whose window differs gets their own values.
 */
static void
test_leads_of_one_mc(void)
{
	struct fixture fx;
	struct digest_report rep;
	struct txn *t;
	struct mc *mc;
	char *ann, *cy, *dee;
	int id;

	fx_init(&fx);
	id = add_mc(&fx, "Tracing", "ann@tracing.example", T_MON_0601_0800 - 2 * DAY);
	add_rsvp(&fx, id, "pat@x.example", "Pat Attendee", T_MON_0601_0800 - DAY);
	run_digest(&fx, T_MON_0601_0800 + 60, 0, &rep);          /* Ann's issue 1 */
	g_assert_cmpint(rep.leads, ==, 1);
	t = txn_new(fx.st);
	mc = mc_dup(store_mc_by_id(fx.st, id));
	g_ptr_array_add(mc->p->leads, person_new("Cy Colead", "cy@tracing.example"));
	g_ptr_array_add(mc->p->leads, person_new("Dee Third", "dee@tracing.example"));
	txn_put_mc(t, mc);
	commit_ok(t);
	run_digest(&fx, T_MON_0601_0800 + WEEK + 60, DIGEST_DRY_RUN, &rep);
	g_assert_cmpint(rep.leads, ==, 3);
	ann = section_for(rep.text->str, "ann@tracing.example");
	cy = section_for(rep.text->str, "cy@tracing.example");
	dee = section_for(rep.text->str, "dee@tracing.example");
	g_assert_nonnull(strstr(ann, "Hello Ann Lead,"));
	g_assert_nonnull(strstr(cy, "Hello Cy Colead,"));
	g_assert_nonnull(strstr(dee, "Hello Dee Third,"));
	/* Pat's RSVP was in Ann's first digest; Cy and Dee never had one. */
	g_assert_nonnull(strstr(ann, "RSVPs:    1 (0 new, 0 cancelled)"));
	g_assert_null(strstr(ann, "Pat Attendee"));
	g_assert_nonnull(strstr(cy, "RSVPs:    1 (1 new, 0 cancelled)"));
	g_assert_nonnull(strstr(cy, "  - Pat Attendee\n"));
	/* Cy and Dee: the same digest but for the name. */
	g_assert_cmpstr(strstr(cy, "\nThis is digest"), ==, strstr(dee, "\nThis is digest"));
	g_free(dee);
	g_free(cy);
	g_free(ann);
	g_string_free(rep.text, TRUE);
	fx_done(&fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/digest/run/once-per-period", test_run_once_per_period);
	g_test_add_func("/digest/run/dry-and-now", test_run_dry_and_ahead);
	g_test_add_func("/digest/run/lead-content", test_lead_content);
	g_test_add_func("/digest/run/organizer-mail", test_organizer_mail_problems);
	g_test_add_func("/digest/run/deterministic", test_deterministic_ids);
	g_test_add_func("/digest/run/closed-mc", test_closed_mc);
	g_test_add_func("/digest/run/request", test_request);
	g_test_add_func("/digest/run/leads-of-one-mc", test_leads_of_one_mc);
	return g_test_run();
}
