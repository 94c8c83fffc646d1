/*
 * imap.c - the IMAP session: implicit TLS with libetpan, our own
 * certificate check (libetpan's GnuTLS build checks nothing), LOGIN,
 * SELECT, and waiting for mail with IDLE.  Fetching and moving mail is in
 * imap_fetch.c.
 *
 * After a stream, parse or protocol error the session is marked broken and
 * every later call fails: the caller closes it and opens a new one.
 */
#include <string.h>
#include <time.h>

#include "imap_p.h"
#include "log.h"
#include "tls_verify.h"
#include "util.h"

#define IMAP_DEFAULT_TIMEOUT 60
/* RFC 2177: servers may drop an IDLE after 30 minutes; renew well before
 * ([imap] idle_renew, shortened by tests). */
#define IMAP_IDLE_RENEW (25 * 60)
#define IMAP_IDLE_RENEW_MAX (29 * 60 - 1)
/* libetpan #393: IDLE can hang when the server talks before "+"; then poll. */
#define IMAP_IDLE_MAX_FAILURES 3

/* Consecutive failed IDLE commands, across reconnections. */
static int imap_idle_failures;

gboolean
imap_lost(int r)
{
	return r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE
	    || r == MAILIMAP_ERROR_PROTOCOL || r == MAILIMAP_ERROR_MEMORY
	    || r == MAILIMAP_ERROR_SSL;
}

int
imap_fail(struct imap *im, GString *err, int r, const char *what)
{
	const char *text = im->s ? im->s->imap_response : NULL;
	char *clean = NULL;
	const char *why;

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		why = "connection lost or timed out";
		break;
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_PROTOCOL:
		why = "unexpected server response";
		break;
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		why = "cannot connect (refused, unreachable, unknown or timed out)";
		break;
	case MAILIMAP_ERROR_SSL:
		why = "TLS handshake failed";
		break;
	case MAILIMAP_ERROR_MEMORY:
		why = "aborted";
		break;
	case MAILIMAP_ERROR_BAD_STATE:
		why = "not possible in this state";
		break;
	default:
		if (text && *text) {
			clean = util_clean_line(text, 200);
			why = clean;
		} else {
			why = "refused by the server";
		}
		break;
	}
	if (imap_lost(r))
		im->broken = TRUE;
	fail(err, "%s: %s: %s", im->label, what, why);
	g_free(clean);
	return -1;
}

/* Send the host name in SNI unless it is an address. */
static void
imap_tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	char *host = data;

	if (!g_hostname_is_ip_address(host))
		mailstream_ssl_set_server_name(ctx, host);
}

static int
imap_verify(struct imap *im, const struct config *cfg, GString *err)
{
	carray *raw = mailstream_get_certificate_chain(im->s->imap_stream);
	GPtrArray *chain = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	GString *why = g_string_new(NULL);
	int ret = 0;

	for (unsigned i = 0; raw && i < carray_count(raw); i++) {
		MMAPString *der = carray_get(raw, i);

		g_ptr_array_add(chain, g_bytes_new(der->str, der->len));
	}
	if (tls_verify_chain(chain, cfg->imap_host, cfg->imap_ca_file, cfg->imap_fingerprint,
	    why) < 0)
		ret = fail(err, "%s: %s", im->label, why->str);
	mailstream_certificate_chain_free(raw);
	g_ptr_array_free(chain, TRUE);
	g_string_free(why, TRUE);
	return ret;
}

static void
imap_read_caps(struct imap *im)
{
	struct mailimap_capability_data *caps = NULL;

	/* Ask: the greeting's list is the pre-login one. */
	if (mailimap_capability(im->s, &caps) == MAILIMAP_NO_ERROR && caps)
		mailimap_capability_data_free(caps);
	im->has_move = mailimap_has_extension(im->s, "MOVE");
	im->has_uidplus = mailimap_has_extension(im->s, "UIDPLUS");
	im->has_idle = mailimap_has_idle(im->s);
	log_debug(LOG_AREA_IMAP, "%s: MOVE %d UIDPLUS %d IDLE %d", im->label, im->has_move,
	    im->has_uidplus, im->has_idle);
}

static int
imap_session_open(struct imap *im, const struct config *cfg, GString *err)
{
	char *host = g_strdup(cfg->imap_host);
	int r, ret = -1;

	im->s = mailimap_new(0, NULL);
	/* Before connecting: it bounds connect, handshake and every read. */
	mailimap_set_timeout(im->s, cfg->imap_timeout > 0 ? cfg->imap_timeout
	    : IMAP_DEFAULT_TIMEOUT);
	r = mailimap_ssl_connect_with_callback(im->s, host, cfg->imap_port, imap_tls_setup, host);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		imap_fail(im, err, r, "connect");
		goto out;
	}
	if (imap_verify(im, cfg, err) < 0)
		goto out;
	if (r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		r = mailimap_login(im->s, cfg->imap_user ? cfg->imap_user : "",
		    cfg->imap_password ? cfg->imap_password : "");
		if (r != MAILIMAP_NO_ERROR) {
			imap_fail(im, err, r, "login failed");
			goto out;
		}
	}
	imap_read_caps(im);
	r = mailimap_select(im->s, cfg->imap_mailbox ? cfg->imap_mailbox : "INBOX");
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, err, r, "select");
		goto out;
	}
	im->uidvalidity = im->s->imap_selection_info->sel_uidvalidity;
	/* "* 0 EXISTS" is no news (see imap_wait). */
	if (im->s->imap_selection_info->sel_exists == 0)
		im->s->imap_selection_info->sel_has_exists = 0;
	log_debug(LOG_AREA_IMAP, "%s: selected, UIDVALIDITY %u, %u messages", im->label,
	    im->uidvalidity, im->s->imap_selection_info->sel_exists);
	ret = 0;
out:
	g_free(host);
	return ret;
}

/* Sleep in 1 s slices so *stop is honoured. */
static int
imap_sleep(int seconds, volatile int *stop)
{
	for (int i = 0; i < seconds; i++) {
		if (stop && *stop)
			return 0;
		g_usleep(G_USEC_PER_SEC);
	}
	return 0;
}

/*
 * One IDLE command of at most seconds.  *news is set when the server told
 * of new mail.  Returns 0, or -1 on error.
 */
static int
imap_idle_once(struct imap *im, int seconds, volatile int *stop, gboolean *news,
    GString *err)
{
	mailstream *st = im->s->imap_stream;
	gboolean data = FALSE;
	int r;

	if (!im->idle_ready) {
		if (mailstream_setup_idle(st) < 0)
			return fail(err, "%s: cannot set up IDLE", im->label);
		im->idle_ready = TRUE;
	}
	log_debug(LOG_AREA_IMAP, "%s: IDLE for at most %d s", im->label, seconds);
	r = mailimap_idle(im->s);
	if (r != MAILIMAP_NO_ERROR) {
		imap_idle_failures++;
		return imap_fail(im, err, r, "idle");
	}
	imap_idle_failures = 0;
	/* The untagged data may already sit in libetpan's buffer. */
	data = st->read_buffer_len > 0;
	for (int i = 0; i < seconds && !data; i++) {
		if (stop && *stop)
			break;
		r = mailstream_wait_idle(st, 1);
		if (r == MAILSTREAM_IDLE_HASDATA)
			data = TRUE;
		else if (r == MAILSTREAM_IDLE_ERROR && stop && *stop)
			break;          /* a signal interrupted the wait: end the IDLE */
		else if (r != MAILSTREAM_IDLE_TIMEOUT) {
			im->broken = TRUE;
			return fail(err, "%s: idle: wait failed", im->label);
		}
	}
	r = mailimap_idle_done(im->s);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, err, r, "idle done");
	/* Data can be a keep-alive ("* OK Still here"): only EXISTS means mail. */
	if (im->s->imap_selection_info->sel_has_exists
	    || im->s->imap_selection_info->sel_has_recent)
		*news = TRUE;
	return 0;
}

/*
 * A mailbox deleted and created again (restored from a backup, say) keeps
 * its name but not its UIDVALIDITY, and the server may tell an idling
 * session nothing: ask for the UIDVALIDITY of the name, and reconnect
 * (which selects the new mailbox) when it changed or the name is gone.
 */
static int
imap_check_mailbox(struct imap *im, const struct config *cfg, GString *err)
{
	const char *name = cfg->imap_mailbox ? cfg->imap_mailbox : "INBOX";
	struct mailimap_status_att_list *atts = mailimap_status_att_list_new_empty();
	struct mailimap_mailbox_data_status *status = NULL;
	uint32_t now = im->uidvalidity;
	clistiter *cur;
	int r;

	mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UIDVALIDITY);
	r = mailimap_status(im->s, name, atts, &status);
	mailimap_status_att_list_free(atts);
	if (r != MAILIMAP_NO_ERROR) {
		im->broken = TRUE;
		return imap_fail(im, err, r, "status of the mailbox");
	}
	for (cur = clist_begin(status->st_info_list); cur; cur = clist_next(cur)) {
		struct mailimap_status_info *info = clist_content(cur);

		if (info->st_att == MAILIMAP_STATUS_ATT_UIDVALIDITY)
			now = info->st_value;
	}
	mailimap_mailbox_data_status_free(status);
	if (now != im->uidvalidity) {
		im->broken = TRUE;
		return fail(err, "%s: %s was replaced (UIDVALIDITY %u -> %u); selecting it again",
			    im->label, name, im->uidvalidity, now);
	}
	return 0;
}

static int
imap_wait(struct inbox *ib, int seconds, volatile int *stop, GString *err)
{
	struct imap *im = ib->priv;
	time_t end = time(NULL) + seconds;
	int renew = ib->cfg->imap_idle_renew > 0 ? ib->cfg->imap_idle_renew : IMAP_IDLE_RENEW;
	gboolean news = FALSE;

	if (im->broken)
		return fail(err, "%s: session lost; reconnect", im->label);
	im->next_uid = 1;
	g_array_set_size(im->pending, 0);
	/* Mail announced during the last scan, before this wait: no need to wait. */
	if (im->s->imap_selection_info->sel_has_exists) {
		im->s->imap_selection_info->sel_has_exists = 0;
		return 1;
	}
	if (!im->has_idle || imap_idle_failures >= IMAP_IDLE_MAX_FAILURES) {
		imap_sleep(seconds, stop);
		return imap_check_mailbox(im, ib->cfg, err);
	}
	for (int quick = 0;;) {
		time_t left = end - time(NULL);
		gint64 began = g_get_monotonic_time();

		if (left <= 0 || (stop && *stop))
			return 0;
		if (imap_idle_once(im, MIN(left, MIN(renew, IMAP_IDLE_RENEW_MAX)), stop, &news,
		    err) < 0) {
			if (imap_idle_failures == IMAP_IDLE_MAX_FAILURES)
				log_notice("%s: IDLE keeps failing; polling instead", im->label);
			return -1;
		}
		if (news)
			return 1;
		if (imap_check_mailbox(im, ib->cfg, err) < 0)
			return -1;
		/* An IDLE that keeps ending at once without news (a server that
		 * said BYE, a mailbox gone) must not become a busy loop. */
		quick = g_get_monotonic_time() - began < G_USEC_PER_SEC / 2 ? quick + 1 : 0;
		if (quick >= 3) {
			im->broken = TRUE;
			return fail(err, "%s: IDLE keeps ending without news; reconnecting",
				    im->label);
		}
	}
}

static void
imap_close(struct inbox *ib)
{
	struct imap *im = ib->priv;

	if (im->s) {
		if (im->idle_ready)
			mailstream_unsetup_idle(im->s->imap_stream);
		/*
		 * mailimap_free() sends LOGOUT when the stream is open: on a
		 * broken session that would write to a dead peer and wait for
		 * the timeout, so close the stream first.
		 */
		if (im->broken && im->s->imap_stream) {
			mailstream_close(im->s->imap_stream);
			im->s->imap_stream = NULL;
		}
		mailimap_free(im->s);
	}
	g_hash_table_destroy(im->folders);
	g_array_free(im->pending, TRUE);
	g_free(im->label);
	g_free(im);
	g_free(ib);
}

static const struct inbox_ops imap_ops = {
	.fetch = imap_fetch,
	.finish = imap_finish,
	.wait = imap_wait,
	.close = imap_close,
};

int
imap_inbox_open(const struct config *cfg, struct inbox **out, GString *err)
{
	struct imap *im;
	struct inbox *ib;

	*out = NULL;
	if (cfg->imap_host == NULL || cfg->imap_host[0] == '\0')
		return fail(err, "imap: no host configured");
	if (cfg->imap_port <= 0 || cfg->imap_port > 65535)
		return fail(err, "imap: bad port %d", cfg->imap_port);
	im = g_new0(struct imap, 1);
	im->label = g_strdup_printf("imap %s:%d", cfg->imap_host, cfg->imap_port);
	im->next_uid = 1;
	im->pending = g_array_new(FALSE, FALSE, sizeof(struct imap_pending));
	im->folders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	ib = g_new0(struct inbox, 1);
	ib->ops = &imap_ops;
	ib->cfg = cfg;
	ib->priv = im;
	if (imap_session_open(im, cfg, err) < 0) {
		/* Nothing worth a LOGOUT: drop the connection. */
		im->broken = TRUE;
		imap_close(ib);
		return -1;
	}
	*out = ib;
	return 0;
}
