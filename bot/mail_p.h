/*
 * mail_p.h - private interface between the parts of the mail parser:
 * mail.c (headers, entry point), mail_addr.c (From and address lists),
 * mail_rfc2047.c (encoded words), mail_charset.c (bytes to UTF-8),
 * mail_text.c (MIME tree walk, body text, format=flowed) and
 * mail_html.c (HTML to text).
 *
 * Unless said otherwise, returned strings are newly allocated, valid
 * UTF-8 and NUL-terminated; the caller frees them with g_free.  They are
 * not cleaned yet (mail.c and mail_text.c clean once with util_clean_*).
 */
#ifndef MCBOT_MAIL_P_H
#define MCBOT_MAIL_P_H

#include <glib.h>
#include <gmime/gmime.h>
#include "mail.h"

/* Longest single-line field kept (Subject, names, header values). */
#define MAIL_LINE_MAX 2000

/* Per-parse state shared by the parts of the parser. */
struct mail_parse_ctx {
	GMimeParserOptions *opts;       /* per-parse clone, warning callback bound to this ctx */
	const struct mail_limits *lim;  /* effective limits (defaults filled in) */
	gboolean suspicious;            /* a GMIME_CRIT_* warning was seen */
	int parts;                      /* MIME parts walked so far */
};

/* --- mail_charset.c --- */

/*
 * Convert len bytes in charset (NULL or "" = undeclared) to UTF-8.
 * Undeclared, ASCII and UTF-8 input: valid UTF-8 sequences are kept and
 * every other byte is read as windows-1252.  iso-8859-1 is read as
 * windows-1252 (as browsers do), and bytes labelled latin-1 that form
 * valid multi-byte UTF-8 are taken as UTF-8.  Other charsets go through
 * iconv; on failure the UTF-8/windows-1252 fallback is used.  NUL bytes
 * are dropped.  Never fails.
 */
char *mail_charset_to_utf8(const char *charset, const char *in, gsize len);

/* The character of one windows-1252 byte. */
gunichar mail_charset_cp1252_char(guchar c);

/* Append the UTF-8 form of one windows-1252 byte to s. */
void mail_charset_append_cp1252(GString *s, guchar c);

/* Append len bytes to s: valid UTF-8 as is, other bytes as windows-1252, NULs dropped. */
void mail_charset_append_repaired(GString *s, const char *in, gsize len);

/* --- mail_rfc2047.c --- */

/*
 * Decode an unstructured header value (RFC 5322 unfolding, RFC 2047
 * encoded words, raw 8-bit bytes).  Runs of adjacent encoded words in one
 * charset are decoded to bytes first and converted together, so padding
 * inside a run and characters split across words both come out right;
 * white space between adjacent encoded words is dropped.
 */
char *mail_rfc2047_decode(const char *raw);

/* --- mail_addr.c --- */

/*
 * Strict reading of one raw From value: "addr-spec [(comment)]" or
 * "[phrase] <addr-spec> [(comment)]", nothing else (no groups, routes,
 * lists, unquoted specials in the phrase, quoted local parts or domain
 * literals).  On success returns TRUE, *addr (domain lowercased) and
 * *name (decoded display name, or the comment's text, or "").
 */
gboolean mail_addr_strict(const char *raw, char **addr, char **name);

/* Lowercase the part after the last '@' of addr in place. */
void mail_addr_lower_domain(char *addr);

/*
 * Parse a raw address-list value with GMime and append the mailboxes'
 * addresses to out (char *) when out is not NULL: ASCII form of IDN
 * domains, groups expanded, domain lowercased, cleaned, empty ones
 * skipped.  Returns the number of mailboxes found (also the empty ones).
 */
int mail_addr_list(struct mail_parse_ctx *pc, const char *raw, GPtrArray *out);

/* --- mail_text.c --- */

/*
 * Walk the MIME tree of msg: set m->text (cleaned, bounded), m->text_from_html,
 * m->attachments and m->is_report.  Returns -1 with a reason when a limit
 * (parts, depth) is broken.
 */
int mail_text_extract(struct mail_parse_ctx *pc, GMimeMessage *msg, struct mail *m, GString *err);

/* Undo format=flowed (RFC 3676) on LF-terminated text; delsp for DelSp=yes. */
char *mail_text_unflow(const char *text, gsize len, gboolean delsp);

/* --- mail_html.c --- */

/* Readable plain text from HTML (UTF-8 in, UTF-8 out, LF line ends). */
char *mail_html_to_text(const char *html, gsize len);

#endif
