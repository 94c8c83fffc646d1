/*
 * fuzz_state.c - the parsers of state files, in memory: an MC's proposal
 * file and rsvps file (bot/store_mc.c), a queued mail's envelope
 * (bot/outbox.c), the digests' memory (bot/digest_state.c).  Every
 * parser gets the whole input.  What the store reads back it must be able
 * to write and read again unchanged (txn_put_mc aborts otherwise), and an
 * envelope only ever yields plain addresses (they go into SMTP commands).
 */
#include "fuzz.h"
#include "bot/digest_p.h"
#include "bot/outbox.h"
#include "bot/store_p.h"
#include "bot/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

static void
fuzz_mc(const char *s, size_t size)
{
	struct mc *mc = NULL, *again = NULL;
	GString *out, *out2, *r, *r2;

	if (mc_parse(s, size, &mc, NULL) < 0) {
		FUZZ_CHECK(mc == NULL);
		return;
	}
	rsvps_parse(mc, s);
	out = mc_serialize(mc);
	FUZZ_CHECK(mc_parse(out->str, out->len, &again, NULL) == 0);
	out2 = mc_serialize(again);
	FUZZ_CHECK(g_string_equal(out, out2));
	r = rsvps_serialize(mc);
	rsvps_parse(again, r->str);
	r2 = rsvps_serialize(again);
	FUZZ_CHECK(g_string_equal(r, r2));
	mc_free(mc_dup(again));
	g_string_free(r, TRUE);
	g_string_free(r2, TRUE);
	g_string_free(out, TRUE);
	g_string_free(out2, TRUE);
	mc_free(again);
	mc_free(mc);
}

static void
fuzz_outbox(const char *s, size_t size)
{
	char *from = NULL, *rcpt = NULL;
	const char *msg = NULL;
	gsize len = 0;

	if (outbox_parse(s, size, &from, &rcpt, &msg, &len) == 0) {
		FUZZ_CHECK(util_addr_ok(from) && util_addr_ok(rcpt));
		FUZZ_CHECK(msg > s && msg + len == s + size);
	} else {
		FUZZ_CHECK(from == NULL && rcpt == NULL);
	}
	g_free(from);
	g_free(rcpt);
}

static void
fuzz_digest_state(const char *s, size_t size)
{
	struct digest_state *st = NULL, *again = NULL;
	GString *out, *out2;

	if (digest_state_parse(s, size, &st, NULL) < 0)
		return;
	out = digest_state_format(st);
	FUZZ_CHECK(digest_state_parse(out->str, out->len, &again, NULL) == 0);
	out2 = digest_state_format(again);
	FUZZ_CHECK(g_string_equal(out, out2));
	g_string_free(out, TRUE);
	g_string_free(out2, TRUE);
	digest_state_free(again);
	digest_state_free(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);

	fuzz_mc(s, size);
	fuzz_outbox(s, size);
	fuzz_digest_state(s, size);
	g_free(s);
	return 0;
}
