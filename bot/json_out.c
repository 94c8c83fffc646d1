/*
 * json_out.c - see json_out.h.
 */
#include "json_out.h"

void
json_out_string(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

void
json_out_strings(JsonBuilder *b, const char *name, GPtrArray *items)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < items->len; i++)
		json_builder_add_string_value(b, items->pdata[i]);
	json_builder_end_array(b);
}

char *
json_out_text(JsonBuilder *b)
{
	JsonGenerator *gen = json_generator_new();
	JsonNode *root = json_builder_get_root(b);
	char *text, *out;

	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	text = json_generator_to_data(gen, NULL);
	out = g_strconcat(text, "\n", NULL);
	g_free(text);
	json_node_unref(root);
	g_object_unref(gen);
	return out;
}
