/*
 * config_p.h - private to config.c and config_parse.c.
 */
#ifndef MCBOT_CONFIG_P_H
#define MCBOT_CONFIG_P_H

#include <glib.h>
#include <stddef.h>

#include "config.h"

enum config_kind {
	K_TEXT,         /* one line of text, no control characters */
	K_NAME,         /* a user or mailbox name: like K_TEXT */
	K_TAG,          /* subject tag: letters, digits, " ._-" */
	K_ADDR,         /* a plain address (util_addr_ok) */
	K_HOST,         /* a host name or IP literal */
	K_PATH,         /* a path, relative to the file's directory */
	K_FILE,         /* a path to an existing regular file */
	K_SECRET,       /* a password file; off indexes config_load.secret */
	K_INT,          /* int, in [min, max] */
	K_SIZE,         /* gsize with optional k/M/G suffix, in [min, max] */
	K_BOOL,
	K_INBOX,        /* maildir | imap */
	K_DELIVER,      /* folder | smtp */
	K_FPR,          /* SHA-256 fingerprint, 64 hex digits, colons allowed */
	K_URL,          /* smtp:// or smtps:// URL without credentials */
	K_ADDRS,        /* a list of plain addresses (char **), config_org.c */
	K_PGPKEYS,      /* "address=FINGERPRINT" list (char **), config_org.c */
	K_PROOFS,       /* a list of pgp/dkim/token/sender (int mask), config_org.c */
	K_DURATION,     /* int seconds, optional s/m/h/d suffix, in [min, max], config_org.c */
	K_WEEKDAY,      /* monday .. sunday (int 1-7, Monday = 1) */
	K_CLOCK,        /* HH:MM, 24-hour (int minutes after midnight) */
	K_TZ,           /* a time zone GLib knows: UTC, Europe/Berlin, +02:00 (char *) */
};

struct config_key {
	const char *group;
	const char *name;
	enum config_kind kind;
	size_t off;             /* offset of the field in struct config */
	long long min, max;     /* K_INT and K_SIZE */
};

enum { SECRET_IMAP, SECRET_SMTP, SECRET_TOKEN, SECRET_N };

struct config_msg {
	int line;
	int seq;                /* keeps messages of one line in order */
	char *text;             /* "file:line: message\n" */
};

/* One run of config_load: where messages go and what the scan found. */
struct config_load {
	const char *file;       /* the path as given, for messages (borrowed) */
	char *dir;              /* absolute directory of the file (owned) */
	GHashTable *lines;      /* "group\nkey" and "group" -> line (owned) */
	GPtrArray *msgs;        /* struct config_msg *, sorted by line at the end */
	int nerr;
	char *secret[SECRET_N]; /* password file paths (owned) */
	int secret_line[SECRET_N];
};

/*
 * A password_file may start with this: the directory systemd gives a
 * service for its LoadCredential= files ("${CREDENTIALS_DIRECTORY}/name").
 */
#define CONFIG_CREDENTIALS_VAR "${CREDENTIALS_DIRECTORY}"

/* The table of known keys, NULL-terminated (config.c). */
extern const struct config_key config_keys[];

/* Record "file:line: message" (no line when line is 0); they are listed
 * in line order at the end of config_load. */
void config_error(struct config_load *ld, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* The line of group/key (key NULL: the group header), 0 when absent. */
int config_line(const struct config_load *ld, const char *group, const char *key);

/* An absolute path for a value of the file (transfer full). */
char *config_path(const struct config_load *ld, const char *value);

/*
 * Scan text for syntax and names, then read every known key into c.
 * Returns -1 only when nothing could be read; problems are counted in ld.
 */
int config_parse(struct config_load *ld, const char *text, struct config *c);

/* config_org.c: read a value of kind K_ADDRS, K_PGPKEYS, K_PROOFS or K_DURATION. */
void config_apply_org(struct config_load *ld, int line, const struct config_key *k,
		      const char *v, struct config *c);

#endif
