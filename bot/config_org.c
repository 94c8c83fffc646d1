/*
 * config_org.c - the value kinds of the [organizers] group: address
 * lists, "address=FINGERPRINT" lists, proof lists and durations.
 *
 * Kept apart from config_parse.c, which reads the single-valued kinds;
 * config_parse.c hands these kinds over to config_apply_org().
 */
#include <string.h>

#include "config_p.h"
#include "util.h"

#define ORG_MAX_ITEMS 100

/* The items of a list value: split at commas and white space, empty ones dropped. */
static char **
org_items(const char *v, const char *seps)
{
	char **raw = g_strsplit_set(v, seps, -1);
	GPtrArray *out = g_ptr_array_new();

	for (int i = 0; raw[i]; i++)
		if (*g_strstrip(raw[i]))
			g_ptr_array_add(out, g_strdup(raw[i]));
	g_ptr_array_add(out, NULL);
	g_strfreev(raw);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* A plain address with its domain lowercased (transfer full), or NULL. */
static char *
org_addr(const char *v)
{
	char *a = g_strdup(v), *at;

	if (!util_addr_ok(a)) {
		g_free(a);
		return NULL;
	}
	at = strrchr(a, '@');
	for (char *p = at; *p; p++)
		*p = g_ascii_tolower(*p);
	return a;
}

/* Install items (char *, owned by the array) as a NULL-terminated list. */
static void
org_set_list(struct config *c, const struct config_key *k, GPtrArray *items)
{
	char ***field = &G_STRUCT_MEMBER(char **, c, k->off);

	g_ptr_array_add(items, NULL);
	g_strfreev(*field);
	*field = (char **)g_ptr_array_steal(items, NULL);
}

static void
org_addresses(struct config_load *ld, int line, const struct config_key *k, const char *v,
	      struct config *c)
{
	char **items = org_items(v, ", \t");
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	int bad = 0;

	for (int i = 0; items[i]; i++) {
		char *a = org_addr(items[i]);

		if (a == NULL) {
			config_error(ld, line, "[%s] %s: \"%s\" is not a plain address "
				     "(user@domain)", k->group, k->name, items[i]);
			bad++;
		} else {
			g_ptr_array_add(out, a);
		}
	}
	if (out->len > ORG_MAX_ITEMS) {
		config_error(ld, line, "[%s] %s: more than %d addresses", k->group, k->name,
			     ORG_MAX_ITEMS);
		bad++;
	}
	if (bad == 0)
		org_set_list(c, k, out);
	g_ptr_array_unref(out);
	g_strfreev(items);
}

/* An OpenPGP fingerprint: 40 (v4) or 64 (v5) hex digits, spaces allowed;
 * upper-case without spaces (transfer full), or NULL. */
static char *
org_fingerprint(const char *v)
{
	GString *hex = g_string_new(NULL);

	for (const char *p = v; *p; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (!g_ascii_isxdigit(*p)) {
			g_string_free(hex, TRUE);
			return NULL;
		}
		g_string_append_c(hex, g_ascii_toupper(*p));
	}
	if (hex->len != 40 && hex->len != 64) {
		g_string_free(hex, TRUE);
		return NULL;
	}
	return g_string_free(hex, FALSE);
}

static void
org_pgp_keys(struct config_load *ld, int line, const struct config_key *k, const char *v,
	     struct config *c)
{
	char **items = org_items(v, ",");
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	int bad = 0;

	for (int i = 0; items[i]; i++) {
		char *eq = strchr(items[i], '='), *addr = NULL, *fpr = NULL;

		if (eq) {
			*eq = '\0';
			addr = org_addr(g_strstrip(items[i]));
			fpr = org_fingerprint(eq + 1);
		}
		if (addr == NULL || fpr == NULL) {
			if (eq)
				*eq = '=';
			config_error(ld, line, "[%s] %s: \"%s\": expected address=FINGERPRINT, "
				     "the fingerprint being 40 or 64 hex digits", k->group, k->name,
				     items[i]);
			bad++;
		} else {
			g_ptr_array_add(out, g_strdup_printf("%s %s", addr, fpr));
		}
		g_free(addr);
		g_free(fpr);
	}
	if (bad == 0 && out->len > ORG_MAX_ITEMS)
		config_error(ld, line, "[%s] %s: more than %d keys", k->group, k->name,
			     ORG_MAX_ITEMS);
	else if (bad == 0)
		org_set_list(c, k, out);
	g_ptr_array_unref(out);
	g_strfreev(items);
}

static const struct {
	const char *name;
	int bit;
} org_proofs[] = {
	{ "pgp", CONFIG_PROOF_PGP },
	{ "dkim", CONFIG_PROOF_DKIM },
	{ "token", CONFIG_PROOF_TOKEN },
	{ "sender", CONFIG_PROOF_SENDER },
};

static void
org_proof_list(struct config_load *ld, int line, const struct config_key *k, const char *v,
	       struct config *c)
{
	char **items = org_items(v, ", \t");
	int mask = 0, bad = 0;

	for (int i = 0; items[i]; i++) {
		int bit = 0;

		for (gsize j = 0; j < G_N_ELEMENTS(org_proofs); j++)
			if (g_ascii_strcasecmp(items[i], org_proofs[j].name) == 0)
				bit = org_proofs[j].bit;
		if (bit == 0) {
			config_error(ld, line, "[%s] %s: \"%s\" is not pgp, dkim, token or sender",
				     k->group, k->name, items[i]);
			bad++;
		}
		mask |= bit;
	}
	if (bad == 0)
		G_STRUCT_MEMBER(int, c, k->off) = mask;
	g_strfreev(items);
}

/* "90", "90s", "15m", "24h", "7d": seconds in [min, max]. */
static void
org_duration(struct config_load *ld, int line, const struct config_key *k, const char *v,
	     struct config *c)
{
	size_t n = strlen(v);
	gint64 mult = 1;
	guint64 num = 0;
	char *digits;
	gboolean ok;

	switch (v[n - 1]) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: n++; break;
	}
	digits = g_strstrip(g_strndup(v, n - 1));
	ok = g_ascii_string_to_unsigned(digits, 10, 0, G_MAXINT32, &num, NULL) &&
	     (gint64)num * mult >= k->min && (gint64)num * mult <= k->max;
	g_free(digits);
	if (!ok)
		config_error(ld, line, "[%s] %s: \"%s\" is not a duration from %llds to %llds "
			     "(a number of seconds, or with an s, m, h or d suffix)", k->group,
			     k->name, v, k->min, k->max);
	else
		G_STRUCT_MEMBER(int, c, k->off) = (int)((gint64)num * mult);
}

void
config_apply_org(struct config_load *ld, int line, const struct config_key *k, const char *v,
		 struct config *c)
{
	switch (k->kind) {
	case K_ADDRS:
		org_addresses(ld, line, k, v, c);
		break;
	case K_PGPKEYS:
		org_pgp_keys(ld, line, k, v, c);
		break;
	case K_PROOFS:
		org_proof_list(ld, line, k, v, c);
		break;
	case K_DURATION:
		org_duration(ld, line, k, v, c);
		break;
	default:
		g_assert_not_reached();
	}
}

gboolean
config_is_organizer(const struct config *c, const char *addr)
{
	for (int i = 0; addr && c->organizers && c->organizers[i]; i++)
		if (g_ascii_strcasecmp(c->organizers[i], addr) == 0)
			return TRUE;
	return FALSE;
}
