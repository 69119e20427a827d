#!/usr/bin/env bash
# The bash completion, bash-completion/pmstat: loaded in this non-interactive
# bash and called as bash calls it, for the pmstat under test ($PMSTAT, whose
# --help it reads). Every check runs twice: in plain bash, then with
# bash-completion's own functions and shell options loaded. Run by make
# check with PMSTAT set; COMPLETION may name another completion file.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
completion=${COMPLETION:-${srcdir:-.}/bash-completion/pmstat}
bash_completion=/usr/share/bash-completion/bash_completion
. "$(dirname "$0")/tap.sh"

# A process to find among the PIDs, by its PID and its comm.
sleep 300 &
sleeper=$!
trap 'kill "$sleeper" 2>/dev/null; wait "$sleeper" 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP
for _ in $(seq 100); do
	[ "$(cat /proc/$sleeper/comm 2>/dev/null)" = sleep ] && break
	sleep 0.05
done

# comp LINE: complete LINE, its cursor at the end, as bash does: its words
# split at blanks and, '=' being in COMP_WORDBREAKS, --unit=kB made three
# words and --unit= two. The command word "pmstat" stands for $PMSTAT (set
# CMD to change that); COMP_TYPE is 9, a Tab, unless TYPE says otherwise.
# The answer is left in COMPREPLY.
comp() {
	local line w
	local -a words=() split=()

	line=$1
	[[ $line == pmstat* ]] && line=${CMD-$PMSTAT}${line#pmstat}
	read -ra words <<<"$line"
	[[ $line == *' ' ]] && words+=('')
	for w in "${words[@]}"; do
		if [[ $w == --*=* ]]; then
			split+=("${w%%=*}" '=')
			[[ ${w#*=} ]] && split+=("${w#*=}")
		else
			split+=("$w")
		fi
	done
	COMP_WORDS=("${split[@]}")
	COMP_CWORD=$((${#split[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_TYPE=${TYPE:-9}
	COMP_KEY=9
	w=${COMP_WORDS[COMP_CWORD]}
	[[ $w == = ]] && w=''
	COMPREPLY=()
	"$complete_fn" "${COMP_WORDS[0]}" "$w" "${COMP_WORDS[COMP_CWORD-1]}"
}

# The reply, sorted, one a line; and the same for the arguments.
reply() { ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort; }
sorted() { (($#)) && printf '%s\n' "$@" | sort; }

# is DESC LINE WORD...: LINE completes to exactly the WORDs.
is() {
	local desc=$1 line=$2
	shift 2
	comp "$line"
	if [ "$(reply)" = "$(sorted "$@")" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "# '$line': got [$(reply | tr '\n' ' ')], want [$*]"
	fi
}

# has DESC LINE WORD...: LINE offers every WORD, and maybe more; a WORD
# written !WORD must not be offered.
has() {
	local desc=$1 line=$2 w missing=''
	shift 2
	comp "$line"
	for w; do
		if [[ $w == '!'* ]]; then
			reply | grep -qxF -- "${w#!}" && missing="$missing $w"
		else
			reply | grep -qxF -- "$w" || missing="$missing $w"
		fi
	done
	if [ -z "$missing" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "# '$line': wrong:$missing; got [$(reply | tr '\n' ' ')]"
	fi
}

# What $PMSTAT --help lists, read here on its own terms: the options at the
# start of its option lines, the first word of each line under "Available
# output columns:" and the words under "Page flags", up to a blank line.
help=$("$PMSTAT" --help)
help_options=$(awk '/^ +-/ && match($0, /^ +/) && RLENGTH <= 8 {
		for (i = 1; i <= NF && $i ~ /^-/; i++) {
			o = $i; sub(/,$/, "", o); sub(/[[=].*/, "", o); print o
		}
	}' <<<"$help" | sort)
help_columns=$(awk '/^Columns/ { s = 1; next } /^$/ { s = 0 }
	s && $1 == "also" { for (i = 2; i <= NF; i++) { w = $i; sub(/,$/, "", w); print w }; next }
	s && /^  [a-z_]/ { print $1 }' <<<"$help" | sort)
help_flags=$(awk '/^Page flags/ { s = 1; next } /^$/ { s = 0 }
	s { for (i = 1; i <= NF; i++) print $i }' <<<"$help" | sort)

# The checks of one pass; $1 names it.
checks() {
	local p=$1 w a

	if ! complete_fn=$(complete -p pmstat 2>/dev/null |
	    sed -n 's/.*-F \([^ ]*\) .*/\1/p') || [ -z "$complete_fn" ] ||
	    ! declare -F "$complete_fn" >/dev/null; then
		not_ok "$p: the completion registers a function for pmstat"
		return
	fi
	ok "$p: the completion registers $complete_fn for pmstat"

	is "$p: --ext completes to --extended" 'pmstat --ext' --extended
	comp 'pmstat -'
	if [ -n "$help_options" ] && [ "$(reply)" = "$help_options" ]; then
		ok "$p: - offers exactly the options of --help"
	else
		not_ok "$p: - offers exactly the options of --help"
		diff <(echo "$help_options") <(reply) | sed 's/^/# /'
	fi
	is "$p: no option after --" 'pmstat -- -'

	is "$p: -o pr completes to present" 'pmstat -o pr' present
	is "$p: -o present,ps completes to present,pss" 'pmstat -o present,ps' present,pss
	is "$p: --output=present,ps completes to present,pss" 'pmstat --output=present,ps' present,pss
	has "$p: -o present,pss, offers the others, not those listed" \
	    'pmstat -o present,pss,' present,pss,path present,pss,anon \
	    '!present,pss,present' '!present,pss,pss'
	TYPE=63 has "$p: a listing (second Tab) shows the names without the list" \
	    'pmstat -o present,p' pss pages perms path '!present,pss'
	comp 'pmstat -o '
	if [ -n "$help_columns" ] && [ "$(reply)" = "$help_columns" ]; then
		ok "$p: -o offers exactly the columns of --help"
	else
		not_ok "$p: -o offers exactly the columns of --help"
		diff <(echo "$help_columns") <(reply) | sed 's/^/# /'
	fi

	has "$p: --flags ~a offers ~anon" 'pmstat --flags ~a' '~anon' '~active' '!anon'
	has "$p: --flags=anon,~l offers anon,~lru" 'pmstat --flags=anon,~l' 'anon,~lru'
	has "$p: --flags anon, offers neither anon nor ~anon again" \
	    'pmstat --flags anon,~' 'anon,~lru' '!anon,~anon' '!anon,anon'
	comp 'pmstat -F '
	if [ -n "$help_flags" ] && [ "$(reply)" = "$help_flags" ]; then
		ok "$p: -F offers exactly the page flags of --help"
	else
		not_ok "$p: -F offers exactly the page flags of --help"
		diff <(echo "$help_flags") <(reply) | sed 's/^/# /'
	fi

	is "$p: --unit offers the four units" 'pmstat --unit ' kB pages bytes human
	is "$p: --unit=h completes to human" 'pmstat --unit=h' human
	is "$p: -U KB completes to kB, in any case" 'pmstat -U KB' kB
	is "$p: --pages= offers the modes" 'pmstat --pages=' all runs
	is "$p: --summary=m completes to mapping" 'pmstat --summary=m' mapping
	is "$p: --by p offers process and path" 'pmstat --by p' path process
	is "$p: --sort -ps completes to -pss" 'pmstat --sort -ps' -pss
	is "$p: --sort pid,+ppi completes the last key" 'pmstat --sort pid,+ppi' pid,+ppid
	has "$p: -u offers root" 'pmstat -u ro' root
	has "$p: -C offers the sleep's command name" 'pmstat -C slee' sleep
	has "$p: --tree offers the sleep's PID" "pmstat --tree $sleeper" "$sleeper"
	is "$p: -r offers nothing" 'pmstat -r '
	is "$p: --range= offers nothing" 'pmstat --range='
	is "$p: --csv= offers nothing" 'pmstat --csv='

	has "$p: a bare argument offers the sleep's PID" "pmstat $sleeper" "$sleeper"
	has "$p: --pages without = is followed by a PID" \
	    "pmstat --pages $sleeper" "$sleeper" '!all'
	has "$p: -p offers the sleep's PID after a comma, not a listed PID" \
	    "pmstat -p 1,$sleeper" "1,$sleeper" "!1,1"
	comp 'pmstat -p '
	if ((${#COMPREPLY[@]} > 1)) && ! reply | grep -qv '^[0-9]*$'; then
		ok "$p: a Tab inserts bare PIDs"
	else
		not_ok "$p: a Tab inserts bare PIDs"
	fi
	TYPE=63 has "$p: a listing shows each PID with its comm" \
	    'pmstat ' "$sleeper (sleep)" "!$sleeper"

	# Without a pmstat to ask, the built-in lists are those of --help.
	for w in - '-o ' '-F '; do
		comp "pmstat $w"
		a=$(reply)
		CMD=/nonexistent/pmstat comp "pmstat $w"
		if [ "$(reply)" = "$a" ]; then
			ok "$p: the built-in list for '$w' is that of --help"
		else
			not_ok "$p: the built-in list for '$w' is that of --help"
			diff <(echo "$a") <(reply) | sed 's/^/# /'
		fi
	done
}

# shellcheck source=/dev/null
. "$completion"
checks "plain bash"

# Every name offered is one pmstat takes (status 0; 2 is a usage error).
comp 'pmstat -o '
bad=''
for w in "${COMPREPLY[@]}"; do
	"$PMSTAT" -o "$w" $$ >/dev/null 2>&1 || bad="$bad $w"
done
if ((${#COMPREPLY[@]})) && [ -z "$bad" ]; then
	ok "pmstat -o takes every column offered"
else
	not_ok "pmstat -o takes every column offered:$bad refused"
fi
# The built-in lists, used when pmstat's --help cannot be read, must not
# fall behind it: every option of --help, and no other.
fallback=$(names=(); _pmstat_fallback options; printf '%s\n' "${names[@]}" | sort)
if [ -n "$help_options" ] && [ "$fallback" = "$help_options" ]; then
	ok "_pmstat_fallback's options are exactly those of --help"
else
	not_ok "_pmstat_fallback's options are exactly those of --help"
	diff <(echo "$help_options") <(echo "$fallback") | sed 's/^/# /'
fi

comp 'pmstat -F '
bad=''
for w in "${COMPREPLY[@]}"; do
	"$PMSTAT" --summary --flags "$w" $$ >/dev/null 2>&1
	[ $? -eq 2 ] && bad="$bad $w"
done
if ((${#COMPREPLY[@]})) && [ -z "$bad" ]; then
	ok "pmstat --flags knows every flag offered"
else
	not_ok "pmstat --flags knows every flag offered:$bad unknown"
fi

if [ -r "$bash_completion" ]; then
	# shellcheck source=/dev/null
	. "$bash_completion"
	# Ours again, after bash-completion's functions and shell options,
	# as its loader would source it on the first Tab after pmstat.
	# shellcheck source=/dev/null
	. "$completion"
	checks "with bash-completion"
	# sudo's completion hands the words after it to pmstat's.
	PATH=$(dirname "$PMSTAT"):$PATH
	if _completion_loader sudo 2>/dev/null; complete -p sudo >/dev/null 2>&1; then
		complete_fn=$(complete -p sudo | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
		comp 'sudo pmstat --ext'
		if [ "$(reply)" = --extended ]; then
			ok "with bash-completion: sudo pmstat --ext completes to --extended"
		else
			not_ok "with bash-completion: sudo pmstat --ext completes to --extended"
			echo "# got [$(reply | tr '\n' ' ')]"
		fi
	else
		skip "with bash-completion: sudo pmstat --ext" "no completion for sudo"
	fi
else
	skip "with bash-completion: the same checks" \
	    "bash-completion is not installed ($bash_completion)"
fi

tap_end
