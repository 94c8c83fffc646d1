/*
 * mail.c - raw mail bytes to struct mail: the entry point and the header
 * fields.  Body text is mail_text.c's job.
 *
 * Header values are read raw and decoded here (mail_rfc2047.c), not with
 * GMime's decoded getters, which lose text in runs of encoded words.  Every
 * value is cleaned once with util_clean_line.
 *
 * The raw bytes are parsed in place: they are wrapped, not copied, in a
 * GByteArray that GMime only reads, and every GMime object is gone before
 * mail_parse returns.
 */
#include <string.h>
#include "mail_p.h"
#include "util.h"

#define MAIL_ID_MAX 250

static const struct mail_limits mail_default_limits = {
	.max_text = 1024 * 1024,
	.max_parts = 100,
	.max_depth = 10,
	.max_headers = 1000,
};

static GMimeParserOptions *mail_base_opts;

void mail_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		const char *fallback[] = { "utf-8", "windows-1252", NULL };

		g_mime_init();
		mail_base_opts = g_mime_parser_options_new();
		g_mime_parser_options_set_fallback_charsets(mail_base_opts, fallback);
		g_once_init_leave(&done, 1);
	}
}

static void mail_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct mail_parse_ctx *pc = data;

	switch (code) {
	case GMIME_CRIT_INVALID_HEADER_NAME:
	case GMIME_CRIT_CONFLICTING_HEADER:
	case GMIME_CRIT_CONFLICTING_PARAMETER:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_CRIT_NESTING_OVERFLOW:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		pc->suspicious = TRUE;
		break;
	default:
		break;
	}
}

/* A mail starts with a header field: a name of printable ASCII, then ':'. */
static gboolean mail_has_header_block(const char *raw, gsize len)
{
	gsize i = 0;

	while (i < len && raw[i] > ' ' && raw[i] < 127 && raw[i] != ':')
		i++;
	if (i == 0)
		return FALSE;
	while (i < len && (raw[i] == ' ' || raw[i] == '\t'))
		i++;
	return i < len && raw[i] == ':';
}

/* A message id worth keeping: printable ASCII without space or <>. */
static char *mail_msgid_ok(char *id)
{
	gsize n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n > MAIL_ID_MAX)
		goto bad;
	for (gsize i = 0; i < n; i++)
		if ((guchar)id[i] <= ' ' || (guchar)id[i] >= 127 || id[i] == '<' || id[i] == '>')
			goto bad;
	return id;
bad:
	g_free(id);
	return NULL;
}

static void mail_refs(struct mail_parse_ctx *pc, const char *raw, GPtrArray *out,
		      gboolean first_only)
{
	GMimeReferences *refs = g_mime_references_parse(pc->opts, raw);
	int n;

	if (refs == NULL)
		return;
	n = g_mime_references_length(refs);
	for (int i = 0; i < n; i++) {
		char *id = mail_msgid_ok(g_strdup(g_mime_references_get_message_id(refs, i)));

		if (id == NULL)
			continue;
		g_ptr_array_add(out, id);
		if (first_only)
			break;
	}
	g_mime_references_free(refs);
}

/* "<addr>", "addr" or "<>" (gives "") from Return-Path / Delivered-To. */
static char *mail_path(const char *raw)
{
	char *c = util_clean_line(raw, MAIL_LINE_MAX), *r, *lt, *gt;

	lt = strchr(c, '<');
	gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL)
		r = g_strndup(lt + 1, (gsize)(gt - lt - 1));
	else
		r = g_strdup(c);
	g_strstrip(r);
	mail_addr_lower_domain(r);
	g_free(c);
	return r;
}

static char *mail_line(const char *raw)
{
	return util_clean_line(raw, MAIL_LINE_MAX);
}

static char *mail_decoded_line(const char *raw)
{
	char *d = mail_rfc2047_decode(raw), *c = util_clean_line(d, MAIL_LINE_MAX);

	g_free(d);
	return c;
}

static void mail_from(struct mail_parse_ctx *pc, GPtrArray *raws, struct mail *m)
{
	GPtrArray *addrs = g_ptr_array_new_with_free_func(g_free);
	char *addr = NULL, *name = NULL;

	m->from_fields = (int)raws->len;
	for (guint i = 0; i < raws->len; i++)
		m->from_mailboxes += mail_addr_list(pc, raws->pdata[i], addrs);
	if (m->from_fields == 1 && m->from_mailboxes == 1 && addrs->len == 1 &&
	    mail_addr_strict(raws->pdata[0], &addr, &name) &&
	    g_ascii_strcasecmp(addr, addrs->pdata[0]) == 0 && util_addr_ok(addr)) {
		m->from_addr = addr;
		m->from_name = util_clean_line(name, MAIL_LINE_MAX);
		addr = NULL;
	}
	if (m->from_name == NULL)
		m->from_name = g_strdup("");
	g_free(addr);
	g_free(name);
	g_ptr_array_unref(addrs);
}

/* Keep the first value of a single-valued field. */
static void mail_first(const char **slot, const char *raw)
{
	if (*slot == NULL)
		*slot = raw;
}

struct mail_raw_fields {
	const char *subject, *date, *message_id, *in_reply_to, *references;
	const char *delivered_to, *return_path, *auto_submitted, *precedence, *x_loop;
};

static void mail_header(struct mail_parse_ctx *pc, struct mail *m, struct mail_raw_fields *f,
			GPtrArray *from, const char *name, const char *raw)
{
	if (g_ascii_strcasecmp(name, "From") == 0)
		g_ptr_array_add(from, (gpointer)raw);
	else if (g_ascii_strcasecmp(name, "To") == 0 || g_ascii_strcasecmp(name, "Cc") == 0)
		mail_addr_list(pc, raw, m->to);
	else if (g_ascii_strcasecmp(name, "Subject") == 0)
		mail_first(&f->subject, raw);
	else if (g_ascii_strcasecmp(name, "Date") == 0)
		mail_first(&f->date, raw);
	else if (g_ascii_strcasecmp(name, "Message-ID") == 0)
		mail_first(&f->message_id, raw);
	else if (g_ascii_strcasecmp(name, "In-Reply-To") == 0)
		mail_first(&f->in_reply_to, raw);
	else if (g_ascii_strcasecmp(name, "References") == 0)
		mail_first(&f->references, raw);
	else if (g_ascii_strcasecmp(name, "Delivered-To") == 0)
		mail_first(&f->delivered_to, raw);
	else if (g_ascii_strcasecmp(name, "Return-Path") == 0)
		mail_first(&f->return_path, raw);
	else if (g_ascii_strcasecmp(name, "Auto-Submitted") == 0)
		mail_first(&f->auto_submitted, raw);
	else if (g_ascii_strcasecmp(name, "Precedence") == 0)
		mail_first(&f->precedence, raw);
	else if (g_ascii_strcasecmp(name, "X-Loop") == 0)
		mail_first(&f->x_loop, raw);
	else if (g_ascii_strcasecmp(name, "Authentication-Results") == 0)
		g_ptr_array_add(m->auth_results, mail_line(raw));
	else if (g_ascii_strncasecmp(name, "List-", 5) == 0)
		m->has_list_headers = TRUE;
}

static int mail_headers(struct mail_parse_ctx *pc, GMimeMessage *msg, struct mail *m, GString *err)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	int n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	struct mail_raw_fields f = { NULL };
	GPtrArray *from;
	GDateTime *dt;

	if (n <= 0)
		return fail(err, "not a mail: no header fields");
	if (n > pc->lim->max_headers)
		return fail(err, "too many header fields (%d, at most %d)", n, pc->lim->max_headers);
	from = g_ptr_array_new();
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h), *raw = g_mime_header_get_raw_value(h);

		if (name != NULL && raw != NULL)
			mail_header(pc, m, &f, from, name, raw);
	}
	mail_from(pc, from, m);
	g_ptr_array_unref(from);

	m->subject = f.subject != NULL ? mail_decoded_line(f.subject) : g_strdup("");
	if (f.date != NULL && (dt = g_mime_utils_header_decode_date(f.date)) != NULL) {
		m->date = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
	}
	if (f.message_id != NULL)
		m->message_id = mail_msgid_ok(g_mime_utils_decode_message_id(f.message_id));
	if (f.in_reply_to != NULL) {
		GPtrArray *one = g_ptr_array_new();

		mail_refs(pc, f.in_reply_to, one, TRUE);
		m->in_reply_to = one->len > 0 ? one->pdata[0] : NULL;
		g_ptr_array_unref(one);
	}
	if (f.references != NULL)
		mail_refs(pc, f.references, m->references, FALSE);
	if (f.delivered_to != NULL)
		m->delivered_to = mail_path(f.delivered_to);
	if (f.return_path != NULL)
		m->return_path = mail_path(f.return_path);
	if (f.auto_submitted != NULL)
		m->auto_submitted = mail_line(f.auto_submitted);
	if (f.precedence != NULL)
		m->precedence = mail_line(f.precedence);
	if (f.x_loop != NULL)
		m->x_loop = mail_line(f.x_loop);
	return 0;
}

static char *mail_key(const struct mail *m)
{
	char *lower, *key, *hex;

	if (m->message_id != NULL) {
		lower = g_ascii_strdown(m->message_id, -1);
		key = g_strconcat("<", lower, ">", NULL);
		g_free(lower);
		return key;
	}
	hex = util_sha256_hex(m->raw, m->raw_len);
	key = g_strconcat("sha256:", hex, NULL);
	g_free(hex);
	return key;
}

static void mail_limits_fill(struct mail_limits *l, const struct mail_limits *given)
{
	*l = mail_default_limits;
	if (given == NULL)
		return;
	if (given->max_text > 0)
		l->max_text = given->max_text;
	if (given->max_parts > 0)
		l->max_parts = given->max_parts;
	if (given->max_depth > 0)
		l->max_depth = given->max_depth;
	if (given->max_headers > 0)
		l->max_headers = given->max_headers;
}

int mail_parse(const char *raw, gsize len, const struct mail_limits *lim,
	       struct mail **out, GString *err)
{
	struct mail_parse_ctx pc = { NULL };
	struct mail_limits limits;
	GByteArray *bytes = NULL;
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	struct mail *m = NULL;
	int rc = -1;

	*out = NULL;
	mail_init();
	if (raw == NULL || len == 0 || !mail_has_header_block(raw, len)) {
		fail(err, "not a mail: it does not start with a header field");
		goto out;
	}
	if (len > G_MAXUINT) {
		fail(err, "mail too large (%" G_GSIZE_FORMAT " bytes)", len);
		goto out;
	}
	mail_limits_fill(&limits, lim);
	pc.lim = &limits;
	pc.opts = g_mime_parser_options_clone(mail_base_opts);
	g_mime_parser_options_set_warning_callback(pc.opts, mail_warning, &pc);

	/* Borrowed bytes: the stream does not own the array and nothing
	 * writes to it; g_byte_array_free(bytes, FALSE) below gives them back. */
	bytes = g_byte_array_new_take((guint8 *)raw, len);
	stream = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, pc.opts);
	if (msg == NULL) {
		fail(err, "not a mail: GMime found no message");
		goto out;
	}

	m = g_new0(struct mail, 1);
	m->raw = raw;
	m->raw_len = len;
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->to = g_ptr_array_new_with_free_func(g_free);
	m->auth_results = g_ptr_array_new_with_free_func(g_free);
	m->attachments = g_ptr_array_new();
	if (mail_headers(&pc, msg, m, err) < 0 || mail_text_extract(&pc, msg, m, err) < 0)
		goto out;
	m->key = mail_key(m);
	m->suspicious = pc.suspicious;
	*out = m;
	m = NULL;
	rc = 0;
out:
	if (msg != NULL)
		g_object_unref(msg);
	if (parser != NULL)
		g_object_unref(parser);
	if (stream != NULL)
		g_object_unref(stream);
	if (bytes != NULL)
		g_byte_array_free(bytes, FALSE);
	if (pc.opts != NULL)
		g_mime_parser_options_free(pc.opts);
	mail_free(m);
	return rc;
}

static void mail_attachment_free(gpointer data, gpointer unused)
{
	struct mail_attachment *a = data;

	g_free(a->filename);
	g_free(a->content_type);
	g_free(a->text);
	g_free(a);
}

void mail_free(struct mail *m)
{
	if (m == NULL)
		return;
	g_free(m->key);
	g_free(m->message_id);
	g_free(m->from_addr);
	g_free(m->from_name);
	g_free(m->subject);
	g_free(m->in_reply_to);
	if (m->references != NULL)
		g_ptr_array_unref(m->references);
	if (m->to != NULL)
		g_ptr_array_unref(m->to);
	g_free(m->delivered_to);
	g_free(m->return_path);
	g_free(m->auto_submitted);
	g_free(m->precedence);
	g_free(m->x_loop);
	g_free(m->text);
	if (m->attachments != NULL) {
		/* freed here whatever free function the array was made with */
		g_ptr_array_set_free_func(m->attachments, NULL);
		g_ptr_array_foreach(m->attachments, mail_attachment_free, NULL);
		g_ptr_array_unref(m->attachments);
	}
	if (m->auth_results != NULL)
		g_ptr_array_unref(m->auth_results);
	g_free(m);
}
