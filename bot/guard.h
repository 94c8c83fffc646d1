/*
 * guard.h - a CPU-time bound on handling one mail, crash-only.
 *
 * GMime can loop forever on hostile input (PITFALLS), and a parser can
 * crash.  Instead of trying to stop a runaway parse from inside, mcbot
 * lets it die and remembers why, as Postfix does:
 *
 *   - guard_begin() writes state_dir/parsing, naming the mail about to be
 *     parsed (no fsync: only a process exit has to be survived), and arms
 *     a timer on the CPU time of the thread that called guard_open();
 *   - when the timer fires, its signal handler marks that file "killed"
 *     and exits with GUARD_EXIT_STATUS (async-signal-safe calls only);
 *   - guard_end() disarms the timer and empties the file;
 *   - at the next start, guard_open() reads a file left behind: the mail
 *     it names is set aside (guard_poisoned) without being parsed again -
 *     at once when the guard killed the process, after GUARD_MAX_DEATHS
 *     deaths in a row while parsing it otherwise (a crash inside the
 *     parser, or an unrelated kill -9 that happened to fall there).
 *
 * A mail is named by its inbox id and size, which stay the same while it
 * waits in the inbox.  One guard per process (global state).
 *
 * Test hook: MCBOT_TEST_PARSE_SPIN=TEXT in the environment makes
 * guard_begin() burn CPU until the timer fires when the mail's bytes
 * contain TEXT, so tests can play a parser that never ends.
 */
#ifndef MCBOT_GUARD_H
#define MCBOT_GUARD_H

#include <glib.h>
#include "inbox.h"

/* Exit status of a process stopped by the guard (systemd restarts it). */
#define GUARD_EXIT_STATUS 98

/* Deaths while parsing the same mail, for reasons other than the guard's
 * timer, before it is set aside. */
#define GUARD_MAX_DEATHS 3

/*
 * Set up for the state directory (borrowed, must outlive the guard):
 * read what a previous process left (logged), install the signal handler
 * and create the timer.  Without a usable timer the bound is off (logged)
 * and the marker still works.  Calling it again re-reads the marker.
 */
void guard_open(const char *state_dir);

/*
 * TRUE when it is the mail a previous process died on (see above): the
 * caller moves it to the failed folder without parsing it.  *why (may be
 * NULL) gets a static sentence for logs and the organizers' digest.
 */
gboolean guard_poisoned(const struct inbox_item *it, const char **why);

/* Name it in the marker and arm the timer for cpu_seconds (<= 0: no timer). */
void guard_begin(const struct inbox_item *it, int cpu_seconds);

/* Disarm and empty the marker.  Harmless when nothing is armed. */
void guard_end(void);

/* Disarm, remove the timer and forget the state directory. */
void guard_close(void);

#endif
