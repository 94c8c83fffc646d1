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

/* Proofs that an organizer's mail is genuine ([organizers] read_proof and
 * change_proof): a PGP/MIME signature, the receiving server's DKIM/DMARC
 * verdict, a confirmation token, or (reading only) the From address alone. */
enum {
	CONFIG_PROOF_PGP = 1 << 0,
	CONFIG_PROOF_DKIM = 1 << 1,
	CONFIG_PROOF_TOKEN = 1 << 2,
	CONFIG_PROOF_SENDER = 1 << 3,
};
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
	int imap_idle_renew;        /* seconds one IDLE lasts before it is renewed (< 29 min) */

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

	/* [rsvp] */
	char *rsvp_states;          /* comma list of MC states that take RSVPs */

	/* [cfp] */
	char *deadline;             /* free text with its zone, e.g. "2026-07-01 23:59 UTC", or NULL */

	/* [organizers]: who may send commands, and what proves it (auth.h) */
	char **organizers;          /* addresses, domain lowercased; NULL: nobody */
	char *authserv_id;          /* trusted Authentication-Results authserv-id, or NULL */
	char *received_by;          /* "by" host of the receiving server's Received:
	                               (default: authserv_id) */
	char **pgp_keys;            /* "address FINGERPRINT" (upper-case hex), or NULL */
	char *gnupg_home;           /* the keyring PGP/MIME signatures are checked with */
	char *token_secret;         /* HMAC key for confirmation tokens, from token_secret_file */
	int read_proof;             /* CONFIG_PROOF_* bits: proofs enough for list/show/help */
	int change_proof;           /* ... for commands that change something */
	gboolean hold_decisions;    /* decision mails wait for `release` */
	int refusal_interval;       /* seconds between two refusals to one address */
	int token_lifetime;         /* seconds a confirmation token is valid */
	int pgp_max_age;            /* seconds: older signatures are refused */

	/* [daemon] */
	int poll_interval;          /* seconds between polls in `mcbot run` */

	/* [digest] (digest.h); the organizer digest goes to [organizers] addresses */
	gboolean digest_enabled;    /* `mcbot run` sends the weekly digests itself */
	int digest_day;             /* 1 = Monday ... 7 = Sunday */
	int digest_time;            /* minutes after local midnight, 0-1439 */
	char *digest_timezone;      /* GTimeZone identifier: "UTC", "Europe/Berlin", "+02:00" */

	/* [limits] */
	gsize max_message_size;     /* bytes; larger mail is set aside unread */
	gsize max_text_size;        /* bytes of extracted text kept */
	int max_mime_parts;
	int max_mime_depth;
	int max_headers;
	int parse_cpu_seconds;      /* CPU-time bound on parsing one mail */
	int max_replies_per_sender_day; /* replies to one address per UTC day; 0: no cap */
	int outbox_brake;           /* no replies queued while outbox/new holds more; 0: off */
	int max_hard_bounces;       /* no more mail to an address after this many; 0: off */
};

/* The embedded default configuration (transfer full). */
struct config *config_defaults(void);

/*
 * Read path over the defaults.  On error every problem is appended to errs
 * as "file:line: message\n" and -1 is returned with *out NULL.
 */
int config_load(const char *path, struct config **out, GString *errs);

void config_free(struct config *c);

/* True when addr is one of [organizers] addresses (compared ignoring case). */
gboolean config_is_organizer(const struct config *c, const char *addr);

#endif
