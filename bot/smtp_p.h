/*
 * smtp_p.h - what the outbox (and the test driver) need to know about the
 * last smtp_send() beyond its status.
 */
#ifndef MCBOT_SMTP_P_H
#define MCBOT_SMTP_P_H

#include <glib.h>
#include "smtp.h"

/*
 * TRUE when the last smtp_send() failed for a reason that is not this
 * mail's: no connection, TLS or certificate trouble, greeting, EHLO or
 * AUTH refused, 421, timeout, connection lost.  Other mails would fail the
 * same way, so a queue run stops there.  FALSE after a send that was
 * answered with a 4xx/5xx to MAIL, RCPT, DATA or the final dot.
 */
gboolean smtp_conn_failed(const struct smtp *s);

/* How many connections smtp_send() opened since smtp_new() (one while the
 * connection is reused). */
long smtp_connections(const struct smtp *s);

#endif
