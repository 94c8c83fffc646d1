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
};

/*
 * Send every mail in outbox/new whose retry time has come: through SMTP,
 * or, with deliver = folder, by writing the message into deliver_folder.
 * Temporary failures stay queued with a growing delay; permanent ones go
 * to failed/.  Returns -1 only on a local I/O error.
 */
int outbox_flush(const struct config *cfg, struct outbox_stats *st, GString *err);

#endif
