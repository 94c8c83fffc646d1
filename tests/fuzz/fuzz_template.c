/*
 * fuzz_template.c - loading, checking and rendering a template
 * (bot/template*.c).  Input: the text of templates/fuzz.txt; after a line
 * "\f", the text of form.in.  The required templates are minimal files in
 * a scratch directory.  When the template loads, it is rendered with
 * values that hold line breaks and other hostile text: the Subject must
 * come out as one clean line, and both parts within their bounds.
 */
#include "fuzz.h"
#include "bot/template.h"
#include "bot/template_p.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dir;
static GHashTable *vars;

static void
put(const char *name, const char *text, gssize len)
{
	char *path = g_build_filename(dir, name, NULL);

	if (!g_file_set_contents(path, text, len, NULL))
		abort();
	g_free(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[] = {
		"list_name", "list_address", "conference", "tag", "sender_name", "sender_email",
		"subject", "date", "mc_id", "mc_ref", "mc_slug", "mc_title", "description",
		"leads", "topics", "missing", "deadline", "form", "reason", "mc_list", "closest",
		"attending", "transcript", "token", "quiet", "changes", NULL,
	};
	static const char *const values[] = {
		"plain", "two\nlines\n", "", "a\r\nBcc: x@y", "\u202erlo", "{{subject}}",
		"tab\there", "", "one", "x\n\n\ny",
	};

	fuzz_init();
	dir = fuzz_tmpdir();
	for (int i = 0; template_required[i]; i++) {
		char *file = g_strconcat(template_required[i], ".txt", NULL);

		put(file, "Subject: s\n\nbody\n", -1);
		g_free(file);
	}
	vars = g_hash_table_new(g_str_hash, g_str_equal);
	for (int i = 0; names[i]; i++)
		g_hash_table_insert(vars, (char *)names[i],
				    (char *)values[i % G_N_ELEMENTS(values)]);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sep = g_strstr_len((const char *)data, (gssize)size, "\n\f\n");
	gsize tlen = sep ? (gsize)(sep - (const char *)data) : size;
	GString *errs = g_string_new(NULL);
	struct templates *t = NULL;
	char *subject = NULL, *body = NULL;

	put("fuzz.txt", (const char *)data, (gssize)tlen);
	if (sep)
		put("form.in", sep + 3, (gssize)(size - tlen - 3));
	else
		put("form.in", "Title:\n", -1);
	if (templates_load(dir, &t, errs) == 0) {
		FUZZ_CHECK(t != NULL && template_exists(t, "fuzz"));
		if (template_render(t, "fuzz", vars, &subject, &body, errs) == 0) {
			FUZZ_CHECK(fuzz_line_clean(subject));
			FUZZ_CHECK(strlen(subject) <= TEMPLATE_MAX_SUBJECT);
			FUZZ_CHECK(g_utf8_validate(body, -1, NULL));
			FUZZ_CHECK(strlen(body) <= TEMPLATE_MAX_BODY);
		}
		templates_free(t);
	} else {
		FUZZ_CHECK(t == NULL && errs->len > 0);
	}
	g_free(subject);
	g_free(body);
	g_string_free(errs, TRUE);
	return 0;
}
