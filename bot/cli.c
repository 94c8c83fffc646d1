/*
 * cli.c - list and show for operators (check-config: cli_check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mail.h"
#include "store.h"
#include "template.h"
#include "util.h"

static struct store *
open_store(const struct config *cfg)
{
	GString *err = g_string_new(NULL);
	struct store *st = NULL;

	if (store_open_readonly(cfg->state_dir, &st, err) < 0)
		fprintf(stderr, "mcbot: %s\n", err->str);
	g_string_free(err, TRUE);
	return st;
}

int
cli_open_job(const struct config *cfg, struct templates **tpl, struct store **st)
{
	GString *err = g_string_new(NULL);
	int rc = -1;

	*tpl = NULL;
	*st = NULL;
	mail_init();                /* GMime builds the mail */
	if (templates_load(cfg->templates_dir, tpl, err) < 0)
		fprintf(stderr, "mcbot: templates:\n%s", err->str);
	else if (store_open(cfg->state_dir, st, err) < 0)
		fprintf(stderr, "mcbot: %s\n", err->str);
	else
		rc = 0;
	if (rc < 0) {
		templates_free(*tpl);
		*tpl = NULL;
	}
	g_string_free(err, TRUE);
	return rc;
}

struct mc *
cli_find_mc(const struct store *st, const char *name)
{
	return store_find_mc(st, name);
}

int
cli_list(const struct config *cfg, int argc, char **argv)
{
	struct store *st = open_store(cfg);
	GPtrArray *all;

	if (st == NULL)
		return 1;
	all = store_mcs(st);
	printf("%-6s %-10s %-4s %-5s %s\n", "ID", "STATUS", "VER", "RSVPS", "TITLE");
	for (guint i = 0; i < all->len; i++) {
		const struct mc *mc = all->pdata[i];

		if (argc > 1 && strcmp(argv[1], "all") != 0 && strcmp(argv[1], mc->status) != 0)
			continue;
		printf("MC-%-3d %-10s %-4d %-5u %s\n", mc->id, mc->status, mc->version,
		       mc->rsvps->len, mc->title);
	}
	store_close(st);
	return 0;
}

static void
print_list(const char *label, GPtrArray *items)
{
	printf("%s (%u):\n", label, items->len);
	for (guint i = 0; i < items->len; i++)
		printf("  - %s\n", (char *)items->pdata[i]);
}

int
cli_show(const struct config *cfg, int argc, char **argv)
{
	struct store *st;
	const struct mc *mc;

	if (argc != 2) {
		fprintf(stderr, "usage: mcbot show MC\n");
		return 2;
	}
	if ((st = open_store(cfg)) == NULL)
		return 1;
	mc = cli_find_mc(st, argv[1]);
	if (mc == NULL) {
		fprintf(stderr, "mcbot: no MC \"%s\" (or more than one)\n", argv[1]);
		store_close(st);
		return 1;
	}
	printf("MC-%d  %s\nslug: %s\nstatus: %s\nversion: %d\nproposer: %s\n", mc->id,
	       mc->title, mc->slug, mc->status, mc->version, mc->proposer ? mc->proposer : "");
	printf("leads (%u):\n", mc->p->leads->len);
	for (guint i = 0; i < mc->p->leads->len; i++) {
		const struct person *l = mc->p->leads->pdata[i];

		printf("  - %s%s%s%s\n", l->name, l->email ? " <" : "", l->email ? l->email : "",
		       l->email ? ">" : "");
	}
	print_list("topics", mc->p->topics);
	print_list(mc->p->attendees_label ? mc->p->attendees_label : "key attendees",
		   mc->p->attendees);
	printf("rsvps (%u):\n", mc->rsvps->len);
	for (guint i = 0; i < mc->rsvps->len; i++) {
		const struct rsvp *r = mc->rsvps->pdata[i];

		printf("  - %s <%s>\n", r->name, r->email);
	}
	printf("\n%s\n", mc->p->description ? mc->p->description : "");
	store_close(st);
	return 0;
}
