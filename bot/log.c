/*
 * log.c - stderr logging; "<N>" priority prefixes when journald reads it.
 *
 * JOURNAL_STREAM is inherited by everything systemd starts, also when
 * stderr was redirected on the way (`mcbot ... 2>file` in ExecStartPre):
 * the prefixes are used only when stderr is the very stream it names.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

static unsigned log_areas;
static gboolean log_journal;

/* JOURNAL_STREAM is "device:inode" of the stream systemd connected. */
static gboolean
log_stderr_is_journal(void)
{
	const char *js = g_getenv("JOURNAL_STREAM");
	guint64 dev, ino;
	struct stat st;
	char *end;

	if (js == NULL || fstat(2, &st) < 0)
		return FALSE;
	dev = g_ascii_strtoull(js, &end, 10);
	if (end == js || *end != ':')
		return FALSE;
	js = end + 1;
	ino = g_ascii_strtoull(js, &end, 10);
	if (end == js || *end != '\0')
		return FALSE;
	return (guint64)st.st_dev == dev && (guint64)st.st_ino == ino;
}

void
log_init(int verbose, unsigned trace_areas)
{
	log_areas = trace_areas;
	/* -v: what happens to each mail (main, handlers); -vv: every area. */
	if (verbose >= 1)
		log_areas |= LOG_AREA_MAIN | LOG_AREA_HANDLERS;
	if (verbose >= 2)
		log_areas |= LOG_AREA_ALL;
	log_journal = log_stderr_is_journal();
}

int
log_parse_areas(const char *list, unsigned *mask)
{
	static const struct { const char *name; unsigned bit; } areas[] = {
		{ "main", LOG_AREA_MAIN }, { "imap", LOG_AREA_IMAP }, { "smtp", LOG_AREA_SMTP },
		{ "store", LOG_AREA_STORE }, { "handlers", LOG_AREA_HANDLERS },
		{ "all", LOG_AREA_ALL },
	};
	char **names = g_strsplit(list, ",", -1);
	int rc = 0;

	for (int i = 0; names[i]; i++) {
		gboolean found = FALSE;
		char *n = g_strstrip(names[i]);

		for (size_t j = 0; j < G_N_ELEMENTS(areas); j++)
			if (strcmp(n, areas[j].name) == 0) {
				*mask |= areas[j].bit;
				found = TRUE;
			}
		if (!found && *n)
			rc = -1;
	}
	g_strfreev(names);
	return rc;
}

static void
log_emit(int prio, const char *fmt, va_list ap, const char *suffix)
{
	GString *line = g_string_new(NULL);

	if (log_journal)
		g_string_append_printf(line, "<%d>", prio);
	g_string_append(line, "mcbot: ");
	g_string_append_vprintf(line, fmt, ap);
	if (suffix) {
		g_string_append(line, ": ");
		g_string_append(line, suffix);
	}
	g_string_append_c(line, '\n');
	fputs(line->str, stderr);
	g_string_free(line, TRUE);
}

#define LOG_BODY(prio, suffix) do { \
	va_list ap; \
	va_start(ap, fmt); \
	log_emit(prio, fmt, ap, suffix); \
	va_end(ap); \
} while (0)

void log_info(const char *fmt, ...) { LOG_BODY(6, NULL); }
void log_notice(const char *fmt, ...) { LOG_BODY(5, NULL); }
void log_warnx(const char *fmt, ...) { LOG_BODY(4, NULL); }

void
log_warn(const char *fmt, ...)
{
	const char *e = g_strerror(errno);

	LOG_BODY(4, e);
}

void
log_debug(enum log_area area, const char *fmt, ...)
{
	if (!(log_areas & area))
		return;
	LOG_BODY(7, NULL);
}

void
fatal(const char *fmt, ...)
{
	const char *e = g_strerror(errno);

	LOG_BODY(3, e);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(3, NULL);
	exit(1);
}
