"""Runs CELLS interact cells (each re-plots into its Output widget) through nbclient with a
TIMEOUT-second cell timeout, printing JSON: how many cells nbclient finished only at that
timeout (their reply not noticed when it came) and how many ran. `--unfixed` leaves out
test/nbclient_wakeup.py's fix (to see the stall it removes)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

import nbclient_wakeup  # noqa: E402

cells, timeout = int(sys.argv[1]), int(sys.argv[2])
if "--unfixed" not in sys.argv:
    nbclient_wakeup.apply()
code = "{\nconst s = new widgets.FloatSlider({ value: 1, min: 0.1, max: 3 });\ninteract(({ k }) => lossSurface((x: number, y: number) => x * x + k * y * y, { x: [-2, 2], y: [-2, 2], title: `k ${k}` }), { k: s });\n}"
nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "gradlab", "display_name": "gradlab", "language": "typescript"}})
nb.cells = [nbformat.v4.new_code_cell(code) for _ in range(cells)]
client = NotebookClient(nb, timeout=timeout, kernel_name="gradlab")
seconds = []
run_cell = client.async_execute_cell


async def timed(cell, index, **kwargs):
    start = time.monotonic()
    result = await run_cell(cell, index, **kwargs)
    seconds.append(time.monotonic() - start)
    return result


client.async_execute_cell = timed
client.execute()
outputs = [o["output_type"] for c in nb.cells for o in c["outputs"]]
print(json.dumps({"ran": len(seconds), "at_timeout": sum(s >= timeout - 1 for s in seconds), "seconds": [round(s, 2) for s in seconds], "outputs": outputs.count("display_data")}))
