/*
 * json_out.h - the few json-glib steps `mcbot parse` and `mcbot export`
 * share.
 */
#ifndef MCBOT_JSON_OUT_H
#define MCBOT_JSON_OUT_H

#include <json-glib/json-glib.h>

/* A member holding value, or null when value is NULL. */
void json_out_string(JsonBuilder *b, const char *name, const char *value);

/* A member holding the strings of items (char *) as an array. */
void json_out_strings(JsonBuilder *b, const char *name, GPtrArray *items);

/* The builder's document, indented by 2, ending in a newline (transfer full). */
char *json_out_text(JsonBuilder *b);

#endif
