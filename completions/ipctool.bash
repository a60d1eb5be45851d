# bash completion for ipctool and its applet links; the words come from
# the binary itself (ipctool --list, APPLET --complete-words)

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
