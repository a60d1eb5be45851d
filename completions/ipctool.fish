# fish completion for ipctool and its applet links; the binary itself says
# what may come next (ipctool --list, APPLET --complete WORD...): words,
# "@files", or "@exec K" (a command line of its own from word K on).
# Installed as ipctool.fish and once per applet name (sig.fish, ...), so
# that fish finds it for a link on a fresh shell.

function __ipctool_complete
	set -l tokens (commandline -opc)
	set -l cur (commandline -ct)
	set -l first 2
	set -l call $tokens[1]
	if test (basename -- $tokens[1]) = ipctool
		test (count $tokens) -ge 2; or return
		set call $tokens[1..2]
		set first 3
	end
	set -l words
	if test (count $tokens) -ge $first
		set words $tokens[$first..-1]
	end
	set -l out ($call --complete $words "$cur" 2>/dev/null)
	switch "$out[1]"
		case @files
			__fish_complete_path "$cur"
		case '@exec *'
			set -l k (math $first + (string replace '@exec ' '' -- $out[1]))
			set -l line
			if test (count $tokens) -ge $k
				set line $tokens[$k..-1]
			end
			complete -C (string join ' ' -- (string escape -- $line) "$cur")
		case '*'
			printf '%s\n' $out
	end
end

function __ipctool_needs_applet
	set -l tokens (commandline -opc)
	test (count $tokens) -eq 1
end

complete -c ipctool -n __ipctool_needs_applet -f -a '(ipctool --list 2>/dev/null)' -d applet
complete -c ipctool -n __ipctool_needs_applet -f -a 'help' -d 'show the help of an applet'
complete -c ipctool -n __ipctool_needs_applet -l list -d 'list the applets'
complete -c ipctool -n __ipctool_needs_applet -l install -r -d 'make applet symlinks in DIR'
complete -c ipctool -n __ipctool_needs_applet -l version -d 'print the version'
complete -c ipctool -n __ipctool_needs_applet -l help -d 'show the help'
complete -c ipctool -n 'not __ipctool_needs_applet' -f -a '(__ipctool_complete)'
for a in bus fifo pipe req sig sock-client sock-server
	complete -c $a -f -a '(__ipctool_complete)'
end
