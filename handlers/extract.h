/*
 * extract.h - what a proposal says, read from free text or from the
 * "Field: value" form that `help` returns.
 *
 * Pure: no I/O, no global state.  Input is clean UTF-8 with LF line ends
 * (struct mail guarantees it).  Quoted lines ("> ") and a signature after
 * "-- " are left out before reading.
 */
#ifndef MCBOT_EXTRACT_H
#define MCBOT_EXTRACT_H

#include <glib.h>

struct person {
	char *name;                 /* "Daniel Bristot de Oliveira", never NULL */
	char *email;                /* NULL when the text gives none */
};

struct person *person_new(const char *name, const char *email);
void person_free(struct person *p);

struct proposal {
	char *title;                /* NULL when none could be found */
	char *description;          /* prose, may be "" */
	GPtrArray *topics;          /* char *, in order, nested lists flattened */
	GPtrArray *leads;           /* struct person *, in order */
	GPtrArray *attendees;       /* char * names */
	char *attendees_label;      /* heading as written ("Key attendees"), or NULL */
	char *accomplishments;      /* text, or NULL */
	GPtrArray *constraints;     /* char *, sentences about dates, durations, rooms */
	gboolean from_form;         /* read from the Field: value form */
};

struct proposal *proposal_new(void);
void proposal_free(struct proposal *p);

/*
 * Read a proposal.  subject: the decoded Subject (list tags and Re: are
 * stripped here); body: the main text; attachments: texts of text
 * attachments (char *, may be NULL or empty) - when the body is only a
 * cover note, the proposal is read from the attachment.  Always returns a
 * proposal (fields may be empty).
 */
struct proposal *extract_proposal(const char *subject, const char *body,
				  GPtrArray *attachments);

/* The Subject without list tags ("[MC PROPOSAL]", "[LPC]"), "Re:", "Fwd:",
 * "Proposal:" prefixes and surrounding space. */
char *extract_subject_title(const char *subject);

/* The text without quoted lines, the signature and trailing blank lines. */
char *extract_strip_quotes(const char *text);

/* True when body is the structured form (starts with Title:/Leads:/... fields). */
gboolean extract_is_form(const char *body);

#endif
