#!/bin/bash
# The [limits] of config/mcbot.conf, one fixture that must be refused and
# one that must pass per limit (tests/fixtures/limits/): message size
# (set aside unread, one notice to the sender, none to an auto-reply),
# decoded text, MIME parts, MIME depth, header fields.  Local Maildir with
# replies written to a folder; then the oversize notice once more over
# IMAP and SMTP when the test stack is available (its header block comes
# from a BODY.PEEK[HEADER] fetch).
. "$(dirname "$0")/../lib/tap.sh"

work=$(mktemp -d /tmp/mcbot-limits-XXXXXX)
trap 'rm -rf "$work"' EXIT
fix=$MCBOT_TOP/tests/fixtures/limits
export MCBOT_NOW=1767225600

limits='[limits]
max_message_size = 8k
max_text_size = 2k
max_mime_parts = 5
max_mime_depth = 3
max_headers = 20'

d=$work/md
mkdir -p "$d/Maildir/new" "$d/Maildir/cur" "$d/Maildir/tmp"
for f in "$fix"/*-pass.eml "$fix"/*-refuse*.eml; do
	cp "$f" "$d/Maildir/new/$(basename "$f" .eml):2,"
done
cat >"$d/mcbot.conf" <<CONF
[list]
address = mc@lpc.example.org
tag = LPC
[inbox]
type = maildir
maildir = Maildir
[smtp]
deliver = folder
folder = delivered
[store]
state_dir = state
templates_dir = $MCBOT_TOP/templates
$limits
CONF

(cd "$d" && "$MCBOT" --config mcbot.conf once 2>"$d/run.log")
ok $? "mcbot once succeeds" || diag_file "$d/run.log"
is "$(ls "$d/Maildir/new" "$d/Maildir/cur" | grep -c eml)" 0 "every mail left the inbox"

folder_of() {   # folder_of NAME: the folder the fixture NAME.eml went to
	local f
	for f in "$d"/Maildir/.mcbot.*/cur/"$1":2,; do
		[ -e "$f" ] && { basename "$(dirname "$(dirname "$f")")" | sed 's/^\.mcbot\.//'; return; }
	done
	echo "(none)"
}
for limit in size text parts depth headers; do
	is "$(folder_of "$limit-pass")" done "$limit: the mail within the limit is handled"
done
is "$(folder_of size-refuse)" oversize "size: the mail over max_message_size is set aside unread"
is "$(folder_of size-refuse-autoreply)" oversize "size: so is the large auto-reply"
for limit in text parts depth headers headers-content; do
	is "$(folder_of "$limit-refuse")" failed "$limit: the mail over the limit is refused"
done
log=$(cat "$d/run.log")
like "$log" "text-refuse.*text too long \\(more than 2048 bytes\\)" "text: the log says why"
like "$log" "parts-refuse.*too many MIME parts \\(more than 5\\)" "parts: the log says why"
like "$log" "depth-refuse.*nested too deep \\(more than 3\\)" "depth: the log says why"
like "$log" "headers-refuse.*too many header fields" "headers: the log says why"
like "$log" "headers-content-refuse.*too many header fields" \
	"headers: Content-* fields of the MIME part count too"
like "$(cat "$d/state/digests/mail-log" 2>/dev/null)" "text too long" \
	"refused mail is noted for the organizers' digest"

# The one notice: to the sender of the large mail, not to the auto-reply.
notices=$(grep -l "^Subject: .*too large" "$d"/delivered/* 2>/dev/null)
is "$(printf '%s\n' "$notices" | grep -c .)" 1 "one notice was sent for the two large mails"
n=$(printf '%s\n' "$notices" | head -n 1)
like "$(cat "$n" 2>/dev/null)" "^To: Lim Tester <lim@limits.example>" "to the large mail's sender"
like "$(cat "$n" 2>/dev/null)" "In-Reply-To: <size-refuse@limits.example>" "in reply to that mail"
like "$(tr -d '\r' <"$n" 2>/dev/null | tr '\n' ' ')" "it is 8.8 KiB, and mail of more than 8.0 KiB is set aside" \
	"it says how large the mail was and what the limit is"
like "$(cat "$n" 2>/dev/null)" "^Auto-Submitted: auto-replied" "marked as an automatic reply"
like "$log" "size-refuse-autoreply.*not answered: auto-submitted" "no notice to the auto-reply, and why"

# The same large mail again (a copy, same Message-ID): no second notice.
before=$(ls "$d/delivered" | wc -l)
cp "$fix/size-refuse.eml" "$d/Maildir/new/size-refuse-again:2,"
(cd "$d" && "$MCBOT" --config mcbot.conf once 2>"$d/run2.log")
ok $? "the second run succeeds" || diag_file "$d/run2.log"
is "$(ls "$d/Maildir/.mcbot.oversize/cur" | wc -l)" 3 "the copy is set aside too"
is "$(ls "$d/delivered" | wc -l)" "$before" "and gets no second notice"

# Over IMAP: the header block of the large mail is fetched on its own.
. "$(dirname "$0")/../lib/stack.sh"
if ! stack_require; then
	skip 4 "$STACK_SKIP"
	done_testing
fi
stack_start || BAIL_OUT "no test stack"
conf=$STACK_DIR/limits.conf
mcbot_conf "$conf" limits.max_message_size=8k
mbox_append "$BOT_USER" INBOX "$fix/size-refuse.eml" "$fix/size-pass.eml"
"$MCBOT" --config "$conf" once 2>"$STACK_DIR/limits-once.log"
ok $? "IMAP: mcbot once succeeds" || diag_file "$STACK_DIR/limits-once.log"
is "$(mbox_count "$BOT_USER" mcbot/oversize)" 1 "IMAP: the large mail is in mcbot/oversize"
is "$(mbox_wait_count lim@limits.example INBOX 2 30)" 2 \
	"IMAP: its sender has the notice, and the reply to the other mail"
like "$(mbox_fetch lim@limits.example INBOX)" "Subject: \\[LPC\\] Your mail was too large" \
	"IMAP: the notice was read from the header block"
done_testing
