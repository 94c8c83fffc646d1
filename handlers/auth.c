/*
 * auth.c - the organizer's From, the receiving server's
 * Authentication-Results, and the verdict (auth.h says what counts).
 *
 * struct mail keeps the Authentication-Results values but not where they
 * stood among the Received: fields, and that place is the whole point: a
 * sender can write any header, but only above its own mail; the fields
 * our server adds sit on top.  So the raw bytes are parsed again here and
 * the top-level header fields read in order.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "../bot/util.h"
#include "auth.h"

#define AUTH_VALUE_MAX 4000

gboolean
auth_sender(const struct config *cfg, const struct mail *m, GString *why)
{
	/* mail.c sets from_addr only for one From field holding one mailbox
	 * whose raw value reads strictly as such; these counts say it again. */
	if (m->from_fields != 1 || m->from_mailboxes != 1 || m->from_addr == NULL) {
		fail(why, "the mail needs exactly one From address (it has %d From fields and "
		     "%d addresses)", m->from_fields, m->from_mailboxes);
		return FALSE;
	}
	if (!config_is_organizer(cfg, m->from_addr)) {
		fail(why, "%s is not an organizer of this call for proposals", m->from_addr);
		return FALSE;
	}
	if (m->suspicious) {
		fail(why, "the mail's structure is malformed (conflicting headers or parts)");
		return FALSE;
	}
	return TRUE;
}

/* A header value on one line, without (comments) (transfer full). */
static char *
uncomment(const char *raw)
{
	GString *s = g_string_new(NULL);
	int depth = 0;
	gboolean quoted = FALSE;

	for (const char *p = raw; *p && s->len < AUTH_VALUE_MAX; p++) {
		if (*p == '\\' && p[1]) {
			if (depth == 0)
				g_string_append_len(s, p, 2);
			p++;
		} else if (*p == '"' && depth == 0) {
			quoted = !quoted;
			g_string_append_c(s, *p);
		} else if (*p == '(' && !quoted) {
			depth++;
		} else if (*p == ')' && !quoted && depth > 0) {
			depth--;
			g_string_append_c(s, ' ');
		} else if (depth == 0) {
			g_string_append_c(s, *p == '\r' || *p == '\n' || *p == '\t' ? ' ' : *p);
		}
	}
	return g_string_free(s, FALSE);
}

/* The host after "by" in a Received: value, lower case, or NULL. */
static char *
received_by(const char *raw)
{
	char *v = uncomment(raw), *host = NULL;
	GMatchInfo *mi = NULL;
	static GRegex *re;

	if (re == NULL)
		re = g_regex_new("(?:^|\\s)by\\s+([A-Za-z0-9.:\\[\\]-]+)", G_REGEX_CASELESS, 0, NULL);
	if (g_regex_match(re, v, 0, &mi)) {
		char *h = g_match_info_fetch(mi, 1);

		host = g_ascii_strdown(h, -1);
		g_free(h);
	}
	g_match_info_free(mi);
	g_free(v);
	return host;
}

/* value of "name=value" (quotes removed) in a resinfo's words, or NULL. */
static char *
prop(char **words, const char *name)
{
	gsize n = strlen(name);

	for (int i = 0; words[i]; i++)
		if (g_ascii_strncasecmp(words[i], name, n) == 0 && words[i][n] == '=') {
			char *v = g_strdup(words[i] + n + 1);
			gsize l = strlen(v);

			if (l >= 2 && v[0] == '"' && v[l - 1] == '"') {
				memmove(v, v + 1, l - 2);
				v[l - 2] = '\0';
			}
			return v;
		}
	return NULL;
}

static gboolean
same_domain(const char *a, const char *b)
{
	if (a && *a == '@')
		a++;
	return a && b && g_ascii_strcasecmp(a, b) == 0;
}

/* What one Authentication-Results value says for domain: a verdict word or NULL. */
static char *
ar_verdict(const char *value, const char *domain, GString *seen)
{
	char **parts = g_strsplit(value, ";", -1), *proof = NULL;

	for (int i = 1; parts[i] && proof == NULL; i++) {
		char **w = g_strsplit_set(g_strstrip(parts[i]), " \t", -1);
		char *d = NULL;
		int n = 0;

		/* drop the empty words that runs of blanks leave */
		for (int j = 0; w[j]; j++)
			if (*w[j])
				w[n++] = w[j];
			else
				g_free(w[j]);
		w[n] = NULL;
		if (n > 0)
			g_string_append_printf(seen, "%s%s", seen->len ? ", " : "", w[0]);
		if (n > 0 && g_ascii_strcasecmp(w[0], "dmarc=pass") == 0) {
			d = prop(w, "header.from");
			if (d == NULL || same_domain(d, domain))
				proof = g_strdup("dmarc=pass");
		} else if (n > 0 && g_ascii_strcasecmp(w[0], "dkim=pass") == 0) {
			d = prop(w, "header.d");
			if (d && same_domain(d, domain))
				proof = g_strdup_printf("dkim=pass header.d=%s", domain);
		}
		g_free(d);
		g_strfreev(w);
	}
	g_strfreev(parts);
	return proof;
}

/* The first word of an A-R value: its authserv-id. */
static gboolean
ar_is_ours(const char *value, const char *authserv_id)
{
	gsize n = strcspn(value, "; \t");

	return n == strlen(authserv_id) && g_ascii_strncasecmp(value, authserv_id, n) == 0;
}

static gboolean
auth_dkim_msg(const struct config *cfg, const struct mail *m, GMimeMessage *msg, char **detail,
	      GString *why)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	int n = g_mime_header_list_get_count(hl), end = -1, own = -1;
	const char *domain = strrchr(m->from_addr, '@') + 1;
	gboolean ok = FALSE;

	*detail = NULL;
	if (cfg->authserv_id == NULL || cfg->received_by == NULL)
		return fail(why, "no authserv-id is configured"), FALSE;
	/* The receiving server's block ends at the first Received: below its
	 * own chain (LMTP and SMTP on one host both say "by" it) that another
	 * host wrote. */
	for (int i = 0; i < n && end < 0; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		gboolean ours;
		char *by;

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Received") != 0)
			continue;
		by = received_by(g_mime_header_get_raw_value(h));
		ours = by && g_ascii_strcasecmp(by, cfg->received_by) == 0;
		g_free(by);
		if (ours && own < 0)
			own = i;
		else if (!ours && own >= 0)
			end = i;
	}
	if (own < 0)
		return fail(why, "no Received: header from %s", cfg->received_by), FALSE;
	if (end < 0)
		end = n;
	for (int i = 0; i < end; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		GString *seen;
		char *v, *proof;

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Authentication-Results") != 0)
			continue;
		v = uncomment(g_mime_header_get_raw_value(h));
		g_strstrip(v);
		if (!ar_is_ours(v, cfg->authserv_id)) {
			g_free(v);
			continue;
		}
		/* The topmost of ours decides; those below it may be forged. */
		seen = g_string_new(NULL);
		proof = ar_verdict(v, domain, seen);
		if (proof) {
			*detail = g_strdup_printf("dkim: %s says %s for %s", cfg->authserv_id, proof,
						  domain);
			ok = TRUE;
		} else {
			fail(why, "%s found no valid DKIM or DMARC for %s (%s)", cfg->authserv_id,
			     domain, seen->len ? seen->str : "no results");
		}
		g_string_free(seen, TRUE);
		g_free(proof);
		g_free(v);
		return ok;
	}
	return fail(why, "no Authentication-Results from %s", cfg->authserv_id), FALSE;
}

static GMimeMessage *
parse_raw(const struct mail *m)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(m->raw, m->raw_len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *msg;

	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(s);
	return msg;
}

gboolean
auth_dkim(const struct config *cfg, const struct mail *m, char **detail, GString *why)
{
	GMimeMessage *msg;
	gboolean ok;

	*detail = NULL;
	if (m->from_addr == NULL || strchr(m->from_addr, '@') == NULL)
		return fail(why, "no From address"), FALSE;
	if ((msg = parse_raw(m)) == NULL)
		return fail(why, "the mail cannot be parsed"), FALSE;
	ok = auth_dkim_msg(cfg, m, msg, detail, why);
	g_object_unref(msg);
	return ok;
}

void
auth_clear(struct auth *a)
{
	g_free(a->detail);
	g_free(a->signed_text);
	g_free(a->sig_id);
	memset(a, 0, sizeof *a);
}

void
auth_check(const struct config *cfg, const struct mail *m, gint64 now, struct auth *a)
{
	GString *why = g_string_new(NULL), *why2 = g_string_new(NULL);
	GMimeMessage *msg = NULL;
	char *detail = NULL;
	int pgp;

	memset(a, 0, sizeof *a);
	a->verdict = AUTH_UNPROVEN;
	if (!auth_sender(cfg, m, why)) {
		a->verdict = AUTH_NOT_ORGANIZER;
		goto out;
	}
	if ((msg = parse_raw(m)) == NULL) {
		fail(why, "the mail cannot be parsed");
		goto out;
	}
	pgp = auth_pgp(cfg, m, msg, now, a);
	if (pgp != 0) {
		a->verdict = pgp > 0 ? AUTH_PROVEN : AUTH_FORGED;
		g_string_assign(why, a->detail ? a->detail : "");
		goto out;
	}
	if (cfg->authserv_id && auth_dkim_msg(cfg, m, msg, &detail, why2)) {
		a->verdict = AUTH_PROVEN;
		a->proof = CONFIG_PROOF_DKIM;
		g_string_assign(why, detail);
		goto out;
	}
	g_string_printf(why, "neither a PGP/MIME signature nor the receiving server vouches "
			"for it%s%s", why2->len ? ": " : "", why2->str);
out:
	g_free(a->detail);
	a->detail = g_strdup(why->str);
	if (msg)
		g_object_unref(msg);
	g_free(detail);
	g_string_free(why2, TRUE);
	g_string_free(why, TRUE);
}
