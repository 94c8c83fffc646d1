/*
 * test_rsvp.c - RSVPs: the wording (attend / decline), the names an RSVP
 * gives an MC, resolving them (typos, ambiguity, unknown and closed MCs,
 * threads, announcements), and the handler end to end on a temporary
 * store: recording, duplicates, cancelling, replies, announcements.
 */
#include <string.h>

#include "bot/announce.h"
#include "bot/config.h"
#include "bot/mail.h"
#include "bot/outbox.h"
#include "bot/store.h"
#include "bot/template.h"
#include "bot/util.h"
#include "handlers/classify.h"
#include "handlers/handler.h"
#include "handlers/rsvp.h"
#include "harness.h"

#define HDR(from, subject) "From: " from "\nTo: mc@lpc.example.org\nSubject: " subject \
	"\nMessage-ID: <%d.%s@test.example>\nDate: Tue, 03 Mar 2026 08:00:00 +0000\n"

static int serial;

/* ---- wording ---- */

static void
test_wording(void)
{
	static const struct { const char *text; enum rsvp_wording want; } cases[] = {
		{ "I plan to attend the OpenPrinting microconference.", RSVP_SAYS_ATTEND },
		{ "Count me in, I'll be there in person.", RSVP_SAYS_ATTEND },
		{ "+1, I will attend.", RSVP_SAYS_ATTEND },
		{ "Planning to be there.", RSVP_SAYS_ATTEND },
		{ "I\u2019ll attend.", RSVP_SAYS_ATTEND },
		{ "Please register me for the CPU Isolation MC.", RSVP_SAYS_ATTEND },
		{ "I confirm that I will attend the Open Printing MC.", RSVP_SAYS_ATTEND },
		{ "We'll be there! Count me in for the IoT MC.", RSVP_SAYS_ATTEND },
		{ "I'd like to attend. I can also talk about labgrid.", RSVP_SAYS_ATTEND },
		{ "Attending.", RSVP_SAYS_ATTEND },
		{ "I can't wait to attend!", RSVP_SAYS_ATTEND },
		{ "Sorry for the late RSVP.", RSVP_SAYS_ATTEND },
		{ "Ich bin dabei.", RSVP_SAYS_ATTEND },
		{ "J'y serai.", RSVP_SAYS_ATTEND },
		{ "Asistiré al MC.", RSVP_SAYS_ATTEND },
		{ "参加します。", RSVP_SAYS_ATTEND },
		{ "Unfortunately I won't be able to make it to the VFIO MC this year.",
		  RSVP_SAYS_DECLINE },
		{ "I won't make it to Vienna this year, sorry.", RSVP_SAYS_DECLINE },
		{ "sorry, can\u2019t make it this year", RSVP_SAYS_DECLINE },
		{ "Please cancel my RSVP.", RSVP_SAYS_DECLINE },
		{ "cancel", RSVP_SAYS_DECLINE },
		{ "Count me out.", RSVP_SAYS_DECLINE },
		{ "I will not attend after all.", RSVP_SAYS_DECLINE },
		{ "Leider kann ich nicht teilnehmen.", RSVP_SAYS_DECLINE },
		{ "Je ne pourrai pas venir.", RSVP_SAYS_DECLINE },
		{ "参加できません。", RSVP_SAYS_DECLINE },
		{ "Will the MC be recorded?", RSVP_SAYS_NOTHING },
		{ "Can I attend remotely?", RSVP_SAYS_NOTHING },
		{ "I'm not sure yet whether I can attend.", RSVP_SAYS_NOTHING },
		{ "Here is our proposal for the tracing MC.", RSVP_SAYS_NOTHING },
		{ "Key attendees: Ann, Bo.", RSVP_SAYS_NOTHING },
		{ "", RSVP_SAYS_NOTHING },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		enum rsvp_wording got = rsvp_wording(cases[i].text);

		if (got != cases[i].want)
			g_error("rsvp_wording(\"%s\") = %d, want %d", cases[i].text, got,
				cases[i].want);
	}
}

/* ---- reading names ---- */

static struct rsvp_req *
req(const struct mail *m)
{
	struct rsvp_req *r = rsvp_read(m, "mc@lpc.example.org", "LPC");

	g_test_queue_destroy((GDestroyNotify)rsvp_req_free, r);
	return r;
}

static const struct rsvp_name *
name_at(const struct rsvp_req *r, guint i)
{
	g_assert_cmpuint(r->names->len, >, i);
	return r->names->pdata[i];
}

static void
test_read_subject(void)
{
	struct rsvp_req *r;

	r = req(mk(HDR("A <a@x.example>", "RSVP: OpenPrinting MC") "\nI plan to attend.\n",
		   ++serial, "s"));
	g_assert_true(r->attending);
	g_assert_cmpstr(rsvp_req_written(r), ==, "OpenPrinting MC");
	g_assert_cmpint(name_at(r, 0)->source, ==, RSVP_SRC_SUBJECT);

	r = req(mk(HDR("A <a@x.example>", "CPU Isolation MC - attendance") "\nHello\n", ++serial,
		   "s"));
	g_assert_cmpstr(rsvp_req_written(r), ==, "CPU Isolation MC");

	r = req(mk(HDR("A <a@x.example>", "Re: [LPC MC-7] RSVP recorded: Android MC")
		   "\nPlease cancel.\n", ++serial, "s"));
	g_assert_false(r->attending);
	g_assert_cmpint(name_at(r, 0)->id, ==, 7);
	g_assert_cmpint(name_at(r, 0)->source, ==, RSVP_SRC_TAG);
	g_assert_cmpstr(name_at(r, 1)->text, ==, "Android MC");

	/* words after "MC" are not part of the name */
	r = req(mk(HDR("A <a@x.example>", "RSVP: Rust MC - update") "\ncan't make it\n",
		   ++serial, "s"));
	g_assert_false(r->attending);
	g_assert_cmpstr(name_at(r, 0)->text, ==, "Rust MC");
}

static void
test_read_body(void)
{
	struct rsvp_req *r;

	r = req(mk(HDR("A <a@x.example>", "Zoned storage MC")
		   "\nPlanning to attend the zoned storage microconference.\n\nDamien\n", ++serial,
		   "b"));
	g_assert_cmpstr(name_at(r, 0)->text, ==, "zoned storage");
	g_assert_cmpint(name_at(r, 0)->source, ==, RSVP_SRC_BODY);

	/* quoted text is not the sender's: its names do not count */
	r = req(mk(HDR("A <a@x.example>", "Re: hello")
		   "In-Reply-To: <p1@x.example>\n\nOn Monday, B wrote:\n"
		   "> I will attend the Rust MC.\n\nI'll attend the Android MC.\n", ++serial, "b"));
	g_assert_cmpstr(name_at(r, 0)->text, ==, "Android");

	/* HTML only, windows-1252 apostrophe */
	r = req(mk(HDR("A <a@x.example>", "x86")
		   "MIME-Version: 1.0\nContent-Type: text/html; charset=windows-1252\n"
		   "Content-Transfer-Encoding: quoted-printable\n\n"
		   "<html><body><p>I=92ll attend the x86 microconference.</p></body></html>\n",
		   ++serial, "b"));
	g_assert_true(r->attending);
	g_assert_cmpstr(name_at(r, 0)->text, ==, "x86");
}

static void
test_read_threads(void)
{
	struct rsvp_req *r;
	char *key;
	int id;

	g_assert_true(rsvp_announce_id_parse("announce.cpu-isolation.2022@lpc.example.org", &key,
					     &id));
	g_assert_cmpstr(key, ==, "cpu-isolation");
	g_assert_cmpint(id, ==, 0);
	g_free(key);
	g_assert_true(rsvp_announce_id_parse("announce.rust.12.0a56b3ec4396@lpc.example.org", &key,
					     &id));
	g_assert_cmpstr(key, ==, "rust");
	g_assert_cmpint(id, ==, 12);
	g_free(key);
	g_assert_false(rsvp_announce_id_parse("mcbot.0123@lpc.example.org", &key, &id));
	g_assert_false(rsvp_announce_id_parse("announce@lpc.example.org", &key, &id));
	g_assert_false(rsvp_announce_id_parse(NULL, &key, &id));

	r = req(mk(HDR("A <a@x.example>", "Re: [mcbot] New microconference proposed: CPU Isolation")
		   "In-Reply-To: <announce.cpu-isolation.2022@lpc.example.org>\n"
		   "References: <announce.cpu-isolation.2022@lpc.example.org>\n\n"
		   "Count me in.\n", ++serial, "t"));
	g_assert_true(r->attending);
	/* the Subject's title as written; the same key from the Message-ID once only */
	g_assert_cmpint(name_at(r, 0)->source, ==, RSVP_SRC_REPLY_SUBJECT);
	g_assert_cmpstr(name_at(r, 0)->text, ==, "CPU Isolation");
	g_assert_cmpuint(r->names->len, ==, 1);

	r = req(mk(HDR("A <a@x.example>", "Re: hello")
		   "References: <a@b.example> <announce.rust.12.0a56b3ec4396@lpc.example.org>\n\n"
		   "+1\n", ++serial, "t"));
	g_assert_cmpint(name_at(r, 0)->source, ==, RSVP_SRC_REPLY_SUBJECT);
	g_assert_cmpstr(name_at(r, 0)->text, ==, "hello");
	g_assert_cmpint(name_at(r, 1)->source, ==, RSVP_SRC_ANNOUNCE);
	g_assert_cmpint(name_at(r, 1)->id, ==, 12);
	g_assert_cmpstr(name_at(r, 1)->text, ==, "MC-12");
}

static void
test_subaddress(void)
{
	struct mail *m = mk("Delivered-To: mc+rsvp-android@lpc.example.org\n"
			    HDR("A <a@x.example>", "hello") "\nHi!\n", ++serial, "a");
	struct rsvp_req *r = req(m);

	g_assert_true(rsvp_to_subaddress(m, "mc@lpc.example.org"));
	g_assert_true(r->subaddress);
	g_assert_cmpstr(name_at(r, 0)->text, ==, "android");
	g_assert_false(rsvp_to_subaddress(m, "other@lpc.example.org"));
	g_assert_false(rsvp_to_subaddress(m, "mc@elsewhere.example"));
	m = mk("Delivered-To: mc+rsvpx@lpc.example.org\n" HDR("A <a@x.example>", "hello")
	       "\nHi!\n", ++serial, "a");
	g_assert_false(rsvp_to_subaddress(m, "mc@lpc.example.org"));
	m = mk("From: A <a@x.example>\nTo: Bot <MC+RSVP@lpc.example.org>\nSubject: x\n\nHi\n");
	g_assert_true(rsvp_to_subaddress(m, "mc@lpc.example.org"));
	g_assert_cmpint(classify(m, NULL, "mc@lpc.example.org"), ==, KIND_RSVP);
}

/* ---- matching ---- */

static struct mc *
fake_mc(int id, const char *title, const char *status)
{
	struct mc *mc = g_new0(struct mc, 1);

	mc->id = id;
	mc->title = g_strdup(title);
	mc->slug = util_slugify(title, 40);
	mc->status = g_strdup(status);
	mc->p = proposal_new();
	mc->threads = g_ptr_array_new_with_free_func(g_free);
	mc->rsvps = g_ptr_array_new_with_free_func((GDestroyNotify)rsvp_free);
	g_test_queue_destroy((GDestroyNotify)mc_free, mc);
	return mc;
}

static void
test_score(void)
{
	struct mc *op = fake_mc(1, "Open Printing", "proposed");
	struct mc *pm = fake_mc(2, "Power Management and Thermal Control MC", "proposed");
	struct mc *sx = fake_mc(3, "Sched-Ext: The BPF extensible scheduler class", "proposed");
	struct mc *sc = fake_mc(4, "Sched MC", "proposed");
	struct mc *sd = fake_mc(5, "Service Management and Systemd Microconference", "proposed");
	struct mc *io = fake_mc(6, "IoTs a 4-Letter Word", "proposed");
	struct mc *an = fake_mc(7, "Android MC", "proposed");
	struct mc *cc = fake_mc(8, "Confidential Computing MC", "proposed");

	g_assert_cmpint(rsvp_match_score("OpenPrinting MC", op), ==, 100);
	g_assert_cmpint(rsvp_match_score("open printing microconference", op), ==, 100);
	g_assert_cmpint(rsvp_match_score("MC-1", op), ==, 100);
	g_assert_cmpint(rsvp_match_score("MC-2", op), ==, 0);
	g_assert_cmpint(rsvp_match_score("PM & Thermal", pm), >=, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("sched_ext", sx), >=, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("sched_ext", sc), <, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("Sched", sc), >, rsvp_match_score("Sched", sx));
	g_assert_cmpint(rsvp_match_score("systemd", sd), >=, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("IoT", io), >=, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("Andriod", an), >=, RSVP_SCORE_FIT);      /* transposed */
	g_assert_cmpint(rsvp_match_score("Androd MC", an), >=, RSVP_SCORE_FIT);    /* dropped */
	g_assert_cmpint(rsvp_match_score("Confidental Computing", cc), >=, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("CXL", fake_mc(9, "Compute Express Link MC", "proposed")),
			>=, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("IoT", fake_mc(10, "Internet of Things & Embedded MC",
							"proposed")), >=, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("Bluetooth", an), <, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("Vienna this year", cc), <, RSVP_SCORE_FIT);
	g_assert_cmpint(rsvp_match_score("", an), ==, 0);
	g_assert_true(rsvp_state_open("accepted", RSVP_STATES_DEFAULT));
	g_assert_true(rsvp_state_open("proposed", " proposed , accepted"));
	g_assert_false(rsvp_state_open("rejected", RSVP_STATES_DEFAULT));
	g_assert_true(rsvp_state_open("rejected", NULL));
	g_assert_false(rsvp_state_open("withdrawn", NULL));
}

/* ---- the handler on a real store ---- */

static int
add_mc(struct env *e, const char *title, const char *status, const char *thread)
{
	struct txn *t = txn_new(e->st);
	struct mc *mc = txn_new_mc(t, title);
	int id = mc->id;

	g_free(mc->status);
	mc->status = g_strdup(status);
	mc->version = 1;
	mc->p->title = g_strdup(title);
	g_ptr_array_add(mc->p->topics, g_strdup("A topic"));
	if (thread)
		g_ptr_array_add(mc->threads, g_strdup(thread));
	txn_put_mc(t, mc);
	commit(e, t);
	return id;
}

/* Handle one mail; returns the outcome and puts the reply's text in *reply. */
static const char *
handle(struct env *e, const struct mail *m, char **reply)
{
	struct ctx c = { e->cfg, e->st, e->tpl, e->now++, 0 };
	struct result res = { FOLDER_NONE, NULL, NULL };
	struct txn *t = txn_new(e->st);
	char *seed = g_strdup_printf("%s/rsvp", m->key), *name = util_sha256_hex(seed, strlen(seed));
	char *path;

	name[32] = '\0';
	path = g_build_filename(e->dir, "outbox", "new", name, NULL);
	g_assert_cmpint(dispatch(m, &c, t, &res), ==, 0);
	txn_processed(t, m->key);
	commit(e, t);
	if (reply)
		*reply = read_reply(path);
	g_free(res.detail);
	g_free(path);
	g_free(name);
	g_free(seed);
	return res.outcome;
}

static guint
count(struct env *e, int id)
{
	return store_mc_by_id(e->st, id)->rsvps->len;
}

static const struct rsvp *
attendee(struct env *e, int id, guint i)
{
	return store_mc_by_id(e->st, id)->rsvps->pdata[i];
}

static void
test_handler(void)
{
	struct env *e = env_new();
	char *reply, *first_reply_id;
	struct mail *m;
	int android, rust, kmm, ktd, cpu;

	if (e == NULL) {
		g_test_skip("no templates/ (set MCBOT_TOP)");
		return;
	}
	android = add_mc(e, "Android MC", "proposed", NULL);
	rust = add_mc(e, "Rust MC", "accepted", "prop-rust@rust.example");
	kmm = add_mc(e, "Kernel Memory Management MC", "proposed", NULL);
	ktd = add_mc(e, "Kernel Testing & Dependability MC", "proposed", NULL);
	cpu = add_mc(e, "CPU Isolation", "rejected", NULL);

	/* names alone, as the command line resolves them */
	{
		struct mc *found = NULL;

		g_assert_cmpint(rsvp_find(e->st, "Kernel", NULL, &found), ==, RSVP_AMBIGUOUS);
		g_assert_null(found);
		g_assert_cmpint(rsvp_find(e->st, "memory management", NULL, &found), ==, RSVP_FOUND);
		g_assert_cmpint(found->id, ==, kmm);
		g_assert_cmpint(rsvp_find(e->st, "MC-2", NULL, &found), ==, RSVP_FOUND);
		g_assert_cmpint(found->id, ==, rust);
		g_assert_cmpint(rsvp_find(e->st, "Bluetooth", NULL, &found), ==, RSVP_UNKNOWN);
		g_assert_cmpint(rsvp_find(e->st, "CPU isolation", RSVP_STATES_DEFAULT, &found), ==,
				RSVP_UNKNOWN);
		g_assert_cmpint(rsvp_find(e->st, "CPU isolation", NULL, &found), ==, RSVP_FOUND);
		g_assert_cmpint(found->id, ==, cpu);
	}

	/* a typo in the Subject */
	m = mk(HDR("Ann Attendee <ann@a.example>", "RSVP: Andriod MC") "\nI plan to attend.\n",
	       ++serial, "h");
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp");
	g_assert_cmpuint(count(e, android), ==, 1);
	g_assert_cmpstr(attendee(e, android, 0)->email, ==, "ann@a.example");
	g_assert_cmpstr(attendee(e, android, 0)->name, ==, "Ann Attendee");
	g_assert_nonnull(reply);
	g_assert_nonnull(strstr(reply, "Subject: [LPC MC-1] RSVP recorded: Android MC"));
	g_assert_nonnull(strstr(reply, "Attendees so far: 1"));
	g_assert_nonnull(strstr(reply, "\"cancel\""));
	{
		struct ctx c = { e->cfg, e->st, e->tpl, 0, 0 };

		first_reply_id = reply_message_id(&c, m, "rsvp");
	}
	g_assert_true(store_mc_by_thread(e->st, first_reply_id) == store_mc_by_id(e->st, android));

	/* the same person again: nothing changes, but an answer */
	m = mk(HDR("Ann Attendee <ann@a.example>", "Android") "\nCount me in for the Android MC.\n",
	       ++serial, "h");
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp-again");
	g_assert_cmpuint(count(e, android), ==, 1);
	g_assert_nonnull(strstr(reply, "Already on the list: Android MC"));

	m = mk(HDR("Bo <BO@B.example>", "RSVP: android") "\n", ++serial, "h");
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp");
	g_assert_cmpuint(count(e, android), ==, 2);
	g_assert_nonnull(strstr(reply, "Attendees so far: 2"));

	/* "cancel" in reply to our answer, found through the thread alone */
	m = mk(HDR("Ann Attendee <ann@a.example>", "Re: your mail")
	       "In-Reply-To: <%s>\n\ncancel\n", ++serial, "h", first_reply_id);
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp-cancel");
	g_assert_cmpuint(count(e, android), ==, 1);
	g_assert_cmpstr(attendee(e, android, 0)->email, ==, "BO@b.example");
	g_assert_nonnull(strstr(reply, "RSVP cancelled: Android MC"));
	g_assert_nonnull(strstr(reply, "Attendees now: 1"));
	g_free(first_reply_id);

	/* a decline from someone not on the list changes nothing */
	m = mk(HDR("Cy <cy@c.example>", "RSVP: Android MC") "\nSorry, can't make it.\n", ++serial,
	       "h");
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp-declined");
	g_assert_cmpuint(count(e, android), ==, 1);

	/* ambiguous: nothing recorded, the kernel MCs suggested first */
	m = mk(HDR("Di <di@d.example>", "RSVP: Kernel MC") "\n", ++serial, "h");
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp-ambiguous");
	g_assert_cmpuint(count(e, kmm) + count(e, ktd), ==, 0);
	g_assert_nonnull(strstr(reply, "more than one"));
	{
		const char *dym = strstr(reply, "Did you mean");
		const char *all = strstr(reply, "take RSVPs (4)");

		g_assert_nonnull(dym);
		g_assert_nonnull(all);
		g_assert_nonnull(g_strstr_len(dym, all - dym, "MC-3  Kernel Memory Management MC"));
		g_assert_nonnull(g_strstr_len(dym, all - dym, "Kernel Testing"));
		g_assert_null(g_strstr_len(dym, all - dym, "Android"));
		g_assert_null(strstr(reply, "CPU Isolation"));    /* closed: not offered */
	}

	/* unknown */
	m = mk(HDR("Ed <ed@e.example>", "RSVP: Bluetooth MC") "\n", ++serial, "h");
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp-unknown");
	g_assert_nonnull(strstr(reply, "\"Bluetooth MC\""));
	g_assert_nonnull(strstr(reply, "MC-2  Rust MC"));

	/* a rejected MC takes no RSVPs */
	m = mk(HDR("Fay <fay@f.example>", "RSVP: CPU Isolation MC") "\n", ++serial, "h");
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp-closed");
	g_assert_cmpuint(count(e, cpu), ==, 0);
	g_assert_nonnull(strstr(reply, "is rejected"));

	/* a reply in the proposal's thread that says so */
	m = mk(HDR("Gus <gus@g.example>", "Re: [MC PROPOSAL] something")
	       "In-Reply-To: <prop-rust@rust.example>\n\n> quoted proposal\n\nI'd like to attend.\n",
	       ++serial, "h");
	g_assert_cmpstr(handle(e, m, NULL), ==, "rsvp");
	g_assert_cmpuint(count(e, rust), ==, 1);

	/* replies to announcements: the older form by key, ours by id */
	m = mk(HDR("Hal <hal@h.example>", "Re: announcement")
	       "In-Reply-To: <announce.kernel-memory-management.2026@lpc.example.org>\n\n+1\n",
	       ++serial, "h");
	g_assert_cmpstr(handle(e, m, NULL), ==, "rsvp");
	g_assert_cmpuint(count(e, kmm), ==, 1);
	m = mk(HDR("Ivy <ivy@i.example>", "Re: announcement")
	       "References: <x@y.example> <announce.rust.%d.0123456789ab@lpc.example.org>\n\n"
	       "Sounds good\n", ++serial, "h", rust);
	g_assert_cmpstr(handle(e, m, NULL), ==, "rsvp");
	g_assert_cmpuint(count(e, rust), ==, 2);

	/* the name from the header is cleaned; the address is From's */
	m = mk(HDR("=?UTF-8?Q?Jo=09Tab=E2=80=AE_Smith?= <jo@j.example>", "RSVP: Rust MC")
	       "Reply-To: other@evil.example\n\n", ++serial, "h");
	g_assert_cmpstr(handle(e, m, NULL), ==, "rsvp");
	g_assert_cmpstr(attendee(e, rust, 2)->email, ==, "jo@j.example");
	g_assert_cmpstr(attendee(e, rust, 2)->name, ==, "Jo Tab Smith");
	env_free(e);
}

/* The RSVP file survives a reopen: the change went through the transaction. */
static void
test_persisted(void)
{
	struct env *e = env_new();
	struct store *st2 = NULL;
	GString *err = g_string_new(NULL);
	struct mail *m;
	int id;

	if (e == NULL) {
		g_test_skip("no templates/ (set MCBOT_TOP)");
		g_string_free(err, TRUE);
		return;
	}
	id = add_mc(e, "Rust MC", "proposed", NULL);
	m = mk(HDR("Ann <ann@a.example>", "RSVP: Rust") "\n", ++serial, "p");
	g_assert_cmpstr(handle(e, m, NULL), ==, "rsvp");
	store_close(e->st);
	g_assert_cmpint(store_open(e->dir, &st2, err), ==, 0);
	e->st = st2;
	g_assert_cmpuint(count(e, id), ==, 1);
	g_assert_true(store_processed(e->st, m->key));
	env_free(e);
	g_string_free(err, TRUE);
}

static void
test_announce(void)
{
	struct env *e = env_new();
	GString *err = g_string_new(NULL);
	struct txn *t;
	char *msgid = NULL, *reply;
	struct mail *m;
	int id;

	if (e == NULL) {
		g_test_skip("no templates/ (set MCBOT_TOP)");
		g_string_free(err, TRUE);
		return;
	}
	id = add_mc(e, "Complex Cameras MC", "accepted", NULL);
	t = txn_new(e->st);
	g_assert_cmpint(announce_queue(e->cfg, e->tpl, t, store_mc_by_id(e->st, id),
				       "mc@lpc.example.org", e->now, &msgid, err), ==, 0);
	commit(e, t);
	g_assert_true(g_str_has_prefix(msgid, "announce.complex-cameras.1."));
	g_assert_true(g_str_has_suffix(msgid, "@lpc.example.org"));
	{
		char *again = announce_message_id(e->cfg, store_mc_by_id(e->st, id), e->now);

		g_assert_cmpstr(again, ==, msgid);
		g_free(again);
	}
	g_assert_true(store_mc_by_thread(e->st, msgid) == store_mc_by_id(e->st, id));

	/* a plain reply to it, naming nothing */
	m = mk(HDR("Kim <kim@k.example>", "Re: New microconference") "In-Reply-To: <%s>\n\n"
	       "Sounds great.\n", ++serial, "a", msgid);
	g_assert_cmpint(classify(m, e->st, e->cfg->list_address), ==, KIND_RSVP);
	g_assert_cmpstr(handle(e, m, &reply), ==, "rsvp");
	g_assert_cmpuint(count(e, id), ==, 1);

	t = txn_new(e->st);
	g_assert_cmpint(announce_queue(e->cfg, e->tpl, t, store_mc_by_id(e->st, id), "not an address",
				       e->now, NULL, err), ==, -1);
	txn_free(t);
	g_free(msgid);
	g_string_free(err, TRUE);
	env_free(e);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mail_init();
	g_test_add_func("/rsvp/wording", test_wording);
	g_test_add_func("/rsvp/read/subject", test_read_subject);
	g_test_add_func("/rsvp/read/body", test_read_body);
	g_test_add_func("/rsvp/read/threads", test_read_threads);
	g_test_add_func("/rsvp/read/subaddress", test_subaddress);
	g_test_add_func("/rsvp/match/score", test_score);
	g_test_add_func("/rsvp/handler", test_handler);
	g_test_add_func("/rsvp/persisted", test_persisted);
	g_test_add_func("/rsvp/announce", test_announce);
	return g_test_run();
}
