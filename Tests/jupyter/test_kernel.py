"""The luagrad Jupyter kernel, driven by the real client (jupyter_client) and checked with
jupyter_kernel_test's protocol tests plus LuaGrad's own: interrupt, errors, figures, and a
message with a bad signature. Run by scripts/test-jupyter (JUPYTER_PATH holds the kernelspec)."""
import time
import unittest

import jupyter_kernel_test
from jupyter_client.session import Session


class LuaGradKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "luagrad"
    language_name = "lua"
    file_extension = ".lua"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'io.stderr:write("oops\\n")'
    code_generate_error = 'error("boom")'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "torch.tensor({1.0, 2.0}) * 2", "result": "tensor([2., 4.])"},
        {"code": '"a", 2', "result": "a\t2"},
    ]
    code_display_data = [
        {"code": "display(setmetatable({}, {__repr_svg = function() return '<svg/>' end}))",
         "mime": "image/svg+xml"},
    ]
    code_inspect_sample = "torch.ones"
    completion_samples = [
        {"text": "torch.aran", "matches": {"torch.arange"}},
        {"text": "prin", "matches": {"print"}},
        {"text": "string.up", "matches": {"string.upper"}},
        {"text": "while", "matches": {"while"}},
    ]
    complete_code_samples = ["x = 1", "print(x)", "for i = 1, 3 do print(i) end", "1 + 1"]
    incomplete_code_samples = ["for i = 1, 3 do", "function f(x)", "t = {1,", 'x = "abc" ..']
    invalid_code_samples = ["x = = 1", "end end", "1 +* 2"]

    # MARK: helpers

    def run_cell(self, code, timeout=20):
        """Executes code; returns (reply, iopub messages of the request)."""
        self.flush_channels()
        reply, messages = self.execute_helper(code, timeout=timeout)
        return reply, messages

    def stream_text(self, messages, name="stdout"):
        return "".join(m["content"]["text"] for m in messages
                       if m["msg_type"] == "stream" and m["content"]["name"] == name)

    # MARK: execution

    def test_luagrad_print_and_io_write_in_order(self):
        reply, messages = self.run_cell('io.write("a") print("b") io.write("c\\n")')
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(self.stream_text(messages), "ab\nc\n")

    def test_luagrad_statement_has_no_result(self):
        reply, messages = self.run_cell("local y = 5")
        self.assertFalse([m for m in messages if m["msg_type"] == "execute_result"])

    def test_luagrad_error_traceback(self):
        self.run_cell("function fails() error('deep') end")
        reply, messages = self.run_cell("fails()")
        self.assertEqual(reply["content"]["status"], "error")
        error = [m for m in messages if m["msg_type"] == "error"][0]["content"]
        self.assertIn("deep", error["evalue"])
        self.assertEqual(error["traceback"][1], "stack traceback:")
        self.assertTrue(any("fails" in line for line in error["traceback"]))

    def test_luagrad_syntax_error(self):
        reply, _ = self.run_cell("x = = 1")
        self.assertEqual(reply["content"]["ename"], "SyntaxError")

    def test_luagrad_execution_count_and_silent(self):
        first, _ = self.run_cell("1")
        silent = self.kc.execute("2", silent=True)
        reply = self.get_non_kernel_info_reply(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], silent)
        second, _ = self.run_cell("3")
        self.assertEqual(second["content"]["execution_count"], first["content"]["execution_count"] + 1)

    def test_luagrad_figure_and_graph_display_as_svg(self):
        self.run_cell("x = torch.tensor(2.0, {requires_grad = true}); y = x * x")
        reply, messages = self.run_cell("torch.viz.svg(y)")
        results = [m for m in messages if m["msg_type"] == "execute_result"]
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertIn("<svg", results[0]["content"]["data"]["image/svg+xml"])

    def test_luagrad_plot_figure_displays_as_svg(self):
        reply, _ = self.run_cell('plot = require "luagrad.plot"\nx = torch.arange(0, 3, 0.1)')
        self.assertEqual(reply["content"]["status"], "ok")
        reply, messages = self.run_cell('plot.plot(x, {x * x}, {xlabel = "x", legend = {"x^2"}})')
        data = [m for m in messages if m["msg_type"] == "execute_result"][0]["content"]["data"]
        self.assertIn("<svg", data["image/svg+xml"])
        self.assertIn("text/plain", data)

    # MARK: completion and inspection

    def test_luagrad_completes_tensor_methods_and_table_fields(self):
        self.run_cell("x = torch.ones(2); config = {learning_rate = 0.1, layers = 2}")
        self.kc.complete("x:su")
        matches = self.get_non_kernel_info_reply(timeout=10)["content"]["matches"]
        self.assertIn("x:sum", matches)
        self.assertIn("x:sub", matches)
        self.kc.complete("config.l")
        reply = self.get_non_kernel_info_reply(timeout=10)["content"]
        self.assertEqual(set(reply["matches"]), {"config.learning_rate", "config.layers"})
        self.assertEqual((reply["cursor_start"], reply["cursor_end"]), (0, 8))

    def test_luagrad_inspect_says_help(self):
        self.kc.inspect("y = torch.arange(4)", cursor_pos=13)
        reply = self.get_non_kernel_info_reply(timeout=10)["content"]
        self.assertTrue(reply["found"])
        self.assertIn("arange", reply["data"]["text/plain"])

    # MARK: interrupt, comms, history

    def test_luagrad_interrupt_keeps_state(self):
        self.run_cell("kept = 42")
        self.flush_channels()
        msg_id = self.kc.execute("while true do end")
        time.sleep(0.5)
        self.km.interrupt_kernel()
        reply = self.get_non_kernel_info_reply(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        reply, messages = self.run_cell("kept")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in messages
                          if m["msg_type"] == "execute_result"], ["42"])

    def test_luagrad_comm_info_and_history(self):
        self.kc.comm_info()
        self.assertEqual(self.get_non_kernel_info_reply(timeout=10)["content"]["comms"], {})
        self.kc.history()
        self.assertEqual(self.get_non_kernel_info_reply(timeout=10)["content"]["history"], [])

    # MARK: signatures

    def test_luagrad_drops_a_badly_signed_message(self):
        forger = Session(key=b"not-the-key")
        forged = forger.msg("execute_request", {"code": "forged = true", "silent": False,
                                               "store_history": True, "user_expressions": {},
                                               "allow_stdin": False, "stop_on_error": True})
        forger.send(self.kc.shell_channel.socket, forged)
        unsigned = Session(key=b"")
        unsigned.send(self.kc.shell_channel.socket, unsigned.msg("kernel_info_request", {}))
        # The kernel answers neither and is still alive and untouched.
        reply, messages = self.run_cell("forged == nil")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in messages
                          if m["msg_type"] == "execute_result"], ["true"])


if __name__ == "__main__":
    unittest.main()
