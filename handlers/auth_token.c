/*
 * auth_token.c - one-time confirmation tokens (auth.h).
 *
 * The mac covers everything the token stands for, so the token itself
 * carries no secret state: mcbot keeps the commands (org/pending/<id>) and
 * the ids already used, and the secret never leaves the configuration.
 * Macs are compared in constant time.
 */
#include <string.h>

#include "../bot/util.h"
#include "auth.h"

#define TOKEN_PREFIX "mcbot-"
#define TOKEN_ID_LEN 16
#define TOKEN_MAC_LEN 32

char *
auth_token_id(const char *mail_key)
{
	char *seed = g_strconcat("confirm/", mail_key, NULL);
	char *hex = util_sha256_hex(seed, strlen(seed));

	hex[TOKEN_ID_LEN] = '\0';
	g_free(seed);
	return hex;
}

static char *
token_mac(const char *secret, const char *id, gint64 expires, const char *addr,
	  const char *lines)
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret));
	char *msg = g_strdup_printf("mcbot-confirm 1\n%s\n%" G_GINT64_FORMAT "\n", id, expires);
	char *low = g_ascii_strdown(addr, -1), *mac;

	g_hmac_update(h, (const guchar *)msg, -1);
	g_hmac_update(h, (const guchar *)low, -1);
	g_hmac_update(h, (const guchar *)"\n", 1);
	g_hmac_update(h, (const guchar *)lines, -1);
	mac = g_strdup(g_hmac_get_string(h));
	mac[TOKEN_MAC_LEN] = '\0';
	g_hmac_unref(h);
	g_free(low);
	g_free(msg);
	return mac;
}

char *
auth_token_make(const char *secret, const char *id, gint64 expires, const char *addr,
		const char *lines)
{
	char *mac = token_mac(secret, id, expires, addr, lines);
	char *t = g_strdup_printf(TOKEN_PREFIX "%s-%" G_GINT64_FORMAT "-%s", id, expires, mac);

	g_free(mac);
	return t;
}

static gboolean
all_hex(const char *s, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_isdigit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return FALSE;
	return TRUE;
}

gboolean
auth_token_parse(const char *token, char **id, gint64 *expires)
{
	const char *p = token, *dash;
	guint64 e;
	char *num;
	gboolean ok;

	if (id)
		*id = NULL;
	if (token == NULL || !g_str_has_prefix(token, TOKEN_PREFIX))
		return FALSE;
	p += strlen(TOKEN_PREFIX);
	if (strlen(p) < TOKEN_ID_LEN + 3 + TOKEN_MAC_LEN || !all_hex(p, TOKEN_ID_LEN) ||
	    p[TOKEN_ID_LEN] != '-')
		return FALSE;
	dash = strchr(p + TOKEN_ID_LEN + 1, '-');
	if (dash == NULL || strlen(dash + 1) != TOKEN_MAC_LEN || !all_hex(dash + 1, TOKEN_MAC_LEN))
		return FALSE;
	num = g_strndup(p + TOKEN_ID_LEN + 1, (gsize)(dash - p - TOKEN_ID_LEN - 1));
	ok = g_ascii_string_to_unsigned(num, 10, 1, G_MAXINT64, &e, NULL);
	g_free(num);
	if (!ok)
		return FALSE;
	if (expires)
		*expires = (gint64)e;
	if (id)
		*id = g_strndup(p, TOKEN_ID_LEN);
	return TRUE;
}

enum auth_token_state
auth_token_check(const char *secret, const char *token, const char *addr, const char *lines,
		 gint64 now)
{
	char *id = NULL, *mac;
	gint64 expires = 0;
	const char *given;
	unsigned diff = 0;

	if (secret == NULL || !auth_token_parse(token, &id, &expires))
		return AUTH_TOKEN_MALFORMED;
	mac = token_mac(secret, id, expires, addr, lines);
	given = token + strlen(token) - TOKEN_MAC_LEN;
	for (int i = 0; i < TOKEN_MAC_LEN; i++)
		diff |= (unsigned)(mac[i] ^ given[i]);
	g_free(mac);
	g_free(id);
	if (diff != 0)
		return AUTH_TOKEN_BAD;
	return now > expires ? AUTH_TOKEN_EXPIRED : AUTH_TOKEN_OK;
}
