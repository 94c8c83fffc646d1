#!/bin/bash
# mcbot export: the public page of a state made from real proposals
# (../shared/corpus/mail/lpc2022, through a local Maildir; the demo mails
# of tests/fixtures/demo when the corpus is absent), in HTML, Markdown and
# JSON: no '@' anywhere, every title present, the HTML well-formed.  Then
# the HTML is opened in headless Chromium (Debian's chromium, installed
# when missing and possible; skipped otherwise): the rendered text has
# every title and no '@', and screenshots at phone and desktop width are
# saved in tests/out/.
. "$(dirname "$0")/../lib/tap.sh"
TOP=${MCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
MCBOT=${MCBOT:-$TOP/build/mcbot}
OUTDIR=$TOP/tests/out
corpus=${MCBOT_CORPUS:-$TOP/../shared/corpus}
[ -x "$MCBOT" ] || skip_all "no mcbot binary at $MCBOT (make first)"
command -v python3 >/dev/null || skip_all "python3 is not installed"

T=$(mktemp -d "${TMPDIR:-/tmp}/mcbot-export.XXXXXX") || BAIL_OUT "mktemp"
trap 'if [ "$TAP_FAILED" -gt 0 ]; then diag "kept $T"; else rm -rf "$T"; fi' EXIT
mkdir -p "$T/Maildir/new" "$T/Maildir/cur" "$T/Maildir/tmp" "$OUTDIR"

if [ -f "$corpus/expected.json" ]; then
	python3 - "$corpus" >"$T/mails" <<'PY'
import json, sys
corpus = sys.argv[1]
exp = json.load(open(corpus + "/expected.json"))
for name in sorted(exp):
    if exp[name]["mailbox"] == "lpc2022" and exp[name]["kind"] == "proposal":
        print("%s/mail/%s" % (corpus, name))
PY
	note "the lpc2022 proposals of $corpus"
else
	ls "$TOP"/tests/fixtures/demo/*.eml >"$T/mails"
	note "corpus absent: the demo mails"
fi
i=0
while read -r f; do
	i=$((i + 1))
	cp "$f" "$T/Maildir/new/$(printf '%04d' $i).export:2,"
done <"$T/mails"
cat >"$T/mcbot.conf" <<EOF
[list]
address = mc@lpc.example.org
name = LPC Microconferences
conference = Linux Plumbers Conference 2022
tag = LPC
[inbox]
type = maildir
maildir = Maildir
[smtp]
deliver = folder
[store]
state_dir = state
templates_dir = $TOP/templates
EOF
"$MCBOT" --config "$T/mcbot.conf" once 2>"$T/once.log"
ok $? "mcbot once builds the state from $i mails" || diag_file "$T/once.log"

export_ok() {       # export_ok FORMAT FILE [ARGS...]
	local fmt=$1 file=$2
	shift 2
	"$MCBOT" --config "$T/mcbot.conf" export --format "$fmt" "$@" >"$file" 2>"$T/export.err"
	ok $? "export --format $fmt $*" || diag_file "$T/export.err"
}
export_ok html "$T/page.html"
export_ok markdown "$T/page.md"
export_ok json "$T/page.json"
"$MCBOT" --config "$T/mcbot.conf" export --format html --output "$T/out.html"
cmp -s "$T/out.html" "$T/page.html"
ok $? "--output writes the same page"
run_fails "an unknown format is refused" "$MCBOT" --config "$T/mcbot.conf" export --format pdf
run_fails "an unknown status is refused" "$MCBOT" --config "$T/mcbot.conf" export --status maybe

for f in page.html page.md page.json; do
	n=$(grep -c '@' "$T/$f")
	is "$n" 0 "$f: no '@' anywhere" || grep -n '@' "$T/$f" | head -5 | while read -r l; do diag "$l"; done
done
for who in $(grep -ho '[A-Za-z0-9._%+-]*@[A-Za-z0-9.-]*' "$T/state/mc"/*/proposal | sort -u | head -50); do
	grep -qF "$who" "$T/page.html" "$T/page.md" "$T/page.json" && fail "address $who published"
done

# Titles as the store has them, from the JSON export.
python3 - "$T/page.json" >"$T/titles" <<'PY'
import json, sys
for mc in json.load(open(sys.argv[1]))["microconferences"]:
    print(" ".join(mc["title"].split()))
PY
mcs=$("$MCBOT" --config "$T/mcbot.conf" list proposed | grep -c '^MC-')
is "$(wc -l <"$T/titles")" "$mcs" "the JSON has every proposed MC"
ok "$([ "$mcs" -gt 0 ]; echo $?)" "there are MCs ($mcs)"

if command -v xmllint >/dev/null; then
	out=$(xmllint --noout "$T/page.html" 2>&1)
	ok $? "the HTML is well-formed (xmllint)" || diag "$out"
else
	skip 1 "xmllint is not installed"
fi
is "$(grep -c '<article ' "$T/page.html")" "$mcs" "one <article> per MC"
is "$(grep -c '<h1>' "$T/page.html")" 1 "one <h1>"
like "$(head -3 "$T/page.html")" '<html lang="en">' "the page has a language"
unlike "$(cat "$T/page.html")" '<script|<link |<img |src=|url\(' "self-contained: no script or external resource"

# Headless Chromium.
chrome=""
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null && { chrome=$c; break; }
done
if [ -z "$chrome" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	diag "installing Debian's chromium for this test (once)"
	DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends \
		chromium >"$T/apt.log" 2>&1 || diag_file "$T/apt.log" 5
	command -v chromium >/dev/null && chrome=chromium
fi
if [ -z "$chrome" ]; then
	skip 6 "chromium is not installed and cannot be installed here"
	done_testing
fi
chrome_run() {      # chrome_run ARGS... : headless, nothing from the network
	timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --hide-scrollbars \
		--user-data-dir="$T/chrome" "$@" 2>>"$T/chrome.log"
}
chrome_run --dump-dom "file://$T/page.html" >"$T/dom.html"
ok $? "$chrome renders the page" || diag_file "$T/chrome.log" 10
python3 - "$T/dom.html" >"$T/text" <<'PY'
import html.parser, sys
class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.skip = 0
        self.out = []
    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self.skip += 1
    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self.skip -= 1
    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)
t = Text()
t.feed(open(sys.argv[1], encoding="utf-8").read())
print(" ".join(" ".join(t.out).split()))
PY
missing=0
while read -r title; do
	grep -qF -- "$title" "$T/text" || { missing=$((missing + 1)); diag "not rendered: $title"; }
done <"$T/titles"
is "$missing" 0 "every title is in the rendered text"
is "$(grep -c '@' "$T/dom.html")" 0 "no '@' in the rendered page"
like "$(cat "$T/text")" "plan to attend" "attendee counts are rendered"

rm -f "$OUTDIR/export-phone.png" "$OUTDIR/export-desktop.png"
chrome_run --window-size=412,2400 --screenshot="$OUTDIR/export-phone.png" "file://$T/page.html" \
	>/dev/null
chrome_run --window-size=1280,1600 --screenshot="$OUTDIR/export-desktop.png" "file://$T/page.html" \
	>/dev/null
for s in export-phone export-desktop; do
	[ "$(head -c 4 "$OUTDIR/$s.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e47 ]
	ok $? "screenshot tests/out/$s.png" || diag_file "$T/chrome.log" 10
done
cp "$T/page.html" "$OUTDIR/export.html"
note "page and screenshots in $OUTDIR"
done_testing
