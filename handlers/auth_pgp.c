/*
 * auth_pgp.c - PGP/MIME (RFC 3156) signatures of organizers' mail,
 * checked with GMime's gpgme context against a keyring of our own.
 *
 * gpgme runs gpg with the process environment, so GNUPGHOME is pointed at
 * [organizers] gnupg_home before the first check (mcbot's own work is
 * single-threaded; it is set once, not per mail).
 * GMime says VALID|GREEN only for a key that is valid in that keyring;
 * anything else (an unknown or untrusted key, a bad signature, an expired
 * or revoked key) is a failure, and so is a good signature by a key not
 * configured for the sender: fingerprints are compared in full, never
 * names or addresses.  Only the message's own top part is considered: a
 * signed part next to unsigned text proves nothing about that text.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "../bot/util.h"
#include "auth.h"

#define PGP_FUTURE_SKEW 86400       /* a clock this far ahead is still believed */

/* TRUE when fpr is configured for addr. */
static gboolean
key_of(const struct config *cfg, const char *addr, const char *fpr)
{
	for (int i = 0; fpr && cfg->pgp_keys && cfg->pgp_keys[i]; i++) {
		const char *sp = strchr(cfg->pgp_keys[i], ' ');

		if (sp && (gsize)(sp - cfg->pgp_keys[i]) == strlen(addr) &&
		    g_ascii_strncasecmp(cfg->pgp_keys[i], addr, strlen(addr)) == 0 &&
		    g_ascii_strcasecmp(sp + 1, fpr) == 0)
			return TRUE;
	}
	return FALSE;
}

static const char *
status_words(GMimeSignatureStatus st)
{
	if (st & GMIME_SIGNATURE_STATUS_RED)
		return "the signature does not match the text (altered?)";
	if (st & GMIME_SIGNATURE_STATUS_KEY_MISSING)
		return "the signing key is not in our keyring";
	if (st & GMIME_SIGNATURE_STATUS_KEY_REVOKED)
		return "the signing key is revoked";
	if (st & (GMIME_SIGNATURE_STATUS_KEY_EXPIRED | GMIME_SIGNATURE_STATUS_SIG_EXPIRED))
		return "the key or the signature has expired";
	if (!(st & GMIME_SIGNATURE_STATUS_VALID) || !(st & GMIME_SIGNATURE_STATUS_GREEN))
		return "the signing key is not trusted in our keyring";
	return "the signature cannot be checked";
}

/* The text of the signed part, read like a mail (transfer full), or NULL. */
static char *
signed_text(GMimeObject *part, GString *bytes)
{
	struct mail *pm = NULL;
	char *s = g_mime_object_to_string(part, NULL), *text = NULL;

	g_string_append(bytes, s);
	/* A part's header fields are all Content-*, which are not a message's:
	 * one more makes it parse as a mail (and a part without any gets the
	 * default type).  It starts with a blank line when it has none. */
	{
		char *t = g_strconcat(s[0] == '\n' || s[0] == '\r' ?
				      "X-Signed-Part: yes\nContent-Type: text/plain" :
				      "X-Signed-Part: yes\n", s, NULL);

		g_free(s);
		s = t;
	}
	if (mail_parse(s, strlen(s), NULL, &pm, NULL) == 0)
		text = g_strdup(pm->text);
	mail_free(pm);
	g_free(s);
	return text;
}

static int
verify(const struct config *cfg, const struct mail *m, GMimeMultipartSigned *mps, gint64 now,
       struct auth *a)
{
	GMimeSignatureList *sigs;
	GMimeSignature *sig;
	GMimeSignatureStatus st;
	GError *gerr = NULL;
	GString *bytes;
	const char *fpr;
	gint64 when;
	int rc = -1;

	if (g_strcmp0(g_getenv("GNUPGHOME"), cfg->gnupg_home) != 0)
		g_setenv("GNUPGHOME", cfg->gnupg_home, TRUE);
	sigs = g_mime_multipart_signed_verify(mps, GMIME_VERIFY_NONE, &gerr);
	if (sigs == NULL) {
		a->detail = g_strdup_printf("the PGP signature cannot be checked: %s",
					    gerr ? gerr->message : "no signature");
		g_clear_error(&gerr);
		return -1;
	}
	if (g_mime_signature_list_length(sigs) != 1) {
		a->detail = g_strdup("a PGP/MIME mail needs exactly one signature");
		goto out;
	}
	sig = g_mime_signature_list_get_signature(sigs, 0);
	st = g_mime_signature_get_status(sig);
	fpr = g_mime_certificate_get_fingerprint(g_mime_signature_get_certificate(sig));
	when = g_mime_signature_get_created64(sig);
	if (st != (GMIME_SIGNATURE_STATUS_VALID | GMIME_SIGNATURE_STATUS_GREEN)) {
		a->detail = g_strdup_printf("PGP: %s", status_words(st));
		goto out;
	}
	if (!key_of(cfg, m->from_addr, fpr)) {
		a->detail = g_strdup_printf("PGP: key %s is not configured for %s",
					    fpr ? fpr : "(none)", m->from_addr);
		goto out;
	}
	if (when <= 0 || when < now - cfg->pgp_max_age || when > now + PGP_FUTURE_SKEW) {
		a->detail = g_strdup("PGP: the signature is too old (or dated in the future); "
				     "sign the commands again");
		goto out;
	}
	bytes = g_string_new(NULL);
	g_string_append_printf(bytes, "%s\n%" G_GINT64_FORMAT "\n", fpr, when);
	a->signed_text = signed_text(g_mime_multipart_get_part(GMIME_MULTIPART(mps), 0), bytes);
	a->sig_id = util_sha256_hex(bytes->str, bytes->len);
	g_string_free(bytes, TRUE);
	if (a->signed_text == NULL) {
		a->detail = g_strdup("PGP: the signed part cannot be read");
		goto out;
	}
	a->proof = CONFIG_PROOF_PGP;
	a->detail = g_strdup_printf("pgp: signed by key %s", fpr);
	rc = 1;
out:
	g_object_unref(sigs);
	return rc;
}

int
auth_pgp(const struct config *cfg, const struct mail *m, GMimeMessage *msg, gint64 now,
	 struct auth *a)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	const char *protocol;
	GMimeObject *sigpart;

	if (top == NULL || !GMIME_IS_MULTIPART_SIGNED(top))
		return 0;
	/* GMime also knows S/MIME: only OpenPGP is accepted here. */
	protocol = g_mime_object_get_content_type_parameter(top, "protocol");
	if (protocol == NULL || g_ascii_strcasecmp(protocol, "application/pgp-signature") != 0)
		return 0;
	if (cfg->pgp_keys == NULL || cfg->gnupg_home == NULL)
		return 0;
	if (g_mime_multipart_get_count(GMIME_MULTIPART(top)) != 2) {
		a->detail = g_strdup("PGP/MIME: a signed mail has two parts, text and signature");
		return -1;
	}
	sigpart = g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);
	if (!g_mime_content_type_is_type(g_mime_object_get_content_type(sigpart), "application",
					 "pgp-signature")) {
		a->detail = g_strdup("PGP/MIME: the second part is not a PGP signature");
		return -1;
	}
	return verify(cfg, m, GMIME_MULTIPART_SIGNED(top), now, a);
}
