# shellcheck shell=bash
#
# mbox.sh - read and write the test stack's mailboxes with doveadm and the
# private configuration (no network), and send mail through its Postfix.
# Sourced by stack.sh; needs a started stack.
#
# USER is a full address (any address exists); FOLDER a mailbox name with
# "/" as separator ("INBOX", "mcbot/done").  Dovecot stores mail with LF
# line ends; what these functions print has LF line ends too.

stack__doveadm() {
	timeout 30 doveadm -c "$STACK_DOVECOT_CONF" "$@"
}

# mbox_create USER FOLDER: create FOLDER (and its parents) unless it exists.
mbox_create() {
	[ "$2" = INBOX ] && return 0
	stack__doveadm mailbox status -u "$1" messages "$2" >/dev/null 2>&1 && return 0
	stack__doveadm mailbox create -s -u "$1" "$2"
}

# mbox_append USER FOLDER FILE...: store each FILE as a message in FOLDER,
# creating FOLDER when needed.
mbox_append() {
	local user=$1 folder=$2 f
	shift 2
	mbox_create "$user" "$folder" || return 1
	for f in "$@"; do
		stack__doveadm save -u "$user" -m "$folder" <"$f" || {
			stack__msg "mbox_append: could not save $f into $user $folder"
			return 1
		}
	done
}

# mbox_count USER FOLDER: print the number of messages in FOLDER; 0 when
# it does not exist.
mbox_count() {
	local out
	out=$(stack__doveadm -f tab mailbox status -u "$1" messages "$2" 2>/dev/null) || { echo 0; return 0; }
	out=$(printf '%s\n' "$out" | sed -n '2s/^.*\t//p')
	echo "${out:-0}"
}

# mbox_list_folders USER: print USER's folders, one per line.
mbox_list_folders() {
	stack__doveadm mailbox list -u "$1"
}

# mbox_uids USER FOLDER: print the UIDs of FOLDER's messages, ascending.
mbox_uids() {
	stack__doveadm search -u "$1" mailbox "$2" all 2>/dev/null | awk '{ print $2 }' | sort -n
}

# mbox_fetch_uid USER FOLDER UID: print one message (headers and body).
mbox_fetch_uid() {
	# the pager format prints "text:" and then the message as is
	stack__doveadm -f pager fetch -u "$1" text mailbox "$2" uid "$3" | sed '1{/^text:$/d}'
}

# mbox_fetch USER FOLDER [DIR]: without DIR, print every message of
# FOLDER, each after a line "=== message UID ===".  With DIR, write each
# message to DIR/UID.eml (DIR is created) and print the file names.
mbox_fetch() {
	local user=$1 folder=$2 dir=$3 uid
	[ -z "$dir" ] || mkdir -p "$dir" || return 1
	for uid in $(mbox_uids "$user" "$folder"); do
		if [ -z "$dir" ]; then
			printf '=== message %s ===\n' "$uid"
			mbox_fetch_uid "$user" "$folder" "$uid"
		else
			mbox_fetch_uid "$user" "$folder" "$uid" >"$dir/$uid.eml" || return 1
			echo "$dir/$uid.eml"
		fi
	done
}

# mbox_wait_count USER FOLDER N TIMEOUT: wait up to TIMEOUT seconds
# (fractions allowed) until FOLDER holds at least N messages.  Prints the
# last count; returns 1 on timeout.
mbox_wait_count() {
	local user=$1 folder=$2 want=$3 n deadline
	deadline=$(awk -v t="$4" -v now="$(date +%s.%N)" 'BEGIN { printf "%.3f", now + t }')
	while :; do
		n=$(mbox_count "$user" "$folder")
		if [ "$n" -ge "$want" ]; then
			echo "$n"
			return 0
		fi
		if awk -v d="$deadline" -v now="$(date +%s.%N)" 'BEGIN { exit !(now >= d) }'; then
			echo "$n"
			return 1
		fi
		sleep 0.1
	done
}

# mbox_clear USER FOLDER: expunge every message of FOLDER.
mbox_clear() {
	stack__doveadm expunge -u "$1" mailbox "$2" all 2>/dev/null
	return 0
}

# stack_smtp_send FROM RCPT FILE [MODE]: submit FILE (CRLF is added where
# missing) from FROM to RCPT through the stack's Postfix with curl.  MODE:
# starttls (default: STARTTLS required, certificate checked against the
# test CA), auth (the same plus AUTH as $BOT_USER), smtps (implicit TLS),
# plain (no TLS).  Returns curl's status.
stack_smtp_send() {
	local from=$1 rcpt=$2 file=$3 mode=${4:-starttls} url tls=(--ssl-reqd --cacert "$STACK_CA")
	url=smtp://$STACK_HOST:$SMTP_PORT/client.stack.test
	case $mode in
	starttls) ;;
	auth) tls+=(--user "$BOT_USER:$BOT_PASSWORD" --login-options AUTH=PLAIN) ;;
	smtps) url=smtps://$STACK_HOST:$SMTPS_PORT/client.stack.test ;;
	plain) tls=() ;;
	*) stack__msg "stack_smtp_send: unknown mode $mode"; return 2 ;;
	esac
	sed 's/\r*$/\r/' "$file" | curl -sS --max-time 30 "${tls[@]}" "$url" \
		--mail-from "$from" --mail-rcpt "$rcpt" -T -
}

# stack_imap_login USER PASSWORD: log in over IMAPS (certificate checked
# against the test CA) and list the folders; true on success.
stack_imap_login() {
	curl -sS --max-time 30 --cacert "$STACK_CA" --user "$1:$2" \
		"imaps://$STACK_HOST:$IMAP_PORT/" >/dev/null
}
