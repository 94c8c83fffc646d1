/*
 * config.c - the configuration: defaults, loading, checks across keys.
 *
 * GKeyFile reads the values but cannot say on which line a key is, so the
 * file is also scanned once by hand (config_parse.c): that scan maps every
 * group and key to its line, so that one run reports every problem with
 * its "file:line:", sorted by line.  Paths written in the file are made
 * absolute from the file's directory; the embedded defaults stay relative
 * to the working directory.  Password files are read only for the side
 * that uses them (IMAP when inbox = imap, SMTP when deliver = smtp), and
 * must not be accessible to group or others.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_p.h"
#include "config_secrets.h"
#include "util.h"

#ifndef MCBOT_DATADIR
#define MCBOT_DATADIR "/usr/local/share/mcbot"
#endif

#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_PASSWORD 1024
#define KiB ((long long)1024)

#define F(field) offsetof(struct config, field)

/* Every key the file may hold.  For K_SECRET the offset indexes ld->secret. */
const struct config_key config_keys[] = {
	{ "list", "address", K_ADDR, F(list_address), 0, 0 },
	{ "list", "name", K_TEXT, F(list_name), 0, 0 },
	{ "list", "conference", K_TEXT, F(conference), 0, 0 },
	{ "list", "tag", K_TAG, F(tag), 0, 0 },
	{ "list", "msgid_domain", K_HOST, F(msgid_domain), 0, 0 },
	{ "inbox", "type", K_INBOX, F(inbox), 0, 0 },
	{ "inbox", "maildir", K_PATH, F(maildir), 0, 0 },
	{ "imap", "host", K_HOST, F(imap_host), 0, 0 },
	{ "imap", "port", K_INT, F(imap_port), 1, 65535 },
	{ "imap", "user", K_NAME, F(imap_user), 0, 0 },
	{ "imap", "password_file", K_SECRET, SECRET_IMAP, 0, 0 },
	{ "imap", "ca_file", K_FILE, F(imap_ca_file), 0, 0 },
	{ "imap", "fingerprint", K_FPR, F(imap_fingerprint), 0, 0 },
	{ "imap", "mailbox", K_NAME, F(imap_mailbox), 0, 0 },
	{ "imap", "folder_prefix", K_NAME, F(imap_folder_prefix), 0, 0 },
	{ "imap", "timeout", K_INT, F(imap_timeout), 1, 3600 },
	{ "imap", "batch", K_INT, F(imap_batch), 1, 10000 },
	{ "imap", "idle_renew", K_DURATION, F(imap_idle_renew), 1, 29 * 60 - 1 },
	{ "smtp", "deliver", K_DELIVER, F(deliver), 0, 0 },
	{ "smtp", "folder", K_PATH, F(deliver_folder), 0, 0 },
	{ "smtp", "url", K_URL, F(smtp_url), 0, 0 },
	{ "smtp", "user", K_NAME, F(smtp_user), 0, 0 },
	{ "smtp", "password_file", K_SECRET, SECRET_SMTP, 0, 0 },
	{ "smtp", "ca_file", K_FILE, F(smtp_ca_file), 0, 0 },
	{ "smtp", "local", K_BOOL, F(smtp_local), 0, 0 },
	{ "smtp", "helo", K_HOST, F(smtp_helo), 0, 0 },
	{ "smtp", "timeout", K_INT, F(smtp_timeout), 1, 3600 },
	{ "store", "state_dir", K_PATH, F(state_dir), 0, 0 },
	{ "store", "templates_dir", K_PATH, F(templates_dir), 0, 0 },
	{ "cfp", "deadline", K_TEXT, F(deadline), 0, 0 },
	{ "rsvp", "states", K_TEXT, F(rsvp_states), 0, 0 },
	{ "organizers", "addresses", K_ADDRS, F(organizers), 0, 0 },
	{ "organizers", "authserv_id", K_HOST, F(authserv_id), 0, 0 },
	{ "organizers", "received_by", K_HOST, F(received_by), 0, 0 },
	{ "organizers", "pgp_fingerprints", K_PGPKEYS, F(pgp_keys), 0, 0 },
	{ "organizers", "gnupg_home", K_PATH, F(gnupg_home), 0, 0 },
	{ "organizers", "token_secret_file", K_SECRET, SECRET_TOKEN, 0, 0 },
	{ "organizers", "read_proof", K_PROOFS, F(read_proof), 0, 0 },
	{ "organizers", "change_proof", K_PROOFS, F(change_proof), 0, 0 },
	{ "organizers", "hold_decisions", K_BOOL, F(hold_decisions), 0, 0 },
	{ "organizers", "refusal_interval", K_DURATION, F(refusal_interval), 60, 30 * 86400 },
	{ "organizers", "token_lifetime", K_DURATION, F(token_lifetime), 60, 30 * 86400 },
	{ "organizers", "pgp_max_age", K_DURATION, F(pgp_max_age), 60, 365 * 86400 },
	{ "daemon", "poll_interval", K_INT, F(poll_interval), 1, 86400 },
	{ "digest", "enabled", K_BOOL, F(digest_enabled), 0, 0 },
	{ "digest", "day", K_WEEKDAY, F(digest_day), 0, 0 },
	{ "digest", "time", K_CLOCK, F(digest_time), 0, 0 },
	{ "digest", "timezone", K_TZ, F(digest_timezone), 0, 0 },
	{ "limits", "max_message_size", K_SIZE, F(max_message_size), 1 * KiB, 1024 * 1024 * KiB },
	{ "limits", "max_text_size", K_SIZE, F(max_text_size), 1 * KiB, 64 * 1024 * KiB },
	{ "limits", "max_mime_parts", K_INT, F(max_mime_parts), 1, 10000 },
	{ "limits", "max_mime_depth", K_INT, F(max_mime_depth), 1, 100 },
	{ "limits", "max_headers", K_INT, F(max_headers), 1, 100000 },
	{ "limits", "parse_cpu_seconds", K_INT, F(parse_cpu_seconds), 1, 600 },
	{ "limits", "max_replies_per_sender_day", K_INT, F(max_replies_per_sender_day), 0, 100000 },
	{ "limits", "outbox_brake", K_INT, F(outbox_brake), 0, 10000000 },
	{ "limits", "max_hard_bounces", K_INT, F(max_hard_bounces), 0, 1000 },
	{ NULL, NULL, 0, 0, 0, 0 },
};

static char *
config_default_templates(void)
{
	const char *installed = MCBOT_DATADIR "/templates";

	if (g_file_test(installed, G_FILE_TEST_IS_DIR))
		return g_strdup(installed);
	return g_strdup("templates");
}

struct config *
config_defaults(void)
{
	struct config *c = g_new0(struct config, 1);

	c->list_address = g_strdup("mc@localhost");
	c->list_name = g_strdup("Microconference CfP");
	c->conference = g_strdup("the conference");
	c->tag = g_strdup("CfP");
	c->msgid_domain = g_strdup("localhost");
	c->inbox = INBOX_MAILDIR;
	c->maildir = g_strdup("Maildir");
	c->imap_port = 993;
	c->imap_mailbox = g_strdup("INBOX");
	c->imap_folder_prefix = g_strdup("mcbot");
	c->imap_timeout = 60;
	c->imap_batch = 100;
	c->imap_idle_renew = 25 * 60;
	c->deliver = DELIVER_FOLDER;
	c->state_dir = g_strdup("mcbot-state");
	c->deliver_folder = g_build_filename(c->state_dir, "delivered", NULL);
	c->smtp_local = FALSE;
	c->smtp_timeout = 60;
	c->templates_dir = config_default_templates();
	c->poll_interval = 60;
	c->digest_enabled = TRUE;
	c->digest_day = 1;                  /* Monday, 08:00 UTC */
	c->digest_time = 8 * 60;
	c->digest_timezone = g_strdup("UTC");
	c->max_message_size = 10 * 1024 * 1024;
	c->max_text_size = 256 * 1024;
	c->max_mime_parts = 100;
	c->max_mime_depth = 10;
	c->max_headers = 500;
	c->parse_cpu_seconds = 5;
	c->max_replies_per_sender_day = 10;
	c->outbox_brake = 1000;
	c->max_hard_bounces = 3;
	c->hold_decisions = TRUE;
	c->refusal_interval = 86400;
	c->token_lifetime = 2 * 86400;
	c->pgp_max_age = 7 * 86400;
	return c;
}

static void
config_free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	g_free(s);
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	g_free(c->path);
	g_free(c->list_address);
	g_free(c->list_name);
	g_free(c->conference);
	g_free(c->tag);
	g_free(c->msgid_domain);
	g_free(c->maildir);
	g_free(c->imap_host);
	g_free(c->imap_user);
	config_free_secret(c->imap_password);
	g_free(c->imap_ca_file);
	g_free(c->imap_fingerprint);
	g_free(c->imap_mailbox);
	g_free(c->imap_folder_prefix);
	g_free(c->deliver_folder);
	g_free(c->smtp_url);
	g_free(c->smtp_user);
	config_free_secret(c->smtp_password);
	g_free(c->smtp_ca_file);
	g_free(c->smtp_helo);
	g_free(c->state_dir);
	g_free(c->templates_dir);
	g_free(c->deadline);
	g_free(c->rsvp_states);
	g_free(c->digest_timezone);
	g_strfreev(c->organizers);
	g_free(c->authserv_id);
	g_free(c->received_by);
	g_strfreev(c->pgp_keys);
	g_free(c->gnupg_home);
	config_free_secret(c->token_secret);
	g_free(c);
}

void
config_error(struct config_load *ld, int line, const char *fmt, ...)
{
	struct config_msg *m = g_new0(struct config_msg, 1);
	GString *text = g_string_new(NULL);
	va_list ap;

	if (line > 0)
		g_string_append_printf(text, "%s:%d: ", ld->file, line);
	else
		g_string_append_printf(text, "%s: ", ld->file);
	va_start(ap, fmt);
	g_string_append_vprintf(text, fmt, ap);
	va_end(ap);
	g_string_append_c(text, '\n');
	m->line = line;
	m->seq = ld->nerr++;
	m->text = g_string_free(text, FALSE);
	g_ptr_array_add(ld->msgs, m);
}

static gint
config_msg_cmp(gconstpointer a, gconstpointer b)
{
	const struct config_msg *x = *(struct config_msg *const *)a;
	const struct config_msg *y = *(struct config_msg *const *)b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
config_msg_free(gpointer p)
{
	struct config_msg *m = p;

	g_free(m->text);
	g_free(m);
}

int
config_line(const struct config_load *ld, const char *group, const char *key)
{
	char *k = key ? g_strconcat(group, "\n", key, NULL) : g_strdup(group);
	int line = GPOINTER_TO_INT(g_hash_table_lookup(ld->lines, k));

	g_free(k);
	return line;
}

/* A path from the file: relative to the file's directory, made absolute. */
char *
config_path(const struct config_load *ld, const char *value)
{
	return g_canonicalize_filename(value, ld->dir);
}

static gboolean
config_secret_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return FALSE;
	return TRUE;
}

/*
 * The file a password_file value names (transfer full), or NULL after an
 * error.  "${CREDENTIALS_DIRECTORY}/name" is a file systemd put there for
 * LoadCredential=name:...; only that variable, only as a prefix, and the
 * rest must be a plain file name.
 */
static char *
config_credential_path(struct config_load *ld, int line, const char *what, const char *file)
{
	const char *dir = g_getenv("CREDENTIALS_DIRECTORY");
	const char *name;

	if (!g_str_has_prefix(file, CONFIG_CREDENTIALS_VAR))
		return g_strdup(file);
	name = file + strlen(CONFIG_CREDENTIALS_VAR);
	if (name[0] != '/' || name[1] == '\0' || strchr(name + 1, '/') ||
	    strcmp(name + 1, "..") == 0 || strcmp(name + 1, ".") == 0) {
		config_error(ld, line, "%s: expected %s/NAME, NAME being the name given to "
			     "LoadCredential=", what, CONFIG_CREDENTIALS_VAR);
		return NULL;
	}
	if (dir == NULL || dir[0] != '/') {
		config_error(ld, line, "%s: %s is not set: systemd sets it for a service with "
			     "LoadCredential=; outside such a service, name the file itself",
			     what, CONFIG_CREDENTIALS_VAR);
		return NULL;
	}
	return g_build_filename(dir, name + 1, NULL);
}

/* config_skip_secrets(): commands that never log in do not read passwords. */
static gboolean config_no_secrets;

void
config_skip_secrets(gboolean skip)
{
	config_no_secrets = skip;
}

/*
 * The first line of a password file.  The file must be a regular file that
 * neither group nor others can read: a password readable by every local
 * user is a mistake worth stopping for.
 */
static char *
config_read_secret(struct config_load *ld, int line, const char *what, const char *file)
{
	char buf[CONFIG_MAX_PASSWORD + 2];
	char *secret = NULL, *path;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((path = config_credential_path(ld, line, what, file)) == NULL)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		config_error(ld, line, "%s: %s: %s", what, path, g_strerror(errno));
		g_free(path);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		config_error(ld, line, "%s: %s: not a regular file", what, path);
		goto out;
	}
	if (st.st_mode & 077) {
		config_error(ld, line, "%s: %s: group or others have access (mode %03o); "
			     "chmod 600 it", what, path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			config_error(ld, line, "%s: %s: %s", what, path, g_strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) > CONFIG_MAX_PASSWORD)
		config_error(ld, line, "%s: %s: first line longer than %d bytes", what, path,
			     CONFIG_MAX_PASSWORD);
	else if (buf[0] == '\0')
		config_error(ld, line, "%s: %s: the first line is empty", what, path);
	else if (!config_secret_ok(buf))
		config_error(ld, line, "%s: %s: the password contains control characters",
			     what, path);
	else
		secret = g_strdup(buf);
out:
	explicit_bzero(buf, sizeof buf);
	close(fd);
	g_free(path);
	return secret;
}

static void
config_set_str(char **field, char *value)
{
	g_free(*field);
	*field = value;
}

/* Checks that need several keys: what each inbox and delivery mode needs. */
static void
config_check_imap(struct config_load *ld, struct config *c)
{
	int mode_line = config_line(ld, "inbox", "type");
	static const char *const need[] = { "host", "user", "password_file", NULL };

	for (int i = 0; need[i]; i++)
		if (config_line(ld, "imap", need[i]) == 0)
			config_error(ld, mode_line, "[inbox] type is imap but [imap] %s is not set",
				     need[i]);
	if (ld->secret[SECRET_IMAP] && !config_no_secrets)
		c->imap_password = config_read_secret(ld, ld->secret_line[SECRET_IMAP],
						      "[imap] password_file",
						      ld->secret[SECRET_IMAP]);
}

static void
config_check_smtp(struct config_load *ld, struct config *c)
{
	int user_line = config_line(ld, "smtp", "user");
	int pw_line = ld->secret_line[SECRET_SMTP];

	if (c->smtp_url == NULL)
		config_error(ld, config_line(ld, "smtp", "deliver"),
			     "[smtp] deliver is smtp but [smtp] url is not set");
	if (user_line && !pw_line)
		config_error(ld, user_line, "[smtp] user is set but password_file is not");
	if (pw_line && !user_line)
		config_error(ld, pw_line, "[smtp] password_file is set but user is not");
	if (user_line && pw_line && !config_no_secrets)
		c->smtp_password = config_read_secret(ld, pw_line, "[smtp] password_file",
						      ld->secret[SECRET_SMTP]);
}

#define CONFIG_MIN_TOKEN_SECRET 16

/* A proof named in read_proof or change_proof needs its own keys. */
static void
config_check_proofs(struct config_load *ld, const struct config *c, const char *key, int mask)
{
	int line = config_line(ld, "organizers", key);

	if ((mask & CONFIG_PROOF_PGP) && c->pgp_keys == NULL)
		config_error(ld, line, "[organizers] %s: pgp needs pgp_fingerprints", key);
	if ((mask & CONFIG_PROOF_DKIM) && c->authserv_id == NULL)
		config_error(ld, line, "[organizers] %s: dkim needs authserv_id", key);
	if ((mask & CONFIG_PROOF_TOKEN) && ld->secret[SECRET_TOKEN] == NULL)
		config_error(ld, line, "[organizers] %s: token needs token_secret_file", key);
}

/*
 * [organizers]: read the token secret, check that every proof asked for
 * can be given, and by default accept every proof that is configured.
 */
static void
config_check_organizers(struct config_load *ld, struct config *c)
{
	int available = (c->pgp_keys ? CONFIG_PROOF_PGP : 0) |
			(c->authserv_id ? CONFIG_PROOF_DKIM : 0) |
			(ld->secret[SECRET_TOKEN] ? CONFIG_PROOF_TOKEN : 0);
	int line;

	if (ld->secret[SECRET_TOKEN] && !config_no_secrets) {
		line = ld->secret_line[SECRET_TOKEN];
		c->token_secret = config_read_secret(ld, line, "[organizers] token_secret_file",
						     ld->secret[SECRET_TOKEN]);
		if (c->token_secret && strlen(c->token_secret) < CONFIG_MIN_TOKEN_SECRET)
			config_error(ld, line, "[organizers] token_secret_file: the secret is "
				     "shorter than %d bytes", CONFIG_MIN_TOKEN_SECRET);
	}
	if (c->pgp_keys && c->gnupg_home == NULL)
		config_error(ld, config_line(ld, "organizers", "pgp_fingerprints"),
			     "[organizers] pgp_fingerprints is set but gnupg_home is not");
	for (int i = 0; c->pgp_keys && c->pgp_keys[i]; i++) {
		char *addr = g_strndup(c->pgp_keys[i], strcspn(c->pgp_keys[i], " "));

		if (!config_is_organizer(c, addr))
			config_error(ld, config_line(ld, "organizers", "pgp_fingerprints"),
				     "[organizers] pgp_fingerprints: %s is not in addresses", addr);
		g_free(addr);
	}
	if (config_line(ld, "organizers", "read_proof"))
		config_check_proofs(ld, c, "read_proof", c->read_proof);
	else
		c->read_proof = available;
	if ((line = config_line(ld, "organizers", "change_proof")) != 0) {
		config_check_proofs(ld, c, "change_proof", c->change_proof);
		if (c->change_proof & CONFIG_PROOF_SENDER)
			config_error(ld, line, "[organizers] change_proof: sender is no proof; "
				     "it is allowed in read_proof only");
	} else {
		c->change_proof = available;
	}
	if (c->organizers && available == 0)
		config_error(ld, config_line(ld, "organizers", "addresses"),
			     "[organizers] addresses is set but nothing can prove a command: "
			     "set authserv_id, pgp_fingerprints or token_secret_file");
	if (c->received_by == NULL && c->authserv_id)
		c->received_by = g_strdup(c->authserv_id);
}

/* [rsvp] states: a comma list of MC states. */
static void
config_check_rsvp(struct config_load *ld, const struct config *c)
{
	static const char *const states[] = { "proposed", "accepted", "waitlisted", "rejected",
					      "withdrawn", NULL };
	char **items;

	if (c->rsvp_states == NULL)
		return;
	items = g_strsplit(c->rsvp_states, ",", -1);
	for (int i = 0; items[i]; i++) {
		char *state = g_strstrip(items[i]);

		if (!g_strv_contains(states, state))
			config_error(ld, config_line(ld, "rsvp", "states"),
				     "[rsvp] states: \"%s\" is not an MC state (proposed, accepted, "
				     "waitlisted, rejected, withdrawn)", state);
	}
	g_strfreev(items);
}

/* Values that default to other values: computed once the file is read. */
static void
config_derive(struct config_load *ld, struct config *c)
{
	if (!config_line(ld, "list", "msgid_domain"))
		config_set_str(&c->msgid_domain, g_strdup(strchr(c->list_address, '@') + 1));
	if (!config_line(ld, "smtp", "folder"))
		config_set_str(&c->deliver_folder,
			       g_build_filename(c->state_dir, "delivered", NULL));
}

int
config_load(const char *path, struct config **out, GString *errs)
{
	struct config_load ld = { 0 };
	struct config *c = config_defaults();
	char *text = NULL, *dir;
	size_t len = 0;
	GString *err = g_string_new(NULL);
	int rc = -1;

	*out = NULL;
	ld.file = path;
	ld.msgs = g_ptr_array_new_with_free_func(config_msg_free);
	ld.lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	dir = g_path_get_dirname(path);
	ld.dir = g_canonicalize_filename(dir, NULL);
	g_free(dir);
	c->path = g_strdup(path);

	if (util_read_file(path, CONFIG_MAX_FILE, &text, &len, err) < 0) {
		g_string_append_printf(errs, "%s\n", err->str);
		ld.nerr++;
		goto out;
	}
	if (memchr(text, '\0', len)) {
		int line = 1;

		for (const char *p = text; *p; p++)
			line += *p == '\n';
		config_error(&ld, line, "a NUL byte: this is not a text file");
		goto out;
	}
	if (config_parse(&ld, text, c) < 0)
		goto out;
	if (c->inbox == INBOX_IMAP)
		config_check_imap(&ld, c);
	if (c->deliver == DELIVER_SMTP)
		config_check_smtp(&ld, c);
	config_check_organizers(&ld, c);
	config_check_rsvp(&ld, c);
	config_derive(&ld, c);
out:
	g_ptr_array_sort(ld.msgs, config_msg_cmp);
	for (guint i = 0; i < ld.msgs->len; i++)
		g_string_append(errs, ((struct config_msg *)ld.msgs->pdata[i])->text);
	g_ptr_array_free(ld.msgs, TRUE);
	if (ld.nerr == 0) {
		*out = c;
		rc = 0;
	} else {
		config_free(c);
	}
	for (int i = 0; i < SECRET_N; i++)
		g_free(ld.secret[i]);
	g_hash_table_destroy(ld.lines);
	g_free(ld.dir);
	g_free(text);
	g_string_free(err, TRUE);
	return rc;
}
