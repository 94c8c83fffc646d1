/*
 * command.h - what the organizers' commands decided about the call for
 * proposals as a whole, for the other handlers (the rest of the command
 * code is private: command_p.h).
 */
#ifndef MCBOT_COMMAND_H
#define MCBOT_COMMAND_H

#include <glib.h>

#include "../bot/config.h"
#include "../bot/store.h"

/*
 * The deadline for proposals as replies state it, with its zone: the one
 * an organizer set with "deadline", else [cfp] deadline, else NULL
 * (transfer full).
 */
char *command_deadline(const struct store *st, const struct config *cfg);

/* FALSE after an organizer's "cfp close" (until "cfp open"). */
gboolean command_cfp_open(const struct store *st);

/*
 * Read "YYYY-MM-DD HH:MM[:SS] ZONE": ZONE is UTC, GMT, Z, AoE (anywhere on
 * earth, UTC-12), an offset (+02:00, -0500) or a tz database name
 * (Europe/Paris).  *text gets it as written (one clean line), *utc the
 * same instant in UTC ("2026-07-02 11:59 UTC"); both transfer full.
 * -1 with a reason in err.
 */
int command_deadline_parse(const char *in, char **text, char **utc, GString *err);

#endif
