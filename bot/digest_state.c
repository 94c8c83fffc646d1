/*
 * digest_state.c - what each recipient last received (digests/state), and
 * the log of mail that was not simply done (digests/mail-log).
 *
 *   digests/state:
 *     mcbot-digests 1
 *     issue<TAB>N<TAB>YYYY-MM-DD          the last issue and its period
 *     to<TAB>KEY<TAB>YYYY-MM-DD<TAB>N<TAB>UNTIL   one line per recipient
 *
 *   digests/mail-log, appended in the mail's own transaction:
 *     TIME<TAB>FOLDER<TAB>OUTCOME<TAB>KEY<TAB>SENDER<TAB>DETAIL
 *
 * Both are written only through a transaction.  The state is rewritten
 * whole, in the same transaction as the digests it records.
 */
#include <stdlib.h>
#include <string.h>

#include "digest_p.h"
#include "log.h"
#include "util.h"

#define STATE_MAX (64 * 1024 * 1024)

char *
digest_key_organizer(const char *addr)
{
	char *low = g_ascii_strdown(addr, -1);
	char *key = g_strconcat("organizer:", low, NULL);

	g_free(low);
	return key;
}

char *
digest_key_lead(int mc_id, const char *addr)
{
	char *low = g_ascii_strdown(addr, -1);
	char *key = g_strdup_printf("lead:%d:%s", mc_id, low);

	g_free(low);
	return key;
}

struct digest_state *
digest_state_new(void)
{
	struct digest_state *s = g_new0(struct digest_state, 1);

	s->marks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return s;
}

void
digest_state_free(struct digest_state *s)
{
	if (s == NULL)
		return;
	g_hash_table_unref(s->marks);
	g_free(s);
}

/* "YYYY-MM-DD" exactly. */
static gboolean
period_ok(const char *p)
{
	static const char shape[] = "dddd-dd-dd";

	if (strlen(p) != sizeof shape - 1)
		return FALSE;
	for (int i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !g_ascii_isdigit(p[i]) : p[i] != '-')
			return FALSE;
	return TRUE;
}

static gboolean
number_ok(const char *s, gint64 lo, gint64 *out)
{
	return g_ascii_string_to_signed(s, 10, lo, G_MAXINT64, out, NULL);
}

void
digest_state_set(struct digest_state *s, const char *key, const char *period, int issue,
		 gint64 until)
{
	struct digest_mark *m = g_new0(struct digest_mark, 1);

	g_strlcpy(m->period, period, sizeof m->period);
	m->issue = issue;
	m->until = until;
	g_hash_table_replace(s->marks, g_strdup(key), m);
}

const struct digest_mark *
digest_state_mark(const struct digest_state *s, const char *key)
{
	return g_hash_table_lookup(s->marks, key);
}

/* One line after the format line; FALSE when it is not understood. */
static gboolean
state_line(struct digest_state *s, char **f)
{
	guint n = g_strv_length(f);
	gint64 issue, until;

	if (n == 3 && strcmp(f[0], "issue") == 0 && number_ok(f[1], 0, &issue) &&
	    issue <= G_MAXINT && period_ok(f[2])) {
		s->issue = (int)issue;
		g_strlcpy(s->period, f[2], sizeof s->period);
		return TRUE;
	}
	if (n == 5 && strcmp(f[0], "to") == 0 && f[1][0] && period_ok(f[2]) &&
	    number_ok(f[3], 1, &issue) && issue <= G_MAXINT && number_ok(f[4], G_MININT64, &until)) {
		digest_state_set(s, f[1], f[2], (int)issue, until);
		return TRUE;
	}
	return FALSE;
}

int
digest_state_parse(const char *data, gsize len, struct digest_state **out, GString *err)
{
	struct digest_state *s = digest_state_new();
	char *text = g_strndup(data, len);
	char **lines = g_strsplit(text, "\n", -1);
	int rc = -1;

	*out = NULL;
	if (lines[0] == NULL || (lines[0][0] && strcmp(lines[0], DIGEST_STATE_FORMAT) != 0)) {
		fail(err, "%s: unknown format (want \"%s\")", DIGEST_STATE_FILE,
		     DIGEST_STATE_FORMAT);
		goto out;
	}
	for (int i = 1; lines[i]; i++) {
		char **f;

		if (lines[i][0] == '\0')
			continue;
		f = g_strsplit(lines[i], "\t", -1);
		if (!state_line(s, f))
			log_warnx("%s:%d: not understood, ignored", DIGEST_STATE_FILE, i + 1);
		g_strfreev(f);
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	digest_state_free(s);
	g_strfreev(lines);
	g_free(text);
	return rc;
}

int
digest_state_load(const char *state_dir, struct digest_state **out, GString *err)
{
	char *path = g_build_filename(state_dir, DIGEST_STATE_FILE, NULL);
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		*out = digest_state_new();
		rc = 0;
	} else if ((rc = util_read_file(path, STATE_MAX, &data, &len, err)) == 0) {
		rc = digest_state_parse(data, len, out, err);
	}
	g_free(data);
	g_free(path);
	return rc;
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GString *
digest_state_format(const struct digest_state *s)
{
	GString *out = g_string_new(DIGEST_STATE_FORMAT "\n");
	GPtrArray *keys = digest_keys(s->marks);

	if (s->issue > 0)
		g_string_append_printf(out, "issue\t%d\t%s\n", s->issue, s->period);
	g_ptr_array_sort(keys, cmp_str);
	for (guint i = 0; i < keys->len; i++) {
		const char *k = keys->pdata[i];
		const struct digest_mark *m = g_hash_table_lookup(s->marks, k);

		g_string_append_printf(out, "to\t%s\t%s\t%d\t%" G_GINT64_FORMAT "\n", k,
				       m->period, m->issue, m->until);
	}
	g_ptr_array_unref(keys);
	return out;
}

void
digest_mail_free(struct digest_mail *m)
{
	if (m == NULL)
		return;
	g_free(m->folder);
	g_free(m->outcome);
	g_free(m->key);
	g_free(m->sender);
	g_free(m->detail);
	g_free(m);
}

GPtrArray *
digest_mail_parse(const char *data)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)digest_mail_free);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	char **lines = g_strsplit(data ? data : "", "\n", -1);

	for (int i = 0; lines[i]; i++) {
		char **f = g_strsplit(lines[i], "\t", 6);
		gint64 when;

		if (g_strv_length(f) == 6 && number_ok(f[0], G_MININT64, &when) && f[1][0] &&
		    f[3][0] && !g_hash_table_contains(seen, f[3])) {
			struct digest_mail *m = g_new0(struct digest_mail, 1);

			m->when = when;
			m->folder = g_strdup(f[1]);
			m->outcome = g_strdup(f[2]);
			m->key = g_strdup(f[3]);
			m->sender = g_strdup(f[4]);
			m->detail = g_strdup(f[5]);
			g_hash_table_add(seen, m->key);
			g_ptr_array_add(out, m);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_hash_table_unref(seen);
	return out;
}

/* One field of a mail-log line: one clean line without TABs. */
static char *
mail_field(const char *s, size_t max)
{
	char *v = util_clean_line(s ? s : "", max);

	g_strdelimit(v, "\t", ' ');
	return v;
}

void
digest_note_mail(struct txn *t, gint64 when, enum folder folder, const char *outcome,
		 const char *key, const char *sender, const char *detail)
{
	char *f[5] = {
		mail_field(folder_name(folder), 40), mail_field(outcome, 40),
		mail_field(key, 300), mail_field(sender, 300), mail_field(detail, 300),
	};
	GBytes *bytes;
	char *line;

	if (f[2][0] == '\0') {
		g_free(f[2]);
		f[2] = g_strdup_printf("unknown-%" G_GINT64_FORMAT, when);
	}
	line = g_strdup_printf("%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%s\t%s\n", when, f[0],
			       f[1][0] ? f[1] : "-", f[2], f[3], f[4]);
	bytes = g_bytes_new_take(line, strlen(line));
	txn_append_file(t, DIGEST_MAIL_LOG, bytes);
	g_bytes_unref(bytes);
	for (int i = 0; i < 5; i++)
		g_free(f[i]);
}

void
digest_note_unparsed(struct store *st, gint64 when, const struct inbox_item *it,
		      const char *why)
{
	struct txn *t = txn_new(st);
	char *key, *detail, *hash = NULL;

	if (it->raw == NULL) {
		key = g_strdup_printf("oversize:%s:%zu", it->id, it->size);
	} else {
		hash = util_sha256_hex(it->raw, it->len);
		key = g_strdup_printf("unparsable:%.32s", hash);
	}
	detail = why ? g_strdup(why) : g_strdup_printf("%zu bytes", it->size);
	digest_note_mail(t, when, it->raw ? FOLDER_FAILED : FOLDER_OVERSIZE,
			 it->raw ? "unparsable" : "oversize", key, NULL, detail);
	txn_stage(t);
	txn_free(t);
	g_free(detail);
	g_free(hash);
	g_free(key);
}
