# shellcheck shell=bash
#
# tls.sh - test certificates made with openssl at test time (nothing
# secret is kept in the repository).  Sourced by stack.sh.
#
# All keys are ECDSA P-256 (fast to generate) and certificates live two
# days.  Server certificates carry keyUsage digitalSignature and
# extendedKeyUsage serverAuth, as a client checking the key purpose wants.

# stack__tls_cnf FILE: our own openssl configuration, so that the system's
# openssl.cnf adds no extensions of its own.
stack__tls_cnf() {
	cat >"$1" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = ${ENV::STACK_TLS_SAN}
[self_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = ${ENV::STACK_TLS_SAN}
EOF
}

# stack__tls_run CMD...: run openssl quietly with our configuration;
# print its output only when it fails.
stack__tls_run() {
	local out
	out=$(STACK_TLS_SAN=${STACK_TLS_SAN:-DNS:localhost} OPENSSL_CONF="$STACK_TLS_DIR/openssl.cnf" \
		timeout 60 openssl "$@" 2>&1) && return 0
	echo "stack: openssl $1 failed: $out" >&2
	return 1
}

# stack_tls_ca DIR: make DIR/ca.pem and DIR/ca.key, the test CA.
stack_tls_ca() {
	STACK_TLS_DIR=$1
	mkdir -p "$1" && stack__tls_cnf "$1/openssl.cnf" || return 1
	stack__tls_run req -x509 -config "$1/openssl.cnf" -extensions ca_ext \
		-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/ca.key" -out "$1/ca.pem" -days 2 \
		-subj "/O=mcbot tests/CN=mcbot test CA $$"
}

# stack_tls_server DIR NAME SAN [selfsigned]: make DIR/NAME.pem and
# DIR/NAME.key, a server certificate for the subjectAltName SAN (openssl
# syntax, e.g. "DNS:localhost,IP:127.0.0.1"), signed by DIR's CA, or
# self-signed when the fourth argument is "selfsigned".  The common name is
# the first name of SAN.
stack_tls_server() {
	local dir=$1 name=$2 san=$3 cn
	STACK_TLS_DIR=$dir
	cn=${san%%,*}
	cn=${cn#*:}
	if [ "$4" = selfsigned ]; then
		STACK_TLS_SAN=$san stack__tls_run req -x509 -config "$dir/openssl.cnf" \
			-extensions self_ext -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$dir/$name.key" -out "$dir/$name.pem" -days 2 \
			-subj "/O=mcbot tests/CN=$cn"
		return
	fi
	STACK_TLS_SAN=$san stack__tls_run req -new -config "$dir/openssl.cnf" \
		-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/O=mcbot tests/CN=$cn" &&
	STACK_TLS_SAN=$san stack__tls_run x509 -req -in "$dir/$name.csr" \
		-CA "$dir/ca.pem" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
		-days 2 -extfile "$dir/openssl.cnf" -extensions server_ext -out "$dir/$name.pem"
}

# stack_tls_peer HOST PORT [starttls PROTO]: print the PEM certificate the
# server at HOST:PORT presents (no verification).
stack_tls_peer() {
	local st=()
	[ "$3" = starttls ] && st=(-starttls "$4")
	timeout 15 openssl s_client -connect "$1:$2" -servername localhost "${st[@]}" \
		</dev/null 2>/dev/null | openssl x509 2>/dev/null
}

# stack_tls_verify HOST PORT CAFILE NAME [starttls PROTO]: true when the
# server's certificate chain verifies against CAFILE for the host name (or
# IP address) NAME.  On failure openssl's verdict goes to stderr.
stack_tls_verify() {
	local host=$1 port=$2 ca=$3 name=$4 out st=() check=(-verify_hostname "$4")
	[ "$5" = starttls ] && st=(-starttls "$6")
	case $name in *[!0-9.]*) ;; *) check=(-verify_ip "$name") ;; esac
	out=$(timeout 15 openssl s_client -connect "$host:$port" -servername localhost \
		"${st[@]}" -CAfile "$ca" -verify_return_error "${check[@]}" </dev/null 2>&1) && return 0
	printf '%s\n' "$out" | grep -E -i 'verify (error|return)|error' | head -n 3 >&2
	return 1
}
