/*
 * smtp.c - one mail per call through libcurl's SMTP, one connection reused.
 *
 * libcurl reports an SMTP failure as a CURLcode plus the last response
 * code; which command failed has to be inferred.  A 4xx/5xx is this mail's
 * own answer only where libcurl reports a MAIL, RCPT or DATA refusal
 * (CURLE_SEND_ERROR before any data was read) or the reply to the final
 * dot (CURLE_WEIRD_SERVER_REPLY, CURLE_RECV_ERROR in older libcurl, after
 * all data was read).  A connection lost after the dot leaves the last
 * code at 354: the mail may have been taken, so it is a temporary failure
 * and the retry carries the same Message-ID.  Everything else (connect,
 * TLS, greeting, EHLO, AUTH, 421, timeouts) is a connection failure.
 * After any failure the handle is dropped: the next mail starts on a
 * fresh connection.
 */
#include <string.h>
#include <curl/curl.h>

#include "smtp.h"
#include "smtp_p.h"
#include "log.h"
#include "util.h"

#define SMTP_DEFAULT_TIMEOUT 60
#define SMTP_MAX_REPLY 300

struct smtp {
	const struct config *cfg;
	CURL *curl;
	char *url;              /* with the EHLO name as path; NULL if smtp_url is bad */
	char *url_error;
	char errbuf[CURL_ERROR_SIZE];
	GString *reply;         /* last 4xx/5xx line the server sent */
	GString *partial;       /* incomplete line from the debug callback */
	const char *data;       /* the message being uploaded */
	gsize len, pos;
	gboolean read_started, read_done;
	gboolean conn_failed;
	long connections;
};

static void smtp_global_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&done, 1);
	}
}

/* A host name or address literal for EHLO. */
static gboolean smtp_helo_ok(const char *h)
{
	size_t n = 0;

	if (!h || !*h)
		return FALSE;
	for (const char *p = h; *p; p++, n++) {
		if (!g_ascii_isalnum(*p) && !strchr(".-[]:", *p))
			return FALSE;
	}
	return n <= 253;
}

static const char *smtp_helo(const struct config *cfg)
{
	const char *at;

	if (smtp_helo_ok(cfg->smtp_helo))
		return cfg->smtp_helo;
	if (smtp_helo_ok(cfg->msgid_domain))
		return cfg->msgid_domain;
	at = cfg->list_address ? strrchr(cfg->list_address, '@') : NULL;
	if (at && smtp_helo_ok(at + 1))
		return at + 1;
	return "localhost";
}

/* smtp_url with the EHLO name as path and no user, password or query. */
static int smtp_build_url(struct smtp *s, GString *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *url = NULL, *path;
	int rc = -1;

	if (!s->cfg->smtp_url || curl_url_set(u, CURLUPART_URL, s->cfg->smtp_url, 0) != CURLUE_OK) {
		fail(err, "smtp_url is missing or not a URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "smtp") && strcmp(scheme, "smtps"))) {
		fail(err, "smtp_url must start with smtp:// or smtps://");
		goto out;
	}
	path = g_strconcat("/", smtp_helo(s->cfg), NULL);
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
	curl_url_set(u, CURLUPART_QUERY, NULL, 0);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	curl_url_set(u, CURLUPART_PATH, path, 0);
	g_free(path);
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		fail(err, "smtp_url cannot be used");
		goto out;
	}
	s->url = g_strdup(url);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

struct smtp *smtp_new(const struct config *cfg)
{
	struct smtp *s = g_new0(struct smtp, 1);
	GString *err = g_string_new(NULL);

	smtp_global_init();
	s->cfg = cfg;
	s->reply = g_string_new(NULL);
	s->partial = g_string_new(NULL);
	if (smtp_build_url(s, err) < 0)
		s->url_error = g_strdup(err->str);
	g_string_free(err, TRUE);
	return s;
}

void smtp_free(struct smtp *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);     /* sends QUIT on a live connection */
	g_free(s->url);
	g_free(s->url_error);
	g_string_free(s->reply, TRUE);
	g_string_free(s->partial, TRUE);
	g_free(s);
}

gboolean smtp_conn_failed(const struct smtp *s)
{
	return s->conn_failed;
}

long smtp_connections(const struct smtp *s)
{
	return s->connections;
}

static size_t smtp_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp *s = arg;
	size_t room = size * nitems, left = s->len - s->pos;
	size_t n = MIN(room, left);

	s->read_started = TRUE;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	if (n == 0)
		s->read_done = TRUE;
	return n;
}

/* Commands we may trace: never AUTH or its base64 continuation lines. */
static gboolean smtp_traceable(const char *line)
{
	static const char *const verbs[] = { "EHLO", "HELO", "STARTTLS", "MAIL", "RCPT",
					     "DATA", "QUIT", "RSET", "NOOP" };

	for (guint i = 0; i < G_N_ELEMENTS(verbs); i++) {
		if (!g_ascii_strncasecmp(line, verbs[i], strlen(verbs[i])))
			return TRUE;
	}
	return FALSE;
}

/* Keeps the server's last reply line for error messages; traces the dialogue. */
static int smtp_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp *s = arg;
	char *line;

	if (type == CURLINFO_HEADER_OUT) {
		char *raw = g_strndup(data, MIN(size, 200));
		line = util_clean_line(raw, 200);
		log_debug(LOG_AREA_SMTP, "smtp> %s", smtp_traceable(line) ? line : "(AUTH data)");
		g_free(line);
		g_free(raw);
		return 0;
	}
	if (type != CURLINFO_HEADER_IN)
		return 0;
	for (size_t i = 0; i < size; i++) {
		if (data[i] != '\n') {
			if (s->partial->len < SMTP_MAX_REPLY)
				g_string_append_c(s->partial, data[i]);
			continue;
		}
		line = util_clean_line(s->partial->str, SMTP_MAX_REPLY);
		log_debug(LOG_AREA_SMTP, "smtp< %s", line);
		/* Not the "221 Bye" to the QUIT that follows a refusal. */
		if (line[0] == '4' || line[0] == '5')
			g_string_assign(s->reply, line);
		g_string_truncate(s->partial, 0);
		g_free(line);
	}
	return 0;
}

static CURL *smtp_handle(struct smtp *s)
{
	const struct config *cfg = s->cfg;
	long t = cfg->smtp_timeout > 0 ? cfg->smtp_timeout : SMTP_DEFAULT_TIMEOUT;
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(h, CURLOPT_USE_SSL, cfg->smtp_local ? (long) CURLUSESSL_NONE
							     : (long) CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->smtp_ca_file && *cfg->smtp_ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->smtp_ca_file);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, t);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, t);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5 * t);
	if (cfg->smtp_user && *cfg->smtp_user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
	}
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(h, CURLOPT_READDATA, s);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, smtp_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
	return h;
}

/* data with every line ending in CRLF (NULL if it already does). */
static char *smtp_fix_crlf(const char *data, gsize len, gsize *out_len)
{
	GString *o;
	gsize i;

	for (i = 0; i < len; i++) {
		if ((data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) ||
		    (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n')))
			break;
	}
	if (i == len)
		return NULL;
	o = g_string_sized_new(len + len / 20 + 2);
	for (i = 0; i < len; i++) {
		if (data[i] == '\r') {
			if (i + 1 < len && data[i + 1] == '\n')
				i++;
			g_string_append(o, "\r\n");
		} else if (data[i] == '\n') {
			g_string_append(o, "\r\n");
		} else {
			g_string_append_c(o, data[i]);
		}
	}
	*out_len = o->len;
	return g_string_free(o, FALSE);
}

static enum smtp_status smtp_classify(struct smtp *s, CURLcode rc, long code, GString *err)
{
	const char *what = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
	gboolean mail_answer = (rc == CURLE_SEND_ERROR && !s->read_started) ||
			       ((rc == CURLE_RECV_ERROR || rc == CURLE_WEIRD_SERVER_REPLY) &&
				s->read_done);
	enum smtp_status st = SMTP_TEMPFAIL;
	char *why;

	if (mail_answer && s->read_done && code >= 400)
		what = "message refused after DATA";
	why = util_clean_line(what, 200);

	s->conn_failed = TRUE;
	if (mail_answer && code >= 500 && code <= 599) {
		st = SMTP_PERMFAIL;
		s->conn_failed = FALSE;
	} else if (mail_answer && code >= 400 && code <= 499 && code != 421) {
		s->conn_failed = FALSE;
	}
	if (s->reply->len && code >= 400)
		fail(err, "smtp: %s (response %ld: %s)", why, code, s->reply->str);
	else
		fail(err, "smtp: %s (response %ld)", why, code);
	g_free(why);
	return st;
}

enum smtp_status smtp_send(struct smtp *s, const char *from, const char *rcpt,
			   const char *data, gsize len, GString *err)
{
	struct curl_slist *rcpts = NULL;
	char *fixed, *mail_from, *rcpt_to;
	gsize fixed_len = 0;
	enum smtp_status st;
	long code = 0, conns = 0;
	CURLcode rc;

	s->conn_failed = FALSE;
	if (!util_addr_ok(from) || !util_addr_ok(rcpt)) {
		fail(err, "smtp: bad envelope address");
		return SMTP_PERMFAIL;
	}
	if (!s->url) {
		s->conn_failed = TRUE;
		fail(err, "smtp: %s", s->url_error);
		return SMTP_TEMPFAIL;
	}
	if (!s->curl && !(s->curl = smtp_handle(s))) {
		s->conn_failed = TRUE;
		fail(err, "smtp: cannot create a curl handle");
		return SMTP_TEMPFAIL;
	}

	fixed = smtp_fix_crlf(data, len, &fixed_len);
	s->data = fixed ? fixed : data;
	s->len = fixed ? fixed_len : len;
	s->pos = 0;
	s->read_started = s->read_done = FALSE;
	s->errbuf[0] = '\0';
	g_string_truncate(s->reply, 0);
	g_string_truncate(s->partial, 0);

	mail_from = g_strdup_printf("<%s>", from);
	rcpt_to = g_strdup_printf("<%s>", rcpt);
	rcpts = curl_slist_append(rcpts, rcpt_to);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) s->len);

	rc = curl_easy_perform(s->curl);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &conns);
	s->connections += conns;

	if (rc == CURLE_OK) {
		st = SMTP_SENT;
		log_debug(LOG_AREA_SMTP, "smtp: sent to %s (response %ld)", rcpt, code);
	} else {
		st = smtp_classify(s, rc, code, err);
		curl_easy_cleanup(s->curl);
		s->curl = NULL;
	}
	/* The handle keeps pointers to these until the next setopt. */
	if (s->curl) {
		curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
		curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, NULL);
	}
	curl_slist_free_all(rcpts);
	g_free(mail_from);
	g_free(rcpt_to);
	g_free(fixed);
	s->data = NULL;
	return st;
}

static size_t smtp_discard(char *buf, size_t size, size_t nitems, void *arg)
{
	return size * nitems;
}

int smtp_check(const struct config *cfg, char **what, GString *err)
{
	struct smtp *s = smtp_new(cfg);
	gboolean tls = g_str_has_prefix(cfg->smtp_url ? cfg->smtp_url : "", "smtps://");
	const char *how;
	CURLcode rc;
	char *why;
	int ret = -1;

	*what = NULL;
	if (!s->url) {
		fail(err, "smtp: %s", s->url_error);
		goto out;
	}
	if (!(s->curl = smtp_handle(s))) {
		fail(err, "smtp: cannot create a curl handle");
		goto out;
	}
	/* No upload and no recipient: libcurl sends the custom command instead. */
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, "NOOP");
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, smtp_discard);
	rc = curl_easy_perform(s->curl);
	if (rc != CURLE_OK) {
		why = util_clean_line(s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc), 300);
		if (s->reply->len)
			fail(err, "smtp %s: %s (the server said: %s)", cfg->smtp_url, why,
			     s->reply->str);
		else
			fail(err, "smtp %s: %s", cfg->smtp_url, why);
		g_free(why);
		goto out;
	}
	how = tls ? "TLS, certificate verified" : cfg->smtp_local
		? "plain text (local = true)" : "STARTTLS, certificate verified";
	if (cfg->smtp_user && *cfg->smtp_user)
		*what = g_strdup_printf("%s, logged in as %s", how, cfg->smtp_user);
	else
		*what = g_strdup_printf("%s, no login configured", how);
	ret = 0;
out:
	smtp_free(s);
	return ret;
}
