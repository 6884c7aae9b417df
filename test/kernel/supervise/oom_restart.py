"""A frontend built from Debian's jupyter_client, as jupyter_server runs kernels (an
AsyncIOLoopKernelManager with its autorestarter): a cell whose one allocation overruns the
kernel's JavaScript heap must get its error and execute_reply before the process goes, and the
restarter must bring back a kernel that runs cells. Prints one JSON object for the test."""
import asyncio
import json
import sys
import time

from jupyter_client.ioloop import AsyncIOLoopKernelManager

OOM_CELL = "const big = new Array(1e8).fill(0);"


async def run(kc, code, timeout=60):
    """execute_reply content and the iopub messages of one cell, up to its idle status."""
    msg_id = kc.execute(code)
    outputs = []
    reply = None
    deadline = time.monotonic() + timeout
    idle = False
    while reply is None or not idle:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no reply/idle for {code!r} (reply {reply is not None}, idle {idle})")
        if reply is None:
            try:
                m = await kc.get_shell_msg(timeout=min(left, 0.2))
                if m["parent_header"].get("msg_id") == msg_id:
                    reply = m["content"]
            except Exception:
                pass
        try:
            while True:
                m = await kc.get_iopub_msg(timeout=0.05)
                if m["parent_header"].get("msg_id") != msg_id:
                    continue
                outputs.append({"msg_type": m["msg_type"], "content": m["content"]})
                if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    idle = True
        except Exception:
            pass
    return reply, outputs


async def main():
    km = AsyncIOLoopKernelManager(kernel_name="gradlab")
    await km.start_kernel()
    restarts = []
    km.add_restart_callback(lambda: restarts.append(time.monotonic()), "restart")
    km.start_restarter()
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    out = {}
    first, _ = await run(kc, "const kept = 41 + 1;")
    out["first"] = first["status"]
    t0 = time.monotonic()
    reply, outputs = await run(kc, OOM_CELL)
    out["oom_seconds"] = time.monotonic() - t0
    out["oom_reply"] = {k: reply.get(k) for k in ("status", "ename", "evalue", "execution_count")}
    out["oom_outputs"] = [[o["msg_type"], o["content"].get("ename") or o["content"].get("execution_state")] for o in outputs]
    # The process goes; the restarter (polling every 3 s) starts a new one.
    deadline = time.monotonic() + 60
    while not restarts and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    out["restarted"] = bool(restarts)
    await kc.wait_for_ready(timeout=60)
    after, outs = await run(kc, "6 * 7")
    out["after_restart"] = after["status"]
    out["after_result"] = next((o["content"]["data"]["text/plain"] for o in outs if o["msg_type"] == "execute_result"), None)
    kc.stop_channels()
    km.stop_restarter()
    await km.shutdown_kernel(now=False)
    print(json.dumps(out))


asyncio.run(main())
