#!/bin/bash
# RSVPs through the real IMAP and SMTP path: the project's own fixtures
# (always), an announcement sent by `mcbot announce` and answered, then
# both mailboxes of ../shared/corpus replayed in order (skipped when the
# corpus is absent): every RSVP must be recorded for (or, a decline,
# removed from) its MC, and every RSVP sender must get a reply naming
# the MC and the number of attendees.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/stack.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
stack_require || skip_all "$STACK_SKIP"
stack_start || BAIL_OUT "no test stack"

fix=$MCBOT_TOP/tests/fixtures/rsvp
corpus=${MCBOT_CORPUS:-$MCBOT_TOP/../shared/corpus}
export MCBOT_NOW=1772445600

once() {
	"$MCBOT" --config "$1" once 2>>"$STACK_DIR/once.log"
	ok $? "$2" || diag_file "$STACK_DIR/once.log"
}

# check_replies STATE_DIR SPEC_FILE: SPEC_FILE has "sender<TAB>mc title"
# lines; fetch each sender's mailbox and check that one reply names the
# MC and gives a count of attendees.  Prints the senders without one.
check_replies() {
	local state=$1 spec=$2 who
	rm -rf "$STACK_DIR/fetch"
	for who in $(cut -f1 "$spec" | sort -u); do
		mbox_wait_count "$who" INBOX 1 30 >/dev/null
		mbox_fetch "$who" INBOX "$STACK_DIR/fetch/$who" >/dev/null
	done
	python3 - "$STACK_DIR/fetch" "$spec" <<'PY'
import email, os, re, sys
from email import policy
root, spec = sys.argv[1], sys.argv[2]
for line in open(spec, encoding="utf-8"):
    who, title = line.rstrip("\n").split("\t")
    ok = False
    d = os.path.join(root, who)
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        m = email.message_from_binary_file(open(os.path.join(d, f), "rb"), policy=policy.default)
        body = m.get_body(("plain",))
        text = body.get_content() if body else ""
        if (title in str(m["Subject"]) or title in text) and \
           re.search(r"Attendees (so far|now): \d+", text):
            ok = True
    if not ok:
        print(who, "(" + title + ")")
PY
}

# ---- the project's fixtures ----
conf=$STACK_DIR/mcbot.conf
mcbot_conf "$conf"
mbox_append "$BOT_USER" INBOX "$fix"/0[1-4]-*.eml
once "$conf" "the four proposals are processed"
out=$("$MCBOT" --config "$conf" announce android 2>>"$STACK_DIR/once.log")
ok $? "mcbot announce android sends the announcement" || diag_file "$STACK_DIR/once.log"
msgid=$(printf '%s\n' "$out" | sed -n 's/.* as <\(announce\.android\.1\.[0-9a-f]*@lpc\.example\.org\)>$/\1/p')
isnt "$msgid" "" "its Message-ID names the MC ($msgid)"
is "$(mbox_wait_count "$BOT_USER" INBOX 1 30)" 1 "the announcement reaches the list address"
like "$(mbox_fetch "$BOT_USER" INBOX)" "Message-I[dD]: <$msgid>" "with that Message-ID"

sed "s/@ANNOUNCE_ID@/$msgid/" "$fix/announce-reply.eml.in" >"$STACK_DIR/15-announce-reply.eml"
mbox_append "$BOT_USER" INBOX "$fix"/0[5-9]-*.eml "$fix"/1[0-9]-*.eml "$STACK_DIR/15-announce-reply.eml"
once "$conf" "the RSVPs are processed"
is "$(mbox_count "$BOT_USER" INBOX)" 0 "the inbox is empty"
is "$(mbox_count "$BOT_USER" mcbot/dropped)" 1 "our own announcement was dropped"

rsvps_of() { cut -f1 "$STACK_DIR/state/mc/$1/rsvps" 2>/dev/null | sort | tr '\n' ' '; }
is "$(rsvps_of 1)" "gus@green.example " "Android: the reply to the announcement counts, the cancel removed Ann"
is "$(rsvps_of 2)" "cy@crates.example " "Rust: a reply to the proposal counts, the decline removed Bo"
is "$(rsvps_of 3)" "fay@folio.example " "Kernel Memory Management: the +rsvp sub-address"
is "$(rsvps_of 4)" "jose@latin.example " "Kernel Testing & Dependability: base64 latin-1"

printf '%s\t%s\n' ann@attendee.example "Android MC" bo@html.example "Rust MC" \
	cy@crates.example "Rust MC" fay@folio.example "Kernel Memory Management MC" \
	jose@latin.example "Kernel Testing & Dependability MC" gus@green.example "Android MC" \
	>"$STACK_DIR/own.tsv"
is "$(check_replies "$STACK_DIR/state" "$STACK_DIR/own.tsv")" "" \
	"every RSVP sender has a reply naming the MC and the count"
is "$(mbox_wait_count ann@attendee.example INBOX 3 30)" 3 "Ann: recorded, already there, cancelled"
for who in di@vague.example ed@lost.example; do
	mbox_wait_count "$who" INBOX 1 30 >/dev/null
	like "$(mbox_fetch "$who" INBOX)" "RSVP not recorded" "$who is told that nothing was recorded"
done

# ---- the corpus ----
if [ ! -f "$corpus/expected.json" ]; then
	skip 6 "corpus not present ($corpus)"
	done_testing
fi
total=0
right=0
for box in lpc2022 lpc2024; do
	state=$STACK_DIR/state-$box
	bconf=$STACK_DIR/$box.conf
	mcbot_conf "$bconf" "store.state_dir=$state"
	mkdir -p "$state"
	python3 - "$corpus" "$box" "$STACK_DIR/$box" <<'PY'
import json, sys
corpus, box, out = sys.argv[1:]
exp = json.load(open(corpus + "/expected.json"))
with open(out + ".files", "w") as f, open(out + ".rsvps", "w") as r:
    for name in sorted(exp):
        e = exp[name]
        if e["mailbox"] != box:
            continue
        f.write("%s/mail/%s\n" % (corpus, name))
        if e["kind"] == "rsvp":
            r.write("%s\t%s\t%s\t%s\n" % (name, e["from"]["email"], e["rsvp_for"],
                                          "yes" if e["attending"] else "no"))
PY
	mbox_append "$BOT_USER" INBOX $(cat "$STACK_DIR/$box.files")
	once "$bconf" "$box: the mailbox is replayed in order"
	# name<TAB>sender<TAB>title<TAB>ok|why for every RSVP, from the store
	python3 - "$state" "$STACK_DIR/$box.rsvps" >"$STACK_DIR/$box.result" <<'PY'
import glob, os, re, sys
state, spec = sys.argv[1:]
def norm(t):
    t = re.sub(r"\s+(mc|microconference|micro-conference)$", "", t.strip().lower())
    return re.sub(r"\s+", " ", t)
mcs = {}
for d in glob.glob(state + "/mc/*"):
    title = [l[7:].strip() for l in open(d + "/proposal", encoding="utf-8") if l.startswith("Title: ")][0]
    rs = set()
    if os.path.exists(d + "/rsvps"):
        rs = {l.split("\t")[0] for l in open(d + "/rsvps", encoding="utf-8") if l.strip()}
    mcs[title] = rs
for line in open(spec, encoding="utf-8"):
    name, who, want, attending = line.rstrip("\n").split("\t")
    hits = [t for t in mcs if norm(t) == norm(want)]
    if len(hits) != 1:
        why = "no MC titled %r" % want
    elif (who in mcs[hits[0]]) != (attending == "yes"):
        why = "%s %s the RSVPs of %s" % (who, "missing from" if attending == "yes" else "still in", hits[0])
    elif any(who in rs for t, rs in mcs.items() if t != hits[0]):
        why = "%s recorded for another MC" % who
    else:
        why = "ok"
    print("%s\t%s\t%s\t%s" % (name, who, hits[0] if len(hits) == 1 else want, why))
PY
	bad=$(grep -v '	ok$' "$STACK_DIR/$box.result")
	n=$(grep -c . "$STACK_DIR/$box.result")
	good=$((n - $(printf '%s' "$bad" | grep -c .)))
	total=$((total + n))
	right=$((right + good))
	is "$bad" "" "$box: $good of $n RSVPs resolved to their MC (declines removed)"
	cut -f2,3 "$STACK_DIR/$box.result" >"$STACK_DIR/$box.replies"
	is "$(check_replies "$state" "$STACK_DIR/$box.replies")" "" \
		"$box: every RSVP sender has a reply naming the MC and the count"
done
note "corpus RSVP resolution: $right of $total"
done_testing
