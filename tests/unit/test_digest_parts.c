/*
 * test_digest_parts.c - the pieces of the weekly digests: periods in time
 * zones (DST, missed weeks), aligned tables, the state and mail-log files,
 * event kinds and deadlines.
 */
#include <string.h>

#include "bot/config.h"
#include "bot/digest.h"
#include "bot/digest_p.h"
#include "bot/util.h"

#define DAY 86400
#define WEEK (7 * DAY)
#define T_MON_0601_0800 1780300800      /* Monday 2026-06-01 08:00 UTC */
#define T_WED_0603_1200 1780488000      /* Wednesday 2026-06-03 12:00 UTC */

/* ---- periods ---- */

static void
period_ok(const char *tz, int day, int minute, gint64 now, gboolean ahead,
	  struct digest_period *p)
{
	GString *err = g_string_new(NULL);

	if (digest_period_at(tz, day, minute, now, ahead, p, err) < 0)
		g_error("digest_period_at: %s", err->str);
	g_string_free(err, TRUE);
}

static void
test_period_utc(void)
{
	struct digest_period p;

	period_ok("UTC", 1, 8 * 60, T_WED_0603_1200, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-06-01");
	g_assert_cmpint(p.start, ==, T_MON_0601_0800);
	g_assert_cmpint(p.next, ==, T_MON_0601_0800 + WEEK);
	/* The start itself belongs to the period; a second before does not. */
	period_ok("UTC", 1, 8 * 60, T_MON_0601_0800, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-06-01");
	period_ok("UTC", 1, 8 * 60, T_MON_0601_0800 - 1, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-05-25");
	g_assert_cmpint(p.next, ==, T_MON_0601_0800);
	/* Same day, earlier time: that day's start. */
	period_ok("UTC", 3, 9 * 60, T_WED_0603_1200, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-06-03");
	/* Same day, later time: last week's. */
	period_ok("UTC", 3, 13 * 60, T_WED_0603_1200, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-05-27");
	/* ahead: the period that starts next. */
	period_ok("UTC", 1, 8 * 60, T_WED_0603_1200, TRUE, &p);
	g_assert_cmpstr(p.id, ==, "2026-06-08");
	g_assert_cmpint(p.start, ==, T_MON_0601_0800 + WEEK);
	g_assert_cmpint(p.next, ==, T_MON_0601_0800 + 2 * WEEK);
}

static void
test_period_zone_offset(void)
{
	struct digest_period p;

	/* Monday 08:00 at +02:00 is 06:00 UTC. */
	period_ok("+02:00", 1, 8 * 60, T_WED_0603_1200, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-06-01");
	g_assert_cmpint(p.start, ==, T_MON_0601_0800 - 2 * 3600);
	/* Far east: it is already Thursday there at Wednesday 12:00 UTC. */
	period_ok("+14:00", 4, 1 * 60, T_WED_0603_1200, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-06-04");
}

static void
test_period_dst(void)
{
	struct digest_period p;

	/* Berlin: Monday 08:00 CET, then 08:00 CEST: a 167-hour week. */
	period_ok("Europe/Berlin", 1, 8 * 60, 1774249200 + DAY, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-03-23");
	g_assert_cmpint(p.start, ==, 1774249200);
	g_assert_cmpint(p.next, ==, 1774850400);
	g_assert_cmpint(p.next - p.start, ==, WEEK - 3600);
	/* A time the change skips (Sunday 02:30) is the end of the gap, 03:00 CEST. */
	period_ok("Europe/Berlin", 7, 2 * 60 + 30, 1774746000 + 3600, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-03-29");
	g_assert_cmpint(p.start, ==, 1774746000);
	/* One second before it: still the week before. */
	period_ok("Europe/Berlin", 7, 2 * 60 + 30, 1774746000 - 1, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-03-22");
	/* New York falls back: Monday 09:00 EDT, then 09:00 EST: 169 hours. */
	period_ok("America/New_York", 1, 9 * 60, 1793019600 + 3600, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-10-26");
	g_assert_cmpint(p.next - p.start, ==, WEEK + 3600);
	g_assert_cmpint(p.next, ==, 1793628000);
}

static void
test_period_bad(void)
{
	struct digest_period p;
	GString *err = g_string_new(NULL);

	g_assert_cmpint(digest_period_at("Nowhere/Atlantis", 1, 0, 0, FALSE, &p, err), ==, -1);
	g_assert_nonnull(strstr(err->str, "Nowhere/Atlantis"));
	g_assert_cmpint(digest_period_at("UTC", 0, 0, 0, FALSE, &p, NULL), ==, -1);
	g_assert_cmpint(digest_period_at("UTC", 1, 24 * 60, 0, FALSE, &p, NULL), ==, -1);
	g_string_free(err, TRUE);
}

/* Weeks missed: whatever the gap, the period is the current one, once. */
static void
test_period_missed_weeks(void)
{
	struct digest_state *s = digest_state_new();
	struct digest_period p;
	const struct digest_mark *m;

	period_ok("UTC", 1, 8 * 60, T_WED_0603_1200, FALSE, &p);
	digest_state_set(s, "organizer:o@x.org", p.id, 1, T_WED_0603_1200);
	period_ok("UTC", 1, 8 * 60, T_WED_0603_1200 + 3 * WEEK + DAY, FALSE, &p);
	g_assert_cmpstr(p.id, ==, "2026-06-22");
	m = digest_state_mark(s, "organizer:o@x.org");
	g_assert_cmpint(strcmp(m->period, p.id), <, 0);          /* due: once */
	digest_state_set(s, "organizer:o@x.org", p.id, 2, T_WED_0603_1200 + 3 * WEEK + DAY);
	m = digest_state_mark(s, "organizer:o@x.org");
	g_assert_cmpint(strcmp(m->period, p.id), ==, 0);         /* not due again */
	digest_state_free(s);
}

/* ---- tables ---- */

static void
test_table(void)
{
	static const char *const h[] = { "MC", "Title", "RSVPs" };
	static const int max[] = { 0, 12, 0 };
	struct digest_table *t = digest_table_new(3, h, "llr", max);
	const char *r1[] = { "MC-1", "Tracing", "3" };
	const char *r2[] = { "MC-12", "A very long title indeed", "120" };
	const char *r3[] = { "MC-3", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", NULL };    /* 日本語 */
	char *out;

	digest_table_add(t, r1);
	digest_table_add(t, r2);
	digest_table_add(t, r3);
	g_assert_cmpuint(digest_table_rows(t), ==, 3);
	out = digest_table_render(t);
	g_assert_cmpstr(out, ==,
			"MC     Title         RSVPs\n"
			"-----  ------------  -----\n"
			"MC-1   Tracing           3\n"
			"MC-12  A very long\xe2\x80\xa6    120\n"
			"MC-3   \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n");
	g_free(out);
	digest_table_free(t);
}

static void
test_text_width_fit(void)
{
	char *s;

	g_assert_cmpint(digest_text_width("abc"), ==, 3);
	g_assert_cmpint(digest_text_width("\xe6\x97\xa5\xe6\x9c\xac"), ==, 4);   /* wide */
	g_assert_cmpint(digest_text_width("e\xcc\x81"), ==, 1);                  /* e + acute */
	s = digest_text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4);
	g_assert_cmpstr(s, ==, "\xe6\x97\xa5\xe2\x80\xa6");                      /* 日… */
	g_assert_cmpint(digest_text_width(s), <=, 4);
	g_free(s);
	s = digest_text_fit("short", 10);
	g_assert_cmpstr(s, ==, "short");
	g_free(s);
	s = digest_text_fit("Tracing and more", 12);
	g_assert_cmpstr(s, ==, "Tracing and\xe2\x80\xa6");
	g_free(s);
}

/* A cell with a newline or TAB stays on its row. */
static void
test_table_clean_cells(void)
{
	static const char *const h[] = { "A", "B" };
	struct digest_table *t = digest_table_new(2, h, "ll", NULL);
	const char *r[] = { "x\ny", "a\tb" };
	char *out;

	digest_table_add(t, r);
	out = digest_table_render(t);
	g_assert_cmpstr(out, ==, "A    B\n---  ---\nx y  a b\n");
	g_free(out);
	digest_table_free(t);
}

/* ---- state and mail log ---- */

static void
test_state_roundtrip(void)
{
	struct digest_state *s = digest_state_new(), *back = NULL;
	GString *text;
	const char *bad = DIGEST_STATE_FORMAT "\nissue\t3\t2026-06-01\nto\tlead:1:a@x.org\tnope\t1\t5\n"
			  "to\tlead:2:b@x.org\t2026-06-01\t3\t1780488000\ngarbage\n";

	s->issue = 3;
	g_strlcpy(s->period, "2026-06-01", sizeof s->period);
	digest_state_set(s, "organizer:o@x.org", "2026-06-01", 3, 1780488000);
	digest_state_set(s, "lead:1:a@x.org", "2026-05-25", 2, 1779883200);
	text = digest_state_format(s);
	g_assert_cmpstr(text->str, ==, DIGEST_STATE_FORMAT "\n"
			"issue\t3\t2026-06-01\n"
			"to\tlead:1:a@x.org\t2026-05-25\t2\t1779883200\n"
			"to\torganizer:o@x.org\t2026-06-01\t3\t1780488000\n");
	g_assert_cmpint(digest_state_parse(text->str, text->len, &back, NULL), ==, 0);
	g_assert_cmpint(back->issue, ==, 3);
	g_assert_cmpstr(digest_state_mark(back, "lead:1:a@x.org")->period, ==, "2026-05-25");
	g_assert_cmpint(digest_state_mark(back, "organizer:o@x.org")->until, ==, 1780488000);
	digest_state_free(back);
	g_assert_cmpint(digest_state_parse("other 1\n", 8, &back, NULL), ==, -1);
	g_assert_null(back);
	/* Bad lines are skipped, good ones kept. */
	g_assert_cmpint(digest_state_parse(bad, strlen(bad), &back, NULL), ==, 0);
	g_assert_null(digest_state_mark(back, "lead:1:a@x.org"));
	g_assert_nonnull(digest_state_mark(back, "lead:2:b@x.org"));
	digest_state_free(back);
	g_string_free(text, TRUE);
	digest_state_free(s);
}

static void
test_keys(void)
{
	char *a = digest_key_lead(7, "Ann@Example.ORG"), *o = digest_key_organizer("O@X.org");

	g_assert_cmpstr(a, ==, "lead:7:ann@example.org");
	g_assert_cmpstr(o, ==, "organizer:o@x.org");
	g_free(a);
	g_free(o);
}

static void
test_mail_log(void)
{
	const char *log = "100\tdropped\tdropped\tk1\tmailer-daemon@x.org\tbounce\n"
			  "101\tdropped\tdropped\tk1\tmailer-daemon@x.org\tbounce\n"
			  "bad line\n"
			  "102\trefused\trefused\tk2\t\tnot an organizer\n";
	GPtrArray *m = digest_mail_parse(log);

	g_assert_cmpuint(m->len, ==, 2);        /* k1 noted twice: once */
	g_assert_cmpstr(((struct digest_mail *)m->pdata[1])->folder, ==, "refused");
	g_assert_cmpstr(((struct digest_mail *)m->pdata[1])->sender, ==, "");
	g_ptr_array_unref(m);
}

static void
test_event_kinds(void)
{
	g_assert_cmpint(digest_event_kind("proposed as \"X\" (version 1)"), ==, DEV_PROPOSED);
	g_assert_cmpint(digest_event_kind("updated to version 2 by mail: - x"), ==, DEV_VERSION);
	g_assert_cmpint(digest_event_kind("rsvp: attending (3 attendees)"), ==, DEV_RSVP);
	g_assert_cmpint(digest_event_kind("rsvp cancelled (2 attendees)"), ==, DEV_CANCEL);
	g_assert_cmpint(digest_event_kind("possible duplicate proposed by a@b: \"X\""), ==,
			DEV_DUPLICATE);
	g_assert_cmpint(digest_event_kind("accepted: great"), ==, DEV_DECISION);
	g_assert_cmpint(digest_event_kind("Rejected (out of scope)"), ==, DEV_DECISION);
	g_assert_cmpint(digest_event_kind("note: needs a bigger room"), ==, DEV_NOTE);
	g_assert_cmpint(digest_event_kind("notes were lost"), ==, DEV_OTHER);
	g_assert_cmpint(digest_event_kind("announced to mc@x as <id>"), ==, DEV_OTHER);
}

static void
test_deadline_parse(void)
{
	gint64 t;

	g_assert_true(digest_deadline_parse("2026-06-01 08:00 UTC", &t));
	g_assert_cmpint(t, ==, T_MON_0601_0800);
	g_assert_true(digest_deadline_parse("2026-06-01 10:00 Europe/Berlin", &t));
	g_assert_cmpint(t, ==, T_MON_0601_0800);
	g_assert_true(digest_deadline_parse("2026-06-01 UTC", &t));
	g_assert_cmpint(t, ==, T_MON_0601_0800 + 15 * 3600 + 59 * 60);
	g_assert_false(digest_deadline_parse("the first of June", &t));
	g_assert_false(digest_deadline_parse("2026-06-01 08:00 Atlantis/Nowhere", &t));
	g_assert_false(digest_deadline_parse(NULL, &t));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/digest/period/utc", test_period_utc);
	g_test_add_func("/digest/period/offset", test_period_zone_offset);
	g_test_add_func("/digest/period/dst", test_period_dst);
	g_test_add_func("/digest/period/bad", test_period_bad);
	g_test_add_func("/digest/period/missed-weeks", test_period_missed_weeks);
	g_test_add_func("/digest/table/render", test_table);
	g_test_add_func("/digest/table/width-fit", test_text_width_fit);
	g_test_add_func("/digest/table/clean-cells", test_table_clean_cells);
	g_test_add_func("/digest/state/roundtrip", test_state_roundtrip);
	g_test_add_func("/digest/state/keys", test_keys);
	g_test_add_func("/digest/mail-log", test_mail_log);
	g_test_add_func("/digest/event-kinds", test_event_kinds);
	g_test_add_func("/digest/deadline", test_deadline_parse);
	return g_test_run();
}
