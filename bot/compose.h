/*
 * compose.h - building outgoing mail with GMime setters (never printf into
 * headers): UTF-8 text/plain in quoted-printable, a deterministic
 * Message-ID, RFC 3834 headers, CRLF line ends.
 */
#ifndef MCBOT_COMPOSE_H
#define MCBOT_COMPOSE_H

#include <glib.h>

struct compose {
	const char *from_addr;      /* the list address */
	const char *from_name;      /* the list name */
	const char *to_addr;        /* one recipient */
	const char *to_name;        /* may be NULL */
	const char *subject;        /* already tagged, single line */
	const char *body;           /* UTF-8, LF line ends */
	const char *in_reply_to;    /* message id without <>, or NULL */
	GPtrArray *references;      /* char *, without <>, or NULL */
	const char *auto_submitted; /* "auto-replied" or "auto-generated" */
	gboolean bulk;              /* add Precedence: bulk */
	const char *msgid_seed;     /* the Message-ID is derived from this (e.g. the
	                               incoming key + a reply kind), so a retry or a
	                               replay builds the same Message-ID */
	const char *msgid_domain;
	gint64 date;                /* Unix time for the Date: header */
	const char *x_loop;         /* X-Loop value (the list address) */
};

/* The deterministic Message-ID (without <>) for a seed and domain. */
char *compose_message_id(const char *seed, const char *domain);

/* The whole message as bytes with CRLF line ends (transfer full), or NULL
 * when from_addr or to_addr is not a plain address (util_addr_ok).
 * mail_init() (g_mime_init) must have been called. */
GBytes *compose_build(const struct compose *c);

#endif
