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
	{ "daemon", "poll_interval", K_INT, F(poll_interval), 1, 86400 },
	{ "limits", "max_message_size", K_SIZE, F(max_message_size), 1 * KiB, 1024 * 1024 * KiB },
	{ "limits", "max_text_size", K_SIZE, F(max_text_size), 1 * KiB, 64 * 1024 * KiB },
	{ "limits", "max_mime_parts", K_INT, F(max_mime_parts), 1, 10000 },
	{ "limits", "max_mime_depth", K_INT, F(max_mime_depth), 1, 100 },
	{ "limits", "max_headers", K_INT, F(max_headers), 1, 100000 },
	{ "limits", "parse_cpu_seconds", K_INT, F(parse_cpu_seconds), 1, 600 },
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
	c->deliver = DELIVER_FOLDER;
	c->state_dir = g_strdup("mcbot-state");
	c->deliver_folder = g_build_filename(c->state_dir, "delivered", NULL);
	c->smtp_local = FALSE;
	c->smtp_timeout = 60;
	c->templates_dir = config_default_templates();
	c->poll_interval = 60;
	c->max_message_size = 10 * 1024 * 1024;
	c->max_text_size = 256 * 1024;
	c->max_mime_parts = 100;
	c->max_mime_depth = 10;
	c->max_headers = 500;
	c->parse_cpu_seconds = 5;
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
 * The first line of a password file.  The file must be a regular file that
 * neither group nor others can read: a password readable by every local
 * user is a mistake worth stopping for.
 */
static char *
config_read_secret(struct config_load *ld, int line, const char *what, const char *path)
{
	char buf[CONFIG_MAX_PASSWORD + 2];
	char *secret = NULL;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		config_error(ld, line, "%s: %s: %s", what, path, g_strerror(errno));
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
	if (ld->secret[SECRET_IMAP])
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
	if (user_line && pw_line)
		c->smtp_password = config_read_secret(ld, pw_line, "[smtp] password_file",
						      ld->secret[SECRET_SMTP]);
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
