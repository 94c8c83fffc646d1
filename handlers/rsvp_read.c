/*
 * rsvp_read.c - what an RSVP mail says: attending or not, and which MC,
 * as written.
 *
 * People write "RSVP: OpenPrinting MC", "I plan to attend the Real-time
 * microconference", "count me in", "sorry, can't make it", or just reply
 * to an announcement.  The wording is read clause by clause (a negation
 * before the verb turns an attendance into a decline); the MC's name is
 * collected from every place it may be written, strongest first, and left
 * to rsvp_match.c to resolve.
 */
#include <stdlib.h>
#include <string.h>

#include "../bot/util.h"
#include "classify.h"
#include "extract.h"
#include "rsvp.h"

#define NAME_MAX_BYTES 200

/* A GRegex compiled once for the process (never freed). */
static GRegex *
rx(GRegex **slot, const char *pattern)
{
	if (*slot == NULL)
		*slot = g_regex_new(pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
	return *slot;
}

static gboolean
rx_match(GRegex **slot, const char *pattern, const char *s)
{
	return g_regex_match(rx(slot, pattern), s, 0, NULL);
}

/* Lowercase, typographic apostrophes made plain, no-break spaces and tabs made spaces. */
static char *
norm_text(const char *text)
{
	char *low = g_utf8_strdown(text ? text : "", -1);
	GString *s = g_string_new(NULL);

	for (const char *p = low; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == 0x2019 || c == 0x2018 || c == 0x02bc || c == 0x00b4 || c == '`')
			g_string_append_c(s, '\'');
		else if (c == 0x00a0 || c == '\t')
			g_string_append_c(s, ' ');
		else
			g_string_append_len(s, p, g_utf8_next_char(p) - p);
	}
	g_free(low);
	return g_string_free(s, FALSE);
}

/* ---- wording ---- */

static enum rsvp_wording
clause_wording(const char *c)
{
	static GRegex *neg_fixed, *neg_foreign, *neg_cjk, *verb, *neg, *hedge, *intent,
		*pos_fixed, *pos_cjk, *plus;
	GMatchInfo *mi = NULL;
	enum rsvp_wording w = RSVP_SAYS_NOTHING;
	gint start = 0;

	if (rx_match(&neg_fixed, "\\b(count (me|us) out|cancel|cancell?(ed|ing|ation)|"
		     "withdraw|unregister|deregister|un-rsvp|remove (me|us|my)|"
		     "take (me|us) off|decline|declining|not (be )?(attending|coming|joining)|"
		     "no longer (attending|coming|joining)|absagen|abmelden|annuler|annule|"
		     "cancelar|anular|annullare|disdire)\\b", c))
		return RSVP_SAYS_DECLINE;
	/* \b does not see non-ASCII letters: foreign words end with (?!\w). */
	if (rx_match(&neg_foreign, "\\b(leider nicht|nicht teilnehmen|nicht dabei|kann nicht|"
		     "komme nicht|werde nicht|ne pourrai pas|ne serai pas|ne viendrai pas|"
		     "ne peux pas|no podr[eé]|no puedo|no asistir[eé]|non potr[oò]|non posso|"
		     "non ci sar[oò]|n[aã]o poderei|n[aã]o posso|n[aã]o vou)(?!\\w)", c))
		return RSVP_SAYS_DECLINE;
	if (rx_match(&neg_cjk, "参加できません|参加できない|欠席|不参加|不能参加|无法参加|無法參加|"
		     "不能出席|无法出席", c))
		return RSVP_SAYS_DECLINE;
	/* "can't wait to attend" is eager, not negative */
	if (g_regex_match(rx(&verb, "\\b(attend|attending|be there|be attending|join|joining|"
			     "participate|participating|come|coming|make it|be present)\\b"), c, 0, &mi)) {
		char *before;

		g_match_info_fetch_pos(mi, 0, &start, NULL);
		before = g_strndup(c, (gsize)start);
		if (rx_match(&neg, "(\\b(not|no longer|never|cannot|unable|unfortunately|sadly|"
			     "regrettably|neither|nor)\\b|n't\\b|\\b(cant|wont|dont|couldnt)\\b)",
			     before) && !strstr(before, "can't wait") && !strstr(before, "cant wait"))
			w = rx_match(&hedge, "\\b(not sure|unsure|not yet sure|not certain)\\b", before)
				? RSVP_SAYS_NOTHING : RSVP_SAYS_DECLINE;
		else if (*g_strstrip(before) == '\0' ||
			 rx_match(&intent, "\\b(i|we|i'm|im|i'll|ill|we'll|i'd|we'd|will|shall|"
				  "plan|plans|planning|planned|intend|intending|hope|hoping|want|"
				  "wish|would like|like to|love to|happy to|glad to|excited to|keen to|"
				  "confirm|looking forward|going to|gonna|expect|expecting|"
				  "definitely|sure|yes|also)\\b", before))
			w = RSVP_SAYS_ATTEND;
		g_free(before);
	}
	g_match_info_free(mi);
	if (w != RSVP_SAYS_NOTHING)
		return w;
	if (rx_match(&pos_fixed, "\\b(count (me|us) in|sign (me|us) up|register (me|us)|"
		     "add (me|us)|put (me|us) down|rsvp|see you (there|in|at)|i'm in|we're in|"
		     "ich bin dabei|ich komme|teilnehmen|nehme teil|dabei sein|je serai|"
		     "participerai|j'y serai|je viendrai|asistir[eé]|participar[eé]|estar[eé]|"
		     "parteciper[oò]|ci sar[oò]|vou participar|estarei|irei)(?!\\w)", c))
		return RSVP_SAYS_ATTEND;
	if (rx_match(&pos_cjk, "参加します|出席します|参加予定|参加したい|我会参加|我會參加|我将参加|"
		     "参加", c))
		return RSVP_SAYS_ATTEND;
	if (rx_match(&plus, "^\\s*\\+1\\b", c))
		return RSVP_SAYS_ATTEND;
	return RSVP_SAYS_NOTHING;
}

enum rsvp_wording
rsvp_wording(const char *text)
{
	static GRegex *split;
	char *t = norm_text(text);
	char **parts = g_regex_split(rx(&split, "([.!?;,:\n。！？、]|\\bbut\\b)"), t, 0);
	enum rsvp_wording w = RSVP_SAYS_NOTHING;

	/* g_regex_split keeps the delimiters (the group) as their own items:
	 * a clause followed by "?" is a question and says nothing. */
	for (int i = 0; parts[i] && w == RSVP_SAYS_NOTHING; i++) {
		const char *next = parts[i + 1];

		if (next && (strcmp(next, "?") == 0 || strcmp(next, "？") == 0))
			continue;
		if (*parts[i] && strchr(".!?;,:\n", *parts[i]) && parts[i][1] == '\0')
			continue;
		w = clause_wording(parts[i]);
	}
	g_strfreev(parts);
	g_free(t);
	return w;
}

/* ---- sub-address ---- */

/* The name after "+rsvp" when addr is list_address's +rsvp sub-address:
 * "" for local+rsvp@, "android" for local+rsvp-android@; else NULL. */
static char *
subaddress_name(const char *addr, const char *list_address)
{
	const char *lat = strrchr(list_address, '@'), *aat = addr ? strrchr(addr, '@') : NULL;
	gsize llen;
	const char *p;

	if (lat == NULL || aat == NULL || g_ascii_strcasecmp(lat, aat) != 0)
		return NULL;
	llen = (gsize)(lat - list_address);
	if ((gsize)(aat - addr) < llen + 5 || g_ascii_strncasecmp(addr, list_address, llen) != 0 ||
	    g_ascii_strncasecmp(addr + llen, "+rsvp", 5) != 0)
		return NULL;
	p = addr + llen + 5;
	if (p == aat)
		return g_strdup("");
	if (*p != '-' && *p != '.' && *p != '+')
		return NULL;
	return g_strndup(p + 1, (gsize)(aat - p - 1));
}

static char *
subaddress_of(const struct mail *m, const char *list_address)
{
	char *name;

	if (list_address == NULL)
		return NULL;
	if ((name = subaddress_name(m->delivered_to, list_address)) != NULL)
		return name;
	for (guint i = 0; i < m->to->len; i++)
		if ((name = subaddress_name(m->to->pdata[i], list_address)) != NULL)
			return name;
	return NULL;
}

gboolean
rsvp_to_subaddress(const struct mail *m, const char *list_address)
{
	char *name = subaddress_of(m, list_address);
	gboolean yes = name != NULL;

	g_free(name);
	return yes;
}

/* ---- names ---- */

gboolean
rsvp_announce_id_parse(const char *msgid, char **key, int *id)
{
	static GRegex *ours, *older;
	GMatchInfo *mi = NULL;
	gboolean ok = FALSE;

	*key = NULL;
	*id = 0;
	if (msgid == NULL)
		return FALSE;
	if (g_regex_match(rx(&ours, "^announce\\.([a-z0-9-]{1,80})\\.([0-9]{1,9})\\.[0-9a-f]{4,64}@"),
			  msgid, 0, &mi)) {
		char *num = g_match_info_fetch(mi, 2);

		*id = atoi(num);
		g_free(num);
		ok = TRUE;
	} else {
		g_match_info_free(mi);
		ok = g_regex_match(rx(&older, "^announce\\.([a-z0-9-]{1,80})\\.[0-9a-z-]{1,20}@"),
				   msgid, 0, &mi);
	}
	if (ok) {
		char *k = g_match_info_fetch(mi, 1);

		*key = g_ascii_strdown(k, -1);
		g_free(k);
	}
	g_match_info_free(mi);
	return ok;
}

static void
name_put(GPtrArray *names, enum rsvp_source src, const char *raw, int id)
{
	static GRegex *trim;
	char *clean = util_clean_line(raw, NAME_MAX_BYTES);
	char *text = g_regex_replace_literal(rx(&trim, "^[\\s\"'“”‘’«»(<-]+|[\\s\"'“”‘’«»)>:;,.!-]+$"),
					     clean, -1, 0, "", 0, NULL);
	char *key;

	g_strstrip(text);
	key = util_slugify(text, 200);
	if (*text == '\0' || (strcmp(key, "mc") == 0 && id == 0) || strcmp(key, "the") == 0) {
		g_free(text);
	} else {
		struct rsvp_name *n = g_new0(struct rsvp_name, 1);

		n->source = src;
		n->text = text;
		n->id = id;
		g_ptr_array_add(names, n);
	}
	g_free(key);
	g_free(clean);
}

/*
 * Add a name as written, and the shorter forms people pad it into:
 * "Rust MC - update", "VFIO MC in Dublin" also give "Rust MC", "VFIO MC"
 * (words after "MC" are not part of the name).
 */
static void
name_add(GPtrArray *names, enum rsvp_source src, const char *raw, int id)
{
	static GRegex *mcword, *dash;
	GMatchInfo *mi = NULL;
	gint end;

	if (id == 0 && g_regex_match(rx(&mcword, "^(.+?\\b(?:mc|micro-?\\s?conference))\\b\\W*\\S"),
				     raw, 0, &mi)) {
		char *head = g_match_info_fetch(mi, 1);

		name_put(names, src, head, 0);
		g_free(head);
	}
	g_match_info_free(mi);
	name_put(names, src, raw, id);
	if (id == 0 && g_regex_match(rx(&dash, "\\s+[-–—(]\\s*"), raw, 0, &mi)) {
		char *head;

		g_match_info_fetch_pos(mi, 0, &end, NULL);
		head = g_strndup(raw, (gsize)end);
		name_put(names, src, head, 0);
		g_free(head);
	}
	g_match_info_free(mi);
}

static void
name_free(struct rsvp_name *n)
{
	g_free(n->text);
	g_free(n);
}

/* Subject without "Re:"/"Fwd:" and list tags; *reply says whether there was a "Re:". */
static char *
subject_core(const char *subject, gboolean *reply)
{
	static GRegex *re, *tag;
	char *s = g_strdup(subject ? subject : ""), *prev = NULL;

	*reply = FALSE;
	while (prev == NULL || strcmp(prev, s) != 0) {
		GMatchInfo *mi = NULL;
		gint end = 0;

		g_free(prev);
		prev = s;
		if (g_regex_match(rx(&re, "^\\s*(re|fwd?|fw|aw|wg|sv|vs|antw|r|ref)\\s*(\\[\\d+\\])?\\s*:\\s*"),
				  prev, 0, &mi)) {
			*reply = TRUE;
			g_match_info_fetch_pos(mi, 0, NULL, &end);
		} else {
			g_match_info_free(mi);
			mi = NULL;
			if (g_regex_match(rx(&tag, "^\\s*\\[[^\\]]{0,60}\\]\\s*"), prev, 0, &mi))
				g_match_info_fetch_pos(mi, 0, NULL, &end);
		}
		g_match_info_free(mi);
		s = g_strdup(prev + end);
	}
	g_free(prev);
	return g_strstrip(s);
}

/* The pattern of subject_tag_id() for tag, compiled once per tag (the
 * list's tag does not change while the bot runs: one is kept). */
static GRegex *
tag_regex(const char *tag)
{
	static char *kept_tag;
	static GRegex *kept;
	static gboolean kept_any;
	char *esc, *pat;

	if (kept_any && g_strcmp0(kept_tag, tag) == 0)
		return kept;
	esc = tag ? g_regex_escape_string(tag, -1) : g_strdup("[^\\]\\s]{1,40}");
	pat = g_strdup_printf("\\[\\s*%s\\s+MC-([0-9]{1,9})\\s*\\]", esc);
	if (kept)
		g_regex_unref(kept);
	g_free(kept_tag);
	kept = g_regex_new(pat, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
	kept_tag = g_strdup(tag);
	kept_any = TRUE;
	g_free(pat);
	g_free(esc);
	return kept;
}

/* "[LPC MC-3]" anywhere in the Subject: our own tag on a reply. */
static int
subject_tag_id(const char *subject, const char *tag)
{
	GRegex *re = tag_regex(tag);
	GMatchInfo *mi = NULL;
	int id = 0;

	if (re && g_regex_match(re, subject, 0, &mi)) {
		char *num = g_match_info_fetch(mi, 1);

		id = atoi(num);
		g_free(num);
	}
	g_match_info_free(mi);
	return id;
}

/* Put group 1 of the first match of pattern in s into names. */
static gboolean
name_by_rx(GPtrArray *names, enum rsvp_source src, GRegex **slot, const char *pattern,
	   const char *s)
{
	GMatchInfo *mi = NULL;
	gboolean ok = g_regex_match(rx(slot, pattern), s, 0, &mi);

	if (ok) {
		char *v = g_match_info_fetch(mi, 1);

		ok = v && *v;
		if (ok)
			name_add(names, src, v, 0);
		g_free(v);
	}
	g_match_info_free(mi);
	return ok;
}

static void
names_from_subject(GPtrArray *names, const char *subject, const char *tag)
{
	static GRegex *ours_first, *ours, *rsvp, *lead_word, *trail_word, *announce, *proposal;
	gboolean reply;
	char *s = subject_core(subject, &reply);
	int id = subject_tag_id(subject, tag);

	if (id > 0) {
		char *ref = g_strdup_printf("MC-%d", id);

		name_add(names, RSVP_SRC_TAG, ref, id);
		g_free(ref);
	}
	if (rx_match(&ours_first, "^(?:rsvp\\s+(?:recorded|cancell?ed|not recorded)|"
		     "already on the list|noted\\s*:)", s))
		goto reply;
	if (name_by_rx(names, RSVP_SRC_SUBJECT, &rsvp,
		       "^rsvp\\b[\\s:\\-–—]*(?:for\\s+)?(?:the\\s+)?(.+)$", s) ||
	    name_by_rx(names, RSVP_SRC_SUBJECT, &lead_word,
		       "^(?:attending|attendance|cancel(?:l?ed|lation)?|declined?|not attending|"
		       "registration)\\b[\\s:\\-–—]*(?:for\\s+|at\\s+)?(?:the\\s+)?(.+)$", s) ||
	    name_by_rx(names, RSVP_SRC_SUBJECT, &trail_word,
		       "^(.+?)[\\s:\\-–—(]*\\b(?:attendance|attending|rsvp|registration|"
		       "participation|cancel(?:l?ed|lation)?)\\)?\\s*$", s))
		goto out;
reply:
	if (name_by_rx(names, RSVP_SRC_REPLY_SUBJECT, &ours,
		       "^(?:rsvp\\s+(?:recorded|cancell?ed|not recorded)|already on the list|"
		       "noted\\s*:\\s*not attending)\\s*:?\\s*(.+)$", s) ||
	    name_by_rx(names, RSVP_SRC_REPLY_SUBJECT, &announce,
		       "new\\s+micro-?conference(?:\\s+proposed)?\\s*:\\s*(.+)$", s) ||
	    name_by_rx(names, RSVP_SRC_REPLY_SUBJECT, &proposal,
		       "^(?:(?:mc|micro-?conference)\\s+)?proposal\\s*(?:for\\s+(?:an?\\s+)?"
		       "(?:mc|micro-?conference)\\s*)?[:\\-–—]\\s*(.+)$", s))
		goto out;
	if (reply || id > 0) {
		char *title = extract_subject_title(subject);

		name_add(names, RSVP_SRC_REPLY_SUBJECT, title, 0);
		g_free(title);
	} else {
		name_add(names, RSVP_SRC_LOOSE, s, 0);
	}
out:
	g_free(s);
}

#define VERBS "attend(?:ing)?|join(?:ing)?|be\\s+there\\s+for|be\\s+at|participate\\s+in|" \
	"participating\\s+in|register\\s+(?:me|us)\\s+for|sign\\s+(?:me|us)\\s+up\\s+for|" \
	"count\\s+(?:me|us)\\s+(?:in|out)\\s+(?:for|of)|rsvp(?:ing)?\\s+for|make\\s+it\\s+to|" \
	"come\\s+to|coming\\s+to|see\\s+you\\s+at|be\\s+in|cancel\\s+(?:my\\s+)?(?:rsvp\\s+)?for"

/* Body phrases: "attend the X MC" (strong) and "attend the X." (loose). */
static void
names_from_body(GPtrArray *names, const char *own)
{
	static GRegex *strong, *loose, *blank;
	char **paras;

	if (blank == NULL)
		blank = g_regex_new("\n\\s*\n", G_REGEX_OPTIMIZE, 0, NULL);
	paras = g_regex_split(blank, own, 0);

	for (int i = 0; paras[i]; i++) {
		char *p = g_strdelimit(g_strdup(paras[i]), "\n", ' ');
		GMatchInfo *mi = NULL;

		g_regex_match(rx(&strong, "\\b(?:" VERBS "|for)\\s+(?:the\\s+)?([^.!?;,\\n]{1,80}?)\\s*"
				 "\\b(?:mc|micro-?\\s?conference)s?\\b"), p, 0, &mi);
		while (g_match_info_matches(mi)) {
			char *v = g_match_info_fetch(mi, 1);

			name_add(names, RSVP_SRC_BODY, v, 0);
			g_free(v);
			g_match_info_next(mi, NULL);
		}
		g_match_info_free(mi);
		g_regex_match(rx(&loose, "\\b(?:" VERBS ")\\s+(?:the\\s+)?([^.!?;,\\n]{2,60}?)\\s*"
				 "(?:[.!?;,\\n]|$)"), p, 0, &mi);
		while (g_match_info_matches(mi)) {
			char *v = g_match_info_fetch(mi, 1);

			name_add(names, RSVP_SRC_LOOSE, v, 0);
			g_free(v);
			g_match_info_next(mi, NULL);
		}
		g_match_info_free(mi);
		g_free(p);
	}
	g_strfreev(paras);
}

static void
names_from_announce(GPtrArray *names, const struct mail *m)
{
	GPtrArray *ids = g_ptr_array_new();

	if (m->in_reply_to)
		g_ptr_array_add(ids, m->in_reply_to);
	for (guint i = m->references->len; i > 0; i--)
		g_ptr_array_add(ids, m->references->pdata[i - 1]);
	for (guint i = 0; i < ids->len; i++) {
		char *key;
		int id;

		if (rsvp_announce_id_parse(ids->pdata[i], &key, &id)) {
			char *text = id > 0 ? g_strdup_printf("MC-%d", id) : g_strdup(key);

			name_add(names, RSVP_SRC_ANNOUNCE, text, id);
			g_free(text);
			g_free(key);
			break;
		}
	}
	g_ptr_array_unref(ids);
}

static gint
by_source(gconstpointer a, gconstpointer b)
{
	const struct rsvp_name *x = *(struct rsvp_name *const *)a;
	const struct rsvp_name *y = *(struct rsvp_name *const *)b;

	return (int)x->source - (int)y->source;
}

/* Strongest source first (the sort is stable: the order found within a
 * source stays), then each name once, where it is strongest. */
static void
names_order(GPtrArray *names)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	g_ptr_array_sort(names, by_source);
	for (guint i = 0; i < names->len;) {
		struct rsvp_name *n = names->pdata[i];
		char *slug = util_slugify(n->text, 200);
		char *key = g_strdup_printf("%d/%s", n->id, slug);

		g_free(slug);
		if (g_hash_table_contains(seen, key)) {
			g_ptr_array_remove_index(names, i);
			g_free(key);
		} else {
			g_hash_table_add(seen, key);
			i++;
		}
	}
	g_hash_table_unref(seen);
}

struct rsvp_req *
rsvp_read(const struct mail *m, const char *list_address, const char *tag)
{
	struct rsvp_req *r = g_new0(struct rsvp_req, 1);
	char *own = classify_own_text(m), *sub;
	enum rsvp_wording w = rsvp_wording(own);

	if (w == RSVP_SAYS_NOTHING)
		w = rsvp_wording(m->subject);
	r->attending = w != RSVP_SAYS_DECLINE;
	r->names = g_ptr_array_new_with_free_func((GDestroyNotify)name_free);
	names_from_subject(r->names, m->subject, tag);
	names_from_body(r->names, own);
	if ((sub = subaddress_of(m, list_address)) != NULL) {
		r->subaddress = TRUE;
		if (*sub)
			name_add(r->names, RSVP_SRC_SUBADDRESS, sub, 0);
		g_free(sub);
	}
	names_from_announce(r->names, m);
	names_order(r->names);
	g_free(own);
	return r;
}

void
rsvp_req_free(struct rsvp_req *r)
{
	if (r == NULL)
		return;
	g_ptr_array_unref(r->names);
	g_free(r);
}

const char *
rsvp_req_written(const struct rsvp_req *r)
{
	return r->names->len ? ((struct rsvp_name *)r->names->pdata[0])->text : NULL;
}
