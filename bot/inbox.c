/*
 * inbox.c - the inbox interface: picks the backend (imap.c or maildir.c)
 * and forwards each call to it.
 */
#include "inbox.h"
#include "util.h"

static const char *const inbox_folder_names[FOLDER_COUNT] = {
	[FOLDER_NONE] = "inbox",
	[FOLDER_DONE] = "done",
	[FOLDER_DROPPED] = "dropped",
	[FOLDER_REFUSED] = "refused",
	[FOLDER_FAILED] = "failed",
	[FOLDER_OVERSIZE] = "oversize",
};

const char *
folder_name(enum folder f)
{
	if ((int)f < 0 || f >= FOLDER_COUNT)
		return "failed";
	return inbox_folder_names[f];
}

enum folder
folder_from_name(const char *name)
{
	for (int f = FOLDER_DONE; f < FOLDER_COUNT; f++)
		if (name && g_strcmp0(name, inbox_folder_names[f]) == 0)
			return (enum folder)f;
	return FOLDER_DONE;
}

void
inbox_item_free(struct inbox_item *it)
{
	if (it == NULL)
		return;
	g_free(it->id);
	g_free(it->raw);
	g_free(it->head);
	g_free(it);
}

int
inbox_open(const struct config *cfg, struct inbox **out, GString *err)
{
	*out = NULL;
	switch (cfg->inbox) {
	case INBOX_IMAP:
		return imap_inbox_open(cfg, out, err);
	case INBOX_MAILDIR:
		return maildir_inbox_open(cfg, out, err);
	}
	return fail(err, "unknown inbox kind %d", (int)cfg->inbox);
}

int
inbox_fetch(struct inbox *ib, int max, GPtrArray *items, GString *err)
{
	if (max <= 0)
		return 0;
	return ib->ops->fetch(ib, max, items, err);
}

int
inbox_finish(struct inbox *ib, GPtrArray *items, GString *err)
{
	return ib->ops->finish(ib, items, err);
}

int
inbox_wait(struct inbox *ib, int seconds, volatile int *stop, GString *err)
{
	return ib->ops->wait(ib, seconds, stop, err);
}

void
inbox_close(struct inbox *ib)
{
	if (ib)
		ib->ops->close(ib);
}
