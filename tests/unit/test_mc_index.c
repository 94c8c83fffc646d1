/*
 * test_mc_index.c - the index of MC titles finds what a scan of every MC
 * finds: RSVP names (rsvp_find) and proposal titles (the duplicate check)
 * among many MCs that share words, after renames, and across stores; and
 * the bounded edit distance agrees with the whole table.
 */
#include <stdio.h>

#include "handlers/distance.h"
#include "handlers/handler.h"
#include "handlers/mc_index.h"
#include "handlers/proposal.h"
#include "handlers/rsvp.h"
#include "harness.h"

/* ---- the edit distance ---- */

static guint
full_distance(const char *a, const char *b, gboolean transpose)
{
	gsize la = strlen(a), lb = strlen(b), w = lb + 1;
	guint *d = g_new(guint, (la + 1) * w), r;

	for (gsize i = 0; i <= la; i++)
		d[i * w] = (guint)i;
	for (gsize j = 0; j <= lb; j++)
		d[j] = (guint)j;
	for (gsize i = 1; i <= la; i++)
		for (gsize j = 1; j <= lb; j++) {
			guint v = MIN(d[(i - 1) * w + j], d[i * w + j - 1]) + 1;

			v = MIN(v, d[(i - 1) * w + j - 1] + (a[i - 1] != b[j - 1]));
			if (transpose && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[(i - 2) * w + j - 2] + 1);
			d[i * w + j] = v;
		}
	r = d[la * w + lb];
	g_free(d);
	return r;
}

static char *
random_word(GRand *r, const char *alphabet, int maxlen)
{
	int n = g_rand_int_range(r, 0, maxlen + 1), k = (int)strlen(alphabet);
	char *s = g_malloc(n + 1);

	for (int i = 0; i < n; i++)
		s[i] = alphabet[g_rand_int_range(r, 0, k)];
	s[n] = '\0';
	return s;
}

static void
test_distance(void)
{
	GRand *r = g_rand_new_with_seed(7);

	for (int round = 0; round < 4000; round++) {
		char *a = random_word(r, round % 2 ? "abc" : "abcdefghij", 12);
		char *b = random_word(r, round % 2 ? "abc" : "abcdefghij", 12);
		gsize la = strlen(a), lb = strlen(b);
		struct distance_sig sa, sb;

		distance_sig(a, la, &sa);
		distance_sig(b, lb, &sb);
		for (int t = 0; t < 2; t++) {
			guint d = full_distance(a, b, t);

			for (guint max = 0; max <= 6; max++) {
				g_assert_cmpuint(distance_edit(a, la, b, lb, t, max), ==, MIN(d, max + 1));
				g_assert_cmpint(distance_near(a, la, &sa, b, lb, &sb, t, max), ==, d <= max);
			}
			g_assert_cmpuint(distance_edit(a, la, b, lb, t, (guint)MAX(la, lb)), ==, d);
		}
		g_free(a);
		g_free(b);
	}
	/* longer than the rows kept on the stack */
	{
		char *a = g_strnfill(300, 'x'), *b = g_strnfill(302, 'x');

		b[150] = 'y';
		g_assert_cmpuint(distance_edit(a, 300, b, 302, TRUE, 5), ==, 2);
		g_assert_cmpuint(distance_edit(a, 300, b, 302, TRUE, 1), ==, 2);
		a[100] = 'z';
		g_assert_cmpuint(full_distance(a, b, FALSE), ==, 3);
		g_assert_cmpuint(distance_edit(a, 300, b, 302, FALSE, 302), ==, 3);
		g_free(a);
		g_free(b);
	}
	g_rand_free(r);
}

/* ---- MCs in a store ---- */

static const char *const part1[] = {
	"Kernel", "Memory", "Power", "Real-Time", "Open", "Rust", "Android", "Linux", "Networking",
	"Scheduler", "Kernel Testing", "File", "Confidential", "Internet of Things", "Sched-Ext",
	"Compute Express Link", "Block", "Power Management and", "Container", "Live", NULL
};
static const char *const part2[] = {
	"Management", "Printing", "Systems", "Tracing", "Drivers", "Security", "Computing",
	"Isolation", "Dependability", "Patching", "Thermal Control", "Storage", "Tooling",
	"Embedded", "Boot", "& Media", "for Toolchains", NULL
};
static const char *const statuses[] = {
	"proposed", "accepted", "proposed", "rejected", "withdrawn", "waitlisted", NULL
};

static int
add_mc(struct env *e, const char *title, const char *status)
{
	struct txn *t = txn_new(e->st);
	struct mc *mc = txn_new_mc(t, title);
	int id = mc->id;

	g_free(mc->status);
	mc->status = g_strdup(status);
	mc->version = 1;
	mc->p->title = g_strdup(title);
	txn_put_mc(t, mc);
	commit(e, t);
	return id;
}

static void
rename_mc(struct env *e, int id, const char *title)
{
	struct txn *t = txn_new(e->st);
	struct mc *mc = mc_dup(store_mc_by_id(e->st, id));

	g_free(mc->title);
	mc->title = g_strdup(title);
	txn_put_mc(t, mc);
	commit(e, t);
}

/* rsvp_find() as it was: every MC scored, in id order. */
static enum rsvp_found
scan_find(const struct store *st, const char *name, const char *states, int *id)
{
	GPtrArray *all = store_mcs(st);
	int best = -1, second = -1, fits = 0;

	*id = 0;
	for (guint i = 0; i < all->len; i++) {
		struct mc *mc = all->pdata[i];
		int s;

		if (!rsvp_state_open(mc->status, states))
			continue;
		s = rsvp_match_score(name, mc);
		fits += s >= RSVP_SCORE_FIT;
		if (s > best) {
			second = best;
			best = s;
			*id = mc->id;
		} else if (s > second) {
			second = s;
		}
	}
	if (best < RSVP_SCORE_FIT || (best >= 90 ? second >= best : fits > 1)) {
		*id = 0;
		return best < RSVP_SCORE_FIT ? RSVP_UNKNOWN : RSVP_AMBIGUOUS;
	}
	return RSVP_FOUND;
}

static void
check_name(struct env *e, const char *name, const char *states, guint *found)
{
	struct mc *mc = NULL;
	int want_id;
	enum rsvp_found want = scan_find(e->st, name, states, &want_id);
	enum rsvp_found got = rsvp_find(e->st, name, states, &mc);

	if (got != want || (mc ? mc->id : 0) != want_id)
		g_error("\"%s\" (%s): index %d MC-%d, scan %d MC-%d", name, states ? states : "all",
			got, mc ? mc->id : 0, want, want_id);
	*found += got == RSVP_FOUND;
}

/* Names people write: whole titles, typos, words, initials, ids, noise. */
static GPtrArray *
names_for(const struct store *st, GRand *r)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *all = store_mcs(st);

	for (int i = 0; part1[i]; i++)
		g_ptr_array_add(names, g_strdup(part1[i]));
	for (int i = 0; part2[i]; i++)
		g_ptr_array_add(names, g_strdup(part2[i]));
	for (guint i = 0; i < all->len; i++) {
		const struct mc *mc = all->pdata[i];
		char *t = g_strdup(mc->title), **w;
		gsize n = strlen(t);
		guint k;

		g_ptr_array_add(names, g_strdup(mc->title));
		g_ptr_array_add(names, g_strdup(mc->slug));
		g_ptr_array_add(names, g_strdup_printf("MC-%d", mc->id));
		if (n > 4) {
			gsize p = (gsize)g_rand_int_range(r, 1, (gint32)n - 2);
			char c = t[p];

			t[p] = t[p + 1];        /* two letters swapped */
			t[p + 1] = c;
			g_ptr_array_add(names, g_strdup(t));
			memmove(t + p, t + p + 1, n - p);       /* and one dropped */
			g_ptr_array_add(names, g_strdup(t));
		}
		w = g_strsplit(mc->title, " ", -1);
		k = g_strv_length(w);
		if (k >= 2) {
			char *initials = g_strdup_printf("%c%c", w[0][0], w[1][0]);
			char *joined = g_strconcat(w[0], w[1], NULL);

			g_ptr_array_add(names, initials);
			g_ptr_array_add(names, joined);
			g_ptr_array_add(names, g_strdup_printf("%s %s", w[k - 1], w[0]));
		}
		g_strfreev(w);
		g_free(t);
	}
	g_ptr_array_add(names, g_strdup("Vienna this year"));
	g_ptr_array_add(names, g_strdup(""));
	g_ptr_array_add(names, g_strdup("the MC"));
	return names;
}

static void
test_same_as_scan(void)
{
	struct env *e = env_new();
	GRand *r = g_rand_new_with_seed(11);
	GPtrArray *names;
	guint found = 0, n = 0;

	if (e == NULL) {
		g_test_skip("no templates/ (set MCBOT_TOP)");
		return;
	}
	for (int i = 0; part1[i]; i++)
		for (guint j = i % 2; j + 1 < G_N_ELEMENTS(part2); j += 2) {
			char *title = g_strdup_printf("%s %s%s", part1[i], part2[j],
						      (i + j) % 3 ? " MC" : "");

			add_mc(e, title, statuses[n++ % (G_N_ELEMENTS(statuses) - 1)]);
			g_free(title);
		}
	/* renamed after they were indexed */
	check_name(e, "Kernel Management", NULL, &found);
	rename_mc(e, 5, "Kernel Memory Management");
	rename_mc(e, 40, "Bluetooth Audio");
	names = names_for(e->st, r);
	for (guint i = 0; i < names->len; i += 2) {
		check_name(e, names->pdata[i], NULL, &found);
		check_name(e, names->pdata[i + 1 < names->len ? i + 1 : i], RSVP_STATES_DEFAULT,
			   &found);
	}
	/* a good share of the names fit one MC: the comparison means something */
	g_assert_cmpuint(found, >, names->len / 3);
	g_ptr_array_unref(names);
	g_rand_free(r);
	env_free(e);
}

static void
test_rename(void)
{
	struct env *e = env_new(), *e2;
	struct mc *mc = NULL;
	int kt, rust;

	if (e == NULL) {
		g_test_skip("no templates/ (set MCBOT_TOP)");
		return;
	}
	kt = add_mc(e, "Kernel Testing MC", "proposed");
	rust = add_mc(e, "Rust MC", "proposed");
	g_assert_cmpint(rsvp_find(e->st, "Tesitng", NULL, &mc), ==, RSVP_FOUND);
	g_assert_cmpint(mc->id, ==, kt);
	/* the names stamp: the same after a change of fields, another after a rename */
	{
		guint64 s1, n1, s2, n2;
		struct txn *t = txn_new(e->st);
		struct mc *d = mc_dup(store_mc_by_id(e->st, rust));

		store_names_stamp(e->st, &s1, &n1);
		g_free(d->status);
		d->status = g_strdup("accepted");
		txn_put_mc(t, d);
		commit(e, t);
		store_names_stamp(e->st, &s2, &n2);
		g_assert_cmpuint(s1, ==, s2);
		g_assert_cmpuint(n1, ==, n2);
		rename_mc(e, rust, "Rust for Linux MC");
		store_names_stamp(e->st, &s2, &n2);
		g_assert_cmpuint(n1, !=, n2);
		rename_mc(e, rust, "Rust MC");
	}
	/* a new title (the slug stays): the old words no longer fit, the new ones do */
	rename_mc(e, kt, "Kernel Dependability MC");
	g_assert_cmpint(rsvp_find(e->st, "Testing", NULL, &mc), ==, RSVP_UNKNOWN);
	g_assert_cmpint(rsvp_find(e->st, "dependability", NULL, &mc), ==, RSVP_FOUND);
	g_assert_cmpint(mc->id, ==, kt);
	g_assert_cmpint(rsvp_find(e->st, "Rust", NULL, &mc), ==, RSVP_FOUND);
	g_assert_cmpint(mc->id, ==, rust);

	/* another store with the same ids and other titles */
	e2 = env_new();
	add_mc(e2, "Rust MC", "proposed");
	add_mc(e2, "Android MC", "proposed");
	g_assert_cmpint(rsvp_find(e2->st, "Android", NULL, &mc), ==, RSVP_FOUND);
	g_assert_cmpint(mc->id, ==, 2);
	g_assert_cmpint(rsvp_find(e2->st, "Dependability", NULL, &mc), ==, RSVP_UNKNOWN);
	/* and back: the first store's MCs again */
	g_assert_cmpint(rsvp_find(e->st, "Kernel Dependability", NULL, &mc), ==, RSVP_FOUND);
	g_assert_cmpint(mc->id, ==, kt);
	env_free(e2);
	/* the index can be dropped and built again */
	mc_index_reset();
	g_assert_cmpint(rsvp_find(e->st, "Rust", NULL, &mc), ==, RSVP_FOUND);
	g_assert_cmpint(mc->id, ==, rust);
	env_free(e);
}

/* ---- proposal titles ---- */

#define BODY \
	"This MC gathers the people who build the thing and the tools that read it,\n" \
	"to agree on what to change next year, to review the patches that are still\n" \
	"out of tree, and to hear from the users who run it in production.\n\n" \
	"Suggested topics:\n- One topic\n- Another topic\n\n" \
	"MC leads:\n- Sam Stranger <stranger@s.example>\n"

static int serial;

/* The first MC not withdrawn with a similar title, by a scan. */
static int
scan_similar(const struct store *st, const char *title)
{
	GPtrArray *all = store_mcs(st);

	for (guint i = 0; i < all->len; i++) {
		struct mc *mc = all->pdata[i];

		if (strcmp(mc->status, "withdrawn") != 0 && proposal_titles_similar(mc->title, title))
			return mc->id;
	}
	return 0;
}

/* A proposal titled title from a stranger is a duplicate of the MC that
 * a scan finds, or is created when there is none; TRUE for a duplicate. */
static gboolean
check_title(struct env *e, const char *title)
{
	char *raw = g_strdup_printf("From: Stranger <stranger@s.example>\nTo: mc@lpc.example.org\n"
				    "Subject: MC proposal: %s\nMessage-ID: <%d@test.example>\n"
				    "Date: Tue, 03 Mar 2026 08:00:00 +0000\n"
				    "Content-Type: text/plain; charset=utf-8\n\n" BODY,
				    title, ++serial);
	struct mail *m = mk("%s", raw);
	struct proposal *p = proposal_read(m);
	struct ctx c = { e->cfg, e->st, e->tpl, e->now++, 0 };
	struct result res = { FOLDER_NONE, NULL, NULL };
	struct txn *t = txn_new(e->st);
	int want = p->title && *p->title ? scan_similar(e->st, p->title) : -1, id = 0;

	g_assert_cmpint(dispatch(m, &c, t, &res), ==, 0);
	txn_free(t);            /* nothing is kept: the store stays as it was */
	if (want < 0)
		g_assert_cmpstr(res.outcome, ==, "incomplete");
	else if (want == 0)
		g_assert_cmpstr(res.outcome, ==, "created");
	else
		g_assert_cmpstr(res.outcome, ==, "duplicate");
	if (want > 0)
		g_assert_cmpint(sscanf(res.detail, "of MC-%d", &id), ==, 1);
	g_assert_cmpint(id, ==, MAX(want, 0));
	g_free(res.detail);
	g_free(raw);
	proposal_free(p);
	return want > 0;
}

static void
test_titles(void)
{
	struct env *e = env_new();
	GRand *r = g_rand_new_with_seed(3);
	GPtrArray *names;
	guint n = 0, dup = 0;

	if (e == NULL) {
		g_test_skip("no templates/ (set MCBOT_TOP)");
		return;
	}
	for (int i = 0; part1[i]; i += 2)
		for (int j = 0; part2[j]; j++) {
			char *title = g_strdup_printf("%s %s", part1[i], part2[j]);

			add_mc(e, title, statuses[n++ % (G_N_ELEMENTS(statuses) - 1)]);
			g_free(title);
		}
	check_title(e, "Memory Tracing");
	rename_mc(e, 3, "Kernel Tracing Tools");
	names = names_for(e->st, r);
	for (guint i = 0; i < names->len; i += 3)
		dup += check_title(e, names->pdata[i]);
	g_assert_cmpuint(dup, >, 10);
	g_ptr_array_unref(names);
	g_rand_free(r);
	env_free(e);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	(void)read_reply;
	g_test_add_func("/distance/bounded", test_distance);
	g_test_add_func("/mc_index/same-as-scan", test_same_as_scan);
	g_test_add_func("/mc_index/rename", test_rename);
	g_test_add_func("/mc_index/titles", test_titles);
	return g_test_run();
}
