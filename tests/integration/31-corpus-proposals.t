#!/bin/bash
# The proposals of ../shared/corpus/mail/lpc2022 through the real IMAP and
# SMTP path.  Reads ../shared/corpus (not part of the project): skipped
# when it is absent.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/stack.sh"
corpus=${MCBOT_CORPUS:-$MCBOT_TOP/../shared/corpus}
[ -f "$corpus/expected.json" ] || skip_all "corpus not present ($corpus)"
command -v python3 >/dev/null || skip_all "python3 not installed"
stack_require || skip_all "$STACK_SKIP"
stack_start || BAIL_OUT "no test stack"

# file<TAB>sender<TAB>mc_key for every proposal of the mailbox, in order.
python3 - "$corpus" lpc2022 >"$STACK_DIR/proposals.tsv" <<'PY'
import json, sys
corpus, box = sys.argv[1], sys.argv[2]
exp = json.load(open(corpus + "/expected.json"))
for name in sorted(exp):
    e = exp[name]
    if e["mailbox"] == box and e["kind"] == "proposal":
        print("%s/mail/%s\t%s\t%s" % (corpus, name, e["from"]["email"], e["mc_key"]))
PY
total=$(wc -l <"$STACK_DIR/proposals.tsv")
mcs=$(cut -f3 "$STACK_DIR/proposals.tsv" | sort -u | wc -l)
note "$total proposals for $mcs MCs"

conf=$STACK_DIR/mcbot.conf
mcbot_conf "$conf"
mbox_append "$BOT_USER" INBOX $(cut -f1 "$STACK_DIR/proposals.tsv")
"$MCBOT" --config "$conf" once 2>"$STACK_DIR/once1.log"
ok $? "mcbot once succeeds" || diag_file "$STACK_DIR/once1.log"
is "$(mbox_count "$BOT_USER" INBOX)" 0 "the inbox is empty"
is "$(mbox_count "$BOT_USER" mcbot/done)" "$total" "every proposal is in mcbot/done"
list=$("$MCBOT" --config "$conf" list)
is "$(printf '%s\n' "$list" | grep -c '^MC-')" "$mcs" "one MC per proposed MC" || diag "$list"

missing=""
for who in $(cut -f2 "$STACK_DIR/proposals.tsv" | sort -u); do
	want=$(grep -c "	$who	" "$STACK_DIR/proposals.tsv")
	mbox_wait_count "$who" INBOX "$want" 30 >/dev/null || missing="$missing $who"
done
is "$missing" "" "every proposer has a reply for each proposal in their own mailbox"

before=$( (cd "$STACK_DIR/state" && find mc processed -type f -exec sha256sum {} + | sort) )
sent=$(ls "$STACK_DIR/state/outbox/sent" | wc -l)
"$MCBOT" --config "$conf" once 2>"$STACK_DIR/once2.log"
ok $? "a second mcbot once succeeds" || diag_file "$STACK_DIR/once2.log"
after=$( (cd "$STACK_DIR/state" && find mc processed -type f -exec sha256sum {} + | sort) )
is "$after" "$before" "the second run changes nothing"
is "$(ls "$STACK_DIR/state/outbox/sent" | wc -l)" "$sent" "and sends nothing"
done_testing
