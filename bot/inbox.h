/*
 * inbox.h - where mail comes from: an IMAP mailbox (imap.c, libetpan over
 * verified TLS) or a local Maildir (maildir.c).  The rest of mcbot sees
 * only this interface.
 *
 * The cycle: inbox_fetch() returns a batch of items still in the inbox;
 * the caller processes each, sets item->folder, commits its effects, then
 * calls inbox_finish() which moves every item to its folder.  Nothing is
 * ever deleted.  A mail left in the inbox (crash before finish) is fetched
 * again; the processed set makes that harmless.
 */
#ifndef MCBOT_INBOX_H
#define MCBOT_INBOX_H

#include <glib.h>
#include "config.h"

enum folder {
	FOLDER_NONE = 0,        /* not decided: stays in the inbox */
	FOLDER_DONE,            /* handled, effects committed */
	FOLDER_DROPPED,         /* auto-reply, bounce, loop: not answered */
	FOLDER_REFUSED,         /* commands refused (unauthenticated) */
	FOLDER_FAILED,          /* cannot be parsed or handled */
	FOLDER_OVERSIZE,        /* larger than max_message_size: not fetched */
	FOLDER_COUNT
};

/* "done", "dropped", ... : the leaf folder name under the prefix. */
const char *folder_name(enum folder f);
/* The folder with that leaf name; FOLDER_DONE for an unknown name. */
enum folder folder_from_name(const char *name);

/* The most header bytes fetched of an oversize mail (for its one notice). */
#define INBOX_HEAD_MAX (64 * 1024)

struct inbox_item {
	char *id;               /* UID as decimal (IMAP), or "new/NAME" / "cur/NAME" (Maildir) */
	gsize size;             /* size as the server or file system says */
	char *raw;              /* the bytes, NULL when oversize (not fetched) */
	gsize len;
	char *head;             /* oversize only: the header block (NUL-terminated, at most
	                           INBOX_HEAD_MAX bytes), or NULL when not known */
	gsize head_len;
	enum folder folder;     /* set by the caller before inbox_finish */
};

void inbox_item_free(struct inbox_item *it);

struct inbox;

/* Connect (IMAP: TLS, verify the certificate, log in, select) or open the Maildir. */
int inbox_open(const struct config *cfg, struct inbox **out, GString *err);

/*
 * Append up to max items still in the inbox to items (struct inbox_item *,
 * the array owns them: create it with g_ptr_array_new_with_free_func(
 * (GDestroyNotify)inbox_item_free)).  Items larger than max_message_size
 * come with raw == NULL, and with their header block in head when the
 * backend could read it cheaply.  Returns 0 with no items appended when the inbox
 * is empty; -1 on a connection or protocol error (the inbox must then be
 * closed and opened again).  Between two inbox_wait() calls each mail is
 * returned at most once: one left with FOLDER_NONE comes back after the
 * next wait or reconnection, so a drain loop never spins on it.
 */
int inbox_fetch(struct inbox *ib, int max, GPtrArray *items, GString *err);

/* Move every item whose folder is not FOLDER_NONE to that folder (created when missing). */
int inbox_finish(struct inbox *ib, GPtrArray *items, GString *err);

/*
 * Wait up to seconds for new mail: IMAP IDLE where offered, a sleep
 * otherwise.  Returns 1 when new mail may be there (at once when mail was
 * announced during the last fetch), 0 on timeout, -1 on error.  Returns early (0) when *stop becomes true (checked at least
 * once a second).
 */
int inbox_wait(struct inbox *ib, int seconds, volatile int *stop, GString *err);

void inbox_close(struct inbox *ib);

/* Backend entry points, used by inbox.c only. */
struct inbox_ops {
	int (*fetch)(struct inbox *ib, int max, GPtrArray *items, GString *err);
	int (*finish)(struct inbox *ib, GPtrArray *items, GString *err);
	int (*wait)(struct inbox *ib, int seconds, volatile int *stop, GString *err);
	void (*close)(struct inbox *ib);
};

struct inbox {
	const struct inbox_ops *ops;
	const struct config *cfg;   /* borrowed */
	void *priv;                 /* the backend's own state */
};

int imap_inbox_open(const struct config *cfg, struct inbox **out, GString *err);
int maildir_inbox_open(const struct config *cfg, struct inbox **out, GString *err);

#endif
