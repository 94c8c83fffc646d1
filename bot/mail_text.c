/*
 * mail_text.c - the body text of a mail and its text attachments.
 *
 * The MIME tree is walked here rather than with g_mime_message_get_body(),
 * which returns the multipart/alternative itself.  Choices:
 *   - in a multipart/alternative, text/plain wins over text/html, which
 *     wins over a nested multipart (e.g. multipart/related around HTML);
 *   - inline text/plain parts elsewhere are joined in order (some clients
 *     split the body around inline images);
 *   - a text part with Content-Disposition: attachment or a file name is
 *     an attachment, never body text;
 *   - attached messages (message/rfc822) are not entered;
 *   - the boundary is never read (g_mime_multipart_get_boundary can loop);
 *   - the limits count the whole tree GMime built (attached messages and
 *     unchosen alternatives included): a mail over a limit is refused, and
 *     so is one whose decoded text (body and text attachments together)
 *     is longer than max_text - nothing is silently cut.
 * Transfer encodings are undone by GMime; charsets by mail_charset.c.
 */
#include <string.h>
#include "mail_p.h"
#include "util.h"

struct mail_walk {
	struct mail_parse_ctx *pc;
	struct mail *m;
	GString *plain;             /* inline text/plain parts, joined */
	char *html;                 /* the first inline text/html part, as text */
	gsize text_len;             /* decoded text so far, attachments included */
	GString *err;
};

static int mail_walk_obj(struct mail_walk *w, GMimeObject *obj, int depth);

/* CRLF and lone CR to LF, in place. */
static void mail_text_lf(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '\r') {
			*d++ = '\n';
			if (s[1] == '\n')
				s++;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

char *mail_text_unflow(const char *text, gsize len, gboolean delsp)
{
	GString *out = g_string_sized_new(len + 1);
	const char *p = text, *end = text + len;
	int open = -1;              /* quote depth of the flowed line being joined */

	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		const char *le = nl != NULL ? nl : end;
		gsize n = (gsize)(le - p);
		int depth = 0;
		gboolean flowed;

		while (n > 0 && *p == '>') {
			depth++;
			p++;
			n--;
		}
		if (n > 0 && *p == ' ') {   /* space-stuffing */
			p++;
			n--;
		}
		flowed = n > 0 && p[n - 1] == ' ' && !(n == 3 && memcmp(p, "-- ", 3) == 0);
		if (open >= 0 && depth != open) {
			g_string_append_c(out, '\n');
			open = -1;
		}
		if (open < 0 && depth > 0) {
			for (int i = 0; i < depth; i++)
				g_string_append_c(out, '>');
			if (n > 0)
				g_string_append_c(out, ' ');
		}
		if (flowed && delsp)
			n--;
		g_string_append_len(out, p, (gssize)n);
		if (flowed) {
			open = depth;
		} else {
			g_string_append_c(out, '\n');
			open = -1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (open >= 0)
		g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

/* <meta charset="x"> or content="text/html; charset=x" near the start. */
static char *mail_text_meta_charset(const char *s, gsize len)
{
	gsize n = MIN(len, 4096);

	for (gsize i = 0; i + 8 < n; i++) {
		gsize j;

		if (g_ascii_strncasecmp(s + i, "charset=", 8) != 0)
			continue;
		i += 8;
		while (i < n && (s[i] == '"' || s[i] == '\'' || s[i] == ' '))
			i++;
		for (j = i; j < n && (g_ascii_isalnum(s[j]) || s[j] == '-' || s[j] == '_' ||
				      s[j] == '.' || s[j] == ':'); j++)
			;
		return j > i && j - i < 40 ? g_strndup(s + i, j - i) : NULL;
	}
	return NULL;
}

/* The decoded content of a leaf part as UTF-8 with LF line ends; at most
 * cap decoded bytes are read (*over says when there were more). */
static char *mail_text_decode(GMimeObject *obj, gsize cap, gboolean html, gboolean *over)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(GMIME_PART(obj));
	GMimeStream *mem = g_mime_stream_mem_new();
	const char *charset = g_mime_object_get_content_type_parameter(obj, "charset");
	const char *format = g_mime_object_get_content_type_parameter(obj, "format");
	const char *delsp = g_mime_object_get_content_type_parameter(obj, "delsp");
	char *sniffed = NULL, *text;
	GByteArray *ba;
	gsize n;

	if (dw != NULL)
		g_mime_data_wrapper_write_to_stream(dw, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	n = MIN(ba->len, cap);
	*over = ba->len > cap;
	if (html && (charset == NULL || *charset == '\0'))
		charset = sniffed = mail_text_meta_charset((const char *)ba->data, n);
	text = mail_charset_to_utf8(charset, (const char *)ba->data, n);
	g_object_unref(mem);
	g_free(sniffed);
	mail_text_lf(text);
	if (!html && format != NULL && g_ascii_strcasecmp(format, "flowed") == 0) {
		char *u = mail_text_unflow(text, strlen(text),
					   delsp != NULL && g_ascii_strcasecmp(delsp, "yes") == 0);

		g_free(text);
		text = u;
	}
	return text;
}

static gsize mail_text_cap(struct mail_walk *w, gboolean html)
{
	gsize max = w->pc->lim->max_text;

	/* Conversion never shrinks 8-bit text by more than 2 (UTF-16); HTML
	 * markup can be most of a part, so HTML gets much more room. */
	if (html)
		return max > G_MAXSIZE / 64 ? G_MAXSIZE : max * 64;
	return max > G_MAXSIZE / 4 ? G_MAXSIZE : max * 4;
}

static gboolean mail_text_has_suffix(const char *name, const char *suffix)
{
	gsize n = strlen(name), k = strlen(suffix);

	return n > k && g_ascii_strcasecmp(name + n - k, suffix) == 0;
}

/* The media type under which a part is a text attachment, or NULL. */
static const char *mail_text_attachment_type(GMimeContentType *ct, const char *filename)
{
	const char *type = g_mime_content_type_get_media_type(ct);
	const char *sub = g_mime_content_type_get_media_subtype(ct);

	if (type != NULL && sub != NULL && g_ascii_strcasecmp(type, "text") == 0 &&
	    (g_ascii_strcasecmp(sub, "plain") == 0 || g_ascii_strcasecmp(sub, "markdown") == 0 ||
	     g_ascii_strncasecmp(sub, "x-", 2) == 0))
		return sub;
	/* some clients send .md and .txt files as application/octet-stream */
	if (filename != NULL && g_mime_content_type_is_type(ct, "application", "octet-stream")) {
		if (mail_text_has_suffix(filename, ".md") || mail_text_has_suffix(filename, ".markdown"))
			return "markdown";
		if (mail_text_has_suffix(filename, ".txt"))
			return "plain";
	}
	return NULL;
}

/* Count len more bytes of text (over: there was more than was read);
 * -1 past max_text. */
static int mail_text_count(struct mail_walk *w, gsize len, gboolean over)
{
	gsize max = w->pc->lim->max_text;

	w->text_len += len;
	if (!over && w->text_len <= max)
		return 0;
	return fail(w->err, "text too long (more than %" G_GSIZE_FORMAT " bytes)", max);
}

static int mail_text_attachment(struct mail_walk *w, GMimeObject *obj, const char *sub,
				const char *filename)
{
	struct mail_attachment *a;
	gboolean over;
	char *lower, *text = mail_text_decode(obj, mail_text_cap(w, FALSE), FALSE, &over);

	if (mail_text_count(w, strlen(text), over) < 0) {
		g_free(text);
		return -1;
	}
	a = g_new0(struct mail_attachment, 1);
	a->filename = filename != NULL ? util_clean_line(filename, 255) : NULL;
	lower = g_ascii_strdown(sub, -1);
	a->content_type = g_strconcat("text/", lower, NULL);
	g_free(lower);
	a->text = util_clean_text(text, w->pc->lim->max_text);
	g_free(text);
	g_ptr_array_add(w->m->attachments, a);
	return 0;
}

static int mail_text_leaf(struct mail_walk *w, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *filename = g_mime_part_get_filename(GMIME_PART(obj));
	const char *disp = g_mime_object_get_disposition(obj);
	gboolean attached = filename != NULL ||
		(disp != NULL && g_ascii_strcasecmp(disp, "attachment") == 0);
	const char *att_type;
	gboolean over;
	char *text;

	if (attached) {
		att_type = mail_text_attachment_type(ct, filename);
		if (att_type != NULL)
			return mail_text_attachment(w, obj, att_type, filename);
		return 0;
	}
	if (g_mime_content_type_is_type(ct, "text", "plain")) {
		text = mail_text_decode(obj, mail_text_cap(w, FALSE), FALSE, &over);
		if (mail_text_count(w, strlen(text), over) < 0) {
			g_free(text);
			return -1;
		}
		if (w->plain->len > 0 && text[0] != '\0')
			g_string_append_c(w->plain, '\n');
		g_string_append(w->plain, text);
		g_free(text);
	} else if (g_mime_content_type_is_type(ct, "text", "html") && w->html == NULL) {
		text = mail_text_decode(obj, mail_text_cap(w, TRUE), TRUE, &over);
		w->html = mail_html_to_text(text, strlen(text));
		g_free(text);
		if (over)
			return fail(w->err, "HTML text too long (more than %" G_GSIZE_FORMAT
				    " bytes of markup)", mail_text_cap(w, TRUE));
		return mail_text_count(w, strlen(w->html), FALSE);
	}
	return 0;
}

static gboolean mail_text_is_inline(GMimeObject *obj, const char *type, const char *sub)
{
	const char *disp = g_mime_object_get_disposition(obj);

	return GMIME_IS_PART(obj) &&
		g_mime_content_type_is_type(g_mime_object_get_content_type(obj), type, sub) &&
		g_mime_part_get_filename(GMIME_PART(obj)) == NULL &&
		(disp == NULL || g_ascii_strcasecmp(disp, "attachment") != 0);
}

static gboolean mail_text_blank(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isspace(*s))
			return FALSE;
	return TRUE;
}

static int mail_walk_alternative(struct mail_walk *w, GMimeMultipart *mp, int depth)
{
	static const char *const prefs[][2] = { { "text", "plain" }, { "text", "html" } };
	int n = g_mime_multipart_get_count(mp);
	gsize before = w->plain->len;

	for (gsize k = 0; k < G_N_ELEMENTS(prefs); k++)
		for (int i = 0; i < n; i++) {
			GMimeObject *child = g_mime_multipart_get_part(mp, i);

			if (!mail_text_is_inline(child, prefs[k][0], prefs[k][1]))
				continue;
			if (mail_walk_obj(w, child, depth + 1) < 0)
				return -1;
			/* an empty text/plain alternative: take the HTML one */
			if (k == 0 && mail_text_blank(w->plain->str + before)) {
				g_string_truncate(w->plain, before);
				break;
			}
			return 0;
		}
	for (int i = 0; i < n; i++) {
		GMimeObject *child = g_mime_multipart_get_part(mp, i);

		if (GMIME_IS_MULTIPART(child))
			return mail_walk_obj(w, child, depth + 1);
	}
	return 0;
}

static int mail_walk_obj(struct mail_walk *w, GMimeObject *obj, int depth)
{
	const struct mail_limits *lim = w->pc->lim;
	GMimeMultipart *mp;
	int n;

	if (++w->pc->parts > lim->max_parts)
		return fail(w->err, "too many MIME parts (more than %d)", lim->max_parts);
	if (depth > lim->max_depth)
		return fail(w->err, "MIME parts nested too deep (more than %d)", lim->max_depth);
	if (GMIME_IS_PART(obj))
		return mail_text_leaf(w, obj);
	if (!GMIME_IS_MULTIPART(obj))
		return 0;                   /* message/rfc822 and others: not entered */
	mp = GMIME_MULTIPART(obj);
	if (g_mime_content_type_is_type(g_mime_object_get_content_type(obj), "multipart", "report"))
		w->m->is_report = TRUE;
	if (g_mime_content_type_is_type(g_mime_object_get_content_type(obj), "multipart", "alternative"))
		return mail_walk_alternative(w, mp, depth);
	if (GMIME_IS_MULTIPART_ENCRYPTED(obj))
		return 0;
	/* multipart/signed: the signed content is the first part */
	n = GMIME_IS_MULTIPART_SIGNED(obj) ? MIN(1, g_mime_multipart_get_count(mp))
		: g_mime_multipart_get_count(mp);
	for (int i = 0; i < n; i++)
		if (mail_walk_obj(w, g_mime_multipart_get_part(mp, i), depth + 1) < 0)
			return -1;
	return 0;
}

/* Limits over the whole tree, attached messages included. */
struct mail_tree_count {
	int parts;                  /* every object */
	int headers;                /* header fields of the message and of every part */
};

static void mail_text_count_headers(GMimeObject *obj, struct mail_tree_count *tc)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);

	tc->headers += hl != NULL ? g_mime_header_list_get_count(hl) : 0;
}

static int mail_text_check_tree(const struct mail_limits *lim, GMimeObject *obj, int depth,
				struct mail_tree_count *tc, GString *err)
{
	if (++tc->parts > lim->max_parts)
		return fail(err, "too many MIME parts (more than %d)", lim->max_parts);
	if (depth > lim->max_depth)
		return fail(err, "MIME parts nested too deep (more than %d)", lim->max_depth);
	mail_text_count_headers(obj, tc);
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			if (mail_text_check_tree(lim, g_mime_multipart_get_part(mp, i), depth + 1,
						 tc, err) < 0)
				return -1;
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		GMimeObject *top = inner != NULL ? g_mime_message_get_mime_part(inner) : NULL;

		if (inner != NULL)
			mail_text_count_headers(GMIME_OBJECT(inner), tc);
		if (top != NULL)
			return mail_text_check_tree(lim, top, depth + 1, tc, err);
	}
	return 0;
}

int mail_text_extract(struct mail_parse_ctx *pc, GMimeMessage *msg, struct mail *m, GString *err)
{
	struct mail_walk w = { .pc = pc, .m = m, .err = err };
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	struct mail_tree_count tc = { 0, 0 };
	int rc = 0;

	w.plain = g_string_new(NULL);
	mail_text_count_headers(GMIME_OBJECT(msg), &tc);
	if (top != NULL)
		rc = mail_text_check_tree(pc->lim, top, 0, &tc, err);
	if (rc == 0 && tc.headers > pc->lim->max_headers)
		rc = fail(err, "too many header fields (%d in all parts, at most %d)", tc.headers,
			  pc->lim->max_headers);
	if (top != NULL && rc == 0)
		rc = mail_walk_obj(&w, top, 0);
	if (rc == 0) {
		if (!mail_text_blank(w.plain->str) || w.html == NULL) {
			m->text = util_clean_text(w.plain->str, pc->lim->max_text);
		} else {
			m->text = util_clean_text(w.html, pc->lim->max_text);
			m->text_from_html = TRUE;
		}
	}
	g_string_free(w.plain, TRUE);
	g_free(w.html);
	return rc;
}
