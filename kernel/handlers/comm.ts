// comm_info_request and the frontend's comm_open / comm_msg / comm_close.
import type { Kernel, Request } from "../kernel.js";

export function commInfoRequest(k: Kernel, req: Request): void {
  const target = (req.content as { target_name?: unknown }).target_name;
  k.reply(req, "comm_info_reply", { status: "ok", comms: k.comms.info(typeof target === "string" && target !== "" ? target : undefined) });
}

export function commOpen(k: Kernel, req: Request): void {
  k.comms.handleOpen(req.content, k.commMessage(req));
}

export function commMsg(k: Kernel, req: Request): void {
  k.comms.handleMsg(req.content, k.commMessage(req));
}

export function commClose(k: Kernel, req: Request): void {
  k.comms.handleClose(req.content, k.commMessage(req));
}
