/*
 * template.h - text templates with named placeholders.
 *
 * A template is templates/<name>.txt: a "Subject: ..." line, an empty line,
 * then the body.  Placeholders are {{name}}; names come from one known set
 * (template.c) and an unknown name is an error at load time with
 * file:line.  Values are plain text; in the Subject they are cleaned of
 * CR/LF.  A missing value renders as "".  Output is bounded.
 */
#ifndef MCBOT_TEMPLATE_H
#define MCBOT_TEMPLATE_H

#include <glib.h>

struct templates;

/* The templates every run needs; all must be present. */
extern const char *const template_required[];

/* Load and check every *.txt in dir.  Errors appended as "file:line: msg\n". */
int templates_load(const char *dir, struct templates **out, GString *errs);

/*
 * Render template name with vars (char * -> char *, borrowed).  *subject
 * is one clean line, *body LF-terminated text.
 */
int template_render(const struct templates *t, const char *name, GHashTable *vars,
		    char **subject, char **body, GString *err);

gboolean template_exists(const struct templates *t, const char *name);

/*
 * The blank proposal form (the file form.in next to the templates, which
 * templates_load requires), LF-terminated, for the {{form}} value
 * (transfer full).
 */
char *templates_form(const struct templates *t);

void templates_free(struct templates *t);

#endif
