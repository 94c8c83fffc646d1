/*
 * bounce.h - delivery status notifications (RFC 3464, RFC 6533): the
 * handler that reads them and counts hard bounces per address, and the
 * parser behind it.
 *
 * A delivery report is a multipart/report whose message/delivery-status
 * part holds one block of "Field: value" lines for the message, then one
 * block per recipient.  A recipient with "Action: failed" and a 5.x.x
 * Status is a hard bounce: it is recorded in the store (limits_reply.h,
 * state_dir/bounces), and after [limits] max_hard_bounces of them mcbot
 * stops mailing that address.  The report itself is never answered: it is
 * moved to the dropped folder and counted, like every mail classify()
 * drops.  Reports are not authenticated; a forged one can at worst stop
 * the automatic replies to one address.
 */
#ifndef MCBOT_BOUNCE_H
#define MCBOT_BOUNCE_H

#include <glib.h>

#include "handler.h"

struct bounce_rcpt {
	char *addr;         /* Original-Recipient when it is an address, else Final-Recipient */
	char *action;       /* the action word lowercased, without comment: "failed",
	                       "delayed", "delivered", ... or "" */
	char *status;       /* "5.1.1", or "" when absent or malformed */
};

void bounce_rcpt_free(struct bounce_rcpt *r);

/*
 * Append to out (struct bounce_rcpt *, created with
 * g_ptr_array_new_with_free_func((GDestroyNotify)bounce_rcpt_free)) every
 * recipient block of a message/delivery-status body (decoded, any line
 * ends) whose recipient is a plain address (util_addr_ok).  At most 100
 * recipients, and only the first 64 KiB of text, are read.
 */
void bounce_parse_status(const char *text, gsize len, GPtrArray *out);

/* "Action: failed" and a permanent (5.x.x) status. */
gboolean bounce_is_hard(const struct bounce_rcpt *r);

/*
 * Parse a raw mail and read every message/delivery-status (or
 * message/global-delivery-status) part in it, walking at most max_parts
 * parts and max_depth levels, into out as above.  Returns the number of
 * such parts found.
 */
int bounce_read_report(const char *raw, gsize len, int max_parts, int max_depth,
		       GPtrArray *out);

/* Delivery reports (before handler_drop in the table). */
extern const struct handler handler_bounce;

#endif
