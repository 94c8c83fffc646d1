/*
 * extract_p.h - the pieces extract.c puts together.
 *
 * A text is read in three steps:
 *   1. extract_lines.c cuts it into blocks: paragraphs, bullet lists
 *      (nested, with wrapped lines joined) and Markdown headings;
 *   2. extract_meaning.c says what a heading is about (topics, leads,
 *      attendees, accomplishments ...) from its words, not one spelling;
 *   3. extract_people.c reads names and addresses out of list items and
 *      inline lists; extract_sections.c walks the blocks and fills the
 *      proposal.
 * extract_form.c reads the "Field: value" form instead of steps 1-3.
 *
 * Everything here is pure.  Ownership follows util.h: the caller owns what
 * it passes and what it gets back.
 */
#ifndef MCBOT_EXTRACT_P_H
#define MCBOT_EXTRACT_P_H

#include <glib.h>

#include "extract.h"

/* ---- extract_lines.c ---- */

struct xitem {
	char *text;                 /* the item, wrapped lines joined by one space */
	int depth;                  /* 0 = top level */
};

enum xblock_kind {
	XB_PARA,                    /* prose or a heading line */
	XB_LIST,                    /* consecutive bullet items (blank lines allowed between) */
	XB_HEADING,                 /* "# Heading" or an underlined heading */
};

struct xblock {
	enum xblock_kind kind;
	char *text;                 /* PARA: lines joined by a space; HEADING: the heading */
	GPtrArray *lines;           /* PARA: its lines, trimmed (char *) */
	GPtrArray *items;           /* LIST: struct xitem * */
};

struct xdoc {
	GPtrArray *blocks;          /* struct xblock *, in order */
};

/* Cut text (already without quotes and signature) into blocks. */
struct xdoc *extract_doc_parse(const char *text);
void extract_doc_free(struct xdoc *d);

/* True for a Markdown heading, a paragraph of one or two lines ending
 * with ':', or one short line without final punctuation ("Possible
 * Topics", "Key Stakeholders"). */
gboolean extract_is_heading_like(const struct xblock *b);

/* Collapse runs of white space to one space and trim (new string); bytes
 * that are not UTF-8 become U+FFFD. */
char *extract_squash(const char *s);

/* True for "Hi all,", "Dear LPC Program Committee," ... */
gboolean extract_is_greeting(const char *line);
/* True for "Thanks,", "Best regards," ... (the proposal ends there) */
gboolean extract_is_closing(const char *line);
/* True for "Here is our proposal:", "Please find attached ..." */
gboolean extract_is_cover(const char *line);

/* A GRegex compiled once for the whole process (never freed). */
GRegex *extract_regex(GRegex **slot, const char *pattern, GRegexCompileFlags flags);

/* ---- extract_meaning.c ---- */

enum xsec {
	XSEC_NONE,
	XSEC_TOPICS,
	XSEC_LEADS,                 /* "MC leads", "Contacts" */
	XSEC_AUTHORS,               /* Indico "Primary author(s)" */
	XSEC_IGNORED_PEOPLE,        /* "Co-authors", "Presenters", "Speakers" */
	XSEC_ATTENDEES,
	XSEC_ACCOMPLISHMENTS,
	XSEC_OTHER,                 /* a list that is not topics: features, categories, links */
};

/* What a heading or the sentence leading into a list is about.  Looks at
 * the last sentence first, then earlier ones.  *strong (may be NULL) is
 * set when the deciding words are in the last sentence. */
enum xsec extract_classify(const char *text, gboolean *strong);

/* The attendee label as written: the heading without ':' and a trailing
 * " - comment" (new string). */
char *extract_label(const char *heading);

/* "Heading: rest" with a short heading of the given kinds: returns the
 * kind and sets *rest (new string), else XSEC_NONE. */
enum xsec extract_inline_heading(const char *para, char **heading, char **rest);

/* Prose naming attendees ("the key people we would like ... are A, B and
 * C."): the names part and the label, or FALSE. */
gboolean extract_prose_attendees(const char *para, char **label, char **names);

/* Prose naming the leads ("The MC will be led by A and B."): the names
 * part, or FALSE. */
gboolean extract_prose_leads(const char *para, char **names);

/* Sentences about dates, durations, rooms; appended to out (char *). */
void extract_constraints(const char *text, GPtrArray *out);

/* True when a paragraph reports results of earlier editions. */
gboolean extract_is_accomplishment_prose(const char *para);

/* ---- extract_people.c ---- */

/* One person from "Name <addr>", "Name (Affiliation)", "LAST, First",
 * "Mr Name", ...  NULL when what is left does not look like a name.
 * indico: a comma means "LAST, First" even when LAST is not in capitals. */
struct person *extract_person_parse(const char *raw, gboolean indico);

/* The people of an inline list: "A, B (X) and C", "LAST, First; LAST2,
 * First2", one per line ...  Appends struct person * to out; returns how
 * many of the parts were not names. */
int extract_people_split(const char *text, gboolean indico, GPtrArray *out);

/* The people of a paragraph's lines (a comma list wrapped over lines, or
 * one person per line).  Returns the number of parts that were not names. */
int extract_people_lines(GPtrArray *lines, gboolean indico, GPtrArray *out);

/* As extract_person_parse, but when that finds no name, whatever is
 * written (without address and parentheses) is the name: for the form,
 * which is read as written.  NULL only when nothing is left. */
struct person *extract_person_loose(const char *raw);

/* True when s looks like a person's name (two to six words, capitals). */
gboolean extract_is_name(const char *s);

/* Append p to arr unless a person with the same name is there (takes p). */
void extract_people_add(GPtrArray *arr, struct person *p);

/* ---- extract_sections.c ---- */

/* Fill p (from free text) from the blocks of d; blocks before body_start
 * (greeting, cover note, title line) are not part of the description. */
void extract_sections_read(const struct xdoc *d, int body_start, struct proposal *p);

/* ---- extract_form.c ---- */

/* The first line of text that starts a field, when the form starts
 * there (borrowed pointer into text), else NULL. */
const char *extract_form_find(const char *text);

/* Fill p from the Field: value form. */
void extract_form_read(const char *body, struct proposal *p);

#endif
