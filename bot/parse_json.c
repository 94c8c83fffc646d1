/*
 * parse_json.c - the JSON view of one mail for `mcbot parse`.
 */
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "../handlers/classify.h"
#include "../handlers/proposal.h"
#include "../handlers/rsvp.h"
#include "mail.h"
#include "json_out.h"
#include "parse_json.h"
#include "util.h"

static void
add_proposal(JsonBuilder *b, const struct mail *m)
{
	struct proposal *p = proposal_read(m);

	json_out_string(b, "title", p->title);
	json_out_string(b, "description", p->description);
	json_builder_set_member_name(b, "leads");
	json_builder_begin_array(b);
	for (guint i = 0; i < p->leads->len; i++) {
		const struct person *l = p->leads->pdata[i];

		json_builder_begin_object(b);
		json_out_string(b, "name", l->name);
		json_out_string(b, "email", l->email);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_out_strings(b, "topics", p->topics);
	json_out_strings(b, "attendees", p->attendees);
	json_out_string(b, "attendees_label", p->attendees_label);
	json_out_string(b, "accomplishments", p->accomplishments);
	json_out_strings(b, "constraints", p->constraints);
	json_builder_set_member_name(b, "form");
	json_builder_add_boolean_value(b, p->from_form);
	proposal_free(p);
}

/* RSVP: the MC as written, as resolved (with a store), and yes or no. */
static void
add_rsvp(JsonBuilder *b, const struct config *cfg, const struct store *st,
	 const struct mail *m)
{
	struct rsvp_req *r = rsvp_read(m, cfg->list_address, cfg->tag);
	struct rsvp_resolution rr = { RSVP_UNKNOWN, NULL, NULL, NULL, 0 };
	static const char *const found[] = { "found", "closed", "ambiguous", "unknown" };

	if (st)
		rsvp_resolve(r, m, st, r->attending ? rsvp_states(cfg) : NULL, &rr);
	json_out_string(b, "rsvp_for", rr.name ? rr.name : rsvp_req_written(r));
	json_builder_set_member_name(b, "rsvp_names");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->names->len; i++)
		json_builder_add_string_value(b, ((struct rsvp_name *)r->names->pdata[i])->text);
	json_builder_end_array(b);
	json_out_string(b, "rsvp_mc", rr.mc ? rr.mc->title : NULL);
	json_out_string(b, "rsvp_mc_slug", rr.mc ? rr.mc->slug : NULL);
	json_builder_set_member_name(b, "rsvp_mc_id");
	if (rr.mc)
		json_builder_add_int_value(b, rr.mc->id);
	else
		json_builder_add_null_value(b);
	json_out_string(b, "rsvp_match", st ? found[rr.found] : NULL);
	json_builder_set_member_name(b, "attending");
	json_builder_add_boolean_value(b, r->attending);
	rsvp_resolution_clear(&rr);
	rsvp_req_free(r);
}

static void
add_mail(JsonBuilder *b, const struct config *cfg, const struct store *st, const struct mail *m)
{
	enum mail_kind k = classify(m, st, cfg->list_address);

	json_builder_begin_object(b);
	json_out_string(b, "kind", kind_name(k));
	if (k == KIND_DROP)
		json_out_string(b, "drop_reason", classify_drop_reason(m, cfg->list_address));
	json_out_string(b, "message_id", m->message_id);
	json_out_string(b, "subject", m->subject);
	json_builder_set_member_name(b, "sender");
	json_builder_begin_object(b);
	json_out_string(b, "name", m->from_name);
	json_out_string(b, "email", m->from_addr);
	json_builder_end_object(b);
	json_out_string(b, "in_reply_to", m->in_reply_to);
	if (k == KIND_PROPOSAL)
		add_proposal(b, m);
	if (k == KIND_RSVP)
		add_rsvp(b, cfg, st, m);
	json_builder_end_object(b);
}

int
parse_json_print(const struct config *cfg, const struct store *st, const char *path,
		 GString *err)
{
	struct mail_limits lim = { cfg->max_text_size, cfg->max_mime_parts, cfg->max_mime_depth,
				   cfg->max_headers };
	struct mail *m = NULL;
	char *raw = NULL, *out;
	gsize len;
	JsonBuilder *b;

	if (util_read_file(path, cfg->max_message_size, &raw, &len, err) < 0)
		return -1;
	mail_init();
	if (mail_parse(raw, len, &lim, &m, err) < 0) {
		g_free(raw);
		return -1;
	}
	b = json_builder_new();
	add_mail(b, cfg, st, m);
	out = json_out_text(b);
	fputs(out, stdout);
	g_free(out);
	g_object_unref(b);
	mail_free(m);
	g_free(raw);
	return 0;
}
