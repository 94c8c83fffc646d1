#!/bin/bash
# Organizer commands proven by PGP/MIME signatures, with keys made here by
# gpg: a good signature is obeyed (from its signed part only); a replay, a
# key with the same user id, an untrusted key, another organizer's key, a
# tampered body, an old signature, unsigned text next to a signed part and
# S/MIME are refused with the state unchanged.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/commands.sh"
[ -x "$MCBOT" ] || skip_all "no mcbot binary ($MCBOT)"
command -v perl >/dev/null || skip_all "perl not installed"
command -v gpg >/dev/null || skip_all "gpg not installed"

cmd_setup
G=$dir/g
homes="org chair evil bot"
cleanup() {
	for h in $homes; do
		gpgconf --homedir "$G/$h" --kill all >/dev/null 2>&1
	done
	rm -rf "$dir"
}
[ -n "$KEEP" ] && trap "echo kept \$dir" EXIT || trap cleanup EXIT
for h in $homes; do
	mkdir -p -m 700 "$G/$h"
done

gen() { # HOME UID
	gpg --homedir "$G/$1" --batch --passphrase '' --quick-gen-key "$2" ed25519 sign 1y \
		>/dev/null 2>&1 && gpg --homedir "$G/$1" --with-colons --list-keys 2>/dev/null |
		awk -F: '/^fpr/ { print $10; exit }'
}
fpr_org=$(gen org 'LPC Organizers <organizer@lpc.example.org>')
fpr_chair=$(gen chair 'Program Chair <chair@lpc.example.org>')
fpr_evil=$(gen evil 'LPC Organizers <organizer@lpc.example.org>')
[ -n "$fpr_org" ] && [ -n "$fpr_chair" ] && [ -n "$fpr_evil" ] || BAIL_OUT "gpg cannot make keys"
note "keys: org $fpr_org, chair $fpr_chair, evil $fpr_evil"
# The bot trusts the organizer's key; the chair's is there but not trusted.
gpg --homedir "$G/org" --armor --export "$fpr_org" | gpg --homedir "$G/bot" --batch --import 2>/dev/null
gpg --homedir "$G/chair" --armor --export "$fpr_chair" | gpg --homedir "$G/bot" --batch --import 2>/dev/null
echo "$fpr_org:6:" | gpg --homedir "$G/bot" --batch --import-ownertrust 2>/dev/null

cmd_conf "addresses = organizer@lpc.example.org, chair@lpc.example.org" \
	"gnupg_home = $G/bot" \
	"pgp_fingerprints = organizer@lpc.example.org=$fpr_org, chair@lpc.example.org=$fpr_chair"
export MCBOT_NOW=$(date +%s)

cmd_feed "$CMD_FIX"/0[1-3]-*.eml
cmd_once "three proposals"

n=0
crlf() { sed 's/\r*$/\r/'; }

# signed HOME KEY FROM SUBJECT BODY: a PGP/MIME mail on stdout, numbered
# $n (count it before: this may run in a subshell).
signed() {
	local part=$dir/part.txt sig=$dir/part.asc
	{ printf 'Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n'
	  printf '%s\n' "$5"; } | crlf >"$part"
	gpg --homedir "$G/$1" --batch --yes --armor --detach-sign -u "$2" -o "$sig" "$part" \
		2>/dev/null || return 1
	{ cat <<EOF
From: $3
To: mc@lpc.example.org
Subject: $4
Date: $(date -R)
Message-ID: <pgp-$n@lpc.example.org>
MIME-Version: 1.0
Content-Type: multipart/signed; micalg=pgp-sha256;
 protocol="application/pgp-signature"; boundary="sig-$n"

This is an OpenPGP/MIME signed message (RFC 4880 and 3156).
--sig-$n
EOF
	} | crlf
	cat "$part"
	printf '\r\n--sig-%s\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\n\r\n' "$n"
	crlf <"$sig"
	printf '\r\n--sig-%s--\r\n' "$n"
}

ORG='LPC Organizers <organizer@lpc.example.org>'
n=$((n + 1))
signed org "$fpr_org" "$ORG" "reject rust" "note rust signed by pgp
list" >"$dir/good.eml" || BAIL_OUT "gpg cannot sign"
cmd_feed "$dir/good.eml"
cmd_once "a signed mail"
is "$(folder_count done)" 4 "it is obeyed"
like "$(cat "$dir/state/mc/1/log")" "note: signed by pgp \[pgp $fpr_org\]" \
	"the MC's log names the key"
is "$(status_of rust)" proposed "the unsigned Subject (reject rust) is not read"
t=$(text_of $(replies_to organizer@lpc.example.org))
like "$t" "accepted as yours by: pgp $fpr_org" "the transcript names the proof"
like "$t" "> list
done: 3 MCs in all" "list from the signed part"

refused_ok() { # FILE DESC
	local before r
	before=$(cmd_state)
	r=$(folder_count refused)
	cmd_feed "$1"
	"$MCBOT" --config "$conf" once 2>>"$dir/once.log"
	is "$(folder_count refused)" "$((r + 1))" "$2: refused"
	is "$(cmd_state)" "$before" "$2: state unchanged"
}

sed 's/^Message-ID: <pgp-1@/Message-ID: <pgp-replay@/' "$dir/good.eml" >"$dir/replay.eml"
refused_ok "$dir/replay.eml" "the same signed mail again"
like "$(grep pgp-replay "$dir/once.log")" "obeyed before" "as a replay"

n=$((n + 1))
signed evil "$fpr_evil" "$ORG" "cmd" "reject rust" >"$dir/evil.eml"
refused_ok "$dir/evil.eml" "a key with the organizer's user id"
like "$(grep "pgp-$n@" "$dir/once.log")" "not in our keyring" "unknown key"

n=$((n + 1))
signed chair "$fpr_chair" 'Program Chair <chair@lpc.example.org>' "cmd" "reject rust" \
	>"$dir/untrusted.eml"
refused_ok "$dir/untrusted.eml" "a configured but untrusted key"
like "$(grep "pgp-$n@" "$dir/once.log")" "not trusted" "untrusted key"

n=$((n + 1))
signed org "$fpr_org" 'Program Chair <chair@lpc.example.org>' "cmd" "reject rust" \
	>"$dir/wrongkey.eml"
refused_ok "$dir/wrongkey.eml" "another organizer's key"
like "$(grep "pgp-$n@" "$dir/once.log")" "is not configured for chair" "key of someone else"

n=$((n + 1))
signed org "$fpr_org" "$ORG" "cmd" "note rust fine" | sed 's/^note rust fine/reject rust/' \
	>"$dir/tampered.eml"
refused_ok "$dir/tampered.eml" "a tampered body"
like "$(grep "pgp-$n@" "$dir/once.log")" "does not match" "bad signature"

n=$((n + 1))
signed org "$fpr_org" "$ORG" "cmd" "reject rust" >"$dir/old.eml"
MCBOT_NOW=$((MCBOT_NOW + 8 * 86400)) refused_ok "$dir/old.eml" "an 8-day-old signature"
like "$(grep "pgp-$n@" "$dir/once.log")" "too old" "old signature"

# Unsigned text, then the signed part, inside multipart/mixed.
n=$((n + 1))
signed org "$fpr_org" "$ORG" "cmd" "list" >"$dir/inner.eml"
{ printf 'From: %s\nTo: mc@lpc.example.org\nSubject: cmd\nDate: %s\nMessage-ID: <pgp-mixed@lpc.example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="mix"\n\n--mix\nContent-Type: text/plain\n\nreject rust\n\n--mix\n' "$ORG" "$(date -R)" | crlf
  sed -n '/^Content-Type: multipart\/signed/,$p' "$dir/inner.eml"
  printf '\r\n--mix--\r\n'; } >"$dir/mixed.eml"
refused_ok "$dir/mixed.eml" "unsigned text next to a signed part"

{ printf 'From: %s\nTo: mc@lpc.example.org\nSubject: cmd\nDate: %s\nMessage-ID: <smime@lpc.example.org>\nMIME-Version: 1.0\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sm"\n\n--sm\nContent-Type: text/plain\n\nreject rust\n\n--sm\nContent-Type: application/pkcs7-signature; name="smime.p7s"\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIC\n\n--sm--\n' "$ORG" "$(date -R)"; } | crlf >"$dir/smime.eml"
refused_ok "$dir/smime.eml" "S/MIME"

is "$(status_of rust)" proposed "rust was never rejected"
done_testing
