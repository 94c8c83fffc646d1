/*
 * distance.h - how far apart two short strings are (names of MCs), and
 * cheap tests that rule a pair out before the distance is computed.
 *
 * The distances are counted only as far as the caller cares: past max,
 * the work stops and max + 1 is returned.
 */
#ifndef MCBOT_DISTANCE_H
#define MCBOT_DISTANCE_H

#include <glib.h>

/*
 * The edit distance of a (la bytes) and b (lb bytes): insertions,
 * deletions and substitutions; with transpose, a swap of two adjacent
 * letters counts as one edit too (optimal string alignment).  A distance
 * above max returns max + 1.
 */
guint distance_edit(const char *a, gsize la, const char *b, gsize lb, gboolean transpose,
		    guint max);

/* The letters of s as a bit set, for distance_near(). */
guint64 distance_letters(const char *s, gsize len);

/*
 * distance_edit(a, b) <= max, with la/lb their lengths and ma/mb their
 * distance_letters(): each edit adds or removes at most two letters of
 * the set and changes the length by at most one, so most pairs are ruled
 * out without the distance.
 */
gboolean distance_near(const char *a, gsize la, guint64 ma, const char *b, gsize lb, guint64 mb,
		       gboolean transpose, guint max);

#endif
