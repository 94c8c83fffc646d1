/*
 * proposal.h - shared by proposal.c (deciding) and proposal_reply.c
 * (telling the proposer what was understood).
 */
#ifndef MCBOT_PROPOSAL_H
#define MCBOT_PROPOSAL_H

#include "handler.h"

/* Read a proposal from a mail: body and text attachments (transfer full). */
struct proposal *proposal_read(const struct mail *m);

/* Same MC name, give or take case, punctuation, "MC" and a typo. */
gboolean proposal_titles_similar(const char *a, const char *b);

/* One line per change from old to new ("title", "2 topics added", ...), or
 * "no changes" (transfer full). */
char *proposal_changes(const struct proposal *old, const struct proposal *new_);

/* What is missing from a stored proposal, one "- item" line each, or "" (transfer full). */
char *proposal_missing(const struct mc *mc);

/* Queue the "created" / "updated" reply for mc; changes NULL for a new MC. */
int proposal_reply(struct ctx *c, struct txn *t, const struct mail *m, const struct mc *mc,
		   const char *changes, const char *kind);

/* Queue the reply for a mail that is not a usable proposal. */
int proposal_reply_incomplete(struct ctx *c, struct txn *t, const struct mail *m,
			      const struct proposal *p);

#endif
