"""jupyter_kernel_test conformance suite for the gradlab kernel, with TypeScript samples.

Run by test/kernel/conformance.test.ts, which installs the kernelspec into a temporary
JUPYTER_PATH first; every test must run (no sample is left empty, so nothing is skipped).
"""
import unittest

import jupyter_kernel_test


class GradlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "gradlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "const completionTarget = 1; completionTar", "matches": {"completionTarget"}},
    ]

    complete_code_samples = ["1", "const a: number = 1;", "function f(x: number) { return x }", "console.log('x')"]
    incomplete_code_samples = ["function f() {", "const xs = [1,", "if (true) {"]
    invalid_code_samples = ["const = 5", "1 +* 2", "}"]

    code_page_something = "?console.log"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "[1, 2].map((x: number) => x * 2)", "result": "[ 2, 4 ]"},
        {"code": "({ lr: 0.1 })", "result": "{ lr: 0.1 }"},
    ]

    code_display_data = [
        {"code": 'display.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'display.markdown("# title")', "mime": "text/markdown"},
        {"code": 'display.svg("<svg xmlns=\'http://www.w3.org/2000/svg\'/>")', "mime": "image/svg+xml"},
        {"code": 'display.json({ a: 1 })', "mime": "application/json"},
    ]

    code_history_pattern = "1 + ?"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = "display.clear()"


if __name__ == "__main__":
    unittest.main()
