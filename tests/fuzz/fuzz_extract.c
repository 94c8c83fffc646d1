/*
 * fuzz_extract.c - proposal extraction (handlers/extract*.c) from a
 * Subject, a body and text attachments, given clean text as struct mail
 * gives it.  Input: the Subject line, then the body; a line "\f" starts
 * an attachment.  Every field that comes out must be clean.
 */
#include "fuzz.h"
#include "bot/util.h"
#include "handlers/extract.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

static void
check_list(GPtrArray *a)
{
	FUZZ_CHECK(a != NULL);
	for (guint i = 0; i < a->len; i++)
		FUZZ_CHECK(fuzz_line_clean(a->pdata[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_string(data, size), *nl = strchr(in, '\n');
	char *subject, **parts, *body;
	GPtrArray *atts = g_ptr_array_new_with_free_func(g_free);
	struct proposal *p;

	if (nl)
		*nl = '\0';
	subject = util_clean_line(in, 2000);
	parts = g_strsplit(nl ? nl + 1 : "", "\n\f\n", 8);
	body = util_clean_text(parts[0] ? parts[0] : "", 256 * 1024);
	for (int i = 1; parts[0] && parts[i]; i++)
		g_ptr_array_add(atts, util_clean_text(parts[i], 256 * 1024));

	p = extract_proposal(subject, body, atts);
	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(p->title == NULL || (p->title[0] != '\0' && fuzz_line_clean(p->title)));
	FUZZ_CHECK(p->description != NULL && g_utf8_validate(p->description, -1, NULL));
	check_list(p->topics);
	check_list(p->attendees);
	check_list(p->constraints);
	FUZZ_CHECK(fuzz_line_clean(p->attendees_label));
	FUZZ_CHECK(p->accomplishments == NULL || g_utf8_validate(p->accomplishments, -1, NULL));
	for (guint i = 0; i < p->leads->len; i++) {
		const struct person *l = p->leads->pdata[i];

		FUZZ_CHECK(l->name != NULL && fuzz_line_clean(l->name));
		FUZZ_CHECK(l->email == NULL || util_addr_ok(l->email));
	}
	proposal_free(p);
	g_free(extract_subject_title(subject));
	g_free(extract_strip_quotes(body));
	(void)extract_is_form(body);

	g_ptr_array_unref(atts);
	g_strfreev(parts);
	g_free(body);
	g_free(subject);
	g_free(in);
	return 0;
}
