"""A widget frontend made of Debian's jupyter_client: starts the gradlab kernelspec, runs a cell
that shows a learning-rate slider and a Stop button, then, while a synchronous training loop
runs, drags the slider (comm_msg update) and clicks Stop (comm_msg custom), as JupyterLab's
widget manager would. Prints what it saw as one JSON object (test/kernel/widgets-jupyter-client.test.ts)."""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

SETUP = """
const lr = new widgets.FloatLogSlider({ value: 0.1, min: -4, max: 0, description: "lr" });
const stop = new widgets.Button({ description: "Stop", buttonStyle: "danger" });
const model = new nn.Linear(2, 1);
const opt = new optim.SGD(model.parameters(), { lr: lr.value });
display(new widgets.HBox([lr, stop]));
"""

LOOP = """
const x = randn([64, 2]), y = x.matmul(tensor([[2], [-1]]));
let step = 0; const lrs = new Set<number>();
console.log("training");
const until = Date.now() + 30000;
while (stop.clicks === 0 && Date.now() < until) {
  for (const g of opt.paramGroups) g.lr = lr.value;
  lrs.add(lr.value);
  opt.zeroGrad(); const loss = F.mseLoss(model.call(x), y); loss.backward(); opt.step(); step++;
}
console.log(`stopped after ${step > 0 ? "some" : "no"} steps, lrs ${[...lrs].join(" ")}, timed out ${Date.now() >= until}`);
"""


def collect(kc, parent_id, until_idle=True, stop=None, timeout=60):
    """iopub messages of one request, up to its idle status (or until stop(msg) is true)."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        out.append(msg)
        if msg["msg_type"] == "error":
            raise RuntimeError(f"{msg['content']['ename']}: {msg['content']['evalue']}")
        if stop is not None and stop(msg):
            return out
        if until_idle and msg["parent_header"].get("msg_id") == parent_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return out
    raise TimeoutError(f"no idle for {parent_id}: {[m['msg_type'] for m in out]}")


def comm_msg(kc, comm_id, data):
    msg = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def main():
    km, kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)
    report = {}
    try:
        setup = kc.execute(SETUP)
        msgs = collect(kc, setup)
        opens = [m for m in msgs if m["msg_type"] == "comm_open"]
        report["open_targets"] = sorted({m["content"]["target_name"] for m in opens})
        report["open_versions"] = sorted({m["metadata"].get("version") for m in opens})
        by_model = {m["content"]["data"]["state"]["_model_name"]: m["content"] for m in opens}
        report["models"] = sorted(by_model)
        shown = [m for m in msgs if m["msg_type"] == "display_data"]
        report["display_mimes"] = sorted(shown[0]["content"]["data"]) if shown else []
        report["display_model_is_box"] = bool(shown) and shown[0]["content"]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == by_model["HBoxModel"]["comm_id"]
        lr_id = by_model["FloatLogSliderModel"]["comm_id"]
        stop_id = by_model["ButtonModel"]["comm_id"]

        loop = kc.execute(LOOP)
        seen = collect(kc, loop, until_idle=False, stop=lambda m: m["msg_type"] == "stream" and "training" in m["content"]["text"])
        time.sleep(0.3)
        update = comm_msg(kc, lr_id, {"method": "update", "state": {"value": 0.01}, "buffer_paths": []})
        time.sleep(0.3)
        comm_msg(kc, stop_id, {"method": "custom", "content": {"event": "click"}})
        seen += collect(kc, loop)
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != loop:
            reply = kc.get_shell_msg(timeout=30)
        report["loop_status"] = reply["content"]["status"]
        report["loop_stdout"] = "".join(m["content"]["text"] for m in seen if m["msg_type"] == "stream" and m["parent_header"].get("msg_id") == loop)
        report["loop_states"] = [m["content"]["execution_state"] for m in seen if m["msg_type"] == "status" and m["parent_header"].get("msg_id") == loop]
        # ipywidgets' throttle sends a widget's next update only after the idle of the last one.
        report["update_idle_during_loop"] = any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" and m["parent_header"].get("msg_id") == update for m in seen)
        # The echo of the drag, with the drag as its parent (what the frontend matches on).
        echo = collect(kc, None, until_idle=False, timeout=10, stop=lambda m: m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "echo_update")
        report["echo"] = echo[-1]["content"]["data"] if echo else None
        report["echo_parent_is_update"] = bool(echo) and echo[-1]["parent_header"].get("msg_id") == update
        after = kc.execute("console.log(model.weight.shape.join('x'), stop.clicks, lr.value)")
        report["after_stdout"] = "".join(m["content"]["text"] for m in collect(kc, after) if m["msg_type"] == "stream")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    json.dump(report, sys.stdout)


main()
