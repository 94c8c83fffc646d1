/*
 * oversize.h - the one notice for a mail too large to be fetched.
 *
 * run.c sets such a mail aside unread (FOLDER_OVERSIZE).  When the inbox
 * could read its header block (inbox_item.head), the sender is told once:
 * the header block alone is parsed (same limits as a whole mail), and no
 * notice goes to mail that must not be answered (RFC 3834, as
 * classify_drop_reason decides) or that was noticed before (the key
 * "oversize:<mail key>" in the processed set).
 */
#ifndef MCBOT_OVERSIZE_H
#define MCBOT_OVERSIZE_H

#include "handler.h"

/*
 * Queue the notice for it (a mail with raw == NULL) in a transaction of
 * its own, staged (txn_stage): durable with the batch's store_flush,
 * before the mail is moved.  Returns TRUE when a notice was queued; every
 * reason not to send one is logged.  lim: the parse limits.
 */
gboolean oversize_notice(struct ctx *c, const struct inbox_item *it,
			 const struct mail_limits *lim);

#endif
