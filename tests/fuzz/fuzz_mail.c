/*
 * fuzz_mail.c - raw bytes to struct mail (bot/mail*.c), and the promises
 * of mail.h: every single-line field clean, every text valid UTF-8
 * without CR.
 */
#include "fuzz.h"
#include "bot/mail.h"

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
check_text(const char *s)
{
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(g_utf8_validate(s, -1, NULL));
	FUZZ_CHECK(strchr(s, '\r') == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small limits, so that the fuzzer reaches them */
	static const struct mail_limits lim = { 64 * 1024, 40, 8, 200 };
	char *raw = fuzz_string(data, size);
	GString *err = g_string_new(NULL);
	struct mail *m = NULL;

	if (mail_parse(raw, size, size % 2 ? &lim : NULL, &m, err) == 0) {
		FUZZ_CHECK(m->key != NULL && fuzz_line_clean(m->key));
		FUZZ_CHECK(fuzz_line_clean(m->message_id));
		FUZZ_CHECK(fuzz_line_clean(m->from_addr));
		FUZZ_CHECK(m->from_name != NULL && fuzz_line_clean(m->from_name));
		FUZZ_CHECK(m->subject != NULL && fuzz_line_clean(m->subject));
		FUZZ_CHECK(fuzz_line_clean(m->in_reply_to));
		FUZZ_CHECK(fuzz_line_clean(m->delivered_to));
		FUZZ_CHECK(fuzz_line_clean(m->return_path));
		FUZZ_CHECK(fuzz_line_clean(m->auto_submitted));
		FUZZ_CHECK(fuzz_line_clean(m->precedence));
		FUZZ_CHECK(fuzz_line_clean(m->x_loop));
		for (guint i = 0; i < m->references->len; i++)
			FUZZ_CHECK(fuzz_line_clean(m->references->pdata[i]));
		for (guint i = 0; i < m->to->len; i++)
			FUZZ_CHECK(fuzz_line_clean(m->to->pdata[i]));
		for (guint i = 0; i < m->auth_results->len; i++)
			FUZZ_CHECK(fuzz_line_clean(m->auth_results->pdata[i]));
		check_text(m->text);
		for (guint i = 0; i < m->attachments->len; i++) {
			const struct mail_attachment *a = m->attachments->pdata[i];

			FUZZ_CHECK(fuzz_line_clean(a->filename));
			check_text(a->text);
		}
		mail_free(m);
	} else {
		FUZZ_CHECK(m == NULL && err->len > 0);
	}
	g_string_free(err, TRUE);
	g_free(raw);
	return 0;
}
