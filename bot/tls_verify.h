/*
 * tls_verify.h - decide whether a TLS server's certificate chain is
 * trusted, with GnuTLS.  Independent of any mail library: the input is the
 * chain as the peer sent it (DER, leaf first), so it can be tested with
 * certificates made on the spot.
 *
 * libetpan's GnuTLS build does not verify anything itself; imap.c calls
 * this after the handshake and before sending the password.
 */
#ifndef MCBOT_TLS_VERIFY_H
#define MCBOT_TLS_VERIFY_H

#include <glib.h>

/*
 * Check chain (GBytes *, DER, leaf first; borrowed) for host.
 *
 * When pin is set (hex SHA-256 of the leaf certificate, upper or lower
 * case, ':' or ' ' separators allowed) only the pin decides: the leaf's
 * fingerprint must equal it; host and CAs are not looked at.
 *
 * Otherwise the chain must lead to a CA in ca_file (PEM bundle) or, when
 * ca_file is NULL, in the system trust store; the leaf must be valid now,
 * be for TLS servers, and name host (a DNS name or an IP address) in its
 * subjectAltName (or CN when it has none).
 *
 * Returns 0 when trusted.  Otherwise -1 and a one-line reason in err,
 * without the host:port prefix the caller adds, e.g.
 *   "certificate not trusted (signer unknown)"
 *   "certificate not trusted (self-signed)"
 *   "certificate is for another host (not valid for 127.0.0.1; it names wrong.example)"
 *   "certificate does not match the pinned fingerprint (got ab12...)"
 */
int tls_verify_chain(GPtrArray *chain, const char *host, const char *ca_file,
    const char *pin, GString *err);

/*
 * Normalize a fingerprint written by a human: drop ':' and white space,
 * lowercase.  Returns a new 64-character hex string, or NULL when the
 * result is not 64 hex digits.
 */
char *tls_verify_norm_pin(const char *pin);

/* Lowercase hex SHA-256 of one DER certificate (64 characters, transfer full). */
char *tls_verify_fingerprint(GBytes *der);

#endif
