/*
 * classify.h - what kind of mail this is, from its form alone.
 *
 * The kind says which handler reads the mail; whether the sender may do
 * what the mail asks (organizer commands) is decided later, by the handler.
 * Pure: reads the mail and, for threading, the store.
 */
#ifndef MCBOT_CLASSIFY_H
#define MCBOT_CLASSIFY_H

#include "../bot/mail.h"
#include "../bot/store.h"

enum mail_kind {
	KIND_DROP,          /* auto-reply, bounce, list mail, our own: never answered */
	KIND_HELP,
	KIND_COMMAND,
	KIND_RSVP,
	KIND_PROPOSAL,
	KIND_UNKNOWN,       /* none of these: answered with help */
};

const char *kind_name(enum mail_kind k);

/* st may be NULL (then threading is not used).  list_address: ours, to
 * recognise our own mail; may be NULL. */
enum mail_kind classify(const struct mail *m, const struct store *st, const char *list_address);

/*
 * Why a mail must not be answered (RFC 3834), or NULL when it may be:
 * "auto-submitted", "bounce", "precedence", "list", "loop", "report", "no-sender".
 */
const char *classify_drop_reason(const struct mail *m, const char *list_address);

/* The mail's own words: body text without quotes and signature, or the
 * first text attachment when the body is empty (transfer full). */
char *classify_own_text(const struct mail *m);

/* The first word of a command line if it is an organizer command verb, or NULL. */
const char *classify_command_verb(const char *line);

#endif
