/*
 * bounce.c - delivery reports: find the message/delivery-status part,
 * read its recipient blocks, count the hard bounces.
 *
 * The report is parsed again here (struct mail keeps text parts only); it
 * is the same bytes mail_parse() already took, with the same limits on
 * parts and depth, and no call that PITFALLS warns about.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "../bot/limits_reply.h"
#include "../bot/log.h"
#include "../bot/util.h"
#include "bounce.h"
#include "classify.h"

#define BOUNCE_MAX_TEXT (64 * 1024)
#define BOUNCE_MAX_RCPTS 100
#define BOUNCE_MAX_DETAIL 300

void
bounce_rcpt_free(struct bounce_rcpt *r)
{
	if (r == NULL)
		return;
	g_free(r->addr);
	g_free(r->action);
	g_free(r->status);
	g_free(r);
}

/* "rfc822; addr" (or utf-8;): the address, or NULL when it is not a plain one. */
static char *
bounce_address(const char *value)
{
	const char *semi = value ? strchr(value, ';') : NULL;
	char *type, *addr;

	if (semi == NULL)
		return NULL;
	type = g_strstrip(g_strndup(value, (gsize)(semi - value)));
	addr = g_strstrip(g_strdup(semi + 1));
	if (addr[0] == '<' && addr[strlen(addr) - 1] == '>') {
		char *inner = g_strndup(addr + 1, strlen(addr) - 2);

		g_free(addr);
		addr = inner;
	}
	if ((g_ascii_strcasecmp(type, "rfc822") != 0 && g_ascii_strcasecmp(type, "utf-8") != 0) ||
	    !util_addr_ok(addr))
		g_clear_pointer(&addr, g_free);
	else {
		char *at = strrchr(addr, '@');

		for (char *p = at; *p; p++)
			*p = g_ascii_tolower(*p);
	}
	g_free(type);
	return addr;
}

/* "5.1.1 (comment)": the status code, or "". */
static char *
bounce_status(const char *value)
{
	char *s = g_strstrip(g_strdup(value ? value : "")), *end;
	gsize n = strspn(s, "0123456789.");

	s[n] = '\0';
	/* class.subject.detail: one digit, then two numbers of at most three
	 * digits (RFC 3463) */
	if (n < 5 || n > 9 || !strchr("245", s[0]) || s[1] != '.' || (end = strchr(s + 2, '.')) == NULL ||
	    end == s + 2 || end[1] == '\0' || strchr(end + 1, '.') != NULL)
		s[0] = '\0';
	return s;
}

/* One recipient block: its fields by lowercased name (unfolded values). */
static void
bounce_block(GHashTable *fields, GPtrArray *out)
{
	char *fin = bounce_address(g_hash_table_lookup(fields, "final-recipient"));
	char *orig = bounce_address(g_hash_table_lookup(fields, "original-recipient"));
	const char *action = g_hash_table_lookup(fields, "action");
	struct bounce_rcpt *r;

	if ((fin == NULL && orig == NULL) || out->len >= BOUNCE_MAX_RCPTS) {
		g_free(fin);
		g_free(orig);
		return;
	}
	r = g_new0(struct bounce_rcpt, 1);
	r->addr = orig ? orig : fin;
	if (orig)
		g_free(fin);
	/* The action word, without a comment: "failed (permanent)" is "failed". */
	action = action ? action : "";
	action += strspn(action, " \t");
	r->action = g_ascii_strdown(action, (gssize)strspn(action, "abcdefghijklmnopqrstuvwxyz"
							     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-"));
	r->status = bounce_status(g_hash_table_lookup(fields, "status"));
	g_ptr_array_add(out, r);
}

void
bounce_parse_status(const char *text, gsize len, GPtrArray *out)
{
	char *copy, **lines, *last = NULL;
	GHashTable *fields;

	if (text == NULL || len == 0)
		return;         /* an empty part: GMime gives no buffer */
	copy = g_strndup(text, MIN(len, BOUNCE_MAX_TEXT));
	fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_strdelimit(copy, "\r", ' ');
	lines = g_strsplit(copy, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		char *l = lines[i], *colon;

		if (l[strspn(l, " \t")] == '\0') {
			/* A blank line ends a block. */
			bounce_block(fields, out);
			g_hash_table_remove_all(fields);
			last = NULL;
			continue;
		}
		if ((l[0] == ' ' || l[0] == '\t') && last) {
			char *v = g_hash_table_lookup(fields, last);
			char *joined = g_strconcat(v, *v ? " " : "", g_strstrip(l), NULL);

			/* insert, not replace: the table keeps the key last points to */
			g_hash_table_insert(fields, g_strdup(last), joined);
			continue;
		}
		colon = strchr(l, ':');
		if (colon == NULL || colon == l) {
			last = NULL;
			continue;
		}
		*colon = '\0';
		last = g_ascii_strdown(g_strstrip(l), -1);
		/* The first of a repeated field counts. */
		if (g_hash_table_contains(fields, last)) {
			g_free(last);
			last = NULL;
			continue;
		}
		g_hash_table_replace(fields, last, g_strstrip(g_strdup(colon + 1)));
	}
	bounce_block(fields, out);
	g_hash_table_unref(fields);
	g_strfreev(lines);
	g_free(copy);
}

gboolean
bounce_is_hard(const struct bounce_rcpt *r)
{
	return strcmp(r->action, "failed") == 0 && r->status[0] == '5';
}

struct bounce_walk {
	int parts, max_parts, max_depth, found;
	GPtrArray *out;
};

static gboolean
bounce_is_status_part(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct && (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
		      g_mime_content_type_is_type(ct, "message", "global-delivery-status"));
}

static void
bounce_read_part(struct bounce_walk *w, GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *bytes;

	if (content == NULL)
		return;
	mem = g_mime_stream_mem_new();
	/* Decodes the transfer encoding (a report is 7bit text, but may be base64). */
	if (g_mime_data_wrapper_write_to_stream(content, mem) >= 0) {
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		bounce_parse_status((const char *)bytes->data, bytes->len, w->out);
		w->found++;
	}
	g_object_unref(mem);
}

static void
bounce_walk(struct bounce_walk *w, GMimeObject *obj, int depth)
{
	if (obj == NULL || ++w->parts > w->max_parts || depth > w->max_depth)
		return;
	if (GMIME_IS_PART(obj)) {
		if (bounce_is_status_part(obj))
			bounce_read_part(w, GMIME_PART(obj));
		return;
	}
	/* Only multiparts are entered: a returned message/rfc822 is not ours to read. */
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			bounce_walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
	}
}

int
bounce_read_report(const char *raw, gsize len, int max_parts, int max_depth, GPtrArray *out)
{
	struct bounce_walk w = { 0, max_parts > 0 ? max_parts : 100,
				 max_depth > 0 ? max_depth : 10, 0, out };
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;

	g_mime_init();          /* once; mail_init() normally did it */
	stream = g_mime_stream_mem_new_with_buffer(raw, len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	if (msg) {
		bounce_walk(&w, g_mime_message_get_mime_part(msg), 0);
		g_object_unref(msg);
	}
	g_object_unref(parser);
	g_object_unref(stream);
	return w.found;
}

static gboolean
bounce_match(const struct mail *m, const struct ctx *c)
{
	return c->kind == KIND_DROP && m->is_report && m->raw != NULL;
}

static int
bounce_handle(const struct mail *m, struct ctx *c, struct txn *t, struct result *res)
{
	GPtrArray *rcpts = g_ptr_array_new_with_free_func((GDestroyNotify)bounce_rcpt_free);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	GString *detail = g_string_new("hard bounce:");
	int hard = 0;

	bounce_read_report(m->raw, m->raw_len, c->cfg->max_mime_parts, c->cfg->max_mime_depth,
			   rcpts);
	for (guint i = 0; i < rcpts->len; i++) {
		struct bounce_rcpt *r = rcpts->pdata[i];

		/* One report counts once per address. */
		if (!bounce_is_hard(r) || !g_hash_table_add(seen, r->addr))
			continue;
		limits_reply_bounce(t, c->now, r->addr, r->status);
		hard++;
		log_notice("%s: hard bounce of %s (status %s)", m->key, r->addr, r->status);
		if (detail->len < BOUNCE_MAX_DETAIL)
			g_string_append_printf(detail, " %s %s", r->addr, r->status);
	}
	res->folder = FOLDER_DROPPED;
	if (hard > 0) {
		res->outcome = "bounce";
		res->detail = g_string_free(detail, FALSE);
		detail = NULL;
	} else {
		res->outcome = "dropped";
		res->detail = g_strdup(classify_drop_reason(m, c->cfg->list_address));
	}
	limits_reply_count(t, c->store, LIMITS_DROPPED_FILE, c->now,
			   hard > 0 ? "hard-bounce" : res->detail ? res->detail : "report");
	if (detail)
		g_string_free(detail, TRUE);
	g_hash_table_unref(seen);
	g_ptr_array_unref(rcpts);
	return 0;
}

const struct handler handler_bounce = { "bounce", bounce_match, bounce_handle };
