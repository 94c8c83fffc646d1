#!/bin/bash
# The systemd units and `make install`: everything lands under DESTDIR,
# the manuals render, `systemd-analyze verify` is clean on the installed
# units, `systemd-analyze security` rates the services 2.0 or lower (the
# figure is printed), and a crash loop is slowed by RestartSec= but never
# stopped for good by a start limit.  Nothing is started: no systemd is needed as
# PID 1, only systemd-analyze (package systemd, installed when missing).
. "$(dirname "$0")/../lib/tap.sh"
TOP=${MCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
MCBOT=${MCBOT:-$TOP/build/mcbot}
BUILD_DIR=$(dirname "$MCBOT")
[ -x "$MCBOT" ] || skip_all "no mcbot binary at $MCBOT (make first)"

if ! command -v systemd-analyze >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		diag "installing the systemd package for systemd-analyze"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			systemd >/dev/null 2>&1
	fi
	command -v systemd-analyze >/dev/null || skip_all "systemd-analyze is not available"
fi
command -v man >/dev/null || skip_all "man is not installed"

T=$(mktemp -d "${TMPDIR:-/tmp}/mcbot-systemd.XXXXXX") || BAIL_OUT "mktemp"
trap 'if [ "$TAP_FAILED" -gt 0 ]; then diag "kept $T"; else rm -rf "$T"; fi' EXIT
R=$T/root

out=$(make -C "$TOP" BUILD="$BUILD_DIR" DESTDIR="$R" PREFIX=/usr/local install 2>&1)
ok $? "make install DESTDIR=... succeeds" || diag "$out"
missing=""
for f in usr/local/bin/mcbot usr/local/share/mcbot/templates/form.in \
	usr/local/share/mcbot/templates/help.txt etc/mcbot/mcbot.conf.example \
	lib/systemd/system/mcbot.service lib/systemd/system/mcbot-digest.service \
	lib/systemd/system/mcbot-digest.timer usr/lib/sysusers.d/mcbot.conf \
	usr/local/share/man/man8/mcbot.8 usr/local/share/man/man5/mcbot.conf.5; do
	[ -s "$R/$f" ] || missing="$missing $f"
done
is "$missing" "" "binary, templates, form, example config, units, sysusers and manuals installed"
is "$(ls "$TOP/templates" | sort)" "$(ls "$R/usr/local/share/mcbot/templates" | sort)" \
	"every template is installed"

out=$(make -C "$TOP" BUILD="$BUILD_DIR" DESTDIR="$T/usr" PREFIX=/usr SYSCONFDIR=/etc/lpc install 2>&1)
like "$(grep '^Exec' "$T/usr/lib/systemd/system/mcbot.service")" \
	"^ExecStart=/usr/bin/mcbot --config /etc/lpc/mcbot/mcbot.conf run" \
	"the installed units name the installed binary and configuration"

for page in man8/mcbot.8 man5/mcbot.conf.5; do
	text=$(MANWIDTH=80 man -l "$R/usr/local/share/man/$page" 2>&1)
	like "$text" "^NAME" "man -l $page renders"
	warn=$(groff -man -ww -z "$R/usr/local/share/man/$page" 2>&1)
	is "$warn" "" "$page: no groff warnings"
done
text=$(MANPATH=$R/usr/local/share/man MANWIDTH=80 man 5 mcbot.conf 2>&1)
like "$text" "password_file = \\$\{CREDENTIALS_DIRECTORY\}/imap-password" "man 5 mcbot.conf finds the page"

# What the service unit must say.
unit=$R/lib/systemd/system/mcbot.service
for want in '^Type=notify$' '^WatchdogSec=' '^User=mcbot$' '^StateDirectory=mcbot$' \
	'^LoadCredential=imap-password:' '^LoadCredential=smtp-password:' \
	'^ExecStartPre=/usr/local/bin/mcbot --config /etc/mcbot/mcbot.conf check-config$' \
	'^ExecReload=kill -HUP \$MAINPID$' '^ProtectSystem=strict$' '^NoNewPrivileges=yes$'; do
	like "$(cat "$unit")" "$want" "mcbot.service: $want"
done

# Restarts are slowed, but no start limit that restarts paced by
# RestartSec= could reach: mails that crash mcbot (each up to three times
# before the guard sets it aside) must not stop the service for good.
span() {        # a systemd time span ("10s", "10min", "1h 5s", "90") in seconds
	awk -v t="$1" 'BEGIN {
		n = split(t, w, " "); s = 0
		for (i = 1; i <= n; i++) {
			v = w[i] + 0; u = w[i]; sub(/^[0-9.]+/, "", u)
			s += v * (u == "ms" ? 0.001 : u == "min" || u == "m" ? 60 : u == "h" ? 3600 : 1)
		}
		print s }'
}
key() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
is "$(key Restart)" on-failure "mcbot.service: Restart=on-failure"
rsec=$(span "$(key RestartSec)")
interval=$(span "$(key StartLimitIntervalSec)")
burst=$(key StartLimitBurst)
[ -n "$(key RestartSec)" ] && awk -v r="$rsec" 'BEGIN { exit !(r >= 5) }'
ok $? "a crash loop is slowed: RestartSec=$(key RestartSec) (5 s or more)"
[ -n "$(key StartLimitIntervalSec)" ] &&
	awk -v i="$interval" -v r="$rsec" -v b="${burst:-5}" 'BEGIN { exit !(i == 0 || int(i / r) + 1 <= b) }'
ok $? "restarts every RestartSec= never reach the start limit" \
	"(StartLimitIntervalSec=$(key StartLimitIntervalSec) StartLimitBurst=${burst:-5})"

# verify: the installed units, with their paths pointed into DESTDIR (the
# binary must exist) and the manuals found through MANPATH.
mkdir -p "$T/units"
for u in "$R"/lib/systemd/system/*; do
	sed -e "s|/usr/local/bin/mcbot|$R/usr/local/bin/mcbot|g" \
	    -e "s|/etc/mcbot/|$R/etc/mcbot/|g" "$u" >"$T/units/${u##*/}"
done
out=$(cd "$T" && MANPATH=$R/usr/local/share/man systemd-analyze verify \
	"$T/units/mcbot.service" "$T/units/mcbot-digest.service" "$T/units/mcbot-digest.timer" 2>&1)
ok $? "systemd-analyze verify passes" || diag "$out"
is "$out" "" "systemd-analyze verify says nothing"

for u in mcbot.service mcbot-digest.service; do
	out=$(systemd-analyze security --offline=yes "$TOP/systemd/$u" 2>&1)
	figure=$(printf '%s\n' "$out" | sed -n "s/^.*Overall exposure level for $u: \([0-9.]*\).*/\1/p")
	if [ -z "$figure" ]; then
		fail "systemd-analyze security rates $u"
		diag "$out"
		continue
	fi
	diag "systemd-analyze security $u: $figure ($(printf '%s\n' "$out" | tail -n 1 | sed 's/.*: [0-9.]* //'))"
	awk -v f="$figure" 'BEGIN { exit !(f <= 2.0) }'
	ok $? "$u: exposure $figure is 2.0 or lower"
done
done_testing
