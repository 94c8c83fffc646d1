/*
 * export.h - the public pages of the call for proposals: every MC's title,
 * description, topics, lead names and attendee count, as one HTML page,
 * as Markdown, or as JSON.
 *
 * What is published is chosen here, not by the caller: no address of
 * anybody (proposer, leads, attendees), no RSVP names, no history.  Text
 * that came from mail (titles, descriptions, topics, names) may hold
 * addresses too: every address-like word in it is replaced by
 * EXPORT_HIDDEN before it is rendered, and no '@' is left in the output.
 * Every value is escaped for the format it goes into.
 *
 * The output depends only on the MCs given (no clock): the date shown is
 * the latest update of an exported MC.
 */
#ifndef MCBOT_EXPORT_H
#define MCBOT_EXPORT_H

#include <glib.h>
#include "config.h"

#define EXPORT_HIDDEN "[address hidden]"

enum export_format { EXPORT_HTML, EXPORT_MARKDOWN, EXPORT_JSON };

/* "html", "markdown" (or "md"), "json"; -1 for anything else. */
int export_parse_format(const char *name, enum export_format *out);

/*
 * The page for the MCs of mcs (struct mc *, borrowed) whose status is in
 * statuses (NULL-terminated, borrowed; NULL: proposed and accepted; a
 * list holding "all": every status), in the order of mcs (transfer full).
 */
char *export_render(const struct config *cfg, GPtrArray *mcs, enum export_format fmt,
		    const char *const *statuses);

/* s with every address-like word replaced by EXPORT_HIDDEN and any other
 * '@' by " at "; the result holds no '@' (transfer full). */
char *export_scrub(const char *s);

/* Append s to out escaped for HTML text and attribute values. */
void export_html_escape(GString *out, const char *s);

/* Append s to out escaped for Markdown (CommonMark) inline text: no
 * character in it can start markup, a link, an entity or raw HTML. */
void export_md_escape(GString *out, const char *s);

/* `mcbot export [--format F] [--status S[,S...]] [--output FILE]`; the exit status. */
int export_main(const struct config *cfg, int argc, char **argv);

#endif
