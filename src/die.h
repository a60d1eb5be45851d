/* die.h - exit codes (sysexits) and the usage error of every applet */
#ifndef IPCTOOL_DIE_H
#define IPCTOOL_DIE_H

#include <err.h>
#include <sysexits.h>

/* Exit codes: 0 ok, 1 failure, EX_USAGE 64, EX_UNAVAILABLE 69 (no peer),
 * EX_TEMPFAIL 75 (timeout). */
#define EXIT_FAIL 1

/* die_init: set the error prefix ("ipctool APPLET") and the exit-time
 * stdout check; name NULL means the multi-call binary itself */
void die_init(const char *applet);

/* die_applet: the applet name given to die_init, or NULL */
const char *die_applet(void);

/* die_flush_stdout: flush stdout now; a reader that went away (EPIPE)
 * ends the program quietly with 0, another error with 1 and one line
 * "write to stdout: why" */
void die_flush_stdout(void);

/* die_unless_runnable: return when cmd can be executed (io_cmd_path);
 * otherwise one line, "cannot run 'CMD': command not found", and exit
 * 127, or exit 126 when it is there but cannot be executed, as a shell
 * does: a command that runs a CMD checks it once, at start */
void die_unless_runnable(const char *cmd);

/* die_stdout: a write to stdout just failed (errno says why): a reader
 * that went away (EPIPE) ends the program quietly with 0, another error
 * with 1 and one line "write to stdout: why"; what stdio still holds is
 * dropped so that the check at exit does not repeat the message */
void die_stdout(void) __attribute__((noreturn));

/* usage_error: print one line and a --help hint on stderr, exit 64 */
void usage_error(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

#endif
