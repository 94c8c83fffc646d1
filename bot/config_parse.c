/*
 * config_parse.c - reading the INI text: a line scan for syntax and names,
 * then GKeyFile for the values, each checked against its kind.
 *
 * The scan replaces every line it rejects by "#", so GKeyFile still loads
 * the rest and the values after a typo are checked in the same run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config_p.h"
#include "util.h"

#define CONFIG_MAX_TEXT 200
#define CONFIG_MAX_TAG 32
#define CONFIG_MAX_HOST 253

static const struct config_key *
config_find(const char *group, const char *key)
{
	for (const struct config_key *k = config_keys; k->group; k++)
		if (strcmp(k->group, group) == 0 && (key == NULL || strcmp(k->name, key) == 0))
			return k;
	return NULL;
}

/* "[name]": TRUE to keep the line; *group becomes the group, or NULL if unknown. */
static gboolean
config_scan_group(struct config_load *ld, int no, const char *line, char **group)
{
	size_t n = strlen(line);
	char *name;

	g_clear_pointer(group, g_free);
	if (n < 3 || line[n - 1] != ']' || strcspn(line + 1, "[]") != n - 2) {
		config_error(ld, no, "bad group line (expected \"[name]\")");
		return FALSE;   /* its keys are dropped too: *group is NULL */
	}
	name = g_strndup(line + 1, n - 2);
	if (config_find(name, NULL) == NULL) {
		/* Dropped with its keys: GKeyFile never sees a name we did not check. */
		config_error(ld, no, "unknown group [%s]", name);
		g_free(name);
		return FALSE;
	}
	if (config_line(ld, name, NULL))
		config_error(ld, no, "group [%s] appears twice (first at line %d)", name,
			     config_line(ld, name, NULL));
	else
		g_hash_table_insert(ld->lines, g_strdup(name), GINT_TO_POINTER(no));
	*group = name;
	return TRUE;
}

/* "key = value" inside group (NULL: before any group or in an unknown one). */
static gboolean
config_scan_key(struct config_load *ld, int no, const char *line, const char *group,
		gboolean in_group)
{
	char *key = g_strstrip(g_strndup(line, strcspn(line, "=")));
	gboolean keep = FALSE;
	int first;

	if (key[0] == '\0') {
		config_error(ld, no, "missing key name before '='");
	} else if (!in_group) {
		config_error(ld, no, "key \"%s\" before any [group]", key);
	} else if (group == NULL) {
		;               /* in an unknown or bad group, already reported */
	} else if (strcmp(key, "password") == 0) {
		config_error(ld, no, "[%s] password: passwords are not written in the "
			     "configuration; put it in a file readable only by mcbot and "
			     "name that file with password_file", group);
	} else if (config_find(group, key) == NULL) {
		config_error(ld, no, "unknown key \"%s\" in [%s]", key, group);
	} else if ((first = config_line(ld, group, key)) != 0) {
		config_error(ld, no, "[%s] %s is set twice (first at line %d)", group, key, first);
	} else {
		g_hash_table_insert(ld->lines, g_strconcat(group, "\n", key, NULL),
				    GINT_TO_POINTER(no));
		keep = TRUE;
	}
	g_free(key);
	return keep;
}

/*
 * The text with every line GKeyFile does not need replaced by a comment
 * (transfer full): bad lines, and keys we will not read, so that a key
 * after a rejected group line cannot land in the group before it.
 */
static char *
config_scan(struct config_load *ld, const char *text)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *kept = g_string_new(NULL);
	char *group = NULL;
	gboolean in_group = FALSE;

	for (int i = 0; lines[i]; i++) {
		char *line = g_strstrip(g_strdup(lines[i]));
		gboolean keep = FALSE;
		int no = i + 1;

		if (!g_utf8_validate(line, -1, NULL)) {
			config_error(ld, no, "not valid UTF-8");
		} else if (line[0] == '\0' || line[0] == '#') {
			keep = TRUE;
		} else if (line[0] == '[') {
			keep = config_scan_group(ld, no, line, &group);
			in_group = TRUE;
		} else if (strchr(line, '=')) {
			keep = config_scan_key(ld, no, line, group, in_group);
		} else {
			config_error(ld, no, "expected \"[group]\", \"key = value\" or \"# comment\"");
		}
		g_string_append(kept, keep ? lines[i] : "#");
		g_string_append_c(kept, '\n');
		g_free(line);
	}
	g_free(group);
	g_strfreev(lines);
	return g_string_free(kept, FALSE);
}

static void
config_bad(struct config_load *ld, int line, const struct config_key *k, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

static void
config_bad(struct config_load *ld, int line, const struct config_key *k, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	config_error(ld, line, "[%s] %s: %s", k->group, k->name, msg);
	g_free(msg);
}

/* A value as written, for a message: escapes for controls, UTF-8 kept. */
static char *
config_shown(const char *v)
{
	char keep[129];

	for (int i = 0; i < 128; i++)
		keep[i] = (char)(0x80 + i);
	keep[128] = '\0';
	return g_strescape(v, keep);
}

static gboolean
config_has_controls(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return TRUE;
	return FALSE;
}

static gboolean
config_text_ok(const char *v, size_t max)
{
	if (strlen(v) > max)
		return FALSE;
	for (const char *p = v; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
			return FALSE;
	}
	return TRUE;
}

static gboolean
config_chars_ok(const char *v, const char *extra, size_t max)
{
	size_t n = strlen(v);

	if (n == 0 || n > max)
		return FALSE;
	for (const char *p = v; *p; p++)
		if (!g_ascii_isalnum(*p) && strchr(extra, *p) == NULL)
			return FALSE;
	return TRUE;
}

/* "1G", "64M", "1k" or plain bytes, for range messages. */
static char *
config_size_str(long long v)
{
	if (v % (1024LL * 1024 * 1024) == 0)
		return g_strdup_printf("%lldG", v / (1024LL * 1024 * 1024));
	if (v % (1024LL * 1024) == 0)
		return g_strdup_printf("%lldM", v / (1024LL * 1024));
	if (v % 1024 == 0)
		return g_strdup_printf("%lldk", v / 1024);
	return g_strdup_printf("%lld", v);
}

/* Digits with an optional k/K, M or G suffix (powers of 1024). */
static gboolean
config_parse_size(const char *v, guint64 *out)
{
	size_t n = strlen(v);
	guint64 mult = 1, num;
	char *digits;
	gboolean ok;

	switch (v[n - 1]) {
	case 'k': case 'K': mult = 1024; break;
	case 'M': mult = 1024 * 1024; break;
	case 'G': mult = 1024 * 1024 * 1024; break;
	}
	digits = g_strstrip(g_strndup(v, mult > 1 ? n - 1 : n));
	ok = g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64 / mult, &num, NULL);
	g_free(digits);
	if (ok)
		*out = num * mult;
	return ok;
}

static void
config_apply_number(struct config_load *ld, int line, const struct config_key *k,
		    const char *v, struct config *c)
{
	GError *gerr = NULL;
	gint64 num = 0;
	guint64 unum = 0;
	char *lo, *hi;

	if (k->kind == K_INT) {
		if (!g_ascii_string_to_signed(v, 10, k->min, k->max, &num, &gerr) &&
		    !g_error_matches(gerr, G_NUMBER_PARSER_ERROR,
				     G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
			config_bad(ld, line, k, "\"%s\" is not a whole number", v);
		else if (gerr)
			config_bad(ld, line, k, "%s is out of range (%lld to %lld)", v,
				   k->min, k->max);
		else
			G_STRUCT_MEMBER(int, c, k->off) = (int)num;
		g_clear_error(&gerr);
		return;
	}
	if (!config_parse_size(v, &unum)) {
		config_bad(ld, line, k, "\"%s\" is not a size (a whole number of bytes, "
			   "optionally followed by k, M or G)", v);
	} else if (unum < (guint64)k->min || unum > (guint64)k->max) {
		lo = config_size_str(k->min);
		hi = config_size_str(k->max);
		config_bad(ld, line, k, "%s is out of range (%s to %s)", v, lo, hi);
		g_free(lo);
		g_free(hi);
	} else {
		G_STRUCT_MEMBER(gsize, c, k->off) = (gsize)unum;
	}
}

static void
config_apply_bool(struct config_load *ld, int line, const struct config_key *k,
		  const char *v, struct config *c)
{
	static const char *const yes[] = { "true", "yes", "1", NULL };
	static const char *const no[] = { "false", "no", "0", NULL };

	for (int i = 0; yes[i]; i++) {
		if (g_ascii_strcasecmp(v, yes[i]) == 0) {
			G_STRUCT_MEMBER(gboolean, c, k->off) = TRUE;
			return;
		}
		if (g_ascii_strcasecmp(v, no[i]) == 0) {
			G_STRUCT_MEMBER(gboolean, c, k->off) = FALSE;
			return;
		}
	}
	config_bad(ld, line, k, "\"%s\" is not true or false", v);
}

static void
config_apply_fpr(struct config_load *ld, int line, const struct config_key *k,
		 const char *v, struct config *c)
{
	GString *hex = g_string_new(NULL);

	for (const char *p = v; *p; p++) {
		if (*p == ':')
			continue;
		if (!g_ascii_isxdigit(*p)) {
			hex->len = 0;
			break;
		}
		g_string_append_c(hex, g_ascii_tolower(*p));
	}
	if (hex->len != 64) {
		config_bad(ld, line, k, "expected the SHA-256 of the certificate: 64 hex digits, "
			   "colons allowed");
		g_string_free(hex, TRUE);
		return;
	}
	g_free(c->imap_fingerprint);
	c->imap_fingerprint = g_string_free(hex, FALSE);
}

/* The problem with an SMTP URL, or NULL when it is fine. */
static const char *
config_url_problem(const char *v)
{
	const char *rest;
	size_t auth;

	if (g_str_has_prefix(v, "smtps://"))
		rest = v + 8;
	else if (g_str_has_prefix(v, "smtp://"))
		rest = v + 7;
	else
		return "must start with smtps:// or smtp://";
	for (const char *p = v; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return "spaces or control characters in the url";
	auth = strcspn(rest, "/?#");
	if (auth == 0)
		return "no host in the url";
	if (memchr(rest, '@', auth))
		return "credentials do not belong in the url; use user and password_file";
	return NULL;
}

static void
config_apply_path(struct config_load *ld, int line, const struct config_key *k,
		  const char *v, struct config *c)
{
	char *path;
	struct stat st;

	if (k->kind == K_SECRET) {
		/* ${CREDENTIALS_DIRECTORY}/name is expanded when the file is read. */
		ld->secret[k->off] = g_str_has_prefix(v, CONFIG_CREDENTIALS_VAR) ? g_strdup(v)
			: config_path(ld, v);
		ld->secret_line[k->off] = line;
		return;
	}
	path = config_path(ld, v);
	if (k->kind == K_FILE && stat(path, &st) < 0) {
		config_bad(ld, line, k, "%s: %s", path, g_strerror(errno));
		g_free(path);
		return;
	}
	if (k->kind == K_FILE && !S_ISREG(st.st_mode)) {
		config_bad(ld, line, k, "%s: not a regular file", path);
		g_free(path);
		return;
	}
	g_free(G_STRUCT_MEMBER(char *, c, k->off));
	G_STRUCT_MEMBER(char *, c, k->off) = path;
}

/* Enums: the index of v in names (NULL-terminated), or -1. */
static int
config_enum(const char *v, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

/* [digest] day, time and timezone: a weekly instant in a zone. */
static void
config_apply_when(struct config_load *ld, int line, const struct config_key *k, const char *v,
		  struct config *c)
{
	static const char *const days[] = { "monday", "tuesday", "wednesday", "thursday",
					    "friday", "saturday", "sunday", NULL };
	GTimeZone *tz;
	int i, h, m, n = 0;

	if (k->kind == K_WEEKDAY) {
		char *low = g_ascii_strdown(v, -1);

		if ((i = config_enum(low, days)) < 0)
			config_bad(ld, line, k, "\"%s\" is not a day of the week (monday ... "
				   "sunday)", v);
		else
			G_STRUCT_MEMBER(int, c, k->off) = i + 1;
		g_free(low);
	} else if (k->kind == K_CLOCK) {
		if (sscanf(v, "%2d:%2d%n", &h, &m, &n) != 2 || v[n] != '\0' || h < 0 || h > 23 ||
		    m < 0 || m > 59 || !g_ascii_isdigit(v[0]))
			config_bad(ld, line, k, "\"%s\" is not a time of day (HH:MM, 00:00 to "
				   "23:59)", v);
		else
			G_STRUCT_MEMBER(int, c, k->off) = h * 60 + m;
	} else if ((tz = g_time_zone_new_identifier(v)) == NULL) {
		config_bad(ld, line, k, "\"%s\" is not a time zone (e.g. UTC, Europe/Berlin, "
			   "America/New_York, +02:00)", v);
	} else {
		g_time_zone_unref(tz);
		g_free(G_STRUCT_MEMBER(char *, c, k->off));
		G_STRUCT_MEMBER(char *, c, k->off) = g_strdup(v);
	}
}

static void
config_apply(struct config_load *ld, int line, const struct config_key *k, const char *v,
	     struct config *c)
{
	static const char *const inboxes[] = { "maildir", "imap", NULL };
	static const char *const delivers[] = { "folder", "smtp", NULL };
	const char *problem = NULL;
	int i;

	switch (k->kind) {
	case K_TEXT:
	case K_NAME:
		if (!config_text_ok(v, CONFIG_MAX_TEXT))
			problem = "too long (at most " G_STRINGIFY(CONFIG_MAX_TEXT) " bytes) or "
				  "control characters";
		break;
	case K_TAG:
		if (!config_chars_ok(v, " ._-", CONFIG_MAX_TAG))
			problem = "at most " G_STRINGIFY(CONFIG_MAX_TAG) " letters, digits, "
				  "spaces, '.', '_' or '-' expected";
		break;
	case K_ADDR:
		if (!util_addr_ok(v))
			problem = "not a plain address (user@domain)";
		break;
	case K_HOST:
		if (!config_chars_ok(v, ".-:[]", CONFIG_MAX_HOST) || v[0] == '-')
			problem = "not a host name";
		break;
	case K_URL:
		problem = config_url_problem(v);
		break;
	case K_PATH:
	case K_FILE:
	case K_SECRET:
		config_apply_path(ld, line, k, v, c);
		return;
	case K_INT:
	case K_SIZE:
		config_apply_number(ld, line, k, v, c);
		return;
	case K_BOOL:
		config_apply_bool(ld, line, k, v, c);
		return;
	case K_FPR:
		config_apply_fpr(ld, line, k, v, c);
		return;
	case K_ADDRS:
	case K_PGPKEYS:
	case K_PROOFS:
	case K_DURATION:
		config_apply_org(ld, line, k, v, c);
		return;
	case K_WEEKDAY:
	case K_CLOCK:
	case K_TZ:
		config_apply_when(ld, line, k, v, c);
		return;
	case K_INBOX:
		if ((i = config_enum(v, inboxes)) < 0)
			config_bad(ld, line, k, "\"%s\" is not maildir or imap", v);
		else
			G_STRUCT_MEMBER(enum inbox_kind, c, k->off) =
				i ? INBOX_IMAP : INBOX_MAILDIR;
		return;
	case K_DELIVER:
		if ((i = config_enum(v, delivers)) < 0)
			config_bad(ld, line, k, "\"%s\" is not folder or smtp", v);
		else
			G_STRUCT_MEMBER(enum deliver_kind, c, k->off) =
				i ? DELIVER_SMTP : DELIVER_FOLDER;
		return;
	}
	if (problem && k->kind == K_URL) {
		config_bad(ld, line, k, "%s", problem);     /* it may hold a password */
		return;
	}
	if (problem) {
		config_bad(ld, line, k, "\"%s\": %s", v, problem);
		return;
	}
	g_free(G_STRUCT_MEMBER(char *, c, k->off));
	G_STRUCT_MEMBER(char *, c, k->off) = g_strdup(v);
}

int
config_parse(struct config_load *ld, const char *text, struct config *c)
{
	GKeyFile *kf = g_key_file_new();
	GError *gerr = NULL;
	char *kept = config_scan(ld, text);
	int rc = -1;

	if (!g_key_file_load_from_data(kf, kept, -1, G_KEY_FILE_NONE, &gerr)) {
		config_error(ld, 0, "%s", gerr->message);
		goto out;
	}
	for (const struct config_key *k = config_keys; k->group; k++) {
		int line = config_line(ld, k->group, k->name);
		char *v;

		if (line == 0)
			continue;
		v = g_key_file_get_string(kf, k->group, k->name, &gerr);
		if (v == NULL) {
			config_bad(ld, line, k, "%s", g_error_matches(gerr, G_KEY_FILE_ERROR,
				   G_KEY_FILE_ERROR_UNKNOWN_ENCODING) ? "not valid UTF-8" :
				   "the value cannot be read (a bad backslash escape?)");
			g_clear_error(&gerr);
			continue;
		}
		g_strstrip(v);
		if (v[0] == '\0') {
			config_bad(ld, line, k, "empty value (leave the key out to get the default)");
		} else if (config_has_controls(v)) {
			/* Only escapes such as \n put them there; show them as written. */
			char *shown = config_shown(v);
			config_bad(ld, line, k, "\"%s\": control characters are not allowed",
				   shown);
			g_free(shown);
		} else {
			config_apply(ld, line, k, v, c);
		}
		g_free(v);
	}
	rc = 0;
out:
	g_clear_error(&gerr);
	g_key_file_free(kf);
	g_free(kept);
	return rc;
}
