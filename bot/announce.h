/*
 * announce.h - `mcbot announce MC`: mail a templated announcement of one
 * MC to the list, so that people can RSVP by replying to it.
 *
 * The announcement's Message-ID has the form
 *     announce.<slug>.<id>.<hash>@<msgid domain>
 * and is added to the MC's threads in the same transaction that queues the
 * mail, so a reply to it (In-Reply-To or References) resolves to that MC
 * through the store; the slug and id in the Message-ID let rsvp_match.c
 * resolve it even without the store entry.
 */
#ifndef MCBOT_ANNOUNCE_H
#define MCBOT_ANNOUNCE_H

#include <glib.h>

#include "config.h"
#include "store.h"
#include "template.h"

/* The Message-ID (without <>) of mc's announcement made at time now (transfer full). */
char *announce_message_id(const struct config *cfg, const struct mc *mc, gint64 now);

/*
 * Render the "announce" template for mc, queue the mail to rcpt in t, and
 * put a copy of mc with the new thread into t (txn_put_mc).  *msgid (may
 * be NULL) gets the Message-ID (transfer full).  -1 with a reason in err
 * when the template cannot be rendered or rcpt is no address.
 */
int announce_queue(const struct config *cfg, const struct templates *tpl, struct txn *t,
		   const struct mc *mc, const char *rcpt, gint64 now, char **msgid, GString *err);

/* `mcbot announce MC`: argv[0] is "announce".  Returns the exit status. */
int announce_main(const struct config *cfg, int argc, char **argv);

#endif
