#!/bin/bash
# Organizer commands with the project's fixtures (tests/fixtures/command):
# commands proven by the receiving server's Authentication-Results are
# obeyed; forged senders and misplaced or foreign Authentication-Results
# are refused with the state unchanged; then every verb.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/commands.sh"
[ -x "$MCBOT" ] || skip_all "no mcbot binary ($MCBOT)"
command -v perl >/dev/null || skip_all "perl not installed"

cmd_setup "addresses = organizer@lpc.example.org, chair@lpc.example.org" \
	"authserv_id = mx.lpc.example.org"
trap 'rm -rf "$dir"' EXIT
export MCBOT_NOW=1777888800
f=$CMD_FIX

cmd_feed "$f"/0[1-4]-*.eml
cmd_once "three proposals and an RSVP"
is "$("$MCBOT" --config "$conf" list | grep -c '^MC-')" 3 "three MCs"

# Forgeries: each refused, nothing changed.
before=$(cmd_state)
for name in 12-lookalike-at 13-two-from 14-display-name 15-ar-wrong-authserv \
	16-ar-below-received 17-ar-topmost-fail 18-ar-unaligned 19-not-organizer 11-no-proof; do
	n=$(($(folder_count refused) + $(folder_count dropped)))
	cmd_feed "$f/$name.eml"
	"$MCBOT" --config "$conf" once 2>>"$dir/once.log"
	# Without one usable From address a mail cannot be answered: dropped.
	is "$(($(folder_count refused) + $(folder_count dropped)))" "$((n + 1))" "$name: refused"
	is "$(cmd_state)" "$before" "$name: state unchanged"
done
is "$(replies_to mallory@evil.example | wc -l)" 1 "the display-name spoofer gets one refusal"
like "$(text_of $(replies_to mallory@evil.example))" \
	"mallory@evil.example is not an organizer" "it says why"
is "$(replies_to 'organizer@lpc.example.org@evil' | wc -l)" 0 "no reply to a lookalike address"
like "$(grep -h "cmd-16@\|cmd-15@\|cmd-17@\|cmd-18@" "$dir/once.log")" "refused" "the log says refused"
is "$(replies_to someone@example.org | wc -l)" 1 "a non-organizer is refused once"
cmd_feed "$f/19b-not-organizer-again.eml"
cmd_once "a second mail from the non-organizer"
is "$(replies_to someone@example.org | wc -l)" 1 "and not answered again within the interval"
refused_org=$(text_of $(replies_to organizer@lpc.example.org))
like "$refused_org" "found no valid DKIM or DMARC|no Authentication-Results|Received" \
	"the organizer's refusal names the missing proof"

# Genuine: decisions, an unknown command, "thanks" ends the commands.
cmd_feed "$f/10-dkim-decide.eml"
cmd_once "decisions by a proven organizer"
is "$(status_of rust)" accepted "rust accepted"
is "$(status_of tracing)" waitlisted "tracing waitlisted (quoted title, colon note)"
is "$(status_of kvm)" proposed "kvm untouched: it comes after thanks"
t=$(text_of $(replies_to organizer@lpc.example.org | tail -1))
like "$t" "Subject: \[LPC\] Transcript: cmd" "a transcript comes back"
like "$t" "> accept rust looks great
done: MC-1 \"Rust MC\": proposed -> accepted, note: looks great" "accept echoed and done"
like "$t" "> frobnicate tracing
error: unknown command" "the unknown line is an error"
like "$t" "> thanks
ignored: the commands end here" "thanks stops"
unlike "$t" "reject kvm" "nothing after thanks is read"
is "$(ls "$dir/state/outbox/held" | wc -l)" 3 "three decision mails held (1 rust lead, 2 tracing leads)"
decisions_to() {
	grep -l '^Subject: \[LPC MC-[0-9]*\] \(Accepted\|Not accepted\|On the waiting\)' \
		$(replies_to "$1") /dev/null
}
is "$(decisions_to rusty@rust.example | wc -l)" 0 "no lead told before release"
is "$(replies_to chair@lpc.example.org | wc -l)" 1 "the other organizer gets a copy"
like "$(cat "$dir/state/mc/1/log")" "organizer@lpc.example.org	accepted \(was proposed\): looks great \[dkim mx.lpc.example.org\]" \
	"the MC's log says who, what and which proof"

cmd_feed "$f/20-dkim-more.eml"
cmd_once "more verbs"
t=$(text_of $(replies_to organizer@lpc.example.org | tail -1))
like "$t" "> show rust
done: MC-1 \"Rust MC\"" "show"
like "$t" "noted in the history of MC-1" "note"
like "$t" "Eve Example <eve@rust.example> is now a lead" "lead add"
like "$t" "carol@trace.example is no longer a lead" "lead remove"
like "$t" "MC-3 is now \"KVM and Virtualization\"" "rename"
like "$t" "deadline for proposals is now 2026-07-01 23:59 AoE \(2026-07-02 11:59 UTC\)" "deadline"
like "$t" "The deadline for proposals: 2026-07-01 23:59 AoE" "the reply states the deadline with its zone"
like "$t" "the call for proposals is now closed" "cfp close"
like "$t" "> list accepted
done: 1 MC accepted
  MC-1 .*Rust MC" "list accepted"
like "$(cat "$dir/state/org/settings")" "cfp: closed" "the cfp state is kept"
like "$("$MCBOT" --config "$conf" show kvm)" "KVM and Virtualization" "the new title is stored"
like "$("$MCBOT" --config "$conf" show rust)" "Eve Example <eve@rust.example>" "the new lead is stored"

cmd_feed "$f/21-undo.eml"
cmd_once "undo"
is "$(status_of tracing)" proposed "undo took back the last decision (tracing)"
is "$(status_of rust)" accepted "the one before stays"
is "$(ls "$dir/state/outbox/held" | wc -l)" 1 "tracing's held mails are gone"

cmd_feed "$f/22-release.eml"
cmd_once "release"
is "$(ls "$dir/state/outbox/held" | wc -l)" 0 "nothing held any more"
m=$(decisions_to rusty@rust.example)
is "$(printf '%s\n' "$m" | grep -c .)" 1 "the rust lead got the decision"
like "$(text_of $m)" "Subject: \[LPC MC-1\] Accepted: Rust MC" "an acceptance mail"
like "$(text_of $m)" "looks great" "with the organizers' note"
is "$(decisions_to tracy@trace.example | wc -l)" 0 "the undone decision was never sent"

cmd_feed "$f/23-merge.eml"
cmd_once "merge"
is "$(status_of kvm)" withdrawn "the merged MC is withdrawn"
like "$(cat "$dir/state/mc/2/rsvps")" "vera@kvm.example" "its RSVP moved"
like "$(cat "$dir/state/mc/2/log")" "MC-3: proposed as" "its history was carried over"
is "$(cat "$dir/state/mc/3/rsvps")" "" "and left the merged MC"
done_testing
