#!/bin/sh
# The kernel's supervisor: the kernelspec runs the kernel through this shell, which outlives
# it. When the kernel dies abnormally (V8 aborting at its heap limit, a signal), the death
# reporter (kernel/supervise/death-report.ts) answers the cell it was running, then the shell
# exits with the kernel's status and the frontend restarts the kernel. A shell adds about a
# millisecond to start-up; node runs here only after a death.
#   usage: gradlab-supervise.sh NODE GRADLAB_JS kernel --connection-file FILE [ARGS...]
# jupyter_client signals the whole process group, so the kernel gets every signal itself:
# SIGINT (interrupt_mode "signal") must not end this shell; SIGTERM or SIGHUP mean the
# frontend is stopping the kernel, not that it died. (A trap runs once the kernel has exited;
# a trapped signal is not inherited as ignored, so the kernel keeps the default handlers.)
how=died
trap : INT
trap 'how=stopped' TERM HUP
# The kernel checks that its parent is this shell ($$), and watches the frontend ($PPID).
GRADLAB_SUPERVISOR=$$
GRADLAB_PARENT_PID=$PPID
export GRADLAB_SUPERVISOR GRADLAB_PARENT_PID
"$@"
status=$?
if [ "$status" -ne 0 ]; then
  "$1" "$2" kernel-died "$status" "$how" "$@"
fi
exit "$status"
