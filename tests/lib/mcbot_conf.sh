# shellcheck shell=bash
#
# mcbot_conf.sh - an mcbot configuration (INI, see config/mcbot.conf) for
# the running test stack.  Sourced by stack.sh.

# mcbot_conf OUT_FILE [GROUP.KEY=VALUE | -GROUP.KEY]...: write the
# configuration to OUT_FILE: the bot reads $BOT_USER's INBOX over IMAPS and
# sends over SMTP with STARTTLS and AUTH, both checked against the test CA;
# its state is in $STACK_DIR/state (created).  Each argument sets one key
# (replacing the default or adding a key, e.g. imap.timeout=5, or
# limits.max_message_size=64k) or, with a leading "-", removes one
# (-smtp.user).  Returns 1 on a malformed argument.
mcbot_conf() {
	local out=$1 arg key
	shift
	mkdir -p "$STACK_DIR/state" || return 1
	local defaults=(
		"list.address=$BOT_USER"
		"list.name=LPC Microconferences"
		"list.conference=Linux Plumbers Conference 2026"
		"list.tag=LPC"
		"inbox.type=imap"
		"imap.host=$STACK_HOST"
		"imap.port=$IMAP_PORT"
		"imap.user=$BOT_USER"
		"imap.password_file=$BOT_PASSWORD_FILE"
		"imap.ca_file=$STACK_CA"
		"imap.mailbox=INBOX"
		"imap.folder_prefix=mcbot"
		"imap.timeout=10"
		"smtp.deliver=smtp"
		"smtp.url=smtp://$STACK_HOST:$SMTP_PORT"
		"smtp.user=$BOT_USER"
		"smtp.password_file=$BOT_PASSWORD_FILE"
		"smtp.ca_file=$STACK_CA"
		"smtp.local=false"
		"smtp.timeout=10"
		"store.state_dir=$STACK_DIR/state"
		"store.templates_dir=$MCBOT_TOP/templates"
		"daemon.poll_interval=1"
	)
	for arg in "$@"; do
		key=${arg#-}
		key=${key%%=*}
		case $key in
		*[!a-z0-9_.]* | *.*.* | .* | *.) key="" ;;
		*.*) ;;
		*) key="" ;;
		esac
		case $arg in
		*$'\n'* | *$'\r'* | -*=*) key="" ;;
		-*) ;;
		*=*) ;;
		*) key="" ;;
		esac
		if [ -z "$key" ]; then
			stack__msg "mcbot_conf: expected GROUP.KEY=VALUE or -GROUP.KEY, got '$arg'"
			return 1
		fi
	done
	# Later settings win; groups keep the order in which they first appear.
	printf '%s\n' "${defaults[@]}" "$@" | awk '
		{
			del = sub(/^-/, "")
			eq = index($0, "=")
			k = eq ? substr($0, 1, eq - 1) : $0
			v = eq ? substr($0, eq + 1) : ""
			dot = index(k, ".")
			g = substr(k, 1, dot - 1)
			if (!(g in seen)) { seen[g] = 1; groups[++ng] = g }
			if (!(k in has)) { order[g] = order[g] SUBSEP k }
			has[k] = 1
			if (del) { delete val[k]; gone[k] = 1 } else { val[k] = v; delete gone[k] }
		}
		END {
			printf "# mcbot configuration for a test stack (tests/lib/mcbot_conf.sh)\n"
			for (i = 1; i <= ng; i++) {
				g = groups[i]
				n = split(substr(order[g], 2), keys, SUBSEP)
				out = ""
				for (j = 1; j <= n; j++)
					if (!(keys[j] in gone))
						out = out substr(keys[j], length(g) + 2) "=" val[keys[j]] "\n"
				if (out != "")
					printf "\n[%s]\n%s", g, out
			}
		}' >"$out"
}
