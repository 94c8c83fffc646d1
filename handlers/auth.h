/*
 * auth.h - whether a mail really comes from an organizer.
 *
 * The From header can be written by anybody, so being an organizer takes
 * two things: the From is exactly one configured address, and the mail
 * proves it (config.h, CONFIG_PROOF_*):
 *
 *   pgp    The message itself is multipart/signed with protocol
 *          application/pgp-signature (S/MIME and signed parts nested in
 *          something else do not count), its one signature is VALID and
 *          GREEN in the [organizers] gnupg_home keyring, made by a full
 *          fingerprint configured for that address, no older than
 *          pgp_max_age and not from the future.  The signature covers the
 *          signed part only: commands are then read from it alone.  A
 *          signature that is present and fails (tampered, unknown or
 *          untrusted key, wrong key, too old) is a forgery: the mail is
 *          refused whatever else it carries.
 *   dkim   The receiving server's own Authentication-Results: the
 *          topmost one with authserv-id [organizers] authserv_id among
 *          the header fields above the first Received: field below the
 *          server's own chain of Received: fields (those whose "by" host
 *          is received_by).  Fields further down were written before the
 *          mail reached that server, by anybody.  The server must add its
 *          own Authentication-Results to every mail (and should remove
 *          forged ones): then the topmost one is always its own.  It must say dmarc=pass (header.from, when given,
 *          being the From domain) or dkim=pass with header.d equal to the
 *          From domain.
 *   token  A confirmation token that mcbot mailed to that address
 *          (auth_token_*); checked by the command handler.
 *
 * Pure: reads the mail (re-parsing its raw bytes for the header order and
 * the MIME structure) and the configuration; remembering signatures to
 * refuse a replay is the caller's job (auth.sig_id).
 */
#ifndef MCBOT_AUTH_H
#define MCBOT_AUTH_H

#include <glib.h>

#include "../bot/config.h"
#include "../bot/mail.h"

enum auth_verdict {
	AUTH_NOT_ORGANIZER,         /* the From is not exactly one configured organizer */
	AUTH_UNPROVEN,              /* an organizer, without pgp or dkim proof */
	AUTH_PROVEN,                /* an organizer, proven by pgp or dkim */
	AUTH_FORGED,                /* a signature that fails: refuse the mail */
};

struct auth {
	enum auth_verdict verdict;
	int proof;                  /* PROVEN: CONFIG_PROOF_PGP or CONFIG_PROOF_DKIM */
	char *detail;               /* PROVEN: the proof, for logs ("pgp 13E4...");
	                               otherwise why not, one line for a reply */
	char *signed_text;          /* pgp: the signed part's text, else NULL */
	char *sig_id;               /* pgp: the signature's identity (hex), else NULL */
};

/* Decide a's fields for m at time now.  Clear a with auth_clear. */
void auth_check(const struct config *cfg, const struct mail *m, gint64 now, struct auth *a);
void auth_clear(struct auth *a);

/* The pieces, for tests.  Each puts a one-line reason in why when it says no. */
gboolean auth_sender(const struct config *cfg, const struct mail *m, GString *why);
/* TRUE with *detail (transfer full) when the receiving server vouches for m. */
gboolean auth_dkim(const struct config *cfg, const struct mail *m, char **detail, GString *why);

/* ---- confirmation tokens (auth_token.c) ----
 *
 * A token is "mcbot-<id>-<expires>-<mac>": id 16 hex digits naming the
 * pending commands, expires a Unix time, mac the first 128 bits (hex) of
 * HMAC-SHA256(secret, id, expires, address, the commands).  Altering any
 * of them, or using it for other commands or from another address,
 * breaks the mac; single use is the caller's (it remembers used ids).
 */
enum auth_token_state {
	AUTH_TOKEN_OK,
	AUTH_TOKEN_MALFORMED,       /* not a token at all */
	AUTH_TOKEN_BAD,             /* the mac does not fit */
	AUTH_TOKEN_EXPIRED,
};

/* The id of the token for the mail with this key (transfer full). */
char *auth_token_id(const char *mail_key);
/* (transfer full) */
char *auth_token_make(const char *secret, const char *id, gint64 expires, const char *addr,
		      const char *lines);
/* Split a token; FALSE when malformed.  *id transfer full (may be NULL to skip). */
gboolean auth_token_parse(const char *token, char **id, gint64 *expires);
enum auth_token_state auth_token_check(const char *secret, const char *token,
				       const char *addr, const char *lines, gint64 now);

/* ---- auth_pgp.c ---- */

/*
 * 1 when m is PGP/MIME-signed and the signature proves it (fills a's
 * proof, detail, signed_text, sig_id), -1 when it is signed and the
 * signature fails (a->detail says why), 0 when m carries no PGP/MIME
 * signature at the top (or PGP is not configured).  msg is m parsed.
 */
struct _GMimeMessage;
int auth_pgp(const struct config *cfg, const struct mail *m, struct _GMimeMessage *msg,
	     gint64 now, struct auth *a);

#endif
