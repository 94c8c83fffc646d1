/*
 * distance.c - edit distances of short strings, bounded.
 *
 * Three rows of the dynamic-programming table (the one before the last
 * is needed for transpositions); only the band |i - j| <= max is
 * computed, and the work stops as soon as a whole row is above max.
 */
#include <string.h>

#include "distance.h"

#define STACK_ROW 128

guint
distance_edit(const char *a, gsize la, const char *b, gsize lb, gboolean transpose, guint max)
{
	guint cap = max + 1, stack[3 * STACK_ROW], *rows, *r0, *r1, *r2;
	gsize w = lb + 1;

	if ((la > lb ? la - lb : lb - la) > max)
		return cap;
	rows = w <= STACK_ROW ? stack : g_new(guint, 3 * w);
	r0 = rows;
	r1 = rows + w;
	r2 = rows + 2 * w;
	for (gsize j = 0; j <= lb; j++)
		r1[j] = (guint)MIN(j, cap);
	for (gsize i = 1; i <= la; i++) {
		gsize lo = i > max ? i - max : 1, hi = MIN(lb, i + max);
		guint low = cap, *t;

		r2[0] = (guint)MIN(i, cap);
		if (lo > 1)
			r2[lo - 1] = cap;
		if (hi < lb)
			r2[hi + 1] = cap;
		if (r2[0] < low && lo == 1)
			low = r2[0];
		for (gsize j = lo; j <= hi; j++) {
			guint v = MIN(r1[j], r2[j - 1]) + 1;

			v = MIN(v, r1[j - 1] + (a[i - 1] != b[j - 1]));
			if (transpose && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, r0[j - 2] + 1);
			r2[j] = MIN(v, cap);
			low = MIN(low, r2[j]);
		}
		if (low >= cap) {
			r1[lb] = cap;
			break;
		}
		t = r0;
		r0 = r1;
		r1 = r2;
		r2 = t;
	}
	{
		guint d = r1[lb];

		if (rows != stack)
			g_free(rows);
		return d;
	}
}

void
distance_sig(const char *s, gsize len, struct distance_sig *sig)
{
	sig->letters = sig->pairs = 0;
	for (gsize i = 0; i < len; i++) {
		guint32 pair = (guint32)(guchar)s[i] << 8 | (i + 1 < len ? (guchar)s[i + 1] : 0);

		sig->letters |= G_GUINT64_CONSTANT(1) << ((guchar)s[i] & 63);
		if (i + 1 < len)
			sig->pairs |= G_GUINT64_CONSTANT(1) << ((pair * 0x9E3779B1u) >> 26);
	}
}

gboolean
distance_sigs_near(const struct distance_sig *a, const struct distance_sig *b,
		   gboolean transpose, guint max)
{
	return (guint)__builtin_popcountll(a->letters ^ b->letters) <= 2 * max &&
	       (guint)__builtin_popcountll(a->pairs ^ b->pairs) <= (transpose ? 6 : 4) * max;
}

gboolean
distance_near(const char *a, gsize la, const struct distance_sig *sa, const char *b, gsize lb,
	      const struct distance_sig *sb, gboolean transpose, guint max)
{
	if ((la > lb ? la - lb : lb - la) > max)
		return FALSE;
	return distance_sigs_near(sa, sb, transpose, max) &&
	       distance_edit(a, la, b, lb, transpose, max) <= max;
}
