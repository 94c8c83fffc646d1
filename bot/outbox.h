/*
 * outbox.h - outgoing mail, one file per mail under state_dir/outbox/.
 *
 *   outbox/new/<name>     queued (written by a committed transaction)
 *   outbox/sent/<name>    accepted by the SMTP server (or written to the
 *                         delivery folder)
 *   outbox/failed/<name>  refused permanently
 *   outbox/held/<name>    decision mails waiting for an organizer's
 *                         "release" (never sent from there: the release
 *                         command moves them to new/ in its transaction)
 *   outbox/retry          "name<TAB>attempts<TAB>next-try-unix" lines
 *
 * A file starts with one envelope line "MCBOT-ENVELOPE <from> <rcpt>\n"
 * followed by the message (CRLF line ends).  Sending is at-least-once: a
 * mail is sent, then renamed to sent/; a crash in between sends it again
 * with the same Message-ID.
 */
#ifndef MCBOT_OUTBOX_H
#define MCBOT_OUTBOX_H

#include <glib.h>
#include "config.h"

/* The file contents for a queued mail (envelope line + message), or NULL
 * when from or rcpt is not a plain address (transfer full). */
GBytes *outbox_format(const char *from, const char *rcpt, const char *msg, gsize len);

/* Split a queued file into its envelope and message (pointers into data). */
int outbox_parse(const char *data, gsize len, char **from, char **rcpt,
		 const char **msg, gsize *msg_len);

struct outbox_stats {
	int sent, tempfail, permfail;
	int stopped;        /* passes that stopped early: the server could not be reached */
};

/*
 * Send every mail in outbox/new whose retry time has come: through SMTP,
 * or, with deliver = folder, by writing the message into deliver_folder.
 * Temporary failures stay queued with a growing delay; permanent ones go
 * to failed/.  Returns -1 only on a local I/O error.  *st is reset first.
 * Uses one connection kept for the process (see outbox_link); must not
 * run while another pass (outbox_send) runs: they share the retry file.
 */
int outbox_flush(const struct config *cfg, struct outbox_stats *st, GString *err);

/*
 * An SMTP connection kept from one pass to the next, for the same
 * configuration, closed after 30 s unused.  Used by one thread at a time.
 */
struct outbox_link;

struct outbox_link *outbox_link_new(void);
void outbox_link_free(struct outbox_link *l);       /* QUIT when connected */

/*
 * outbox_flush() over names (queue file names in outbox/new, borrowed;
 * NULL: all of them) with the connection kept in link: a name whose file
 * is gone (an earlier pass moved it) is skipped, one whose retry time has
 * not come is left.  cfg must outlive the connection kept in link.
 */
int outbox_send(const struct config *cfg, struct outbox_link *link, GPtrArray *names,
		struct outbox_stats *st, GString *err);

/* The names of the queue files in outbox/new, sorted (transfer full), or
 * NULL on error. */
GPtrArray *outbox_queued(const struct config *cfg, GString *err);

#endif
