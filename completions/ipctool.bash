# bash completion for ipctool and its applet links; the binary itself says
# what may come next (ipctool --list, APPLET --complete WORD...): words,
# "@files", or "@exec K" (a command line of its own from word K on)

_ipctool() {
	local cur=${COMP_WORDS[COMP_CWORD]} bin=${COMP_WORDS[0]}
	local cmd=${bin##*/} first=1 out k
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
	out=$("${call[@]}" --complete "${COMP_WORDS[@]:first:COMP_CWORD-first+1}" 2>/dev/null) || return
	case $out in
	@files)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	"@exec "*)
		k=$((first + ${out#@exec }))
		if declare -F _command_offset >/dev/null; then
			_command_offset "$k"
		elif ((COMP_CWORD == k)); then
			COMPREPLY=($(compgen -c -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	*)
		mapfile -t COMPREPLY <<<"$out"
		[[ -n $out ]] || COMPREPLY=()
		;;
	esac
}

complete -F _ipctool ipctool bus fifo pipe req sig sock-client sock-server
