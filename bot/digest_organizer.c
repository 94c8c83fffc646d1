/*
 * digest_organizer.c - the template values of the organizers' digest: the
 * whole CfP in one mail.
 *
 *   mc_table        every MC, grouped by status, one aligned row each
 *   activity        MC by MC, what happened in the window; a quiet MC
 *                   is one line that says so
 *   totals          the CfP in numbers
 *   new_proposals, duplicates, mail_problems, outbox_problems
 *
 * Widths are chosen so that a table fits 80 terminal columns.
 */
#include <string.h>

#include "digest_p.h"
#include "util.h"

#define NAMES_IN_LINE 8             /* new RSVP names per MC in the activity */
#define MAIL_SHOWN 20               /* mail problems listed one by one */

/* Statuses in the order organizers think of them; others follow, sorted. */
static const char *const status_order[] = {
	"proposed", "accepted", "waitlisted", "rejected", "withdrawn", NULL,
};

static int
status_rank(const char *status)
{
	for (int i = 0; status_order[i]; i++)
		if (strcmp(status, status_order[i]) == 0)
			return i;
	return G_N_ELEMENTS(status_order);
}

static gint
cmp_by_status(gconstpointer a, gconstpointer b)
{
	const struct digest_mc *x = *(struct digest_mc *const *)a;
	const struct digest_mc *y = *(struct digest_mc *const *)b;
	int rx = status_rank(x->mc->status), ry = status_rank(y->mc->status), c;

	if (rx != ry)
		return rx - ry;
	if ((c = strcmp(x->mc->status, y->mc->status)) != 0)
		return c;
	return (x->mc->id > y->mc->id) - (x->mc->id < y->mc->id);
}

static char *
lead_names(const struct mc *mc)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < mc->p->leads->len; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "",
				       ((struct person *)mc->p->leads->pdata[i])->name);
	return g_string_free(s, FALSE);
}

static struct digest_table *
status_table(void)
{
	static const char *const headers[] = { "MC", "Title", "Leads", "RSVPs", "New", "Gone",
					       "Ver" };
	static const int max[] = { 7, 28, 18, 5, 4, 4, 3 };

	return digest_table_new(7, headers, "lllrrrr", max);
}

/* One table per status, each under a "Status (n)" heading. */
static char *
mc_table(GPtrArray *sorted, gint64 since, gint64 until)
{
	GString *out = g_string_new(NULL);
	struct digest_table *t = NULL;
	const char *status = NULL;

	for (guint i = 0; i <= sorted->len; i++) {
		const struct digest_mc *dm = i < sorted->len ? sorted->pdata[i] : NULL;
		struct digest_week w;
		char *cells[7];

		if (t && (dm == NULL || strcmp(dm->mc->status, status) != 0)) {
			char *text = digest_table_render(t), *head = g_strdup(status);

			head[0] = g_ascii_toupper(head[0]);
			g_string_append_printf(out, "%s%s (%u)\n%s", out->len ? "\n" : "", head,
					       digest_table_rows(t), text);
			g_free(head);
			g_free(text);
			digest_table_free(t);
			t = NULL;
		}
		if (dm == NULL)
			break;
		if (t == NULL) {
			t = status_table();
			status = dm->mc->status;
		}
		digest_week_count(dm, since, until, &w);
		cells[0] = g_strdup_printf("MC-%d", dm->mc->id);
		cells[1] = g_strdup(dm->mc->title);
		cells[2] = lead_names(dm->mc);
		cells[3] = g_strdup_printf("%u", dm->mc->rsvps->len);
		cells[4] = g_strdup_printf("%d", w.new_rsvps);
		cells[5] = g_strdup_printf("%d", w.cancelled);
		cells[6] = g_strdup_printf("%d", dm->mc->version);
		digest_table_add(t, (const char *const *)cells);
		for (int c = 0; c < 7; c++)
			g_free(cells[c]);
	}
	return g_string_free(out, FALSE);
}

/* What happened to one MC, indented under its title line. */
static void
mc_activity(GString *out, const struct digest_render *r, const struct digest_mc *dm,
	    gint64 since, gint64 until)
{
	const struct mc *mc = dm->mc;
	struct digest_week w;
	int shown = 0;

	digest_week_count(dm, since, until, &w);
	if (digest_week_quiet(&w)) {
		g_string_append_printf(out, "MC-%d %s: quiet\n", mc->id, mc->title);
		return;
	}
	g_string_append_printf(out, "MC-%d %s (%s)\n", mc->id, mc->title, mc->status);
	if (w.new_rsvps || w.cancelled) {
		g_string_append_printf(out, "    RSVPs: %u now, %d new, %d cancelled",
				       mc->rsvps->len, w.new_rsvps, w.cancelled);
		for (guint i = 0; i < mc->rsvps->len; i++) {
			const struct rsvp *rs = mc->rsvps->pdata[i];

			if (!digest_within(rs->date, since, until) || shown++ >= NAMES_IN_LINE)
				continue;
			g_string_append_printf(out, "%s%s", shown == 1 ? ": " : ", ",
					       rs->name && rs->name[0] ? rs->name : rs->email);
		}
		if (shown > NAMES_IN_LINE)
			g_string_append_printf(out, " and %d more", shown - NAMES_IN_LINE);
		g_string_append_c(out, '\n');
	}
	for (guint i = 0; i < dm->events->len; i++) {
		const struct digest_event *e = dm->events->pdata[i];
		char *line, *date;

		if (!digest_within(e->when, since, until) || e->kind == DEV_RSVP ||
		    e->kind == DEV_CANCEL)
			continue;
		if (e->kind == DEV_VERSION || e->kind == DEV_PROPOSED) {
			line = digest_version_line(r->tz, e);
			g_string_append_printf(out, "    %s\n", line);
			g_free(line);
			continue;
		}
		date = digest_format_date(r->tz, e->when);
		g_string_append_printf(out, "    %s  %s (%s)\n", date, e->action, e->actor);
		g_free(date);
	}
}

static char *
new_proposals(const struct digest_render *r, gint64 since, gint64 until)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < r->view->mcs->len; i++) {
		const struct mc *mc = ((struct digest_mc *)r->view->mcs->pdata[i])->mc;
		char *date;

		if (!digest_within(mc->created, since, until))
			continue;
		date = digest_format_date(r->tz, mc->created);
		g_string_append_printf(s, "MC-%d %s  (%s, by %s)\n", mc->id, mc->title, date,
				       mc->proposer ? mc->proposer : "?");
		g_free(date);
	}
	return g_string_free(s, FALSE);
}

static char *
duplicates(const struct digest_render *r, gint64 since, gint64 until)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < r->view->mcs->len; i++) {
		const struct digest_mc *dm = r->view->mcs->pdata[i];

		for (guint j = 0; j < dm->events->len; j++) {
			const struct digest_event *e = dm->events->pdata[j];
			char *date;

			if (e->kind != DEV_DUPLICATE || !digest_within(e->when, since, until))
				continue;
			date = digest_format_date(r->tz, e->when);
			g_string_append_printf(s, "%s  MC-%d %s: %s\n", date, dm->mc->id,
					       dm->mc->title, e->action);
			g_free(date);
		}
	}
	return g_string_free(s, FALSE);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Counts per folder and outcome, then the newest ones in a table. */
static char *
mail_problems(const struct digest_render *r, gint64 since, gint64 until, int *count)
{
	static const char *const headers[] = { "When", "What", "From, and why" };
	static const int max[] = { 22, 20, 0 };
	GHashTable *by = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *keys, *in = g_ptr_array_new();
	struct digest_table *t = digest_table_new(3, headers, "lll", max);
	GString *s = g_string_new(NULL);
	char *text;

	for (guint i = 0; i < r->view->mail->len; i++) {
		const struct digest_mail *m = r->view->mail->pdata[i];
		char *k;

		if (!digest_within(m->when, since, until))
			continue;
		g_ptr_array_add(in, (gpointer)m);
		k = strcmp(m->folder, m->outcome) == 0 ? g_strdup(m->folder)
			: g_strdup_printf("%s (%s)", m->folder, m->outcome);
		g_hash_table_replace(by, k, GINT_TO_POINTER(GPOINTER_TO_INT(
			g_hash_table_lookup(by, k)) + 1));
	}
	*count = (int)in->len;
	keys = digest_keys(by);
	g_ptr_array_sort(keys, cmp_str);
	for (guint i = 0; i < keys->len; i++)
		g_string_append_printf(s, "%s: %d\n", (char *)keys->pdata[i],
				       GPOINTER_TO_INT(g_hash_table_lookup(by, keys->pdata[i])));
	for (guint i = in->len > MAIL_SHOWN ? in->len - MAIL_SHOWN : 0; i < in->len; i++) {
		const struct digest_mail *m = in->pdata[i];
		char *when = digest_format_time(r->tz, m->when), *what;
		const char *cells[3];
		char *from;

		what = strcmp(m->folder, m->outcome) == 0 ? g_strdup(m->folder)
			: g_strdup_printf("%s %s", m->folder, m->outcome);
		from = g_strdup_printf("%s: %s", m->sender[0] ? m->sender : "(unknown sender)",
				       m->detail[0] ? m->detail : "-");
		cells[0] = when;
		cells[1] = what;
		cells[2] = from;
		digest_table_add(t, cells);
		g_free(from);
		g_free(what);
		g_free(when);
	}
	if (in->len > 0) {
		text = digest_table_render(t);
		g_string_append_printf(s, "\n%s%s", in->len > MAIL_SHOWN ? "The newest:\n" : "",
				       text);
		g_free(text);
	}
	digest_table_free(t);
	g_ptr_array_unref(keys);
	g_ptr_array_unref(in);
	g_hash_table_unref(by);
	return g_string_free(s, FALSE);
}

static char *
outbox_problems(const struct digest_view *v)
{
	GString *s = g_string_new(NULL);

	if (v->outbox_queued)
		g_string_append_printf(s, "Waiting in the outbox: %d\n", v->outbox_queued);
	if (v->outbox_retrying)
		g_string_append_printf(s, "Of which to be retried: %d (up to %d attempts so far)\n",
				       v->outbox_retrying, v->outbox_max_attempts);
	if (v->outbox_failed)
		g_string_append_printf(s, "Refused for good (outbox/failed): %d\n",
				       v->outbox_failed);
	for (guint i = 0; i < v->outbox_failures->len; i++)
		g_string_append_printf(s, "  %s\n", (char *)v->outbox_failures->pdata[i]);
	return g_string_free(s, FALSE);
}

GHashTable *
digest_organizer_vars(const struct digest_render *r, gint64 since, gint64 until)
{
	GHashTable *v = digest_common_vars(r, since, until);
	GPtrArray *sorted = g_ptr_array_new();
	GString *activity = g_string_new(NULL);
	struct digest_week sum = { 0 }, w;
	int nmail = 0;

	for (guint i = 0; i < r->view->mcs->len; i++) {
		const struct digest_mc *dm = r->view->mcs->pdata[i];

		g_ptr_array_add(sorted, (gpointer)dm);
		digest_week_count(dm, since, until, &w);
		sum.created += w.created;
		sum.new_rsvps += w.new_rsvps;
		sum.cancelled += w.cancelled;
		sum.versions += w.versions - (w.created ? 1 : 0);
		sum.decisions += w.decisions;
		sum.duplicates += w.duplicates;
	}
	g_ptr_array_sort(sorted, cmp_by_status);
	for (guint i = 0; i < sorted->len; i++)
		mc_activity(activity, r, sorted->pdata[i], since, until);
	digest_put(v, "mail_problems", mail_problems(r, since, until, &nmail));
	digest_put(v, "mc_count", g_strdup_printf("%u", r->view->mcs->len));
	digest_put(v, "mc_table", mc_table(sorted, since, until));
	digest_put(v, "activity", g_string_free(activity, FALSE));
	digest_put(v, "new_proposals", new_proposals(r, since, until));
	digest_put(v, "duplicates", duplicates(r, since, until));
	digest_put(v, "outbox_problems", outbox_problems(r->view));
	digest_put(v, "totals", g_strdup_printf(
		"MCs:                  %u\n"
		"New proposals:        %d\n"
		"New versions:         %d\n"
		"New RSVPs:            %d (%d cancelled)\n"
		"Decisions:            %d\n"
		"Possible duplicates:  %d\n"
		"Mail not handled:     %d\n",
		r->view->mcs->len, (int)sum.created, sum.versions, sum.new_rsvps, sum.cancelled,
		sum.decisions, sum.duplicates, nmail));
	g_ptr_array_unref(sorted);
	return v;
}
