/*
 * test_config_cred.c - password files handed over by systemd's
 * LoadCredential=: "${CREDENTIALS_DIRECTORY}/name" in a password_file,
 * and commands that do not read passwords at all.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "bot/config.h"
#include "bot/config_secrets.h"

static char *tmp;

static char *
write_file(const char *name, const char *text, int mode)
{
	char *path = g_build_filename(tmp, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_cmpint(g_chmod(path, mode), ==, 0);
	return path;
}

/* An IMAP configuration whose password_file is value (line 6). */
static char *
imap_conf(const char *value)
{
	char *text = g_strdup_printf("[inbox]\ntype = imap\n[imap]\nhost = imap.example.org\n"
				     "user = bot\npassword_file = %s\n", value);
	char *path = write_file("cred.conf", text, 0644);

	g_free(text);
	return path;
}

/* Load path; the errors (or "" when it loads) in *errs_out. */
static struct config *
load(const char *path, char **errs_out)
{
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;

	if (config_load(path, &c, errs) < 0)
		g_assert_null(c);
	*errs_out = g_string_free(errs, FALSE);
	return c;
}

static void
test_expanded(void)
{
	char *dir = g_build_filename(tmp, "creds", NULL);
	char *pw, *conf, *errs;
	struct config *c;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	pw = g_build_filename(dir, "imap-password", NULL);
	g_assert_true(g_file_set_contents(pw, "s3cret\n", -1, NULL));
	g_assert_cmpint(g_chmod(pw, 0600), ==, 0);
	g_setenv("CREDENTIALS_DIRECTORY", dir, TRUE);
	conf = imap_conf("${CREDENTIALS_DIRECTORY}/imap-password");
	c = load(conf, &errs);
	g_assert_cmpstr(errs, ==, "");
	g_assert_nonnull(c);
	g_assert_cmpstr(c->imap_password, ==, "s3cret");
	config_free(c);
	g_free(errs);

	/* The file itself is checked as any password file. */
	g_assert_cmpint(g_chmod(pw, 0644), ==, 0);
	c = load(conf, &errs);
	g_assert_null(c);
	g_assert_nonnull(strstr(errs, ":6: [imap] password_file: "));
	g_assert_nonnull(strstr(errs, "/creds/imap-password: group or others have access"));
	g_free(errs);
	g_unsetenv("CREDENTIALS_DIRECTORY");
	g_unlink(pw);
	g_rmdir(dir);
	g_free(pw);
	g_free(dir);
	g_free(conf);
}

static void
test_unset(void)
{
	char *conf = imap_conf("${CREDENTIALS_DIRECTORY}/imap-password");
	char *errs, *want = g_strdup_printf("%s:6: [imap] password_file: ${CREDENTIALS_DIRECTORY} "
					    "is not set: systemd sets it for a service with "
					    "LoadCredential=; outside such a service, name the "
					    "file itself\n", conf);
	struct config *c;

	g_unsetenv("CREDENTIALS_DIRECTORY");
	c = load(conf, &errs);
	g_assert_null(c);
	g_assert_cmpstr(errs, ==, want);
	g_free(errs);

	/* Commands that never log in do not need it. */
	config_skip_secrets(TRUE);
	c = load(conf, &errs);
	config_skip_secrets(FALSE);
	g_assert_cmpstr(errs, ==, "");
	g_assert_nonnull(c);
	g_assert_null(c->imap_password);
	config_free(c);
	g_free(errs);
	g_free(want);
	g_free(conf);
}

static void
test_bad_names(void)
{
	static const char *const bad[] = {
		"${CREDENTIALS_DIRECTORY}", "${CREDENTIALS_DIRECTORY}/",
		"${CREDENTIALS_DIRECTORY}/a/b", "${CREDENTIALS_DIRECTORY}/..",
		"${CREDENTIALS_DIRECTORY}/.", "${CREDENTIALS_DIRECTORY}x",
	};

	g_setenv("CREDENTIALS_DIRECTORY", tmp, TRUE);
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *conf = imap_conf(bad[i]), *errs;
		struct config *c = load(conf, &errs);

		g_assert_null(c);
		g_assert_nonnull(strstr(errs, ":6: [imap] password_file: expected "
					"${CREDENTIALS_DIRECTORY}/NAME"));
		g_free(errs);
		g_free(conf);
	}
	g_unsetenv("CREDENTIALS_DIRECTORY");
}

/* Other values are paths as before: relative to the file, no expansion. */
static void
test_plain_path(void)
{
	char *pw = write_file("plain.pw", "plain\n", 0600);
	char *conf = imap_conf("plain.pw"), *errs;
	struct config *c = load(conf, &errs);

	g_assert_cmpstr(errs, ==, "");
	g_assert_cmpstr(c->imap_password, ==, "plain");
	config_free(c);
	g_free(errs);
	g_free(conf);
	conf = imap_conf("$HOME/x.pw");
	c = load(conf, &errs);
	g_assert_null(c);
	g_assert_nonnull(strstr(errs, "/$HOME/x.pw: No such file or directory"));
	g_free(errs);
	g_free(conf);
	g_unlink(pw);
	g_free(pw);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp = g_dir_make_tmp("mcbot-cred.XXXXXX", NULL);
	g_assert_nonnull(tmp);
	g_test_add_func("/config-cred/expanded", test_expanded);
	g_test_add_func("/config-cred/unset", test_unset);
	g_test_add_func("/config-cred/bad-names", test_bad_names);
	g_test_add_func("/config-cred/plain-path", test_plain_path);
	rc = g_test_run();
	{
		char *conf = g_build_filename(tmp, "cred.conf", NULL);

		g_unlink(conf);
		g_free(conf);
	}
	g_rmdir(tmp);
	g_free(tmp);
	return rc;
}
