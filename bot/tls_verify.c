/*
 * tls_verify.c - certificate chain verification with a GnuTLS trust list.
 *
 * gnutls_x509_trust_list_verify_crt2() returns 0 even when the chain is
 * bad: the verdict is in its status out-parameter, which is what we read.
 */
#include <arpa/inet.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls_verify.h"
#include "util.h"

#define TLS_VERIFY_MAX_CHAIN 16
#define TLS_VERIFY_MAX_NAMES 4

char *
tls_verify_norm_pin(const char *pin)
{
	GString *s = g_string_new(NULL);

	for (const char *p = pin; *p; p++) {
		if (*p == ':' || g_ascii_isspace(*p))
			continue;
		if (!g_ascii_isxdigit(*p)) {
			g_string_free(s, TRUE);
			return NULL;
		}
		g_string_append_c(s, g_ascii_tolower(*p));
	}
	if (s->len != 64) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

char *
tls_verify_fingerprint(GBytes *der)
{
	gsize len;
	const void *data = g_bytes_get_data(der, &len);

	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

/* Text from a certificate goes into an error line: printable ASCII only, bounded. */
static void
tls_verify_append_clean(GString *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len && i < 64; i++)
		g_string_append_c(out, g_ascii_isprint(s[i]) ? s[i] : '?');
}

/* "a.example, 10.0.0.1": the names the leaf is for, for the error message. */
static char *
tls_verify_leaf_names(gnutls_x509_crt_t crt)
{
	GString *out = g_string_new(NULL);
	char buf[256];
	int n = 0;

	for (unsigned seq = 0; n < TLS_VERIFY_MAX_NAMES; seq++) {
		size_t size = sizeof buf;
		unsigned critical;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &size, &critical);

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			if (n++)
				g_string_append(out, ", ");
			tls_verify_append_clean(out, buf, size);
		} else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
			char ip[INET6_ADDRSTRLEN];

			if (inet_ntop(size == 4 ? AF_INET : AF_INET6, buf, ip, sizeof ip)) {
				if (n++)
					g_string_append(out, ", ");
				g_string_append(out, ip);
			}
		} else if (type < 0 && type != GNUTLS_E_SHORT_MEMORY_BUFFER) {
			break;
		}
	}
	if (n == 0) {
		size_t size = sizeof buf;

		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
		    buf, &size) == 0)
			tls_verify_append_clean(out, buf, size);
	}
	if (out->len == 0)
		g_string_append(out, "no name");
	return g_string_free(out, FALSE);
}

/* The first reason in status, most useful first. */
static const char *
tls_verify_reason(unsigned status, gboolean self_signed)
{
	if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
		return self_signed ? "self-signed" : "signer unknown";
	if (status & GNUTLS_CERT_REVOKED)
		return "revoked";
	if (status & GNUTLS_CERT_EXPIRED)
		return "expired";
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return "not yet valid";
	if (status & GNUTLS_CERT_SIGNER_NOT_CA)
		return "signer is not a CA";
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		return "insecure algorithm";
	if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
		return "bad signature";
	if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
		return "not a TLS server certificate";
	if (status & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE)
		return "signer constraints violated";
	return "invalid";
}

static int
tls_verify_pin(GBytes *leaf, const char *pin, GString *err)
{
	char *want = tls_verify_norm_pin(pin);
	char *got = tls_verify_fingerprint(leaf);
	int ret = 0;

	if (want == NULL)
		ret = fail(err, "pinned fingerprint is not 64 hex digits (SHA-256)");
	else if (strcmp(want, got) != 0)
		ret = fail(err, "certificate does not match the pinned fingerprint (got %s)", got);
	g_free(want);
	g_free(got);
	return ret;
}

static int
tls_verify_load_trust(gnutls_x509_trust_list_t tl, const char *ca_file, GString *err)
{
	int n;

	if (ca_file) {
		n = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
		if (n < 0)
			return fail(err, "CA file %s: %s", ca_file, gnutls_strerror(n));
		if (n == 0)
			return fail(err, "CA file %s: no certificate in it", ca_file);
		return 0;
	}
	n = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (n <= 0)
		return fail(err, "no system trust store (%s); set a CA file",
		    n < 0 ? gnutls_strerror(n) : "empty");
	return 0;
}

int
tls_verify_chain(GPtrArray *chain, const char *host, const char *ca_file,
    const char *pin, GString *err)
{
	gnutls_x509_crt_t crts[TLS_VERIFY_MAX_CHAIN];
	gnutls_x509_trust_list_t tl = NULL;
	unsigned n = 0, status = 0;
	int ret = -1, r;

	if (chain == NULL || chain->len == 0)
		return fail(err, "server sent no certificate");
	if (pin)
		return tls_verify_pin(g_ptr_array_index(chain, 0), pin, err);
	if (chain->len > TLS_VERIFY_MAX_CHAIN) {
		fail(err, "certificate chain too long (%u)", chain->len);
		goto out;
	}
	for (; n < chain->len; n++) {
		gsize len;
		const void *der = g_bytes_get_data(g_ptr_array_index(chain, n), &len);
		gnutls_datum_t d = { (unsigned char *)der, (unsigned)len };

		gnutls_x509_crt_init(&crts[n]);
		r = gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER);
		if (r < 0) {
			gnutls_x509_crt_deinit(crts[n]);
			fail(err, "bad certificate %u in chain: %s", n, gnutls_strerror(r));
			goto out;
		}
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
		fail(err, "cannot make a trust list");
		goto out;
	}
	if (tls_verify_load_trust(tl, ca_file, err) < 0)
		goto out;

	gnutls_typed_vdata_st vdata[] = {
		{ GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)host, 0 },
		{ GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 },
	};
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, vdata, 2, 0, &status, NULL);
	if (r < 0) {
		fail(err, "certificate check failed: %s", gnutls_strerror(r));
		goto out;
	}
	if (status == 0) {
		ret = 0;
		goto out;
	}
	if ((status & ~(unsigned)GNUTLS_CERT_INVALID) == GNUTLS_CERT_UNEXPECTED_OWNER) {
		char *names = tls_verify_leaf_names(crts[0]);

		fail(err, "certificate is for another host (not valid for %s; it names %s)",
		    host, names);
		g_free(names);
	} else {
		gboolean self = n == 1 && gnutls_x509_crt_check_issuer(crts[0], crts[0]);

		fail(err, "certificate not trusted (%s)", tls_verify_reason(status, self));
	}
out:
	while (n > 0)
		gnutls_x509_crt_deinit(crts[--n]);
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	return ret;
}
