/*
 * mail.h - one received mail, parsed by GMime into plain C fields.
 *
 * Every string here is valid UTF-8 and cleaned once, at this entry point:
 * single-line fields contain no CR, LF, NUL, other controls or bidi
 * controls; text fields contain LF line ends only.  Nothing downstream
 * needs to clean them again (it still must not put them in a path).
 */
#ifndef MCBOT_MAIL_H
#define MCBOT_MAIL_H

#include <glib.h>

/* A mail over any of these is refused (mail_parse returns -1 with the
 * reason); 0 in a field means the built-in default. */
struct mail_limits {
	gsize max_text;             /* bytes of decoded text: body and text attachments */
	int max_parts;              /* MIME parts in the whole tree, attached messages included */
	int max_depth;              /* nesting of parts and attached messages */
	int max_headers;            /* header fields, the message's and every part's */
};

/* A text attachment (text/plain, text/markdown, text/x-*), decoded. */
struct mail_attachment {
	char *filename;             /* cleaned, may be NULL */
	char *content_type;         /* "text/markdown" */
	char *text;                 /* UTF-8, LF line ends */
};

struct mail {
	char *key;                  /* processed-set key: "<message-id>" lowercased, or "sha256:<hex>" */
	char *message_id;           /* without <>, NULL when absent or unusable */
	char *from_addr;            /* the single From mailbox, lowercased domain; NULL if none/bad */
	char *from_name;            /* display name, may be "" */
	int from_fields;            /* number of raw From: header fields */
	int from_mailboxes;         /* mailboxes in the From field(s) */
	char *subject;              /* decoded, "" when absent */
	gint64 date;                /* Unix time from Date:, 0 when absent or bad */
	char *in_reply_to;          /* message id without <>, or NULL */
	GPtrArray *references;      /* char *, without <>, oldest first (never NULL) */
	GPtrArray *to;              /* char *, recipient addresses from To and Cc (never NULL) */
	char *delivered_to;         /* Delivered-To (first), or NULL: for +rsvp sub-addresses */
	char *return_path;          /* envelope sender: "" for <>, NULL when absent */

	/* loop and auto-reply evidence (RFC 3834) */
	char *auto_submitted;       /* value or NULL */
	char *precedence;           /* value or NULL */
	gboolean has_list_headers;  /* any List-Id / List-Unsubscribe / List-Post ... */
	char *x_loop;               /* X-Loop value or NULL */
	gboolean is_report;         /* multipart/report (delivery or read report) */

	char *text;                 /* main body as text: text/plain preferred, HTML converted,
	                               format=flowed unflowed; never NULL */
	gboolean text_from_html;
	GPtrArray *attachments;     /* struct mail_attachment *, text ones only (never NULL) */

	GPtrArray *auth_results;    /* char *, Authentication-Results values, topmost first */
	gboolean suspicious;        /* GMime reported a critical structure problem */

	const char *raw;            /* borrowed: the bytes parsed (valid while the caller keeps them) */
	gsize raw_len;
};

/*
 * Parse raw bytes.  Returns 0 and *out, or -1 with a reason in err when the
 * bytes are not a mail at all (no headers) or break a limit.  A mail with
 * missing fields still parses: the handlers decide what is usable.
 */
int mail_parse(const char *raw, gsize len, const struct mail_limits *lim,
	       struct mail **out, GString *err);

void mail_free(struct mail *m);

/* One-time GMime set-up; call before any mail_parse. */
void mail_init(void);

#endif
