/*
 * log.h - logging to stderr.  Under systemd (JOURNAL_STREAM set) each line
 * starts with a "<N>" priority prefix that journald understands.
 *
 * log_warn appends ": strerror(errno)", log_warnx does not.  fatal() logs
 * and exits 1; it is for broken invariants and start-up errors only.
 * Never log secrets (passwords, tokens).
 */
#ifndef MCBOT_LOG_H
#define MCBOT_LOG_H

#include <glib.h>

enum log_area {
	LOG_AREA_MAIN = 1 << 0,
	LOG_AREA_IMAP = 1 << 1,
	LOG_AREA_SMTP = 1 << 2,
	LOG_AREA_STORE = 1 << 3,
	LOG_AREA_HANDLERS = 1 << 4,
	LOG_AREA_ALL = 0xff,
};

/*
 * verbose: 0 = info and above; 1 (-v) adds debug lines of the main and
 * handlers areas (what happens to each mail); 2 (-vv) of every area.
 * trace_areas (--trace) add debug lines of those areas at any level.
 */
void log_init(int verbose, unsigned trace_areas);
/* Parse "imap,smtp" / "all" into an area mask; -1 on an unknown name. */
int log_parse_areas(const char *list, unsigned *mask);

void log_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_notice(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_debug(enum log_area area, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
G_NORETURN void fatal(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
G_NORETURN void fatalx(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#endif
