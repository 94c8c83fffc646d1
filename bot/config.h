/*
 * config.h - the configuration, read from an INI file with GKeyFile.
 *
 * Every key is documented in config/mcbot.conf.  Unknown groups or keys and
 * bad values are errors reported as "file:line: message", all of them in
 * one run.  Passwords are never in the file itself: *_password_file keys
 * name a file whose first line is the password.
 *
 * Without a file, config_defaults() gives the embedded default: a local
 * Maildir as inbox and replies written to a folder instead of SMTP.
 */
#ifndef MCBOT_CONFIG_H
#define MCBOT_CONFIG_H

#include <glib.h>

enum inbox_kind { INBOX_MAILDIR, INBOX_IMAP };
enum deliver_kind { DELIVER_FOLDER, DELIVER_SMTP };

struct config {
	char *path;                 /* the file read, or NULL for the embedded default */

	/* [list] */
	char *list_address;         /* mc@lpc.example.org */
	char *list_name;            /* "LPC Microconferences" */
	char *conference;           /* "Linux Plumbers Conference 2026" */
	char *tag;                  /* subject tag prefix: "LPC" -> "[LPC MC-3]" */
	char *msgid_domain;         /* domain for generated Message-IDs (default: list domain) */

	/* [inbox] */
	enum inbox_kind inbox;
	char *maildir;              /* inbox = maildir: its path */

	/* [imap] */
	char *imap_host;
	int imap_port;              /* 993; implicit TLS only */
	char *imap_user;
	char *imap_password;        /* read from imap_password_file */
	char *imap_ca_file;         /* PEM CA bundle; NULL: system trust store */
	char *imap_fingerprint;     /* pinned SHA-256 of the server certificate, hex, or NULL */
	char *imap_mailbox;         /* "INBOX" */
	char *imap_folder_prefix;   /* "mcbot" -> mcbot/done, mcbot/failed, ... */
	int imap_timeout;           /* seconds, every network call */
	int imap_batch;             /* mails per UID FETCH */

	/* [smtp] */
	enum deliver_kind deliver;  /* smtp, or folder (the embedded default) */
	char *deliver_folder;       /* deliver = folder: where .eml replies go */
	char *smtp_url;             /* smtps://host:465 or smtp://host:587 */
	char *smtp_user;            /* NULL: no AUTH */
	char *smtp_password;        /* read from smtp_password_file */
	char *smtp_ca_file;
	gboolean smtp_local;        /* server is local: plaintext allowed */
	char *smtp_helo;            /* EHLO name */
	int smtp_timeout;           /* seconds */

	/* [store] */
	char *state_dir;
	char *templates_dir;

	/* [cfp] */
	char *deadline;             /* free text with its zone, e.g. "2026-07-01 23:59 UTC", or NULL */

	/* [daemon] */
	int poll_interval;          /* seconds between polls in `mcbot run` */

	/* [limits] */
	gsize max_message_size;     /* bytes; larger mail is set aside unread */
	gsize max_text_size;        /* bytes of extracted text kept */
	int max_mime_parts;
	int max_mime_depth;
	int max_headers;
	int parse_cpu_seconds;      /* CPU-time bound on parsing one mail */
};

/* The embedded default configuration (transfer full). */
struct config *config_defaults(void);

/*
 * Read path over the defaults.  On error every problem is appended to errs
 * as "file:line: message\n" and -1 is returned with *out NULL.
 */
int config_load(const char *path, struct config **out, GString *errs);

void config_free(struct config *c);

#endif
