/*
 * export_p.h - private to export.c, export_html.c and export_md.c: the
 * page as the renderers see it.  Every string in it is valid UTF-8,
 * scrubbed of addresses (export_scrub) and not yet escaped.
 */
#ifndef MCBOT_EXPORT_P_H
#define MCBOT_EXPORT_P_H

#include <glib.h>

struct export_mc {
	int id;
	char *title;
	char *status;               /* "proposed", "accepted", ... */
	char *description;          /* LF-separated lines, may be "" */
	GPtrArray *topics;          /* char * */
	GPtrArray *leads;           /* char *: names only */
	guint attendees;            /* RSVPs recorded */
};

struct export_page {
	char *heading;              /* "Proposed microconferences" */
	char *conference;           /* "Linux Plumbers Conference 2026", may be "" */
	char *updated;              /* "2026-03-02" (UTC), NULL when there is no MC */
	GPtrArray *mcs;             /* struct export_mc * */
};

/* Renderers (transfer full). */
char *export_html(const struct export_page *pg);
char *export_markdown(const struct export_page *pg);

/*
 * The description cut into blocks at blank lines (char *, transfer full):
 * a block is either prose (its lines joined by single spaces) or a list
 * (it starts with an item: "- ", "* ", "+ ", "1. ", "1) " or a bullet),
 * holding the items without their markers, separated by LF, a line
 * without a marker joined to the item before it; *is_list (one gboolean
 * per block, same index) says which.
 */
GPtrArray *export_blocks(const char *text, GArray **is_list);

/* "Accepted" for "accepted" (transfer full). */
char *export_status_label(const char *status);

#endif
