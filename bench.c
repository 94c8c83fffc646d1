#include <stdio.h>
#include "bot/mail.h"
int main(int argc, char **argv) {
	mail_init();
	int rounds = atoi(argv[1]); GPtrArray *f = g_ptr_array_new(); GArray *l = g_array_new(0,0,sizeof(gsize)); gsize total = 0;
	for (int i = 2; i < argc; i++) { char *d; gsize n; g_file_get_contents(argv[i], &d, &n, NULL); g_ptr_array_add(f, d); g_array_append_val(l, n); total += n; }
	gint64 t0 = g_get_monotonic_time(); long n = 0;
	for (int r = 0; r < rounds; r++) for (guint i = 0; i < f->len; i++) { struct mail *m; if (mail_parse(f->pdata[i], g_array_index(l,gsize,i), NULL, &m, NULL) == 0) mail_free(m); n++; }
	double s = (g_get_monotonic_time() - t0) / 1e6;
	printf("%ld mails in %.2fs: %.0f mails/s, %.1f MB/s (avg %zu bytes)\n", n, s, n / s, total * rounds / s / 1e6, total / f->len);
}
