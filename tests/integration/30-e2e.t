#!/bin/bash
# The end-to-end path with the project's own fixtures: mail in the IMAP
# inbox -> stored MCs -> replies read back from each sender's mailbox.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/stack.sh"
stack_require || skip_all "$STACK_SKIP"
stack_start || BAIL_OUT "no test stack"

fix=$MCBOT_TOP/tests/fixtures/demo
conf=$STACK_DIR/mcbot.conf
mcbot_conf "$conf"
mbox_append "$BOT_USER" INBOX "$fix"/*.eml
is "$(mbox_count "$BOT_USER" INBOX)" 6 "six mails waiting in the inbox"

"$MCBOT" --config "$conf" once 2>"$STACK_DIR/once1.log"
ok $? "mcbot once succeeds" || diag_file "$STACK_DIR/once1.log"

is "$(mbox_count "$BOT_USER" INBOX)" 0 "the inbox is empty"
is "$(mbox_count "$BOT_USER" mcbot/done)" 5 "five mails in mcbot/done"
is "$(mbox_count "$BOT_USER" mcbot/dropped)" 1 "the auto-reply is in mcbot/dropped"

list=$("$MCBOT" --config "$conf" list)
is "$(printf '%s\n' "$list" | grep -c '^MC-')" 2 "two MCs stored" || diag "$list"
like "$list" "MC-1 +proposed +2 .*Tracing and Observability" "the update made version 2"
like "$list" "MC-2 +proposed +1 .*Secure Boot Chains" "the form proposal is MC-2"

n=$(mbox_wait_count ada@tracing.example INBOX 2 30)
is "$n" 2 "the proposer has two replies (created, updated)"
replies=$(mbox_fetch ada@tracing.example INBOX)
like "$replies" "Subject: \\[LPC MC-1\\]" "replies carry the MC tag"
like "$replies" "Auto-Submitted: auto-replied" "replies are marked auto-replied"
like "$replies" "In-Reply-To: <demo-tracing-1@tracing.example>" "the first reply threads"
like "$replies" "version 2" "the update reply names the version"
is "$(mbox_wait_count grace@boot.example INBOX 1 30)" 1 "the form proposer has a reply"
is "$(mbox_wait_count jo@new.example INBOX 1 30)" 1 "help has an answer"
like "$(mbox_fetch jo@new.example INBOX)" "Title:" "the help answer carries the form"
is "$(mbox_wait_count kim@hasty.example INBOX 1 30)" 1 "the empty mail gets an explanation"
sleep 1
is "$(mbox_count lee@away.example INBOX)" 0 "no reply to the auto-reply"
is "$(ls "$STACK_DIR/state/mc/1/versions" | wc -l)" 2 "both versions of MC-1 are kept"

# A second run changes nothing and sends nothing.
sum() { (cd "$STACK_DIR/state" && find mc processed -type f -exec sha256sum {} + | sort); }
before=$(sum)
sent_before=$(ls "$STACK_DIR/state/outbox/sent" | wc -l)
mbox_append "$BOT_USER" INBOX "$fix/01-tracing.eml"
"$MCBOT" --config "$conf" once 2>"$STACK_DIR/once2.log"
ok $? "second mcbot once succeeds" || diag_file "$STACK_DIR/once2.log"
is "$(sum)" "$before" "the store is unchanged by a mail already processed"
is "$(ls "$STACK_DIR/state/outbox/sent" | wc -l)" "$sent_before" "nothing more was sent"
is "$(mbox_count "$BOT_USER" INBOX)" 0 "the repeated mail left the inbox too"
done_testing
