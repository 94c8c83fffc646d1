# shellcheck shell=bash
#
# proc.sh - process helpers for stack.sh, reading /proc directly (a minimal
# Debian has no `ps`).  Sourced by stack.sh; the names starting with
# "stack__" are private to these libraries.

# stack__alive PID: true when PID exists and is not a zombie.  Daemons are
# re-parented to PID 1, which in a container may never reap them.
stack__alive() {
	local line
	[ -n "$1" ] || return 1
	read -r line 2>/dev/null </proc/"$1"/stat || return 1
	line=${line##*) }
	[ "${line%% *}" != Z ]
}

# stack__tree PID...: print the given live PIDs and all their descendants,
# one per line.
stack__tree() {
	perl -e '
		my %kids;
		for my $f (glob "/proc/[0-9]*/stat") {
			open(my $fh, "<", $f) or next;
			my $l = <$fh>;
			close $fh;
			next unless defined $l && $l =~ /^(\d+) .*\) (\S) (\d+)/s;
			next if $2 eq "Z";
			push @{$kids{$3}}, $1;
			$alive{$1} = 1;
		}
		my @todo = grep { $alive{$_} } @ARGV;
		my %seen;
		while (defined(my $p = shift @todo)) {
			next if $seen{$p}++;
			print "$p\n";
			push @todo, @{$kids{$p} || []};
		}' -- "$@"
}

# stack__related DIR TAG: print the PIDs of live processes tied to a test
# stack: DIR in their command line, working directory or open files, Postfix
# configuration (MAIL_CONFIG) under DIR in their environment, or TAG in
# their command line (Dovecot names its processes "<instance_name>/<service>").
# The calling shell and its ancestors are left out.  (Other variables of
# the environment name DIR in every program a test runs.)
stack__related() {
	perl -e '
		my ($dir, $tag, $self) = @ARGV;
		my %skip;
		for (my $p = $self; $p > 1; ) {
			$skip{$p} = 1;
			open(my $fh, "<", "/proc/$p/stat") or last;
			my $l = <$fh>;
			($p) = $l =~ /.*\) \S (\d+)/s or last;
		}
		PROC: for my $d (glob "/proc/[0-9]*") {
			my ($pid) = $d =~ m{(\d+)$};
			next if $skip{$pid} || $pid == $$;
			open(my $st, "<", "$d/stat") or next;
			my $l = <$st>;
			next if !defined $l || $l =~ /\) Z /;
			for my $f ("cmdline", "environ") {
				open(my $fh, "<", "$d/$f") or next;
				local $/;
				my $s = <$fh> // "";
				my $hit = $f eq "cmdline"
					? index($s, $dir) >= 0 || ($tag ne "" && index($s, $tag) >= 0)
					: $s =~ /(^|\0)MAIL_CONFIG=\Q$dir\E\//;
				if ($hit) {
					print "$pid\n";
					next PROC;
				}
			}
			for my $link ("$d/cwd", glob("$d/fd/*")) {
				my $t = readlink($link) // next;
				if (index($t, "$dir/") == 0 || $t eq $dir) {
					print "$pid\n";
					next PROC;
				}
			}
		}' -- "$1" "$2" "${BASHPID:-$$}"
}

# stack__wait_gone SECONDS PID...: wait until none of the PIDs is alive.
# Returns 1 (and prints the survivors) on timeout.
stack__wait_gone() {
	local deadline p left
	deadline=$(($(date +%s) + $1))
	shift
	while :; do
		left=""
		for p in "$@"; do
			stack__alive "$p" && left="$left $p"
		done
		[ -z "$left" ] && return 0
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "${left# }"
			return 1
		fi
		sleep 0.05
	done
}

# stack__stop_pids SECONDS PID...: SIGTERM the PIDs, wait, then SIGKILL
# whatever is left and wait again.  Returns 1 if something survived.
stack__stop_pids() {
	local secs=$1 left
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	left=$(stack__wait_gone "$secs" "$@") && return 0
	# shellcheck disable=SC2086
	kill -KILL $left 2>/dev/null
	# shellcheck disable=SC2086
	stack__wait_gone 5 $left >/dev/null
}

# stack_listening PID...: print "ADDRESS:PORT" for every listening TCP
# socket the PIDs hold (IPv4 as dotted quad, IPv6 as 32 hex digits), sorted.
stack_listening() {
	perl -e '
		my %ino;
		for my $p (@ARGV) {
			for my $fd (glob "/proc/$p/fd/*") {
				my $t = readlink($fd) // next;
				$ino{$1} = 1 if $t =~ /^socket:\[(\d+)\]$/;
			}
		}
		my %out;
		for my $f ("/proc/net/tcp", "/proc/net/tcp6") {
			open(my $fh, "<", $f) or next;
			<$fh>;
			while (<$fh>) {
				my @c = split " ";
				next unless $c[3] eq "0A" && $ino{$c[9]};
				my ($a, $port) = split /:/, $c[1];
				$a = join ".", reverse map { hex } unpack("(A2)*", $a) if length $a == 8;
				$out{"$a:" . hex($port)} = 1;
			}
		}
		print "$_\n" for sort keys %out;' -- "$@"
}
