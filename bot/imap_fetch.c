/*
 * imap_fetch.c - finding pending mail, fetching it and moving it to the
 * folders under the prefix.
 *
 * Everything in the mailbox is pending (handled mail is moved out).  A
 * scan, UID FETCH n:* (UID FLAGS RFC822.SIZE), lists the mail not handed
 * out since the last wait, with sizes, in one round trip; fetches take
 * from that list and scan again only when it is empty (so a drain scans
 * once, plus once at its end).  One fetch: UID FETCH (UID BODY.PEEK[]) in
 * batches for the first max that fit the size limit, and
 * UID FETCH (UID BODY.PEEK[HEADER]) for the others (their one notice).
 * Bodies are streamed through a body handler into a buffer bounded by the
 * limit, so a server that declares a huge literal cannot make us allocate
 * it.
 */
#include <stdlib.h>
#include <string.h>

#include "imap_p.h"
#include "log.h"
#include "util.h"

/* State shared with the libetpan callbacks during one UID FETCH. */
struct imap_fetch_ctx {
	GHashTable *by_uid;     /* uid -> struct inbox_item * (borrowed) */
	GString *cur;           /* body bytes of the message being parsed */
	gsize max;              /* body limit */
	gboolean overflow;      /* cur went past max: dropped */
	gboolean head;          /* this FETCH asks for headers only: they go to it->head */
	GHashTable *got_body;   /* uids whose body arrived (set) */
};

struct mailimap_set *
imap_uid_set(const uint32_t *uids, guint n)
{
	struct mailimap_set *set = mailimap_set_new_empty();

	for (guint i = 0; i < n;) {
		guint j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (j == i)
			mailimap_set_add_single(set, uids[i]);
		else
			mailimap_set_add_interval(set, uids[i], uids[j]);
		i = j + 1;
	}
	return set;
}

static gint
imap_cmp_uid(gconstpointer a, gconstpointer b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct imap_scan_ctx {
	GArray *pending;        /* struct imap_pending */
	uint32_t from;          /* the lowest UID wanted */
};

/* Called once per FETCH response of a scan. */
static void
imap_scan_att(struct mailimap_msg_att *att, void *data)
{
	struct imap_scan_ctx *sc = data;
	struct imap_pending p = { 0, 0 };
	gboolean has_size = FALSE, deleted = FALSE;

	for (clistiter *c = clist_begin(att->att_list); c; c = clist_next(c)) {
		struct mailimap_msg_att_item *item = clist_content(c);
		struct mailimap_msg_att_static *s = item->att_data.att_static;
		struct mailimap_msg_att_dynamic *d = item->att_data.att_dyn;

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC && d && d->att_list) {
			for (clistiter *f = clist_begin(d->att_list); f; f = clist_next(f)) {
				struct mailimap_flag_fetch *ff = clist_content(f);

				if (ff->fl_type == MAILIMAP_FLAG_FETCH_OTHER && ff->fl_flag &&
				    ff->fl_flag->fl_type == MAILIMAP_FLAG_DELETED)
					deleted = TRUE;
			}
		} else if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC) {
			if (s->att_type == MAILIMAP_MSG_ATT_UID)
				p.uid = s->att_data.att_uid;
			else if (s->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE) {
				p.size = s->att_data.att_rfc822_size;
				has_size = TRUE;
			}
		}
	}
	/* "n:*" always matches the highest UID, even below n.  Mail copied out
	 * by a server without MOVE keeps only \Deleted. */
	if (p.uid >= sc->from && has_size && !deleted)
		g_array_append_val(sc->pending, p);
}

static void
imap_progress(size_t current, size_t maximum, void *data)
{
}

static gint
imap_cmp_pending(gconstpointer a, gconstpointer b)
{
	return imap_cmp_uid(&((const struct imap_pending *)a)->uid,
	    &((const struct imap_pending *)b)->uid);
}

/* Replace im->pending with the mail from next_uid on, UIDs ascending. */
static int
imap_scan(struct imap *im, GString *err)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_set *set = mailimap_set_new_interval(im->next_uid, 0);
	struct imap_scan_ctx sc = { im->pending, im->next_uid };
	clist *result = NULL;
	int r;

	g_array_set_size(im->pending, 0);
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_flags());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	/* From here on an EXISTS means mail this scan may not have seen (see imap_wait). */
	im->s->imap_selection_info->sel_has_exists = 0;
	im->s->imap_selection_info->sel_has_recent = 0;
	/* libetpan 1.9.4 calls the msg_att handler only when a progress callback is set. */
	mailimap_set_progress_callback(im->s, imap_progress, NULL, NULL);
	mailimap_set_msg_att_handler(im->s, imap_scan_att, &sc);
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	mailimap_set_msg_att_handler(im->s, NULL, NULL);
	mailimap_set_progress_callback(im->s, NULL, NULL, NULL);
	if (result)
		mailimap_fetch_list_free(result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		g_array_set_size(im->pending, 0);
		return imap_fail(im, err, r, "scan");
	}
	g_array_sort(im->pending, imap_cmp_pending);
	return 0;
}

static bool
imap_body_chunk(int type, struct mailimap_msg_att_body_section *section, const char *bytes,
    size_t len, void *data)
{
	struct imap_fetch_ctx *fc = data;

	if (fc->overflow)
		return true;
	if (fc->cur->len + len > fc->max) {
		/* Keep reading (the stream stays usable) but keep nothing. */
		fc->overflow = TRUE;
		g_string_truncate(fc->cur, 0);
		return true;
	}
	g_string_append_len(fc->cur, bytes, len);
	return true;
}

/* Called once per FETCH response, after its attributes are parsed. */
static void
imap_msg_att(struct mailimap_msg_att *att, void *data)
{
	struct imap_fetch_ctx *fc = data;
	struct inbox_item *it = NULL;
	gboolean body = FALSE;
	uint32_t uid = 0;

	for (clistiter *c = clist_begin(att->att_list); c; c = clist_next(c)) {
		struct mailimap_msg_att_item *item = clist_content(c);
		struct mailimap_msg_att_static *s;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		s = item->att_data.att_static;
		if (s->att_type == MAILIMAP_MSG_ATT_UID)
			uid = s->att_data.att_uid;
		else if (s->att_type == MAILIMAP_MSG_ATT_BODY_SECTION
		    && s->att_data.att_body_section->sec_body_part != NULL)
			body = TRUE;
	}
	if (uid)
		it = g_hash_table_lookup(fc->by_uid, GUINT_TO_POINTER(uid));
	if (it && body)
		g_hash_table_add(fc->got_body, GUINT_TO_POINTER(uid));
	if (it && body && fc->head) {
		g_clear_pointer(&it->head, g_free);
		it->head_len = 0;
		if (!fc->overflow) {
			it->head_len = fc->cur->len;
			it->head = g_string_free(fc->cur, FALSE);
			fc->cur = g_string_new(NULL);
		}
	} else if (it && body) {
		g_free(it->raw);
		it->raw = NULL;
		it->len = 0;
		if (fc->overflow)
			it->size = MAX(it->size, fc->max + 1);
		else {
			/* Take the buffer: binary-safe, NUL-terminated, no copy. */
			it->len = fc->cur->len;
			it->raw = g_string_free(fc->cur, FALSE);
			fc->cur = g_string_new(NULL);
		}
	}
	g_string_truncate(fc->cur, 0);
	fc->overflow = FALSE;
}

/* UID FETCH uids (UID BODY.PEEK[] or [HEADER]), through the callbacks. */
static int
imap_fetch_atts(struct imap *im, struct imap_fetch_ctx *fc, const uint32_t *uids, guint n,
    GString *err)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_set *set = imap_uid_set(uids, n);
	clist *result = NULL;
	int r;

	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(fc->head ? mailimap_section_new_header()
		: mailimap_section_new(NULL)));
	/* libetpan 1.9.4 calls the msg_att handler only when a progress callback is set. */
	mailimap_set_progress_callback(im->s, imap_progress, NULL, NULL);
	mailimap_set_msg_att_handler(im->s, imap_msg_att, fc);
	mailimap_set_msg_body_handler(im->s, imap_body_chunk, fc);
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	mailimap_set_msg_att_handler(im->s, NULL, NULL);
	mailimap_set_msg_body_handler(im->s, NULL, NULL);
	mailimap_set_progress_callback(im->s, NULL, NULL, NULL);
	if (result)
		mailimap_fetch_list_free(result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, err, r, "fetch");
	return 0;
}

/* The header blocks of the mails over the size limit, bounded by INBOX_HEAD_MAX. */
static int
imap_fetch_heads(struct imap *im, struct imap_fetch_ctx *fc, GArray *uids, GPtrArray *got,
    gsize limit, GString *err)
{
	GArray *big = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	int r = 0;

	for (guint i = 0; i < uids->len; i++) {
		struct inbox_item *it = g_ptr_array_index(got, i);

		if (it->size > limit)
			g_array_append_val(big, g_array_index(uids, uint32_t, i));
	}
	if (big->len > 0) {
		fc->head = TRUE;
		fc->max = INBOX_HEAD_MAX;
		r = imap_fetch_atts(im, fc, (uint32_t *)big->data, big->len, err);
		fc->head = FALSE;
		fc->max = limit;
	}
	g_array_free(big, TRUE);
	return r;
}

int
imap_fetch(struct inbox *ib, int max, GPtrArray *items, GString *err)
{
	struct imap *im = ib->priv;
	gsize limit = ib->cfg->max_message_size ? ib->cfg->max_message_size : G_MAXSIZE - 1;
	int batch = ib->cfg->imap_batch > 0 ? ib->cfg->imap_batch : 20;
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	GArray *small = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	GPtrArray *got = g_ptr_array_new_with_free_func((GDestroyNotify)inbox_item_free);
	struct imap_fetch_ctx fc = { 0 };
	guint n;
	int ret = -1;

	if (im->broken) {
		fail(err, "%s: session lost; reconnect", im->label);
		goto out;
	}
	fc.by_uid = g_hash_table_new(g_direct_hash, g_direct_equal);
	fc.got_body = g_hash_table_new(g_direct_hash, g_direct_equal);
	fc.cur = g_string_new(NULL);
	fc.max = limit;
	if (im->pending->len == 0 && imap_scan(im, err) < 0)
		goto out;
	n = MIN((guint)max, im->pending->len);
	if (n == 0) {
		ret = 0;
		goto out;
	}
	for (guint i = 0; i < n; i++) {
		const struct imap_pending *p = &g_array_index(im->pending, struct imap_pending, i);
		struct inbox_item *it = g_new0(struct inbox_item, 1);

		it->id = g_strdup_printf("%u", p->uid);
		it->size = p->size;
		g_ptr_array_add(got, it);
		g_array_append_val(uids, p->uid);
		g_hash_table_insert(fc.by_uid, GUINT_TO_POINTER(p->uid), it);
		if (it->size <= limit)
			g_array_append_val(small, p->uid);
	}
	g_array_remove_range(im->pending, 0, n);
	for (guint i = 0; i < small->len; i += batch) {
		guint k = MIN((guint)batch, small->len - i);

		if (imap_fetch_atts(im, &fc, &g_array_index(small, uint32_t, i), k, err) < 0)
			goto out;
	}
	if (small->len < uids->len && imap_fetch_heads(im, &fc, uids, got, limit, err) < 0)
		goto out;
	/* Hand out what the server still has: a FETCH answer came. */
	for (guint i = 0; i < got->len; i++) {
		uint32_t uid = g_array_index(uids, uint32_t, i);

		if (g_hash_table_contains(fc.got_body, GUINT_TO_POINTER(uid)))
			g_ptr_array_add(items, g_steal_pointer(&got->pdata[i]));
	}
	im->next_uid = MAX(im->next_uid, g_array_index(uids, uint32_t, uids->len - 1) + 1);
	log_debug(LOG_AREA_IMAP, "%s: fetched %u, %u more pending", im->label, items->len,
	    im->pending->len);
	ret = 0;
out:
	if (fc.by_uid)
		g_hash_table_destroy(fc.by_uid);
	if (fc.got_body)
		g_hash_table_destroy(fc.got_body);
	if (fc.cur)
		g_string_free(fc.cur, TRUE);
	g_array_free(uids, TRUE);
	g_array_free(small, TRUE);
	g_ptr_array_free(got, TRUE);
	return ret;
}

/* The hierarchy separator, from LIST "" "". */
static int
imap_delim(struct imap *im, GString *err)
{
	clist *list = NULL;
	int r;

	if (im->delim)
		return 0;
	r = mailimap_list(im->s, "", "", &list);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, err, r, "list");
	im->delim = '/';
	if (list && clist_begin(list)) {
		struct mailimap_mailbox_list *mb = clist_content(clist_begin(list));

		if (mb->mb_delimiter)
			im->delim = mb->mb_delimiter;
	}
	if (list)
		mailimap_list_result_free(list);
	return 0;
}

static int
imap_exists(struct imap *im, const char *name, gboolean *yes, GString *err)
{
	clist *list = NULL;
	int r = mailimap_list(im->s, "", name, &list);

	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, err, r, "list");
	*yes = list && clist_count(list) > 0;
	if (list)
		mailimap_list_result_free(list);
	return 0;
}

static int
imap_create(struct imap *im, const char *name, GString *err)
{
	char *what = g_strdup_printf("create folder %s", name);
	gboolean yes = FALSE;
	int r = mailimap_create(im->s, name), ret = 0;

	if (r == MAILIMAP_NO_ERROR) {
		log_info("%s: created folder %s", im->label, name);
		mailimap_subscribe(im->s, name);
	} else {
		ret = imap_fail(im, err, r, what);
		/* A NO may mean someone else created it meanwhile: look again. */
		if (!im->broken && imap_exists(im, name, &yes, NULL) == 0 && yes)
			ret = 0;
	}
	g_free(what);
	return ret;
}

/* Make sure the folder exists (CREATE when missing); cached per session. */
static int
imap_folder(struct imap *im, const char *name, GString *err)
{
	gboolean yes = FALSE;

	if (g_hash_table_contains(im->folders, name))
		return 0;
	if (imap_exists(im, name, &yes, err) < 0)
		return -1;
	if (!yes && imap_create(im, name, err) < 0)
		return -1;
	g_hash_table_add(im->folders, g_strdup(name));
	return 0;
}

/* Move uids to name: UID MOVE, or COPY + \Deleted (+ UID EXPUNGE with UIDPLUS). */
static int
imap_move(struct imap *im, struct mailimap_set *set, const char *name, GString *err)
{
	struct mailimap_flag_list *flags;
	struct mailimap_store_att_flags *store;
	int r;

	if (im->has_move) {
		r = mailimap_uid_move(im->s, set, name);
		return r == MAILIMAP_NO_ERROR ? 0 : imap_fail(im, err, r, "move");
	}
	r = mailimap_uid_copy(im->s, set, name);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, err, r, "copy");
	flags = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
	store = mailimap_store_att_flags_new_add_flags_silent(flags);
	r = mailimap_uid_store(im->s, set, store);
	mailimap_store_att_flags_free(store);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, err, r, "flag \\Deleted");
	/* A plain EXPUNGE would also remove other clients' deleted mail. */
	if (im->has_uidplus) {
		r = mailimap_uid_expunge(im->s, set);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(im, err, r, "expunge");
	}
	return 0;
}

static gboolean
imap_prefix_ok(const char *p)
{
	if (p == NULL || *p == '\0')
		return FALSE;
	for (; *p; p++)
		if (!g_ascii_isprint(*p) || strchr("%*&\"\\", *p))
			return FALSE;
	return TRUE;
}

int
imap_finish(struct inbox *ib, GPtrArray *items, GString *err)
{
	struct imap *im = ib->priv;
	const char *prefix = ib->cfg->imap_folder_prefix ? ib->cfg->imap_folder_prefix : "mcbot";
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	int ret = -1;

	if (im->broken) {
		fail(err, "%s: session lost; reconnect", im->label);
		goto out;
	}
	if (!imap_prefix_ok(prefix)) {
		fail(err, "%s: folder prefix must be printable ASCII without %%*&\"\\", im->label);
		goto out;
	}
	if (im->s->imap_selection_info == NULL
	    || im->s->imap_selection_info->sel_uidvalidity != im->uidvalidity) {
		im->broken = TRUE;
		fail(err, "%s: UIDVALIDITY changed; reconnect", im->label);
		goto out;
	}
	for (int f = FOLDER_NONE + 1; f < FOLDER_COUNT; f++) {
		struct mailimap_set *set;
		char *name;
		int r;

		g_array_set_size(uids, 0);
		for (guint i = 0; i < items->len; i++) {
			struct inbox_item *it = g_ptr_array_index(items, i);
			guint64 uid;

			if ((int)it->folder == f && g_ascii_string_to_unsigned(it->id, 10, 1,
			    G_MAXUINT32, &uid, NULL)) {
				uint32_t u = uid;

				g_array_append_val(uids, u);
			}
		}
		if (uids->len == 0)
			continue;
		g_array_sort(uids, imap_cmp_uid);
		if (imap_delim(im, err) < 0)
			goto out;
		name = g_strdup_printf("%s%c%s", prefix, im->delim, folder_name(f));
		set = imap_uid_set((uint32_t *)uids->data, uids->len);
		r = imap_folder(im, name, err);
		if (r == 0)
			r = imap_move(im, set, name, err);
		if (r == 0)
			log_debug(LOG_AREA_IMAP, "%s: %u to %s", im->label, uids->len, name);
		mailimap_set_free(set);
		g_free(name);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	g_array_free(uids, TRUE);
	return ret;
}
