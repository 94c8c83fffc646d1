/*
 * export_html.c - the public page as one self-contained HTML file: no
 * script, no external style, font or image, so it can be served as a
 * static file or mailed.  Written to be well-formed XML as well as HTML
 * (void elements closed, only the five XML entities), which lets a test
 * check it with an XML parser.  Readable on a phone: the viewport is the
 * device's, the column is fluid, long words and URLs wrap.  Accessible:
 * a language, a skip link, one h1, an h2 per MC with h3 sections, lists
 * as lists, status in words (not only colour), the reader's own colours
 * in the light and the dark scheme.
 */
#include <string.h>

#include "export.h"
#include "export_p.h"

/*
 * System colours (Canvas, CanvasText, LinkText) follow the reader's light
 * or dark scheme without a media query, so the page needs no '@' at all:
 * a test can then look for addresses with a plain search for '@'.
 */
static const char export_css[] =
	":root{color-scheme:light dark}\n"
	"*{box-sizing:border-box}\n"
	"html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
	"body{margin:0 auto;max-width:46rem;padding:1rem 1.1rem 3rem;color:CanvasText;"
	"background:Canvas;font:1.0625rem/1.6 system-ui,-apple-system,\"Segoe UI\","
	"Roboto,\"Noto Sans\",sans-serif;overflow-wrap:anywhere}\n"
	"a{color:LinkText}\n"
	"a:focus-visible{outline:3px solid currentColor;outline-offset:2px}\n"
	".skip{position:absolute;left:-999rem}\n"
	".skip:focus{position:static}\n"
	"h1{font-size:1.75rem;line-height:1.25;margin:1rem 0 .25rem}\n"
	"h2{font-size:1.3rem;line-height:1.3;margin:0 0 .35rem}\n"
	"h3{font-size:1rem;margin:1rem 0 .25rem}\n"
	"header p,.meta,footer{opacity:.85}\n"
	"nav ol{padding-left:1.4rem}\n"
	"nav li{margin:.2rem 0}\n"
	"article{border-top:1px solid GrayText;padding:1.4rem 0 .4rem}\n"
	".meta{margin:0 0 .8rem;font-size:.95rem}\n"
	".status{border:1px solid currentColor;border-radius:.3rem;padding:0 .35rem}\n"
	"ul{padding-left:1.3rem}\n"
	"li{margin:.15rem 0}\n"
	"footer{border-top:1px solid GrayText;margin-top:2rem;padding-top:.8rem;"
	"font-size:.9rem}\n";

void
export_html_escape(GString *out, const char *s)
{
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default:
			/* XML allows no other C0 control; keep TAB and LF. */
			if ((unsigned char)*p >= 0x20 || *p == '\t' || *p == '\n')
				g_string_append_c(out, *p);
			break;
		}
	}
}

static void
html_text(GString *out, const char *s)
{
	export_html_escape(out, s);
}

/* Length of an http(s) URL at s, or 0; trailing punctuation stays text. */
static size_t
html_url_len(const char *s)
{
	size_t n;

	if (!g_str_has_prefix(s, "https://") && !g_str_has_prefix(s, "http://"))
		return 0;
	n = strcspn(s, " \t\n<>\"'");
	while (n > 0 && strchr(".,;:!?)]}", s[n - 1]))
		n--;
	return n > strlen("https://") ? n : 0;
}

/* Prose with its http(s) URLs as links (rel=nofollow: the text is the proposers'). */
static void
html_prose(GString *out, const char *s)
{
	const char *p = s;

	while (*p) {
		const char *h = strstr(p, "http");
		size_t n = 0;
		char *url, *text;

		while (h && (n = html_url_len(h)) == 0)
			h = strstr(h + 4, "http");
		if (h == NULL) {
			html_text(out, p);
			return;
		}
		text = g_strndup(p, (gsize)(h - p));
		url = g_strndup(h, n);
		html_text(out, text);
		g_string_append(out, "<a rel=\"nofollow\" href=\"");
		html_text(out, url);
		g_string_append(out, "\">");
		html_text(out, url);
		g_string_append(out, "</a>");
		g_free(text);
		g_free(url);
		p = h + n;
	}
}

static void
html_list(GString *out, const char *cls, GPtrArray *items)
{
	g_string_append_printf(out, "<ul%s%s%s>\n", cls ? " class=\"" : "", cls ? cls : "",
			       cls ? "\"" : "");
	for (guint i = 0; i < items->len; i++) {
		g_string_append(out, "<li>");
		html_prose(out, items->pdata[i]);
		g_string_append(out, "</li>\n");
	}
	g_string_append(out, "</ul>\n");
}

static void
html_description(GString *out, const char *text)
{
	GArray *is_list;
	GPtrArray *blocks = export_blocks(text, &is_list);

	for (guint i = 0; i < blocks->len; i++) {
		if (g_array_index(is_list, gboolean, i)) {
			char **items = g_strsplit(blocks->pdata[i], "\n", -1);
			GPtrArray *arr = g_ptr_array_new();

			for (int j = 0; items[j]; j++)
				g_ptr_array_add(arr, items[j]);
			html_list(out, NULL, arr);
			g_ptr_array_unref(arr);
			g_strfreev(items);
			continue;
		}
		g_string_append(out, "<p>");
		html_prose(out, blocks->pdata[i]);
		g_string_append(out, "</p>\n");
	}
	g_array_unref(is_list);
	g_ptr_array_unref(blocks);
}

static void
html_mc(GString *out, const struct export_mc *e)
{
	char *label = export_status_label(e->status);

	g_string_append_printf(out, "<article id=\"mc-%d\" aria-labelledby=\"mc-%d-title\">\n"
			       "<h2 id=\"mc-%d-title\">", e->id, e->id, e->id);
	html_text(out, e->title);
	g_string_append(out, "</h2>\n<p class=\"meta\"><span class=\"status\">");
	html_text(out, label);
	g_string_append_printf(out, "</span> \u00b7 MC-%d \u00b7 ", e->id);
	if (e->attendees == 1)
		g_string_append(out, "1 person plans to attend");
	else
		g_string_append_printf(out, "%u people plan to attend", e->attendees);
	g_string_append(out, "</p>\n");
	html_description(out, e->description);
	if (e->topics->len) {
		g_string_append(out, "<h3>Topics</h3>\n");
		html_list(out, "topics", e->topics);
	}
	if (e->leads->len) {
		g_string_append_printf(out, "<h3>%s</h3>\n", e->leads->len == 1 ? "Lead" : "Leads");
		html_list(out, "leads", e->leads);
	}
	g_string_append(out, "</article>\n");
	g_free(label);
}

static void
html_title(GString *out, const struct export_page *pg)
{
	html_text(out, pg->heading);
	if (pg->conference[0]) {
		g_string_append(out, " \u2014 ");
		html_text(out, pg->conference);
	}
}

char *
export_html(const struct export_page *pg)
{
	GString *out = g_string_new("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
				    "<meta charset=\"utf-8\" />\n"
				    "<meta name=\"viewport\" content=\"width=device-width, "
				    "initial-scale=1\" />\n"
				    "<meta name=\"generator\" content=\"mcbot\" />\n<title>");
	guint n = pg->mcs->len;

	html_title(out, pg);
	g_string_append_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n"
			       "<a class=\"skip\" href=\"#main\">Skip to the microconferences</a>\n"
			       "<header>\n<h1>", export_css);
	html_title(out, pg);
	g_string_append(out, "</h1>\n<p>");
	if (n == 1)
		g_string_append(out, "1 microconference");
	else
		g_string_append_printf(out, "%u microconferences", n);
	if (pg->updated)
		g_string_append_printf(out, ", last updated <time datetime=\"%s\">%s</time>",
				       pg->updated, pg->updated);
	g_string_append(out, ".</p>\n</header>\n");
	if (n > 1) {
		g_string_append(out, "<nav aria-labelledby=\"contents\">\n"
				"<h2 id=\"contents\">Contents</h2>\n<ol>\n");
		for (guint i = 0; i < n; i++) {
			const struct export_mc *e = pg->mcs->pdata[i];

			g_string_append_printf(out, "<li><a href=\"#mc-%d\">", e->id);
			html_text(out, e->title);
			g_string_append(out, "</a></li>\n");
		}
		g_string_append(out, "</ol>\n</nav>\n");
	}
	g_string_append(out, "<main id=\"main\">\n");
	if (n == 0)
		g_string_append(out, "<p>No microconference yet.</p>\n");
	for (guint i = 0; i < n; i++)
		html_mc(out, pg->mcs->pdata[i]);
	g_string_append(out, "</main>\n<footer>\n<p>From the call for proposals: each "
			"microconference with the names of its leads and the number of people "
			"who said they plan to attend.</p>\n</footer>\n</body>\n</html>\n");
	return g_string_free(out, FALSE);
}
