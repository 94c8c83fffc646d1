/*
 * template_p.h - private to template.c (loading, checking) and
 * template_render.c (rendering).
 */
#ifndef MCBOT_TEMPLATE_P_H
#define MCBOT_TEMPLATE_P_H

#include <glib.h>

#include "template.h"

#define TEMPLATE_MAX_FILE (64 * 1024)       /* a template file */
#define TEMPLATE_MAX_FORM (16 * 1024)       /* form.in */
#define TEMPLATE_MAX_SUBJECT 200            /* rendered Subject, bytes */
#define TEMPLATE_MAX_BODY (256 * 1024)      /* rendered body, bytes, final LF included */
#define TEMPLATE_MAX_DEPTH 8                /* nested sections */

/* Kinds of "{{...}}" tags. */
enum tpl_tag { TAG_VAR, TAG_IF, TAG_UNLESS, TAG_END };

/* One template, checked at load time. */
struct tpl {
	char *name;             /* "proposal-created" */
	char *subject;          /* the text after "Subject:", placeholders unexpanded */
	char **body;            /* body lines without their LF, NULL-terminated */
	/* Per body line, what template_section() says of it, worked out once
	 * at load time so that a render does not parse the lines again:
	 * the kind, and the section's name (NULL for TAG_VAR lines). */
	enum tpl_tag *tags;
	char **names;
	/* Every body line is already as util_clean_text() leaves it: then a
	 * body made of those lines and of cleaned values needs no cleaning. */
	gboolean body_clean;
};

struct templates {
	char *dir;
	GHashTable *by_name;    /* name -> struct tpl * (owned) */
	char *form;             /* contents of form.in, LF-terminated */
};

/*
 * If line is exactly one section tag ("{{#x}}", "{{^x}}", "{{/x}}") with
 * optional white space around it, return its kind and put the name in
 * *name (transfer full); else return TAG_VAR.
 */
enum tpl_tag template_section(const char *line, char **name);

#endif
