#!/bin/bash
# The organizer commands of ../shared/corpus: each mailbox replayed in
# order into an empty mcbot on a Maildir.  With the corpus's authserv-id
# configured the commands are obeyed and their effects are those of
# expected.json; with another authserv-id nothing changes.  Reads
# ../shared/corpus (not part of the project): skipped when it is absent.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/commands.sh"
corpus=${MCBOT_CORPUS:-$MCBOT_TOP/../shared/corpus}
[ -f "$corpus/expected.json" ] || skip_all "corpus not present ($corpus)"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v perl >/dev/null || skip_all "perl not installed"
[ -x "$MCBOT" ] || skip_all "no mcbot binary ($MCBOT)"
dirs=()
trap 'rm -rf "${dirs[@]}"' EXIT

# check_box BOX: compare the state after the replay with expected.json;
# prints one line per problem.
check_box() {
	"$MCBOT" --config "$conf" list >"$dir/list.txt" 2>/dev/null
	for f in "$dir"/state/mc/*/log; do
		printf '== %s\n' "$(basename "$(dirname "$f")")"
		cat "$f"
	done >"$dir/logs.txt"
	for f in "$dir"/delivered/*.eml; do
		printf '\n=== %s\n' "$f"
		text_of "$f"
	done >"$dir/delivered.txt"
	python3 - "$corpus" "$1" "$dir" <<'PY'
import json, re, sys
corpus, box, d = sys.argv[1:4]
exp = json.load(open(corpus + "/expected.json"))

def norm(t):
    t = t.lower().strip()
    return re.sub(r"\s*(mc|microconference|micro-conference)$", "", t)

mcs = {}
for line in open(d + "/list.txt"):
    m = re.match(r"MC-(\d+)\s+(\S+)\s+\d+\s+\d+\s+(.*)$", line.rstrip("\n"))
    if m:
        mcs[norm(m.group(3))] = (int(m.group(1)), m.group(2))
logs = {}
cur = None
for line in open(d + "/logs.txt"):
    if line.startswith("== "):
        cur = int(line[3:]); logs[cur] = ""
    else:
        logs[cur] += line
mail = open(d + "/delivered.txt").read()
want = {}
n_props = 0
for name in sorted(exp):
    e = exp[name]
    if e["mailbox"] != box:
        continue
    if e["kind"] == "proposal" and not e.get("is_update"):
        n_props += 1
    if e["kind"] != "command":
        continue
    c = e["command"]
    if c["verb"] == "list":
        pat = r"> %s\ndone: %d MCs? %s" % (re.escape(c["raw"]), n_props, c["filter"])
        if not re.search(pat, mail):
            print("%s: no transcript with %d %s MCs" % (name, n_props, c["filter"]))
        continue
    status = {"accept": "accepted", "reject": "rejected"}[c["verb"]]
    key = norm(e["target_mc_title"])
    if key not in mcs:
        print("%s: no MC %r" % (name, e["target_mc_title"]))
        continue
    mc_id, got = mcs[key]
    want[key] = status
    if got != status:
        print("%s: MC-%d is %s, want %s" % (name, mc_id, got, status))
    log = logs.get(mc_id, "")
    if not re.search(r"\torganizer@lpc\.example\.org\t%s \(was proposed\)" % status, log):
        print("%s: MC-%d log has no %s by the organizer" % (name, mc_id, status))
    if "[dkim mx.lpc.example.org]" not in log:
        print("%s: MC-%d log does not name the proof" % (name, mc_id))
    if c["reason"] and c["reason"] not in log:
        print("%s: MC-%d log lacks the reason %r" % (name, mc_id, c["reason"]))
    if not re.search(r"> %s\ndone: MC-%d " % (re.escape(c["raw"]), mc_id), mail):
        print("%s: no transcript line for %r" % (name, c["raw"]))
for key, (mc_id, got) in sorted(mcs.items()):
    if key not in want and got != "proposed":
        print("MC-%d %s is %s: no command changed it" % (mc_id, key, got))
PY
}

for box in lpc2022 lpc2024; do
	cmd_setup "addresses = organizer@lpc.example.org" "authserv_id = mx.lpc.example.org"
	dirs+=("$dir")
	cmd_feed "$corpus"/mail/$box/*.eml
	total=$(ls "$dir/Maildir/new" | wc -l)
	ncmd=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(sum(1 for v in e.values() if v["mailbox"]==sys.argv[2] and v["kind"]=="command"))' "$corpus/expected.json" "$box")
	cmd_once "$box: $total mails replayed"
	problems=$(check_box "$box")
	is "$problems" "" "$box: the $ncmd commands had the effects of expected.json"
	is "$(folder_count refused)" 0 "$box: nothing refused"
	is "$(ls "$dir/state/org/held" >/dev/null 2>&1 && grep -c . "$dir/state/org/held")" \
		"$(($(ls "$dir/state/outbox/held" | wc -l) + 1))" \
		"$box: every decision mail is held, and listed"
	is "$(grep -l '^Subject: \[LPC MC-[0-9]*\] \(Accepted\|Not accepted\)' \
		"$dir"/delivered/*.eml 2>/dev/null | wc -l)" 0 "$box: no lead was told yet"
	ndec=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(sum(1 for v in e.values() if v["mailbox"]==sys.argv[2] and v["kind"]=="command" and v["command"]["verb"] in ("accept","reject")))' "$corpus/expected.json" "$box")
	is "$(grep -c . "$dir/state/org/decisions")" "$((ndec + 1))" \
		"$box: one decision recorded per accept and reject ($ndec)"
done

# The same mails when the server that vouches is not the configured one.
cmd_setup "addresses = organizer@lpc.example.org" "authserv_id = mx.other.example"
dirs+=("$dir")
cmd_feed "$corpus"/mail/lpc2022/*.eml
cmd_once "lpc2022 with another authserv-id"
list=$("$MCBOT" --config "$conf" list)
unlike "$list" "accepted|rejected" "no decision was taken" || diag "$list"
is "$(folder_count refused)" 4 "the four commands are refused"
is "$(ls "$dir/state/org/decisions" 2>/dev/null)" "" "no decision recorded"
refusals=$(replies_to organizer@lpc.example.org | wc -l)
is "$refusals" 1 "one refusal reaches the organizer (then the interval holds)"
like "$(text_of $(replies_to organizer@lpc.example.org))" "no Received: header from mx.other.example" \
	"the refusal says why"
done_testing
