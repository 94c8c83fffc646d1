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

/*
 * What a string is made of, as bit sets: its letters, and its pairs of
 * adjacent letters.  An edit adds or removes at most two letters and at
 * most six pairs (four without transpositions), so two strings whose sets
 * differ more cannot be within max edits.
 */
struct distance_sig {
	guint64 letters, pairs;
};
void distance_sig(const char *s, gsize len, struct distance_sig *sig);

/* Whether strings with these signatures may be within max edits. */
gboolean distance_sigs_near(const struct distance_sig *a, const struct distance_sig *b,
			    gboolean transpose, guint max);

/* distance_edit(a, b) <= max, ruled out first by the lengths and signatures. */
gboolean distance_near(const char *a, gsize la, const struct distance_sig *sa, const char *b,
		       gsize lb, const struct distance_sig *sb, gboolean transpose, guint max);

#endif
