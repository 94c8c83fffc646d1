/*
 * fuzz_store.c - opening a state directory (bot/store*.c): the journal
 * replay, the processed set, every MC's files, next-id, and what other
 * modules read from the store (the organizers' state, the digests' view
 * of the week).  Input: files, each "@@ relpath" on a line of its own and
 * the contents after it.  After a successful open one transaction adds an
 * MC, and the store is opened again, as after a restart.
 */
#include "fuzz.h"
#include "bot/digest_p.h"
#include "bot/store_p.h"
#include "bot/util.h"
#include "handlers/command_p.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 24

static char *scratch;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	scratch = fuzz_tmpdir();
	return 0;
}

/* What the store itself would accept as a path: plain components. */
static gboolean
input_path_ok(const char *rel)
{
	char **parts = g_strsplit(rel, "/", -1);
	gboolean ok = rel[0] != '\0' && strlen(rel) <= 100 && g_strv_length(parts) <= 4;

	for (int i = 0; ok && parts[i]; i++) {
		ok = parts[i][0] != '\0' && parts[i][0] != '.';
		for (const char *p = parts[i]; ok && *p; p++)
			ok = g_ascii_isalnum(*p) || *p == '.' || *p == '_' || *p == '-';
	}
	g_strfreev(parts);
	return ok;
}

static void
write_files(const char *dir, const char *in, size_t size)
{
	const char *p = in, *end = in + size;
	int n = 0;

	while (p < end && n < MAX_FILES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *next, *body, *sep;
		char *rel, *path, *parent;

		if (end - p < 3 || memcmp(p, "@@ ", 3) != 0 || nl == NULL)
			break;
		rel = g_strndup(p + 3, (gsize)(nl - p - 3));
		body = nl + 1;
		/* the contents end with the line before the next "@@ " line */
		sep = memmem(nl, (size_t)(end - nl), "\n@@ ", 4);
		next = sep ? sep + 1 : end;
		if (input_path_ok(rel) && strcmp(rel, "lock") != 0) {
			path = g_build_filename(dir, rel, NULL);
			parent = g_path_get_dirname(path);
			g_mkdir_with_parents(parent, 0700);
			g_file_set_contents(path, body, (gssize)(next - body), NULL);
			g_free(parent);
			g_free(path);
			n++;
		}
		g_free(rel);
		p = next;
	}
}

static void
read_around(struct store *st)
{
	GPtrArray *mcs = store_mcs(st);
	struct org_state *o = org_state_load(st);
	struct digest_view *v = NULL;
	GString *err = g_string_new(NULL);

	for (guint i = 0; i < mcs->len; i++) {
		const struct mc *mc = mcs->pdata[i];

		FUZZ_CHECK(mc->id > 0 && mc->slug != NULL && mc->title != NULL);
		FUZZ_CHECK(store_mc_by_id(st, mc->id) != NULL);
		if (i > 0)
			FUZZ_CHECK(((const struct mc *)mcs->pdata[i - 1])->id < mc->id);
		(void)store_find_mc(st, mc->slug);
		(void)store_find_mc(st, mc->title);
	}
	(void)store_find_mc(st, "1");
	(void)store_find_mc(st, "MC-2");
	(void)store_processed(st, "<a@b>");
	if (digest_view_build(st, &v, err) == 0)
		digest_view_free(v);
	org_state_free(o);
	g_string_free(err, TRUE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_string(data, size);
	char *dir = g_build_filename(scratch, "state", NULL);
	GString *err = g_string_new(NULL);
	struct store *st = NULL;

	fuzz_rmtree(dir);
	g_mkdir_with_parents(dir, 0700);
	write_files(dir, in, size);
	if (store_open(dir, &st, err) == 0) {
		struct txn *t;
		struct mc *mc;

		read_around(st);
		t = txn_new(st);
		mc = txn_new_mc(t, "Fuzzing the Store MC");
		mc->version = 1;
		txn_log(t, mc->id, 1, "fuzz@example.org", "fuzzed");
		txn_put_mc(t, mc);
		txn_processed(t, "<fuzz@example.org>");
		/* a directory where a file belongs cannot be written: a fatal
		 * error for mcbot (it exits), with a reason */
		if (txn_commit(t, err) < 0) {
			FUZZ_CHECK(err->len > 0);
			txn_free(t);
			store_close(st);
			goto out;
		}
		txn_free(t);
		store_close(st);
		st = NULL;
		if (store_open(dir, &st, err) < 0)
			fprintf(stderr, "reopen: %s\n", err->str);
		FUZZ_CHECK(st != NULL);
		FUZZ_CHECK(store_processed(st, "<fuzz@example.org>"));
		read_around(st);
		store_close(st);
	}
out:
	g_string_free(err, TRUE);
	g_free(dir);
	g_free(in);
	return 0;
}
