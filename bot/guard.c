/*
 * guard.c - the CPU-time bound on handling one mail (see guard.h).
 *
 * Nothing is undone or cleaned up when the timer fires: the process exits
 * and the crash-only design does the rest (unflushed changes are lost,
 * the journal is replayed, the batch's mails are fetched again).  The
 * marker file is the only memory across that exit; it is written without
 * fsync because a machine crash is not the case it has to survive.
 *
 * Marker (state_dir/parsing): a record of GUARD_RECORD bytes written over
 * the file before each parse,
 *   "mcbot-parsing 1\nid <escaped id>\nsize <n>\ndeaths <n>\n" + spaces + "\n",
 * then "killed\n" written after it by the signal handler.  After the parse
 * its first byte becomes '-': no parse in progress.  The file stays open
 * and keeps its size: one write per mail and one after it, not a create,
 * a truncation and an unlink.
 */
#define _GNU_SOURCE             /* memmem */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "log.h"
#include "util.h"

#define GUARD_MAGIC "mcbot-parsing 1"
#define GUARD_FILE "parsing"
#define GUARD_RECORD 2048               /* the record, and where "killed" goes */
#define GUARD_ID_MAX 1800               /* longer escaped ids are cut: they match nothing */
#define GUARD_MARKER_MAX 4096

static struct {
	char *path;                 /* state_dir/parsing, or NULL when closed */
	int fd;                     /* open on path, or -1 */
	gboolean written;           /* guard_begin wrote a record */
	gboolean have_timer;
	timer_t timer;
	/* what the marker left by a dead process said */
	char *dead_id;
	char *dead_shown;           /* the same, escaped for the log */
	gsize dead_size;
	int dead_deaths;            /* deaths while parsing it, the last one included */
	gboolean dead_killed;       /* the last death was the guard's timer */
} guard = { .fd = -1 };

/* Only these are touched by the signal handler: prepared beforehand. */
static volatile sig_atomic_t guard_armed;
static int guard_sig_fd = -1;
static char guard_sig_msg[512];
static size_t guard_sig_msg_len;

static void
guard_on_timer(int sig)
{
	if (!guard_armed)
		return;             /* fired as guard_end() disarmed it */
	if (guard_sig_fd >= 0 && lseek(guard_sig_fd, GUARD_RECORD, SEEK_SET) >= 0 &&
	    write(guard_sig_fd, "killed\n", 7) < 0) {
		/* nothing more can be done from here */
	}
	if (write(STDERR_FILENO, guard_sig_msg, guard_sig_msg_len) < 0) {
		/* idem */
	}
	_exit(GUARD_EXIT_STATUS);
}

static void
guard_forget_dead(void)
{
	g_clear_pointer(&guard.dead_id, g_free);
	g_clear_pointer(&guard.dead_shown, g_free);
	guard.dead_size = 0;
	guard.dead_deaths = 0;
	guard.dead_killed = FALSE;
}

/* Read a marker left behind; a damaged one names nothing. */
static void
guard_read_marker(void)
{
	char *data = NULL, **lines;
	gboolean magic;

	guard_forget_dead();
	if (util_read_file(guard.path, GUARD_MARKER_MAX, &data, NULL, NULL) < 0 ||
	    data[0] == '\0' || data[0] == '-') {
		g_free(data);
		return;             /* no parse was in progress */
	}
	lines = g_strsplit(data, "\n", -1);
	magic = lines[0] != NULL && strcmp(lines[0], GUARD_MAGIC) == 0;
	for (int i = 1; magic && lines[i]; i++) {
		g_strstrip(lines[i]);
		if (g_str_has_prefix(lines[i], "id ") && guard.dead_id == NULL) {
			guard.dead_id = g_strcompress(lines[i] + 3);
			guard.dead_shown = util_clean_line(lines[i] + 3, 300);
		}
		else if (g_str_has_prefix(lines[i], "size "))
			guard.dead_size = g_ascii_strtoull(lines[i] + 5, NULL, 10);
		else if (g_str_has_prefix(lines[i], "deaths "))
			guard.dead_deaths = (int)MIN(g_ascii_strtoull(lines[i] + 7, NULL, 10), 1000);
		else if (strcmp(lines[i], "killed") == 0)
			guard.dead_killed = TRUE;
	}
	g_strfreev(lines);
	g_free(data);
	if (guard.dead_id == NULL) {
		log_warnx("guard: %s is damaged; ignored", guard.path);
		return;
	}
	guard.dead_deaths++;        /* the death that left this marker */
	if (guard.dead_killed) {
		log_warnx("guard: the last run was stopped after too much CPU time parsing mail %s "
			  "(%" G_GSIZE_FORMAT " bytes): it will be moved to the failed folder",
			  guard.dead_shown, guard.dead_size);
	} else {
		log_warnx("guard: the last run died while parsing mail %s (%" G_GSIZE_FORMAT
			  " bytes), %d time(s) in a row%s", guard.dead_shown, guard.dead_size,
			  guard.dead_deaths, guard.dead_deaths >= GUARD_MAX_DEATHS ?
			  ": it will be moved to the failed folder" : "");
	}
}

/* Stop and forget everything, leaving the marker file as it is. */
static void
guard_reset(void)
{
	struct itimerspec off;

	if (guard_armed) {
		guard_armed = 0;
		memset(&off, 0, sizeof off);
		timer_settime(guard.timer, 0, &off, NULL);
	}
	if (guard.have_timer)
		timer_delete(guard.timer);
	guard.have_timer = FALSE;
	guard.written = FALSE;
	if (guard.fd >= 0)
		close(guard.fd);
	guard.fd = guard_sig_fd = -1;
	g_clear_pointer(&guard.path, g_free);
	guard_forget_dead();
}

void
guard_open(const char *state_dir)
{
	struct sigevent sev;
	struct sigaction sa;

	guard_reset();
	guard.path = g_build_filename(state_dir, GUARD_FILE, NULL);
	guard_read_marker();
	guard.fd = guard_sig_fd = open(guard.path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (guard.fd < 0)
		log_warn("guard: %s: a mail that stops mcbot will not be set aside", guard.path);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = guard_on_timer;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGXCPU, &sa, NULL);
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGXCPU;
	/* The CPU time of the handling thread alone: the outbox's sender
	 * thread (bot/sender.c, signals blocked) must not count. */
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &guard.timer) == 0)
		guard.have_timer = TRUE;
	else
		log_warn("guard: timer_create: no CPU-time bound on parsing");
}

gboolean
guard_poisoned(const struct inbox_item *it, const char **why)
{
	if (guard.dead_id == NULL || strcmp(it->id, guard.dead_id) != 0 ||
	    it->size != guard.dead_size)
		return FALSE;
	if (guard.dead_killed) {
		if (why)
			*why = "parsing it used more than parse_cpu_seconds of CPU time";
		return TRUE;
	}
	if (guard.dead_deaths >= GUARD_MAX_DEATHS) {
		if (why)
			*why = "mcbot died while parsing it, " G_STRINGIFY(GUARD_MAX_DEATHS)
			       " times in a row";
		return TRUE;
	}
	return FALSE;
}

static void
guard_write_marker(const struct inbox_item *it, int deaths)
{
	char *esc = g_strescape(it->id, NULL);
	GString *rec = g_string_sized_new(GUARD_RECORD + 8);

	g_string_printf(rec, GUARD_MAGIC "\nid %.*s\nsize %" G_GSIZE_FORMAT "\ndeaths %d\n",
			GUARD_ID_MAX, esc, it->size, deaths);
	/* a line of spaces up to the record's end, and spaces over an earlier "killed" */
	while (rec->len < GUARD_RECORD - 1)
		g_string_append_c(rec, ' ');
	g_string_append(rec, "\n       ");
	if (guard.fd >= 0 && pwrite(guard.fd, rec->str, rec->len, 0) != (gssize)rec->len)
		log_warn("guard: %s", guard.path);
	guard.written = TRUE;
	g_string_free(rec, TRUE);
	g_free(esc);
}

/* MCBOT_TEST_PARSE_SPIN: play a parser that never ends (guard.h). */
static void
guard_test_spin(const struct inbox_item *it)
{
	const char *spin = g_getenv("MCBOT_TEST_PARSE_SPIN");
	volatile guint64 n = 0;

	if (spin == NULL || *spin == '\0' || it->raw == NULL ||
	    memmem(it->raw, it->len, spin, strlen(spin)) == NULL)
		return;
	for (;;)
		n++;
}

void
guard_begin(const struct inbox_item *it, int cpu_seconds)
{
	gboolean same = guard.dead_id != NULL && strcmp(it->id, guard.dead_id) == 0 &&
			it->size == guard.dead_size;
	struct itimerspec its;
	char *msg, *shown;

	if (guard.path == NULL)
		return;
	guard_write_marker(it, same ? guard.dead_deaths : 0);
	shown = g_strescape(it->id, NULL);
	msg = g_strdup_printf("mcbot: guard: mail %.200s used more than %d s of CPU time; "
			      "exiting (status %d): it is set aside at the next start\n",
			      shown, cpu_seconds, GUARD_EXIT_STATUS);
	g_free(shown);
	guard_sig_msg_len = MIN(strlen(msg), sizeof guard_sig_msg);
	memcpy(guard_sig_msg, msg, guard_sig_msg_len);
	g_free(msg);
	if (guard.have_timer && cpu_seconds > 0) {
		memset(&its, 0, sizeof its);
		its.it_value.tv_sec = cpu_seconds;
		guard_armed = 1;
		if (timer_settime(guard.timer, 0, &its, NULL) < 0) {
			guard_armed = 0;
			log_warn("guard: timer_settime");
		}
	}
	guard_test_spin(it);
}

void
guard_end(void)
{
	struct itimerspec off;

	if (guard.path == NULL)
		return;
	if (guard_armed) {
		guard_armed = 0;
		memset(&off, 0, sizeof off);
		timer_settime(guard.timer, 0, &off, NULL);
	}
	if (guard.written && guard.fd >= 0 && pwrite(guard.fd, "-", 1, 0) != 1)
		log_warn("guard: %s", guard.path);
	guard.written = FALSE;
}

void
guard_close(void)
{
	guard_end();
	guard_reset();
}
