# bash completion for ipctool and its applet links; the words come from
# the binary itself (ipctool --list, APPLET --complete-words)

# _ipctool_sig_signal FIRST: whether the word being completed is a signal
# name of "sig": after -s/--signal, or an operand of "sig wait"/"sig trap"
# before "--" (FIRST is the index of the subcommand)
_ipctool_sig_signal() {
	local first=$1 i
	case ${COMP_WORDS[COMP_CWORD-1]} in
	-s | --signal) return 0 ;;
	esac
	((COMP_CWORD > first)) || return 1
	case ${COMP_WORDS[first]} in
	wait | trap) ;;
	*) return 1 ;;
	esac
	for ((i = first + 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -- ]] && return 1
	done
	return 0
}

_ipctool() {
	local cur=${COMP_WORDS[COMP_CWORD]} bin=${COMP_WORDS[0]}
	local cmd=${bin##*/} first=1 words
	local -a call

	if [[ $cmd == ipctool ]]; then
		if ((COMP_CWORD == 1)); then
			COMPREPLY=($(compgen -W "$("$bin" --list 2>/dev/null) help --list --install --version --help" -- "$cur"))
			return
		fi
		if [[ ${COMP_WORDS[1]} == help ]]; then
			((COMP_CWORD == 2)) &&
				COMPREPLY=($(compgen -W "$("$bin" --list 2>/dev/null)" -- "$cur"))
			return
		fi
		if [[ ${COMP_WORDS[1]} == --install ]]; then
			COMPREPLY=($(compgen -d -- "$cur"))
			return
		fi
		call=("$bin" "${COMP_WORDS[1]}")
		first=2
	else
		call=("$bin")
	fi
	if [[ ${call[${#call[@]}-1]##*/} == sig && $cur != -* ]] &&
		_ipctool_sig_signal "$first"; then
		COMPREPLY=($(compgen -W "$("${call[@]}" list 2>/dev/null |
			cut -d' ' -f1)" -- "${cur^^}"))
		return
	fi
	words=$("${call[@]}" --complete-words 2>/dev/null) || return
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(grep -- '^-' <<<"$words")" -- "$cur"))
	elif ((COMP_CWORD == first)) && grep -qv -- '^-' <<<"$words"; then
		COMPREPLY=($(compgen -W "$(grep -v -- '^-' <<<"$words")" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

complete -F _ipctool ipctool bus fifo pipe req sig sock-client sock-server
