/*
 * smtp.h - sending one mail at a time through libcurl's SMTP.
 *
 * TLS is required (smtps:// or STARTTLS with CURLUSESSL_ALL) unless the
 * config says the server is local; certificates are verified; every call
 * has a timeout; one recipient per transaction; one connection is reused
 * across mails.  Addresses are checked with util_addr_ok() before use.
 */
#ifndef MCBOT_SMTP_H
#define MCBOT_SMTP_H

#include <glib.h>
#include "config.h"

enum smtp_status {
	SMTP_SENT = 0,
	SMTP_TEMPFAIL,      /* 4xx, connection trouble, timeout: retry later */
	SMTP_PERMFAIL,      /* 5xx, bad address: do not retry */
};

struct smtp;

struct smtp *smtp_new(const struct config *cfg);   /* cfg borrowed, must outlive */

/* data: the whole message with CRLF line ends. */
enum smtp_status smtp_send(struct smtp *s, const char *from, const char *rcpt,
			   const char *data, gsize len, GString *err);

void smtp_free(struct smtp *s);

/*
 * For `mcbot check-config --connect`: connect, EHLO, TLS (implicit or
 * STARTTLS, certificate checked as for sending), AUTH when a user is
 * configured, one NOOP, QUIT.  No MAIL command: nothing is sent.  Returns
 * 0 with *what (transfer full) saying what worked, e.g. "STARTTLS,
 * certificate verified, logged in as bot@example.org", or -1 with the
 * reason (and the server's refusal) in err.  Never shows the password.
 */
int smtp_check(const struct config *cfg, char **what, GString *err);

#endif
