# shellcheck shell=bash
#
# commands.sh - helpers for the organizer-command tests (5x-commands-*.t):
# an mcbot on a local Maildir with replies written to a folder, so no mail
# server is needed.  Source tap.sh first.
#
#	cmd_setup [KEY=VALUE...]   new directory $dir, config $conf with the
#	                           given [organizers] keys (KEY=VALUE lines)
#	cmd_conf [KEY=VALUE...]    rewrite $conf's [organizers] (state is kept)
#	cmd_feed FILE...           put mails in the inbox (in this order)
#	cmd_once DESC              run `mcbot once`, one TAP line
#	cmd_state                  a digest of the MCs and settings (not logs)
#	replies_to ADDR            delivered mails to ADDR, oldest first
#	text_of FILE...            headers and decoded bodies
#	folder_count NAME          mails moved to the Maildir folder NAME

: "${MCBOT_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${MCBOT:=$MCBOT_TOP/build/mcbot}"
CMD_FIX=$MCBOT_TOP/tests/fixtures/command
CMD_SEQ=0

cmd_conf() {
	{
		cat <<EOF
[list]
address=mc@lpc.example.org
name=LPC Microconferences
conference=Linux Plumbers Conference 2026
tag=LPC

[inbox]
type=maildir
maildir=$dir/Maildir

[smtp]
deliver=folder
folder=$dir/delivered

[store]
state_dir=$dir/state
templates_dir=$MCBOT_TOP/templates

[organizers]
EOF
		printf '%s\n' "$@"
	} >"$conf"
}

cmd_setup() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mcbot-cmd-XXXXXX")
	conf=$dir/mcbot.conf
	mkdir -p "$dir/Maildir/new" "$dir/Maildir/cur" "$dir/Maildir/tmp" "$dir/delivered"
	cmd_conf "$@"
}

# Files keep their order: names get a growing prefix.
cmd_feed() {
	local f
	for f in "$@"; do
		CMD_SEQ=$((CMD_SEQ + 1))
		cp "$f" "$dir/Maildir/new/$(printf '%05d' "$CMD_SEQ")-$(basename "$f")"
	done
}

cmd_once() {
	"$MCBOT" --config "$conf" once 2>>"$dir/once.log"
	ok $? "$1" || diag_file "$dir/once.log"
}

# The MC files (not their logs) and the organizers' settings: what a
# refused command must leave alone.
cmd_state() {
	(cd "$dir/state" && find mc org/settings org/decisions org/held outbox/held \
		-type f ! -name log -exec sha256sum {} + 2>/dev/null | sort | sha256sum)
}

replies_to() {
	grep -l -i "^To:.*$1" "$dir"/delivered/*.eml 2>/dev/null | xargs -r ls -tr
}

text_of() {
	[ $# -gt 0 ] || return 0
	perl -MMIME::QuotedPrint -0777 -ne '
		my ($h, $b) = split /\r?\n\r?\n/, $_, 2;
		print $h, "\n\n", decode_qp($b // ""), "\n";' "$@" | tr -d '\r'
}

folder_count() {
	ls "$dir/Maildir/.mcbot.$1/cur" 2>/dev/null | wc -l
}

# status_of MC: the MC's status as `mcbot show` prints it.
status_of() {
	"$MCBOT" --config "$conf" show "$1" 2>/dev/null | sed -n 's/^status: //p'
}
