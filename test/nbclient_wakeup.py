"""Runs `jupyter nbconvert` with a lost wakeup in jupyter_client fixed (the tests' nbconvert).

jupyter_client's Session.send writes to a zmq.asyncio socket through a plain shadow of it. That
write also takes in libzmq's pending notifications for the socket, so an execute_reply which
arrived just before it no longer wakes the asyncio poll waiting on that socket; pyzmq's own
asyncio send re-checks the socket's events afterwards, the shadow write does not. nbclient
writes to the shell socket while it waits there for a cell's reply whenever an Output widget
receives an output (OutputWidget.sync_state), so a cell whose last outputs go into an Output
widget (interact) is finished only when its timeout expires: nbclient then polls once more,
finds the reply and goes on, a cell minutes late without an error (hangs for ever with no
timeout). After each such write this re-checks the socket as pyzmq's asyncio send does.

Usage: python3 test/nbclient_wakeup.py ARGS...  (ARGS as for `jupyter nbconvert`)
"""
import sys

import zmq.asyncio
from jupyter_client.session import Session


def apply() -> None:
    if getattr(Session.send, "_wakeup_fixed", False):
        return
    send = Session.send

    def send_and_recheck(self, stream, *args, **kwargs):
        result = send(self, stream, *args, **kwargs)
        if isinstance(stream, zmq.asyncio.Socket) and hasattr(stream, "_schedule_remaining_events"):
            stream._schedule_remaining_events()
        return result

    send_and_recheck._wakeup_fixed = True
    Session.send = send_and_recheck


if __name__ == "__main__":
    apply()
    from nbconvert.nbconvertapp import main

    sys.argv[0] = "jupyter-nbconvert"
    sys.exit(main())
