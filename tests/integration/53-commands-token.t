#!/bin/bash
# The one-time confirmation: an organizer's mail without proof gets a
# token mailed to the organizer's address; replying with it runs the
# commands, once; an altered token, one from another address and an
# expired one do nothing.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/commands.sh"
[ -x "$MCBOT" ] || skip_all "no mcbot binary ($MCBOT)"
command -v perl >/dev/null || skip_all "perl not installed"

cmd_setup
trap 'rm -rf "$dir"' EXIT
printf 'a-long-enough-test-secret-0123456789\n' >"$dir/token.secret"
chmod 600 "$dir/token.secret"
cmd_conf "addresses = organizer@lpc.example.org, chair@lpc.example.org" \
	"token_secret_file = $dir/token.secret" "token_lifetime = 1d"
export MCBOT_NOW=1777888800

cmd_feed "$CMD_FIX"/0[1-3]-*.eml
cmd_once "three proposals"

# reply FROM ID BODY: a mail without any proof.
reply() {
	cat >"$dir/reply-$2.eml" <<EOF
From: $1
To: mc@lpc.example.org
Subject: Re: [LPC] Please confirm the commands you sent
Date: Mon, 04 May 2026 12:00:00 +0000
Message-ID: <$2@lpc.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

$3

On Mon, 4 May 2026, LPC Microconferences wrote:
> confirm this
EOF
	cmd_feed "$dir/reply-$2.eml"
}
ORG='LPC Organizers <organizer@lpc.example.org>'

before=$(cmd_state)
cmd_feed "$CMD_FIX/11-no-proof.eml"
cmd_once "an organizer's mail without proof"
is "$(cmd_state)" "$before" "nothing changed yet"
is "$(folder_count done)" 4 "the mail is handled (not refused)"
c=$(text_of $(replies_to organizer@lpc.example.org))
like "$c" "Subject: \[LPC\] Please confirm the commands you sent: reject tracing" \
	"a confirmation request goes to the organizer's address"
like "$c" "reject tracing: confirmed by token" "it lists the commands"
token=$(printf '%s\n' "$c" | sed -n 's/^confirm \(mcbot-[0-9a-f-]*\)$/\1/p')
like "$token" "^mcbot-[0-9a-f]{16}-[0-9]+-[0-9a-f]{32}$" "it carries a token"

# Altered: the last digit of the mac, then the expiry.
last=${token: -1}
[ "$last" = 0 ] && other=1 || other=0
reply "$ORG" alt1 "confirm ${token%?}$other"
exp=$(printf '%s' "$token" | cut -d- -f3)
reply "$ORG" alt2 "confirm $(printf '%s' "$token" | sed "s/-$exp-/-$((exp + 86400))-/")"
reply 'Program Chair <chair@lpc.example.org>' other "confirm $token"
cmd_once "altered tokens, and the token from another organizer"
is "$(cmd_state)" "$before" "none of them ran anything"
t=$(text_of $(replies_to organizer@lpc.example.org | tail -1))
like "$t" "not valid \(altered\?\)" "an altered token is refused"
like "$(text_of $(replies_to chair@lpc.example.org | tail -1))" "no commands wait for this token" \
	"a token works only from the address it was sent to"

reply "$ORG" ok "confirm $token"
cmd_once "the right token"
is "$(status_of tracing)" rejected "the confirmed command ran"
t=$(text_of $(replies_to organizer@lpc.example.org | tail -1))
like "$t" "accepted as yours by: confirmation token" "the transcript says how"
like "$t" "the confirmed commands ran:" "and what ran"
like "$(cat "$dir/state/mc/2/log")" "rejected \(was proposed\): confirmed by token \[token [0-9a-f]{16}\]" \
	"the MC's log names the token"
is "$(ls "$dir/state/org/pending" | wc -l)" 0 "nothing waits any more"

before=$(cmd_state)
reply "$ORG" again "confirm $token"
cmd_once "the same token again"
is "$(cmd_state)" "$before" "it does nothing"
like "$(text_of $(replies_to organizer@lpc.example.org | tail -1))" "used already" \
	"a token works once"

# A token that expires: a day later (plus a second) it is refused.
sed 's/^Message-ID: <cmd-11@/Message-ID: <cmd-11b@/; s/^Subject: .*/Subject: accept kvm/' \
	"$CMD_FIX/11-no-proof.eml" >"$dir/late.eml"
cmd_feed "$dir/late.eml"
cmd_once "another mail without proof"
token2=$(text_of $(replies_to organizer@lpc.example.org | tail -1) |
	sed -n 's/^confirm \(mcbot-[0-9a-f-]*\)$/\1/p')
isnt "$token2" "" "a second token"
before=$(cmd_state)
reply "$ORG" late "confirm $token2"
MCBOT_NOW=$((MCBOT_NOW + 86401)) cmd_once "its confirmation, too late"
is "$(cmd_state)" "$before" "an expired token runs nothing"
like "$(text_of $(replies_to organizer@lpc.example.org | tail -1))" "has expired" "and says so"
is "$(status_of kvm)" proposed "kvm stays proposed"
done_testing
