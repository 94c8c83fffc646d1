/* Unit tests for handlers/bounce.c: reading delivery status notifications
 * (RFC 3464), and telling hard bounces from the rest. */
#include <string.h>

#include "bot/mail.h"
#include "handlers/bounce.h"

static GPtrArray *
parse(const char *text)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)bounce_rcpt_free);

	bounce_parse_status(text, strlen(text), out);
	return out;
}

static struct bounce_rcpt *
at(GPtrArray *a, guint i)
{
	g_assert_cmpuint(i, <, a->len);
	return a->pdata[i];
}

static void
test_postfix_report(void)
{
	GPtrArray *r = parse("Reporting-MTA: dns; mx.example.net\n"
			     "Arrival-Date: Thu,  1 Jan 2026 09:59:59 +0000 (UTC)\n"
			     "\n"
			     "Final-Recipient: rfc822; Gone@Example.NET\n"
			     "Original-Recipient: rfc822;gone@example.net\n"
			     "Action: failed\n"
			     "Status: 5.1.1\n"
			     "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: Recipient\n"
			     "    address rejected: User unknown\n"
			     "\n"
			     "Final-Recipient: rfc822; slow@example.org\n"
			     "Action: delayed\n"
			     "Status: 4.4.1\n");

	g_assert_cmpuint(r->len, ==, 2);
	/* Original-Recipient wins: it is the address we sent to. */
	g_assert_cmpstr(at(r, 0)->addr, ==, "gone@example.net");
	g_assert_cmpstr(at(r, 0)->action, ==, "failed");
	g_assert_cmpstr(at(r, 0)->status, ==, "5.1.1");
	g_assert_true(bounce_is_hard(at(r, 0)));
	g_assert_cmpstr(at(r, 1)->addr, ==, "slow@example.org");
	g_assert_false(bounce_is_hard(at(r, 1)));
	g_ptr_array_unref(r);
}

static void
test_line_ends_and_folding(void)
{
	GPtrArray *r = parse("Reporting-MTA: dns; mx\r\n\r\n"
			     "final-recipient:\r\n\trfc822; <ann@example.net>\r\n"
			     "ACTION: Failed (permanent)\r\n"
			     "Status: 5.7.1 (delivery not authorized)\r\n");

	g_assert_cmpuint(r->len, ==, 1);
	g_assert_cmpstr(at(r, 0)->addr, ==, "ann@example.net");
	g_assert_cmpstr(at(r, 0)->status, ==, "5.7.1");
	g_ptr_array_unref(r);
	/* Found by fuzzing: a field folded over three lines (use after free). */
	r = parse("\nFinal-Recipient:\n rfc822;\n bob@example.net\nAction:\n\tfailed\n"
		  "Status: 5.1.1\n");
	g_assert_cmpuint(r->len, ==, 1);
	g_assert_cmpstr(at(r, 0)->addr, ==, "bob@example.net");
	g_assert_true(bounce_is_hard(at(r, 0)));
	/* The action's comment does not matter. */
	g_assert_cmpstr(at(r, 0)->action, ==, "failed");
	g_assert_true(bounce_is_hard(at(r, 0)));
	g_ptr_array_unref(r);
}

/* Found by fuzz_bounce: a status of any length was kept. */
static void
test_status_too_long(void)
{
	GPtrArray *r = parse("Final-Recipient: rfc822; a@example.net\nAction: failed\n"
			     "Status: 4.11111111111111111111.1\n\n"
			     "Final-Recipient: rfc822; b@example.net\nAction: failed\n"
			     "Status: 5.999.999\n");

	g_assert_cmpuint(r->len, ==, 2);
	g_assert_cmpstr(at(r, 0)->status, ==, "");
	g_assert_cmpstr(at(r, 1)->status, ==, "5.999.999");
	g_ptr_array_unref(r);
}

static void
test_not_counted(void)
{
	/* Nothing usable: a soft failure, a bad status, no address, an
	 * address that is not plain, an unknown address type. */
	GPtrArray *r = parse("\n"
			     "Final-Recipient: rfc822; soft@example.net\nAction: failed\nStatus: 4.2.2\n\n"
			     "Final-Recipient: rfc822; odd@example.net\nAction: failed\nStatus: 5.x.1\n\n"
			     "Action: failed\nStatus: 5.1.1\n\n"
			     "Final-Recipient: rfc822; a b@example.net\nAction: failed\nStatus: 5.1.1\n\n"
			     "Final-Recipient: x400; c=us;a=x\nAction: failed\nStatus: 5.1.1\n\n"
			     "Final-Recipient: rfc822; <evil@example.net>\r\nBcc: x@y\nAction: failed\n"
			     "Status: 5.1.1; 6.6.6\n");

	g_assert_cmpuint(r->len, ==, 3);
	g_assert_false(bounce_is_hard(at(r, 0)));
	g_assert_cmpstr(at(r, 1)->status, ==, "");
	g_assert_false(bounce_is_hard(at(r, 1)));
	/* The last one: the status is read up to what is not a status. */
	g_assert_cmpstr(at(r, 2)->addr, ==, "evil@example.net");
	g_assert_cmpstr(at(r, 2)->status, ==, "5.1.1");
	g_ptr_array_unref(r);
}

static void
test_bounded(void)
{
	GString *s = g_string_new("Reporting-MTA: dns; mx\n");
	GPtrArray *r;

	for (int i = 0; i < 500; i++)
		g_string_append_printf(s, "\nFinal-Recipient: rfc822; u%d@example.net\n"
				       "Action: failed\nStatus: 5.1.1\n", i);
	r = parse(s->str);
	g_assert_cmpuint(r->len, ==, 100);
	g_ptr_array_unref(r);
	g_string_free(s, TRUE);
}

static const char REPORT[] =
	"From: MAILER-DAEMON@mx.example.net\n"
	"To: mc@lpc.example.org\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
	"\n"
	"--B\n"
	"Content-Type: text/plain\n"
	"\n"
	"Final-Recipient: rfc822; text-part@example.net\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"\n"
	"--B\n"
	"Content-Type: message/delivery-status\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	/* "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; b64@example.net\n"
	   "Action: failed\nStatus: 5.2.2\n" */
	"UmVwb3J0aW5nLU1UQTogZG5zOyBteAoKRmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGI2NEBleGFt\n"
	"cGxlLm5ldApBY3Rpb246IGZhaWxlZApTdGF0dXM6IDUuMi4yCg==\n"
	"\n"
	"--B--\n";

static void
test_report(void)
{
	GPtrArray *r = g_ptr_array_new_with_free_func((GDestroyNotify)bounce_rcpt_free);

	mail_init();
	/* Only the message/delivery-status part counts; its encoding is undone. */
	g_assert_cmpint(bounce_read_report(REPORT, strlen(REPORT), 100, 10, r), ==, 1);
	g_assert_cmpuint(r->len, ==, 1);
	g_assert_cmpstr(at(r, 0)->addr, ==, "b64@example.net");
	g_assert_cmpstr(at(r, 0)->status, ==, "5.2.2");
	g_assert_true(bounce_is_hard(at(r, 0)));
	g_ptr_array_set_size(r, 0);
	/* The walk is bounded like mail_parse(): one part allowed is the top one. */
	g_assert_cmpint(bounce_read_report(REPORT, strlen(REPORT), 1, 10, r), ==, 0);
	g_assert_cmpint(bounce_read_report("not a mail", 10, 100, 10, r), ==, 0);
	/* Found by fuzzing: an empty status part has no buffer at all. */
	{
		const char *empty = "Content-Type: multipart/report; boundary=E\n\n--E\n"
				    "Content-Type: message/delivery-status\n\n--E--\n";

		bounce_read_report(empty, strlen(empty), 100, 10, r);
	}
	g_assert_cmpuint(r->len, ==, 0);
	g_ptr_array_unref(r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bounce/postfix-report", test_postfix_report);
	g_test_add_func("/bounce/line-ends-folding", test_line_ends_and_folding);
	g_test_add_func("/bounce/not-counted", test_not_counted);
	g_test_add_func("/bounce/status-too-long", test_status_too_long);
	g_test_add_func("/bounce/bounded", test_bounded);
	g_test_add_func("/bounce/report", test_report);
	return g_test_run();
}
