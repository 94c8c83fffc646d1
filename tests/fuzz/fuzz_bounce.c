/*
 * fuzz_bounce.c - delivery reports (handlers/bounce.c): the
 * message/delivery-status reader on its own, and the whole report walk,
 * with the promises of bounce.h: every recipient a plain address, the
 * action lowercased, the status a short string of digits and dots.
 * Seeds: tests/fixtures/loops (dsn*.eml).
 */
#include "fuzz.h"
#include "bot/mail.h"
#include "bot/util.h"
#include "handlers/bounce.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	mail_init();
	return 0;
}

static void
check(GPtrArray *out)
{
	FUZZ_CHECK(out->len <= 100 * 16);
	for (guint i = 0; i < out->len; i++) {
		const struct bounce_rcpt *r = out->pdata[i];

		FUZZ_CHECK(util_addr_ok(r->addr));
		FUZZ_CHECK(r->action != NULL && fuzz_line_clean(r->action));
		for (const char *p = r->action; *p; p++)
			FUZZ_CHECK(!g_ascii_isupper(*p));
		FUZZ_CHECK(r->status != NULL && strlen(r->status) <= 16);
		FUZZ_CHECK(strspn(r->status, "0123456789.") == strlen(r->status));
		FUZZ_CHECK(!bounce_is_hard(r) || r->status[0] == '5');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw = fuzz_string(data, size);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)bounce_rcpt_free);

	/* Odd sizes: the status body alone; even: a whole mail. */
	if (size % 2) {
		bounce_parse_status(raw, size, out);
		FUZZ_CHECK(out->len <= 100);
	} else {
		bounce_read_report(raw, size, 40, 8, out);
	}
	check(out);
	g_ptr_array_unref(out);
	g_free(raw);
	return 0;
}
