# fish completion for ipctool and its applet links; the words come from
# the binary itself (ipctool --list, APPLET --complete-words)

function __ipctool_words
	set -l tokens (commandline -opc)
	set -l bin $tokens[1]
	if test (basename $bin) = ipctool
		test (count $tokens) -ge 2; or return
		$bin $tokens[2] --complete-words 2>/dev/null
	else
		$bin --complete-words 2>/dev/null
	end
end

# __ipctool_sig_signal: whether a signal name of "sig" is wanted: after
# -s/--signal, or as an operand of "sig wait"/"sig trap" before "--"
function __ipctool_sig_signal
	set -l tokens (commandline -opc)
	set -l i 1
	if test (basename $tokens[1]) = ipctool
		test (count $tokens) -ge 2; and test $tokens[2] = sig; or return 1
		set i 3
	else
		test (basename $tokens[1]) = sig; or return 1
		set i 2
	end
	contains -- $tokens[-1] -s --signal; and return 0
	test (count $tokens) -ge $i; or return 1
	contains -- $tokens[$i] wait trap; or return 1
	contains -- -- $tokens[$i..-1]; and return 1
	return 0
end

function __ipctool_sig_names
	set -l tokens (commandline -opc)
	if test (basename $tokens[1]) = ipctool
		$tokens[1] sig list 2>/dev/null | string replace -r ' .*' ''
	else
		$tokens[1] list 2>/dev/null | string replace -r ' .*' ''
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
for a in ipctool bus fifo pipe req sig sock-client sock-server
	complete -c $a -n 'not __ipctool_needs_applet; or test (commandline -opc)[1] != ipctool' -a '(__ipctool_words)'
end
complete -c ipctool -n __ipctool_sig_signal -f -a '(__ipctool_sig_names)' -d signal
complete -c sig -n __ipctool_sig_signal -f -a '(__ipctool_sig_names)' -d signal
