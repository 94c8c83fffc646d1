/*
 * compose.c - outgoing mail built with GMime's setters.
 *
 * Every value is cleaned to a single line before GMime sees it, and GMime
 * does the encoding and folding, so nothing a sender wrote can start a new
 * header.  The body is set as UTF-8 quoted-printable explicitly: left to
 * itself GMime would pick iso-8859-1 and 8bit.  GMime writes LF; the
 * unix2dos filter turns the whole message into CRLF for SMTP.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "compose.h"
#include "util.h"

#define COMPOSE_MAX_REFS 20
#define COMPOSE_MAX_MSGID 250
#define COMPOSE_MAX_NAME 200
#define COMPOSE_MAX_SUBJECT 900

/* A message id (without <>) that may go into In-Reply-To / References:
 * printable ASCII, no space, no <>, one '@' or none, bounded. */
static gboolean compose_msgid_ok(const char *id)
{
	size_t n = 0;

	if (!id || !*id)
		return FALSE;
	for (const char *p = id; *p; p++, n++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"' ||
		    *p == '(' || *p == ')' || *p == ',' || *p == '\\')
			return FALSE;
	}
	return n <= COMPOSE_MAX_MSGID;
}

/* A domain for Message-IDs: letters, digits, '.', '-'; anything else dropped. */
static char *compose_clean_domain(const char *domain)
{
	GString *d = g_string_new(NULL);

	for (const char *p = domain ? domain : ""; *p && d->len < 200; p++) {
		if (g_ascii_isalnum(*p) || *p == '.' || *p == '-')
			g_string_append_c(d, g_ascii_tolower(*p));
	}
	if (d->len == 0)
		g_string_assign(d, "mcbot.invalid");
	return g_string_free(d, FALSE);
}

char *compose_message_id(const char *seed, const char *domain)
{
	char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, seed ? seed : "", -1);
	char *dom = compose_clean_domain(domain);
	char *id = g_strdup_printf("mcbot.%.32s@%s", hex, dom);

	g_free(hex);
	g_free(dom);
	return id;
}

/*
 * A header value: one clean line, or NULL when nothing is left.  GMime
 * writes text that looks like an RFC 2047 encoded word as it is, and a
 * reader would decode it (to CR/LF, say): "=?" is broken up so that the
 * text reads back as written.
 */
static char *compose_line(const char *s, size_t max)
{
	char *v, **parts, *out;

	if (!s)
		return NULL;
	v = util_clean_line(s, max);
	parts = g_strsplit(v, "=?", -1);
	out = g_strjoinv("= ?", parts);
	g_strfreev(parts);
	g_free(v);
	if (!*out) {
		g_free(out);
		return NULL;
	}
	return out;
}

static void compose_add_mailbox(InternetAddressList *list, const char *name, const char *addr)
{
	char *clean = compose_line(name, COMPOSE_MAX_NAME);
	InternetAddress *ia = internet_address_mailbox_new(clean ? clean : "", addr);

	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(list, ia);
	g_object_unref(ia);
	g_free(clean);
}

/* "<a> <b> ... <id>": the incoming References plus its Message-ID, the last
 * COMPOSE_MAX_REFS kept (the first one, the thread root, is kept too). */
static char *compose_references(const struct compose *c)
{
	GPtrArray *ids = g_ptr_array_new();
	GString *out;
	guint start;

	if (c->references) {
		for (guint i = 0; i < c->references->len; i++) {
			const char *id = g_ptr_array_index(c->references, i);
			if (compose_msgid_ok(id))
				g_ptr_array_add(ids, (gpointer) id);
		}
	}
	if (compose_msgid_ok(c->in_reply_to))
		g_ptr_array_add(ids, (gpointer) c->in_reply_to);
	if (ids->len == 0) {
		g_ptr_array_free(ids, TRUE);
		return NULL;
	}
	out = g_string_new(NULL);
	start = ids->len > COMPOSE_MAX_REFS ? ids->len - (COMPOSE_MAX_REFS - 1) : 0;
	if (start > 0)
		g_string_append_printf(out, "<%s>", (const char *) ids->pdata[0]);
	for (guint i = start; i < ids->len; i++)
		g_string_append_printf(out, "%s<%s>", out->len ? " " : "",
				       (const char *) ids->pdata[i]);
	g_ptr_array_free(ids, TRUE);
	return g_string_free(out, FALSE);
}

/* UTF-8 text with LF line ends only (CRLF and lone CR become LF). */
static char *compose_body_text(const char *body)
{
	char *valid = g_utf8_make_valid(body ? body : "", -1);
	GString *b = g_string_sized_new(strlen(valid) + 1);

	for (const char *p = valid; *p; p++) {
		if (*p == '\r') {
			if (p[1] == '\n')
				p++;
			g_string_append_c(b, '\n');
		} else {
			g_string_append_c(b, *p);
		}
	}
	if (b->len == 0 || b->str[b->len - 1] != '\n')
		g_string_append_c(b, '\n');
	g_free(valid);
	return g_string_free(b, FALSE);
}

static GMimeObject *compose_body(const char *body)
{
	GMimePart *part = g_mime_part_new_with_type("text", "plain");
	char *text = compose_body_text(body);
	GMimeStream *mem = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content(part, dw);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_object_unref(dw);
	g_object_unref(mem);
	g_free(text);
	return GMIME_OBJECT(part);
}

/* Write msg with CRLF line ends. */
static GBytes *compose_write(GMimeMessage *msg)
{
	GByteArray *buf = g_byte_array_new();
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(buf);
	GMimeStream *filtered = g_mime_stream_filter_new(mem);
	GMimeFilter *crlf = g_mime_filter_unix2dos_new(TRUE);
	GMimeFormatOptions *opts = g_mime_format_options_new();

	/* The stream owns buf; keep it after the stream goes. */
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_UNIX);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), crlf);
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), opts, filtered);
	g_mime_stream_flush(filtered);
	g_object_unref(crlf);
	g_object_unref(filtered);
	g_object_unref(mem);
	g_mime_format_options_free(opts);
	return g_byte_array_free_to_bytes(buf);
}

static void compose_set(GMimeMessage *msg, const char *name, const char *value)
{
	g_mime_object_set_header(GMIME_OBJECT(msg), name, value, "utf-8");
}

static const char *compose_auto_submitted(const char *v)
{
	if (v && (!strcmp(v, "auto-replied") || !strcmp(v, "auto-generated") ||
		  !strcmp(v, "auto-notified")))
		return v;
	return "auto-generated";
}

GBytes *compose_build(const struct compose *c)
{
	GMimeMessage *msg;
	GMimeObject *body;
	GDateTime *date;
	char *subject, *refs, *id, *list_domain;
	GBytes *out;

	if (!util_addr_ok(c->from_addr) || !util_addr_ok(c->to_addr))
		return NULL;

	msg = g_mime_message_new(TRUE);
	compose_add_mailbox(g_mime_message_get_from(msg), c->from_name, c->from_addr);
	compose_add_mailbox(g_mime_message_get_to(msg), c->to_name, c->to_addr);

	subject = compose_line(c->subject, COMPOSE_MAX_SUBJECT);
	g_mime_message_set_subject(msg, subject ? subject : "", "utf-8");
	g_free(subject);

	date = g_date_time_new_from_unix_utc(c->date);
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);

	list_domain = g_strdup(strchr(c->from_addr, '@') + 1);
	id = compose_message_id(c->msgid_seed ? c->msgid_seed : "",
				c->msgid_domain ? c->msgid_domain : list_domain);
	g_mime_message_set_message_id(msg, id);
	g_free(id);
	g_free(list_domain);

	if (compose_msgid_ok(c->in_reply_to)) {
		char *irt = g_strdup_printf("<%s>", c->in_reply_to);
		compose_set(msg, "In-Reply-To", irt);
		g_free(irt);
	}
	refs = compose_references(c);
	if (refs)
		compose_set(msg, "References", refs);
	g_free(refs);

	compose_set(msg, "MIME-Version", "1.0");
	compose_set(msg, "Auto-Submitted", compose_auto_submitted(c->auto_submitted));
	if (c->bulk)
		compose_set(msg, "Precedence", "bulk");
	if (util_addr_ok(c->x_loop))
		compose_set(msg, "X-Loop", c->x_loop);

	body = compose_body(c->body);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);

	out = compose_write(msg);
	g_object_unref(msg);
	return out;
}
