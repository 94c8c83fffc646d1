/*
 * cli_check.c - `mcbot check-config [--connect]`: every problem of the
 * configuration and the templates in one run, each as "file:line:
 * message", then whether the directories mcbot writes are writable by
 * this user, and with --connect whether the servers take us.
 *
 * It runs as ExecStartPre= of the service, so it checks what the daemon
 * will meet: the same user, the same credentials.  When the configuration
 * file itself has errors the templates are still checked, in the
 * templates_dir the file names (found by a plain scan) or the default.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "inbox.h"
#include "smtp.h"
#include "template.h"
#include "util.h"

#define CHECK_MAX_CONFIG (1024 * 1024)

/*
 * The line of "key = value" in [group] of the file and its value
 * (transfer full), by a plain scan; 0 when not found.
 */
static int
check_find_key(const char *path, const char *group, const char *key, char **value)
{
	char *text = NULL, **lines, *want = g_strdup_printf("[%s]", group), *cur = NULL;
	size_t len;
	int found = 0;

	if (value)
		*value = NULL;
	if (!path || util_read_file(path, CHECK_MAX_CONFIG, &text, &len, NULL) < 0) {
		g_free(want);
		return 0;
	}
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] && !found; i++) {
		char *l = g_strstrip(lines[i]);
		size_t n = strlen(key);

		if (l[0] == '[') {
			g_free(cur);
			cur = g_strdup(l);
		} else if (cur && strcmp(cur, want) == 0 && strncmp(l, key, n) == 0 &&
			   (l[n] == '=' || l[n] == ' ' || l[n] == '\t') && strchr(l + n, '=')) {
			found = i + 1;
			if (value)
				*value = g_strstrip(g_strdup(strchr(l + n, '=') + 1));
		}
	}
	g_strfreev(lines);
	g_free(cur);
	g_free(want);
	g_free(text);
	return found;
}

/* "file:line: " for a key of the file, "file: " without a line, "" for the default. */
static char *
check_where(const char *path, const char *group, const char *key)
{
	int line = check_find_key(path, group, key, NULL);

	if (!path)
		return g_strdup("(embedded default): ");
	return line ? g_strdup_printf("%s:%d: ", path, line) : g_strdup_printf("%s: ", path);
}

/* The templates directory named by a file that did not load, or the default. */
static char *
check_templates_dir(const char *path)
{
	struct config *def = config_defaults();
	char *v = NULL, *dir, *base;

	if (check_find_key(path, "store", "templates_dir", &v) && v[0]) {
		base = g_path_get_dirname(path);
		dir = g_canonicalize_filename(v, base);
		g_free(base);
	} else {
		dir = g_strdup(def->templates_dir);
	}
	g_free(v);
	config_free(def);
	return dir;
}

/* A directory mcbot creates if needed: it, or its nearest existing parent, is writable. */
static int
check_writable(const char *path, const char *group, const char *key, const char *dir)
{
	char *d = g_strdup(dir), *where;
	int rc = 0;

	while (!g_file_test(d, G_FILE_TEST_EXISTS)) {
		char *up = g_path_get_dirname(d);

		if (strcmp(up, d) == 0) {
			g_free(up);
			break;
		}
		g_free(d);
		d = up;
	}
	if (g_file_test(d, G_FILE_TEST_EXISTS) &&
	    (!g_file_test(d, G_FILE_TEST_IS_DIR) || access(d, W_OK | X_OK) < 0)) {
		where = check_where(path, group, key);
		if (!g_file_test(d, G_FILE_TEST_IS_DIR))
			printf("%s[%s] %s: %s: not a directory\n", where, group, key, d);
		else
			printf("%s[%s] %s: %s: %s for this user (uid %u)\n", where, group, key,
			       d, g_strerror(errno), (unsigned)geteuid());
		g_free(where);
		rc = -1;
	}
	g_free(d);
	return rc;
}

/* Print each line of errs; the number of lines (at least 1: it failed). */
static int
check_print(const char *errs)
{
	char **lines = g_strsplit(errs, "\n", -1);
	int n = 0;

	for (int i = 0; lines[i]; i++)
		if (lines[i][0]) {
			printf("%s\n", lines[i]);
			n++;
		}
	g_strfreev(lines);
	return MAX(n, 1);
}

static int
check_connect_inbox(const struct config *cfg)
{
	GString *err = g_string_new(NULL);
	struct inbox *ib = NULL;
	int rc = inbox_open(cfg, &ib, err);

	if (rc < 0)
		printf("connect: inbox: FAILED: %s\n", err->str);
	else if (cfg->inbox == INBOX_IMAP)
		printf("connect: inbox: ok: imap %s:%d: TLS, certificate verified, logged in as "
		       "%s, mailbox %s selected\n", cfg->imap_host, cfg->imap_port, cfg->imap_user,
		       cfg->imap_mailbox ? cfg->imap_mailbox : "INBOX");
	else
		printf("connect: inbox: ok: Maildir %s opened\n", cfg->maildir);
	inbox_close(ib);
	g_string_free(err, TRUE);
	return rc;
}

static int
check_connect_smtp(const struct config *cfg)
{
	GString *err = g_string_new(NULL);
	char *what = NULL;
	int rc = 0;

	if (cfg->deliver == DELIVER_FOLDER) {
		printf("connect: replies: ok: written to %s (deliver = folder): no server to try\n",
		       cfg->deliver_folder);
	} else if ((rc = smtp_check(cfg, &what, err)) < 0) {
		printf("connect: smtp: FAILED: %s\n", err->str);
	} else {
		printf("connect: smtp: ok: %s: %s; nothing sent\n", cfg->smtp_url, what);
	}
	g_free(what);
	g_string_free(err, TRUE);
	return rc;
}

/* Problems that only show when mcbot runs: directories it must write. */
static int
check_dirs(const struct config *cfg)
{
	int n = 0;

	n -= check_writable(cfg->path, "store", "state_dir", cfg->state_dir);
	if (cfg->inbox == INBOX_MAILDIR)
		n -= check_writable(cfg->path, "inbox", "maildir", cfg->maildir);
	if (cfg->deliver == DELIVER_FOLDER)
		n -= check_writable(cfg->path, "smtp", "folder", cfg->deliver_folder);
	return n;
}

int
cli_check_config(const char *path, int argc, char **argv)
{
	gboolean connect = FALSE;
	const GOptionEntry entries[] = {
		{ "connect", 0, 0, G_OPTION_ARG_NONE, &connect,
		  "Also log in to the IMAP and SMTP servers (nothing is fetched or sent)", NULL },
		{ NULL }
	};
	GOptionContext *oc = g_option_context_new("- check the configuration and templates");
	GString *errs = g_string_new(NULL);
	struct config *cfg = NULL;
	struct templates *t = NULL;
	GError *gerr = NULL;
	char *tdir;
	int problems = 0, rc = 2;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &gerr) || argc > 1) {
		fprintf(stderr, "mcbot check-config: %s\n",
			gerr ? gerr->message : "unexpected argument");
		goto out;
	}
	if (path && config_load(path, &cfg, errs) < 0)
		problems += check_print(errs->str);
	else if (!path)
		cfg = config_defaults();
	tdir = cfg ? g_strdup(cfg->templates_dir) : check_templates_dir(path);
	g_string_truncate(errs, 0);
	if (templates_load(tdir, &t, errs) < 0)
		problems += check_print(errs->str);
	g_free(tdir);
	if (cfg)
		problems += check_dirs(cfg);
	if (cfg && connect && problems == 0) {
		problems -= check_connect_inbox(cfg);
		problems -= check_connect_smtp(cfg);
	} else if (connect) {
		printf("connect: not tried: fix the problems above first\n");
	}
	if (problems)
		printf("%s: %d problem%s\n", path ? path : "(embedded default)", problems,
		       problems == 1 ? "" : "s");
	else
		printf("%s: configuration and templates are fine\n",
		       path ? path : "(embedded default)");
	rc = problems ? 1 : 0;
out:
	templates_free(t);
	config_free(cfg);
	g_clear_error(&gerr);
	g_string_free(errs, TRUE);
	g_option_context_free(oc);
	return rc;
}
