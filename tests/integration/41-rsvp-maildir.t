#!/bin/bash
# RSVPs with the project's own fixtures, on a local Maildir with replies
# written to a folder: needs no mail server, so it always runs.  The same
# fixtures go through IMAP and SMTP in 40-rsvp.t.
. "$(dirname "$0")/../lib/tap.sh"
: "${MCBOT_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MCBOT:=$MCBOT_TOP/build/mcbot}"
[ -x "$MCBOT" ] || skip_all "no mcbot binary ($MCBOT)"
command -v perl >/dev/null || skip_all "perl not installed"

fix=$MCBOT_TOP/tests/fixtures/rsvp
dir=$(mktemp -d "${TMPDIR:-/tmp}/mcbot-rsvp-XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/Maildir/new" "$dir/Maildir/cur" "$dir/Maildir/tmp"
conf=$dir/mcbot.conf
cat >"$conf" <<EOF
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
EOF
export MCBOT_NOW=1772445600

once() {
	"$MCBOT" --config "$conf" once 2>>"$dir/once.log"
	ok $? "$1" || diag_file "$dir/once.log"
}

# replies_to ADDR: the delivered mails to ADDR, oldest first.
replies_to() {
	grep -l -i "^To:.*<$1>" "$dir"/delivered/*.eml 2>/dev/null | xargs -r ls -tr
}

# text_of FILE...: headers and decoded (quoted-printable) bodies.
text_of() {
	perl -MMIME::QuotedPrint -0777 -ne '
		my ($h, $b) = split /\r?\n\r?\n/, $_, 2;
		print $h, "\n\n", decode_qp($b // ""), "\n";' "$@" | tr -d '\r'
}

rsvps_of() {
	cut -f1 "$dir/state/mc/$1/rsvps" 2>/dev/null | sort | tr '\n' ' '
}

cp "$fix"/0[1-4]-*.eml "$dir/Maildir/new/"
once "the four proposals are processed"
list=$("$MCBOT" --config "$conf" list)
is "$(printf '%s\n' "$list" | grep -c '^MC-')" 4 "four MCs" || diag "$list"

out=$("$MCBOT" --config "$conf" announce android 2>&1)
ok $? "mcbot announce android" || diag "$out"
msgid=$(printf '%s\n' "$out" | sed -n 's/.* as <\(announce\.android\.1\.[0-9a-f]*@lpc\.example\.org\)>$/\1/p')
isnt "$msgid" "" "the announcement's Message-ID names the MC: $msgid"
ann=$(grep -l "^Message-Id: <$msgid>" "$dir"/delivered/*.eml)
is "$(printf '%s\n' "$ann" | grep -c .)" 1 "the announcement was written once"
like "$(text_of "$ann")" "^To: (.*<)?mc@lpc\.example\.org>?$" "it goes to the list address"
like "$(text_of "$ann")" "Subject: \[LPC MC-1\] New microconference: Android MC" "its Subject names the MC"
like "$(text_of "$ann")" "Reply to this message to RSVP" "it says how to RSVP"
[ -n "$msgid" ] && grep -qxF "$msgid" "$dir/state/mc/1/threads"
ok $? "the announcement is in the MC's threads"
run_fails "a rejected or unknown MC is not announced" "$MCBOT" --config "$conf" announce bluetooth

# Our own announcement comes back through the list: dropped, not answered.
cp "$ann" "$dir/Maildir/new/00-announce.eml"
n=$(ls "$dir/delivered" | wc -l)
once "the announcement coming back is processed"
is "$(ls "$dir/Maildir/.mcbot.dropped/cur" | wc -l)" 1 "it is dropped as our own mail"
is "$(ls "$dir/delivered" | wc -l)" "$n" "and not answered"

cp "$fix"/0[5-9]-*.eml "$fix"/1[0-9]-*.eml "$dir/Maildir/new/"
sed "s/@ANNOUNCE_ID@/$msgid/" "$fix/announce-reply.eml.in" >"$dir/Maildir/new/15-announce-reply.eml"
once "the RSVPs are processed"
is "$(ls "$dir/Maildir/new" "$dir/Maildir/cur" | grep -c eml)" 0 "the inbox is empty"

is "$(rsvps_of 1)" "gus@green.example " "Android: the typo RSVP was cancelled, the announcement reply counts"
is "$(rsvps_of 2)" "cy@crates.example " "Rust: the proposal-thread reply counts, the decline removed Bo"
is "$(rsvps_of 3)" "fay@folio.example " "Kernel Memory Management: the +rsvp sub-address mail"
is "$(rsvps_of 4)" "jose@latin.example " "Kernel Testing & Dependability: base64 latin-1 body"
like "$(cut -f2 "$dir/state/mc/4/rsvps")" "^José Müller$" "the attendee's name is decoded"
unlike "$(cat "$dir"/state/mc/*/rsvps)" "di@vague|ed@lost" "ambiguous and unknown MCs record nothing"

ann_replies=$(replies_to ann@attendee.example)
is "$(printf '%s\n' "$ann_replies" | grep -c .)" 3 "Ann has three replies"
all=$(text_of $ann_replies)
like "$all" "Subject: \[LPC MC-1\] RSVP recorded: Android MC" "the typo RSVP is recorded for Android"
like "$all" "Subject: \[LPC MC-1\] Already on the list: Android MC" "the second RSVP changes nothing"
like "$all" "Subject: \[LPC MC-1\] RSVP cancelled: Android MC" "the cancel is confirmed"
like "$all" "Attendees so far: 1" "the reply gives the count"
like "$all" "word \"cancel\"" "and says how to cancel"
bo=$(text_of $(replies_to bo@html.example))
like "$bo" "RSVP recorded: Rust MC" "the HTML-only RSVP is recorded for Rust"
like "$bo" "RSVP cancelled: Rust MC" "the decline in quoted-printable UTF-8 cancels it"
like "$bo" "Attendees now: 1" "the cancel reply gives the new count"
di=$(text_of $(replies_to di@vague.example))
like "$di" "could mean more than one microconference" "the ambiguous RSVP is explained"
like "$di" "Did you mean one of these\\?" "with suggestions"
like "$(printf '%s\n' "$di" | sed -n '/Did you mean/,/^$/p')" "Kernel Memory Management MC" \
	"the suggestions are the kernel MCs"
ed=$(text_of $(replies_to ed@lost.example))
like "$ed" "no open microconference called \"Bluetooth MC\"" "the unknown MC is explained"
like "$ed" "MC-2  Rust MC" "the reply lists the open MCs"
gus=$(text_of $(replies_to gus@green.example))
like "$gus" "In-Reply-To: <rsvp-15@green.example>" "the announcement reply is answered in its thread"
like "$gus" "RSVP recorded: Android MC" "a reply to the announcement is an RSVP for its MC"

show=$("$MCBOT" --config "$conf" show rust)
like "$show" "rsvps \(1\):" "mcbot show counts the attendees"
like "$show" "Cy Crate" "and lists them"

sum() { (cd "$dir/state" && find mc processed -type f -exec sha256sum {} + | sort); }
before=$(sum)
n=$(ls "$dir/delivered" | wc -l)
cp "$fix/05-rsvp-typo.eml" "$fix/13-decline-qp.eml" "$dir/Maildir/new/"
once "the same mails again"
is "$(sum)" "$before" "a mail already processed changes nothing"
is "$(ls "$dir/delivered" | wc -l)" "$n" "and is not answered again"
done_testing
