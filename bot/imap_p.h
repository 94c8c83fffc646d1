/*
 * imap_p.h - private to the IMAP backend: imap.c (session: connect, verify,
 * log in, select, IDLE, close) and imap_fetch.c (fetch and move).
 */
#ifndef MCBOT_IMAP_P_H
#define MCBOT_IMAP_P_H

#include <stdint.h>

#include <libetpan/libetpan.h>

#include "inbox.h"

struct imap {
	mailimap *s;
	char *label;            /* "imap host:port", the prefix of every error */
	uint32_t uidvalidity;   /* of the selected mailbox, at SELECT */
	uint32_t next_uid;      /* lowest UID not handed out since the last wait */
	GArray *pending;        /* struct imap_pending: found by the last scan, not handed
	                           out yet, UIDs ascending; emptied at each wait */
	gboolean broken;        /* stream, parse or protocol error: never reuse */
	gboolean has_move;
	gboolean has_uidplus;
	gboolean has_idle;
	gboolean idle_ready;    /* mailstream_setup_idle() done on this stream */
	char delim;             /* hierarchy separator; 0 until LIST told us */
	GHashTable *folders;    /* full names of folders known to exist */
};

struct imap_pending {
	uint32_t uid;
	uint32_t size;
};

/* True when libetpan's result r means the session cannot be used again. */
gboolean imap_lost(int r);

/*
 * Put "<label>: <what>: <reason>" in err for libetpan result r and return
 * -1.  The reason is the server's response text for a NO or BAD (cleaned,
 * bounded), or a description of r.  Marks the session broken when r means
 * the stream cannot be trusted any more.
 */
int imap_fail(struct imap *im, GString *err, int r, const char *what);

/* A UID set with runs of consecutive UIDs as ranges (uids sorted ascending; transfer full). */
struct mailimap_set *imap_uid_set(const uint32_t *uids, guint n);

int imap_fetch(struct inbox *ib, int max, GPtrArray *items, GString *err);
int imap_finish(struct inbox *ib, GPtrArray *items, GString *err);

#endif
