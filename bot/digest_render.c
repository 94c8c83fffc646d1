/*
 * digest_render.c - the template values of a lead's digest and of an
 * organizer's digest, from the week's view.
 *
 * Lists are values of one item per line (the template lays them out);
 * tables are rendered here, already aligned.  Every time shown is in the
 * digest's zone, with the zone's name.  Long lists are cut with "... and N
 * more" so that a digest stays readable whatever the size of the CfP.
 */
#include <stdio.h>
#include <string.h>

#include "../handlers/proposal.h"
#include "digest_p.h"
#include "util.h"

#define NAMES_SHOWN 100             /* new RSVP names in a lead digest */
#define NAMES_IN_LINE 8             /* new RSVP names per MC in the organizer digest */
#define MAIL_SHOWN 20               /* mail problems listed one by one */
#define DEADLINE_WARN (14 * 24 * 3600)

char *
digest_format_time(GTimeZone *tz, gint64 t)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(t);
	GDateTime *local = utc ? g_date_time_to_timezone(utc, tz) : NULL;
	char *s = local ? g_date_time_format(local, "%Y-%m-%d %H:%M %Z") : g_strdup("?");

	if (local)
		g_date_time_unref(local);
	if (utc)
		g_date_time_unref(utc);
	return s;
}

char *
digest_format_date(GTimeZone *tz, gint64 t)
{
	char *full = digest_format_time(tz, t);

	if (strlen(full) > 10)
		full[10] = '\0';
	return full;
}

gboolean
digest_deadline_parse(const char *text, gint64 *when)
{
	int y, mo, d, h = 23, mi = 59, n = 0, used = 0;
	char zone[64];
	GTimeZone *tz;
	GDateTime *dt;

	if (text == NULL)
		return FALSE;
	if (sscanf(text, "%4d-%2d-%2d %2d:%2d %63s%n", &y, &mo, &d, &h, &mi, zone, &used) == 6)
		n = 6;
	else if (sscanf(text, "%4d-%2d-%2d %63s%n", &y, &mo, &d, zone, &used) == 4)
		n = 4, h = 23, mi = 59;
	if (n == 0 || text[used] != '\0' || (tz = g_time_zone_new_identifier(zone)) == NULL)
		return FALSE;
	dt = g_date_time_new(tz, y, mo, d, h, mi, 0);
	g_time_zone_unref(tz);
	if (dt == NULL)
		return FALSE;
	*when = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return TRUE;
}

/* Values every digest has. */
GHashTable *
digest_common_vars(const struct digest_render *r, gint64 since, gint64 until)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const struct config *cfg = r->cfg;

	digest_put(v, "list_name", g_strdup(cfg->list_name));
	digest_put(v, "list_address", g_strdup(cfg->list_address));
	digest_put(v, "conference", g_strdup(cfg->conference));
	digest_put(v, "tag", g_strdup(cfg->tag));
	digest_put(v, "issue", g_strdup_printf("%d", r->issue));
	digest_put(v, "date", digest_format_date(r->tz, r->now));
	digest_put(v, "since", since > 0 ? digest_format_time(r->tz, since)
					 : g_strdup("the start"));
	digest_put(v, "until", digest_format_time(r->tz, until));
	digest_put(v, "next_digest", digest_format_time(r->tz, r->period->next));
	digest_put(v, "deadline", g_strdup(r->deadline ? r->deadline : ""));
	return v;
}

/* s and a LF at the end of list */
static void
line_add(GString *list, const char *s)
{
	g_string_append(list, s);
	g_string_append_c(list, '\n');
}

static const char *
rsvp_label(const struct rsvp *rs)
{
	return rs->name && rs->name[0] ? rs->name : rs->email;
}

/* "updated to version 2 by mail: - topics: 3 -> 5 - x"
 *   -> "<date>  version 2: topics: 3 -> 5; x" */
char *
digest_version_line(GTimeZone *tz, const struct digest_event *e)
{
	const char *rest = e->action, *colon, *by, *stop;
	char *date = digest_format_date(tz, e->when), *what, **parts, *line;
	GString *changes = g_string_new(NULL);

	if (e->kind == DEV_PROPOSED) {
		line = g_strdup_printf("%s  version 1 (proposed)", date);
		goto out;
	}
	rest += strlen("updated to ");
	colon = strstr(rest, ": ");
	stop = colon ? colon : rest + strlen(rest);
	by = strstr(rest, " by ");
	if (by && by < stop)
		stop = by;              /* "version 2", without " by mail" */
	what = g_strndup(rest, (gsize)(stop - rest));
	parts = g_strsplit(colon ? colon + 2 : "", " - ", -1);
	for (int i = 0; parts[i]; i++) {
		char *p = g_strstrip(parts[i]);

		if (p[0] == '-')
			p = g_strstrip(p + 1);
		if (*p)
			g_string_append_printf(changes, "%s%s", changes->len ? "; " : "", p);
	}
	line = g_strdup_printf("%s  %s%s%s", date, what, changes->len ? ": " : "", changes->str);
	g_strfreev(parts);
	g_free(what);
out:
	g_string_free(changes, TRUE);
	g_free(date);
	return line;
}

/* "2026-06-03  <actor>: <action>" */
static void
event_line(GString *s, GTimeZone *tz, const struct digest_event *e, gboolean strip_note)
{
	char *date = digest_format_date(tz, e->when);
	const char *text = e->action;

	if (strip_note) {
		text += 4;
		text += strspn(text, ": ");
	}
	g_string_append_printf(s, "%s  %s (%s)\n", date, text, e->actor ? e->actor : "?");
	g_free(date);
}

void
digest_week_count(const struct digest_mc *dm, gint64 since, gint64 until, struct digest_week *w)
{
	int logged = 0;

	memset(w, 0, sizeof *w);
	w->created = digest_within(dm->mc->created, since, until);
	for (guint i = 0; i < dm->mc->rsvps->len; i++)
		w->new_rsvps += digest_within(((struct rsvp *)dm->mc->rsvps->pdata[i])->date,
					      since, until);
	for (guint i = 0; i < dm->events->len; i++) {
		const struct digest_event *e = dm->events->pdata[i];

		if (!digest_within(e->when, since, until))
			continue;
		switch (e->kind) {
		case DEV_CANCEL: w->cancelled++; break;
		case DEV_PROPOSED:
		case DEV_VERSION: w->versions++; break;
		case DEV_DECISION: w->decisions++; break;
		case DEV_NOTE: w->notes++; break;
		case DEV_DUPLICATE: w->duplicates++; break;
		case DEV_OTHER: w->other++; break;
		case DEV_RSVP: logged++; break;
		}
	}
	/* An RSVP withdrawn in the same window is in the log, not in the list:
	 * counting it keeps "total = before + new - cancelled" true. */
	w->new_rsvps = MAX(w->new_rsvps, logged);
}

gboolean
digest_week_quiet(const struct digest_week *w)
{
	return !w->created && !w->new_rsvps && !w->cancelled && !w->versions && !w->decisions &&
	       !w->notes && !w->duplicates && !w->other;
}

/* The lead's to-do list, one item per line. */
static char *
lead_actions(const struct digest_render *r, const struct mc *mc)
{
	GString *s = g_string_new(NULL), *noaddr = g_string_new(NULL);
	char *missing, **lines;
	gint64 deadline;
	gboolean open = strcmp(mc->status, "proposed") == 0 || strcmp(mc->status, "waitlisted") == 0;

	for (guint i = 0; i < mc->p->leads->len; i++) {
		const struct person *l = mc->p->leads->pdata[i];

		if (l->email == NULL || !util_addr_ok(l->email))
			g_string_append_printf(noaddr, "%s%s", noaddr->len ? ", " : "", l->name);
	}
	if (noaddr->len)
		g_string_append_printf(s, "Send an address for the lead(s) without one: %s\n",
				       noaddr->str);
	if (open) {
		missing = proposal_missing(mc);
		lines = g_strsplit(missing, "\n", -1);
		for (int i = 0; lines[i]; i++) {
			char *item = g_strstrip(lines[i]);

			if (*item == '-')
				item = g_strchug(item + 1);
			if (*item && !strstr(item, "address"))
				g_string_append_printf(s, "Add to the proposal: %s\n", item);
		}
		g_strfreev(lines);
		g_free(missing);
		if (digest_deadline_parse(r->deadline, &deadline) && deadline > r->now &&
		    deadline - r->now <= DEADLINE_WARN) {
			gint64 days = (deadline - r->now) / (24 * 3600);
			char *when = days == 0 ? g_strdup("in less than a day") :
				     g_strdup_printf("in %" G_GINT64_FORMAT " day%s", days,
						     days == 1 ? "" : "s");

			g_string_append_printf(s, "The deadline for proposals is %s: %s\n", when,
					       r->deadline);
			g_free(when);
		}
	}
	g_string_free(noaddr, TRUE);
	return g_string_free(s, FALSE);
}

GHashTable *
digest_lead_vars(const struct digest_render *r, const struct digest_mc *dm,
		 const char *recipient_name, gint64 since, gint64 until)
{
	const struct mc *mc = dm->mc;
	GHashTable *v = digest_common_vars(r, since, until);
	GString *rsvps = g_string_new(NULL), *cancelled = g_string_new(NULL);
	GString *versions = g_string_new(NULL), *decisions = g_string_new(NULL);
	GString *notes = g_string_new(NULL), *other = g_string_new(NULL), *leads = g_string_new(NULL);
	struct digest_week w;
	int shown = 0;

	digest_week_count(dm, since, until, &w);
	for (guint i = 0; i < mc->rsvps->len; i++) {
		const struct rsvp *rs = mc->rsvps->pdata[i];

		if (digest_within(rs->date, since, until) && shown++ < NAMES_SHOWN)
			line_add(rsvps, rsvp_label(rs));
	}
	if (shown > NAMES_SHOWN)
		g_string_append_printf(rsvps, "... and %d more\n", shown - NAMES_SHOWN);
	for (guint i = 0; i < dm->events->len; i++) {
		const struct digest_event *e = dm->events->pdata[i];
		char *line;

		if (!digest_within(e->when, since, until))
			continue;
		if (e->kind == DEV_CANCEL) {
			line_add(cancelled, e->actor);
		} else if (e->kind == DEV_VERSION || e->kind == DEV_PROPOSED) {
			line = digest_version_line(r->tz, e);
			line_add(versions, line);
			g_free(line);
		} else if (e->kind == DEV_DECISION) {
			event_line(decisions, r->tz, e, FALSE);
		} else if (e->kind == DEV_NOTE) {
			event_line(notes, r->tz, e, TRUE);
		} else if (e->kind == DEV_OTHER || e->kind == DEV_DUPLICATE) {
			event_line(other, r->tz, e, FALSE);
		}
	}
	for (guint i = 0; i < mc->p->leads->len; i++) {
		const struct person *l = mc->p->leads->pdata[i];

		if (l->email)
			g_string_append_printf(leads, "%s <%s>\n", l->name, l->email);
		else
			g_string_append_printf(leads, "%s (no address)\n", l->name);
	}
	digest_put(v, "recipient_name", g_strdup(recipient_name ? recipient_name : ""));
	if (since <= 0)
		digest_put(v, "since", digest_format_time(r->tz, mc->created));
	digest_put(v, "mc_id", g_strdup_printf("%d", mc->id));
	digest_put(v, "mc_ref", g_strdup_printf("MC-%d", mc->id));
	digest_put(v, "mc_slug", g_strdup(mc->slug));
	digest_put(v, "mc_title", g_strdup(mc->title));
	digest_put(v, "mc_status", g_strdup(mc->status));
	digest_put(v, "mc_version", g_strdup_printf("%d", mc->version));
	digest_put(v, "leads", g_string_free(leads, FALSE));
	digest_put(v, "attendees_count", g_strdup_printf("%u", mc->rsvps->len));
	digest_put(v, "rsvp_summary", g_strdup_printf("%u (%d new, %d cancelled)", mc->rsvps->len,
					       w.new_rsvps, w.cancelled));
	digest_put(v, "new_rsvps", g_string_free(rsvps, FALSE));
	digest_put(v, "cancelled", g_string_free(cancelled, FALSE));
	digest_put(v, "new_versions", g_string_free(versions, FALSE));
	digest_put(v, "decision", g_string_free(decisions, FALSE));
	digest_put(v, "notes", g_string_free(notes, FALSE));
	digest_put(v, "changes", g_string_free(other, FALSE));
	digest_put(v, "actions", lead_actions(r, mc));
	digest_put(v, "quiet", digest_week_quiet(&w) ? g_strdup_printf("Nothing new for MC-%d since the last "
							  "digest.", mc->id) : g_strdup(""));
	return v;
}
