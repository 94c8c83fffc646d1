/*
 * digest_period.c - the weekly schedule in a time zone.
 *
 * Date arithmetic is done on local calendar dates (GDate), never by adding
 * 7 * 86400 seconds: a week that crosses a DST change is 167 or 169 hours
 * long, and the digest must still come at the same local time.
 */
#include <string.h>

#include "digest_p.h"
#include "util.h"

/* The Unix time of local date d at minute in tz. */
static gint64
period_instant(GTimeZone *tz, const GDate *d, int minute)
{
	GDateTime *dt = g_date_time_new(tz, g_date_get_year(d), g_date_get_month(d),
					g_date_get_day(d), minute / 60, minute % 60, 0);
	gint64 t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return t;
}

int
digest_period_at(const char *tz_id, int weekday, int minute, gint64 now, gboolean ahead,
		 struct digest_period *out, GString *err)
{
	GTimeZone *tz;
	GDateTime *utc, *local;
	GDate d, next;
	int back;

	memset(out, 0, sizeof *out);
	if (weekday < 1 || weekday > 7 || minute < 0 || minute >= 24 * 60)
		return fail(err, "digest: day %d or time %d out of range", weekday, minute);
	tz = g_time_zone_new_identifier(tz_id ? tz_id : "UTC");
	if (tz == NULL)
		return fail(err, "digest: unknown time zone \"%s\"", tz_id);
	utc = g_date_time_new_from_unix_utc(now);
	if (utc == NULL) {
		g_time_zone_unref(tz);
		return fail(err, "digest: time %" G_GINT64_FORMAT " out of range", now);
	}
	local = g_date_time_to_timezone(utc, tz);
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, (GDateDay)g_date_time_get_day_of_month(local),
		       (GDateMonth)g_date_time_get_month(local),
		       (GDateYear)g_date_time_get_year(local));
	back = (g_date_time_get_day_of_week(local) - weekday + 7) % 7;
	g_date_subtract_days(&d, (guint)back);
	out->start = period_instant(tz, &d, minute);
	if (out->start > now) {
		/* Today is the day but its time has not come: last week's. */
		g_date_subtract_days(&d, 7);
		out->start = period_instant(tz, &d, minute);
	}
	next = d;
	g_date_add_days(&next, 7);
	out->next = period_instant(tz, &next, minute);
	if (ahead) {
		d = next;
		out->start = out->next;
		g_date_add_days(&next, 7);
		out->next = period_instant(tz, &next, minute);
	}
	g_snprintf(out->id, sizeof out->id, "%04u-%02u-%02u", (unsigned)g_date_get_year(&d),
		   (unsigned)g_date_get_month(&d), (unsigned)g_date_get_day(&d));
	g_date_time_unref(local);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);
	return 0;
}
