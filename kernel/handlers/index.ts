// The table from msg_type to handler. kernel_info, interrupt and shutdown are answered by the
// io thread (kernel/io/io-thread.ts) so they work while a cell blocks the main thread.
import type { Handler } from "../kernel.js";
import { commClose, commInfoRequest, commMsg, commOpen } from "./comm.js";
import { executeRequest } from "./execute.js";
import { historyRequest } from "./history.js";
import { completeRequest, inspectRequest, isCompleteRequest } from "./introspection.js";

export const handlers: Record<string, Handler> = {
  execute_request: executeRequest,
  complete_request: completeRequest,
  inspect_request: inspectRequest,
  is_complete_request: isCompleteRequest,
  history_request: historyRequest,
  comm_info_request: commInfoRequest,
  comm_open: commOpen,
  comm_msg: commMsg,
  comm_close: commClose,
};
