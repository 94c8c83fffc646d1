/*
 * test_tls_verify.c - certificate verification against certificates made
 * by openssl(1) in a temporary directory (skipped when openssl is missing).
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>

#include "bot/tls_verify.h"

static char *tmpdir;

static gboolean
run_openssl(const char *const *args)
{
	GPtrArray *argv = g_ptr_array_new();
	char *out = NULL, *errout = NULL;
	int status = 0;
	gboolean ok;

	g_ptr_array_add(argv, (char *)"openssl");
	for (; *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	ok = g_spawn_sync(tmpdir, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
	    &out, &errout, &status, NULL) && g_spawn_check_wait_status(status, NULL);
	if (!ok)
		g_printerr("# openssl %s failed: %s\n", (char *)argv->pdata[1], errout ? errout : "");
	g_ptr_array_free(argv, TRUE);
	g_free(out);
	g_free(errout);
	return ok;
}

static void
write_file(const char *name, const char *text)
{
	char *path = g_build_filename(tmpdir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_free(path);
}

/* A self-signed CA named name (name.pem, name.key). */
static gboolean
make_ca(const char *name)
{
	char *key = g_strdup_printf("%s.key", name), *pem = g_strdup_printf("%s.pem", name);
	char *subj = g_strdup_printf("/CN=mcbot test %s", name);
	const char *args[] = { "req", "-config", "openssl.cnf", "-x509", "-newkey", "ec",
	    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", pem,
	    "-days", "2", "-subj", subj, "-addext", "basicConstraints=critical,CA:TRUE",
	    "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL };
	gboolean ok = run_openssl(args);

	g_free(key);
	g_free(pem);
	g_free(subj);
	return ok;
}

/* A leaf name.pem signed by ca, or self-signed when ca is NULL. */
static gboolean
make_leaf(const char *name, const char *ca, const char *san, const char *eku)
{
	char *key = g_strdup_printf("%s.key", name), *pem = g_strdup_printf("%s.pem", name);
	char *csr = g_strdup_printf("%s.csr", name), *ext = g_strdup_printf("%s.ext", name);
	char *ext_text = g_strdup_printf("basicConstraints=CA:FALSE\nsubjectAltName=%s\n"
	    "extendedKeyUsage=%s\n", san, eku);
	char *san_arg = g_strdup_printf("subjectAltName=%s", san);
	char *eku_arg = g_strdup_printf("extendedKeyUsage=%s", eku);
	char *ca_pem = g_strdup_printf("%s.pem", ca ? ca : ""), *ca_key = g_strdup_printf("%s.key", ca ? ca : "");
	gboolean ok;

	write_file(ext, ext_text);
	if (ca == NULL) {
		const char *args[] = { "req", "-config", "openssl.cnf", "-x509", "-newkey", "ec",
		    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", pem,
		    "-days", "2", "-subj", "/CN=selfsigned", "-addext", san_arg, "-addext",
		    "basicConstraints=critical,CA:FALSE", "-addext", eku_arg, NULL };
		ok = run_openssl(args);
	} else {
		const char *req[] = { "req", "-config", "openssl.cnf", "-new", "-newkey", "ec",
		    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
		    "-subj", "/CN=leaf", NULL };
		const char *sign[] = { "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
		    "-CAcreateserial", "-out", pem, "-days", "2", "-extfile", ext, NULL };
		ok = run_openssl(req) && run_openssl(sign);
	}
	g_free(key);
	g_free(pem);
	g_free(csr);
	g_free(ext);
	g_free(ext_text);
	g_free(san_arg);
	g_free(eku_arg);
	g_free(ca_pem);
	g_free(ca_key);
	return ok;
}

/* The DER of the first certificate in a PEM file. */
static GBytes *
load_der(const char *name)
{
	char *path = g_build_filename(tmpdir, name, NULL), *pem = NULL;
	gsize len;
	gnutls_datum_t in, out;

	g_assert_true(g_file_get_contents(path, &pem, &len, NULL));
	in.data = (unsigned char *)pem;
	in.size = len;
	g_assert_cmpint(gnutls_pem_base64_decode2("CERTIFICATE", &in, &out), ==, 0);
	GBytes *b = g_bytes_new(out.data, out.size);
	gnutls_free(out.data);
	g_free(pem);
	g_free(path);
	return b;
}

static GPtrArray *
chain_of(const char *leaf, const char *ca)
{
	GPtrArray *c = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	g_ptr_array_add(c, load_der(leaf));
	if (ca)
		g_ptr_array_add(c, load_der(ca));
	return c;
}

static char *
path_of(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

/* Verify and return the error text ("" when trusted). */
static char *
verify(const char *leaf, const char *extra, const char *host, const char *ca, const char *pin,
    int want)
{
	GPtrArray *c = chain_of(leaf, extra);
	GString *err = g_string_new(NULL);
	char *ca_path = ca ? path_of(ca) : NULL;
	int r = tls_verify_chain(c, host, ca_path, pin, err);

	if (r != want)
		g_printerr("# %s for %s: %s\n", leaf, host, err->str);
	g_assert_cmpint(r, ==, want);
	g_ptr_array_free(c, TRUE);
	g_free(ca_path);
	return g_string_free(err, FALSE);
}

static gboolean
have_certs(void)
{
	if (tmpdir == NULL) {
		g_test_skip("openssl not available");
		return FALSE;
	}
	return TRUE;
}

static void
test_good(void)
{
	if (!have_certs())
		return;
	g_free(verify("good.pem", NULL, "127.0.0.1", "ca.pem", NULL, 0));
	g_free(verify("good.pem", NULL, "localhost", "ca.pem", NULL, 0));
	g_free(verify("good.pem", NULL, "LOCALHOST", "ca.pem", NULL, 0));
	g_free(verify("good.pem", "ca.pem", "127.0.0.1", "ca.pem", NULL, 0));
}

static void
test_wrong_host(void)
{
	char *e;

	if (!have_certs())
		return;
	e = verify("wronghost.pem", NULL, "127.0.0.1", "ca.pem", NULL, -1);
	g_assert_nonnull(strstr(e, "certificate is for another host"));
	g_assert_nonnull(strstr(e, "127.0.0.1"));
	g_assert_nonnull(strstr(e, "wrong.example"));
	g_free(e);
	e = verify("good.pem", NULL, "127.0.0.2", "ca.pem", NULL, -1);
	g_assert_nonnull(strstr(e, "not valid for 127.0.0.2"));
	g_free(e);
	e = verify("good.pem", NULL, "evil.localhost", "ca.pem", NULL, -1);
	g_assert_nonnull(strstr(e, "another host"));
	g_free(e);
}

static void
test_self_signed(void)
{
	char *e;

	if (!have_certs())
		return;
	e = verify("self.pem", NULL, "127.0.0.1", "ca.pem", NULL, -1);
	g_assert_cmpstr(e, ==, "certificate not trusted (self-signed)");
	g_free(e);
}

static void
test_other_ca(void)
{
	char *e;

	if (!have_certs())
		return;
	e = verify("good.pem", NULL, "127.0.0.1", "other.pem", NULL, -1);
	g_assert_cmpstr(e, ==, "certificate not trusted (signer unknown)");
	g_free(e);
	/* Sending the CA along does not make it trusted. */
	e = verify("good.pem", "ca.pem", "127.0.0.1", "other.pem", NULL, -1);
	g_assert_nonnull(strstr(e, "not trusted"));
	g_free(e);
}

static void
test_client_cert(void)
{
	char *e;

	if (!have_certs())
		return;
	e = verify("client.pem", NULL, "127.0.0.1", "ca.pem", NULL, -1);
	g_assert_cmpstr(e, ==, "certificate not trusted (not a TLS server certificate)");
	g_free(e);
}

static void
test_pin(void)
{
	GBytes *der;
	char *fp, *upper, *colons, *e;
	GString *g;

	if (!have_certs())
		return;
	der = load_der("self.pem");
	fp = tls_verify_fingerprint(der);
	g_assert_cmpuint(strlen(fp), ==, 64);
	/* A pin trusts the pinned certificate whatever its issuer or host. */
	g_free(verify("self.pem", NULL, "anything.example", NULL, fp, 0));
	upper = g_ascii_strup(fp, -1);
	g = g_string_new(NULL);
	for (int i = 0; i < 64; i += 2)
		g_string_append_printf(g, "%s%.2s", i ? ":" : "", upper + i);
	colons = g_string_free(g, FALSE);
	g_free(verify("self.pem", NULL, "127.0.0.1", NULL, colons, 0));
	e = verify("good.pem", NULL, "127.0.0.1", "ca.pem", fp, -1);
	g_assert_nonnull(strstr(e, "pinned fingerprint"));
	g_free(e);
	e = verify("self.pem", NULL, "127.0.0.1", NULL, "abcd", -1);
	g_assert_nonnull(strstr(e, "64 hex"));
	g_free(e);
	g_bytes_unref(der);
	g_free(fp);
	g_free(upper);
	g_free(colons);
}

static void
test_bad_input(void)
{
	GPtrArray *c = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	GString *err = g_string_new(NULL);

	g_assert_cmpint(tls_verify_chain(c, "127.0.0.1", NULL, NULL, err), ==, -1);
	g_assert_cmpstr(err->str, ==, "server sent no certificate");
	g_ptr_array_add(c, g_bytes_new_static("garbage", 7));
	g_assert_cmpint(tls_verify_chain(c, "127.0.0.1", "/nonexistent/ca.pem", NULL, err), ==, -1);
	g_assert_nonnull(strstr(err->str, "bad certificate"));
	g_ptr_array_free(c, TRUE);
	if (have_certs()) {
		c = chain_of("good.pem", NULL);
		g_assert_cmpint(tls_verify_chain(c, "127.0.0.1", "/nonexistent/ca.pem", NULL, err),
		    ==, -1);
		g_assert_nonnull(strstr(err->str, "/nonexistent/ca.pem"));
		g_ptr_array_free(c, TRUE);
	}
	g_string_free(err, TRUE);
}

static void
test_norm_pin(void)
{
	char *p = tls_verify_norm_pin("AB:cd ef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789");

	g_assert_cmpstr(p, ==,
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	g_free(p);
	g_assert_null(tls_verify_norm_pin("zz"));
	g_assert_null(tls_verify_norm_pin(""));
}

static void
remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, name, NULL);

		g_unlink(p);
		g_free(p);
	}
	g_dir_close(d);
	g_rmdir(dir);
}

static void
setup_certs(void)
{
	char *exe = g_find_program_in_path("openssl");

	if (exe == NULL)
		return;
	g_free(exe);
	tmpdir = g_dir_make_tmp("mcbot-tls-XXXXXX", NULL);
	g_assert_nonnull(tmpdir);
	/* Our own openssl.cnf: the system's may add extensions of its own. */
	write_file("openssl.cnf", "[req]\ndistinguished_name = dn\nprompt = no\n"
	    "[dn]\nCN = unused\n");
	if (make_ca("ca") && make_ca("other")
	    && make_leaf("good", "ca", "DNS:localhost,IP:127.0.0.1", "serverAuth")
	    && make_leaf("wronghost", "ca", "DNS:wrong.example", "serverAuth")
	    && make_leaf("client", "ca", "DNS:localhost,IP:127.0.0.1", "clientAuth")
	    && make_leaf("self", NULL, "DNS:localhost,IP:127.0.0.1", "serverAuth"))
		return;
	remove_tree(tmpdir);
	g_free(tmpdir);
	tmpdir = NULL;
}

int
main(int argc, char **argv)
{
	int r;

	g_test_init(&argc, &argv, NULL);
	setup_certs();
	g_test_add_func("/tls_verify/good", test_good);
	g_test_add_func("/tls_verify/wrong_host", test_wrong_host);
	g_test_add_func("/tls_verify/self_signed", test_self_signed);
	g_test_add_func("/tls_verify/other_ca", test_other_ca);
	g_test_add_func("/tls_verify/client_cert", test_client_cert);
	g_test_add_func("/tls_verify/pin", test_pin);
	g_test_add_func("/tls_verify/bad_input", test_bad_input);
	g_test_add_func("/tls_verify/norm_pin", test_norm_pin);
	r = g_test_run();
	if (tmpdir) {
		remove_tree(tmpdir);
		g_free(tmpdir);
	}
	return r;
}
