"""The DAP sequence JupyterLab 4's debugger sends (@jupyterlab/debugger session.ts, service.ts),
driven through Debian's jupyter_client against the installed gradlab kernelspec.

Run by jupyterlab-sequence.test.ts with JUPYTER_PATH pointing at a temporary kernelspec.
Prints one line per check and a closing "N passed, N failed" line; exits non-zero on failure.
"""
import json
import sys
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel

CELL = (
    "const images = randn([64, 784]);\n"
    "let seen = 0;\n"
    "for (let i = 0; i < 2; i++) {\n"
    "  seen += images.shape[1];\n"
    "}\n"
    "seen"
)

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


class Lab:
    """What JupyterLab's Debugger.Session does: debug_request on control, reply and idle awaited."""

    def __init__(self, kc):
        self.kc = kc
        self.seq = 0
        self.events = []

    def request(self, command, arguments=None):
        content = {"type": "request", "seq": self.seq, "command": command}
        self.seq += 1
        if arguments is not None:
            content["arguments"] = arguments
        msg = self.kc.session.msg("debug_request", content)
        self.kc.control_channel.send(msg)
        reply = None
        idle = False
        deadline = time.time() + 30
        while reply is None or not idle:
            if time.time() > deadline:
                raise RuntimeError(f"{command}: no reply and idle within 30 s")
            if reply is None:
                try:
                    m = self.kc.get_control_msg(timeout=0.05)
                    if m["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                        reply = m["content"]
                except Empty:
                    pass
            idle = idle or self.drain(msg["header"]["msg_id"])
        return reply

    def drain(self, parent_id=None):
        """Collects debug_events; True once the idle status of parent_id has arrived."""
        seen_idle = False
        while True:
            try:
                m = self.kc.get_iopub_msg(timeout=0.02)
            except Empty:
                return seen_idle
            if m["msg_type"] == "debug_event":
                self.events.append(m["content"])
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" and m["parent_header"].get("msg_id") == parent_id:
                seen_idle = True

    def wait_event(self, name, count):
        deadline = time.time() + 30
        while len([e for e in self.events if e["event"] == name]) < count:
            if time.time() > deadline:
                raise RuntimeError(f"no {name} event #{count} within 30 s")
            self.drain()
        return [e for e in self.events if e["event"] == name][count - 1]

    def frames_and_variables(self):
        """_getAllFrames, then _onCurrentFrameChanged for the top frame: scopes, then variables of each."""
        frames = self.request("stackTrace", {"threadId": 1})["body"]["stackFrames"]
        scopes = self.request("scopes", {"frameId": frames[0]["id"]})["body"]["scopes"]
        variables = {s["name"]: self.request("variables", {"variablesReference": s["variablesReference"]})["body"]["variables"] for s in scopes}
        return frames, variables


def main():
    km, kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)
    try:
        lab = Lab(kc)
        kernel_info = kc.kernel_info(reply=True)["content"]
        check("kernel_info says debugger: true", kernel_info.get("debugger") is True)
        check("the kernelspec says debugger: true", km.kernel_spec.metadata.get("debugger") is True)

        # Session.connection = ...: a debugInfo right away.
        info = lab.request("debugInfo")["body"]
        check("debugInfo: Murmur2, .ts cells, not started", info["hashMethod"] == "Murmur2" and info["tmpFileSuffix"] == ".ts" and info["isStarted"] is False, json.dumps(info))
        # Session.start()
        init = lab.request("initialize", {
            "clientID": "jupyterlab", "clientName": "JupyterLab", "adapterID": "gradlab", "pathFormat": "path",
            "linesStartAt1": True, "columnsStartAt1": True, "supportsVariableType": True, "supportsVariablePaging": True,
            "supportsRunInTerminalRequest": True, "locale": "en",
        })
        check("initialize succeeds with exception filters", init["success"] and [f["filter"] for f in init["body"]["exceptionBreakpointFilters"]] == ["raised", "uncaught"], json.dumps(init))
        check("attach succeeds", lab.request("attach", {})["success"])
        # restoreState(): debugInfo; then displayDefinedVariables.
        info = lab.request("debugInfo")["body"]
        check("debugInfo after attach: started", info["isStarted"] is True and info["stoppedThreads"] == [])
        check("inspectVariables answers", lab.request("inspectVariables", {})["success"])

        # A breakpoint clicked in the cell's gutter: updateBreakpoints -> dumpCell, debugInfo, setBreakpoints.
        path = lab.request("dumpCell", {"code": CELL})["body"]["sourcePath"]
        lab.request("debugInfo")
        bps = lab.request("setBreakpoints", {"breakpoints": [{"line": 4}], "source": {"path": path}, "sourceModified": False})
        check("setBreakpoints on line 4 of the cell", bps["success"] and bps["body"]["breakpoints"][0]["line"] == 4, json.dumps(bps))
        check("configurationDone succeeds", lab.request("configurationDone", {})["success"])

        # Run the cell: it stops on line 4.
        exec_id = kc.execute(CELL)
        stopped = lab.wait_event("stopped", 1)
        check("stopped event at a breakpoint", stopped["body"]["reason"] == "breakpoint" and stopped["body"]["threadId"] == 1, json.dumps(stopped))
        frames, variables = lab.frames_and_variables()
        check("the top frame is the cell's line 4", frames[0]["line"] == 4 and frames[0]["source"]["path"] == path, json.dumps(frames))
        globals_ = {v["name"]: v for v in variables.get("Globals", [])}
        images = globals_.get("images")
        check("the tensor variable shows as tensor[64, 784] f32 … μ=… σ=…", images is not None and images["value"].startswith("tensor[64, 784] f32") and "μ=" in images["value"] and "σ=" in images["value"], json.dumps(images))
        # Expanding the tensor in the variables tree.
        fields = {v["name"]: v["value"] for v in lab.request("variables", {"variablesReference": images["variablesReference"]})["body"]["variables"]}
        check("the tensor expands to shape, dtype, grad, requiresGrad", fields.get("shape") == "[ 64, 784 ]" and fields.get("dtype") == '"float32"' and fields.get("requiresGrad") == "false" and fields.get("grad") == "null", json.dumps(fields))
        rich = lab.request("richInspectVariables", {"variableName": "images", "frameId": frames[0]["id"]})
        check("richInspectVariables gives the tensor view", rich["success"] and "text/html" in rich["body"]["data"], json.dumps(rich)[:300])
        block = next((vs for name, vs in variables.items() if name == "Block"), [])
        check("the loop's i is 0 at the first stop", any(v["name"] == "i" and v["value"] == "0" for v in block), json.dumps(variables)[:500])

        # Step: next -> stopped on the loop's next line; the frames again.
        lab.request("next", {"threadId": 1})
        stepped = lab.wait_event("stopped", 2)
        frames, variables = lab.frames_and_variables()
        check("next stops by step on a later line", stepped["body"]["reason"] == "step" and frames[0]["line"] in (3, 5, 6), json.dumps(frames))
        # Continue: the breakpoint again (i = 1); remove it and continue to the end.
        lab.request("continue", {"threadId": 1})
        lab.wait_event("stopped", 3)
        frames, variables = lab.frames_and_variables()
        check("continue stops again on line 4 with i = 1", frames[0]["line"] == 4 and any(v["name"] == "i" and v["value"] == "1" for v in variables.get("Block", [])), json.dumps(variables)[:500])
        lab.request("setBreakpoints", {"breakpoints": [], "source": {"path": path}, "sourceModified": False})
        lab.request("continue", {"threadId": 1})
        reply = None
        while reply is None:
            m = kc.get_shell_msg(timeout=30)
            if m["parent_header"].get("msg_id") == exec_id:
                reply = m["content"]
        check("the cell finishes ok", reply["status"] == "ok", json.dumps(reply))
        names = {v["name"]: v for v in lab.request("inspectVariables", {})["body"]["variables"]}
        check("after the run the variables panel shows seen = 1568", names.get("seen", {}).get("value") == "1568", json.dumps(names.get("seen")))
        # Session.stop()
        check("disconnect succeeds", lab.request("disconnect", {"restart": False, "terminateDebuggee": False})["success"])
        check("debugInfo after disconnect: not started", lab.request("debugInfo")["body"]["isStarted"] is False)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
