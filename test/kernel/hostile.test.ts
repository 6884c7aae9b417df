// Hostile input: malformed, unsigned and wrongly signed messages on every channel. The kernel
// must drop them all (never executing one), stay up, and answer a valid request afterwards.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LaunchedKernel } from "../../kernel/client/launch.js";
import { makeHeader } from "../../kernel/transport/message.js";
import { Signer } from "../../kernel/transport/signing.js";
import { DELIMITER, encode } from "../../kernel/transport/wire.js";
import { built, result, startBuiltKernel } from "./kernel-harness.js";

describe.skipIf(!built)("hostile input", () => {
  let k: LaunchedKernel;
  const dir = mkdtempSync(join(tmpdir(), "gradlab-hostile-"));
  const marker = join(dir, "pwned");
  beforeAll(async () => {
    k = await startBuiltKernel({ env: { GRADLAB_PRELUDE: "none" } });
  });
  afterAll(async () => {
    await k?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("drops 1,500 bad messages, never executes one, and still answers", async () => {
    const evil = `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(marker)}, "executed");`;
    const execute = (session: string) => ({ header: makeHeader("execute_request", session), parent_header: {}, metadata: {}, content: { code: evil, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: false } });
    const wrongKey = new Signer("not-the-key");
    const noKey = new Signer("");
    const good = k.client.signer;
    const id = Buffer.from("attacker");
    const variants: (() => Buffer[])[] = [
      // unsigned
      () => [id, ...encode(execute("s"), noKey)],
      // signed with the wrong key
      () => [id, ...encode(execute("s"), wrongKey)],
      // a valid signature of a different message
      () => {
        const f = encode(execute("s"), good);
        f[1] = encode(execute("other"), good)[1];
        return [id, ...f];
      },
      // tampered content after signing
      () => {
        const f = encode(execute("s"), good);
        f[5] = Buffer.from(JSON.stringify({ code: evil + " " }));
        return [id, ...f];
      },
      // truncated signature / uppercase hex
      () => {
        const f = encode(execute("s"), good);
        f[1] = f[1].subarray(0, 63);
        return [id, ...f];
      },
      () => {
        const f = encode(execute("s"), good);
        f[1] = Buffer.from(f[1].toString().toUpperCase());
        return [id, ...f];
      },
      // no delimiter, random frames, empty frames
      () => [id, randomBytes(32), randomBytes(200)],
      () => [Buffer.alloc(0)],
      () => Array.from({ length: 80 }, () => randomBytes(4)),
      // delimiter but missing frames
      () => [id, DELIMITER, Buffer.from("sig")],
      // correctly signed but not JSON / not objects / no msg_type
      () => {
        const parts = [Buffer.from("{not json"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")];
        return [id, DELIMITER, Buffer.from(good.sign(parts)), ...parts];
      },
      () => {
        const parts = [Buffer.from("[]"), Buffer.from("null"), Buffer.from("1"), Buffer.from('"x"')];
        return [id, DELIMITER, Buffer.from(good.sign(parts)), ...parts];
      },
      () => {
        const parts = [Buffer.from(JSON.stringify({ msg_id: "x" })), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")];
        return [id, DELIMITER, Buffer.from(good.sign(parts)), ...parts];
      },
      // big garbage
      () => [id, DELIMITER, randomBytes(64), randomBytes(256 * 1024), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")],
    ];
    let sent = 0;
    for (let i = 0; sent < 1500; i++) {
      const channel = (["shell", "control", "stdin"] as const)[i % 3];
      await k.client.sendRaw(channel, variants[i % variants.length]());
      sent++;
    }
    // A correctly signed message replayed verbatim runs once only.
    const replayed = encode({ header: makeHeader("execute_request", k.client.session), parent_header: {}, metadata: {}, content: { code: "(globalThis as any).replays = ((globalThis as any).replays ?? 0) + 1", silent: true, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: false } }, good);
    await k.client.sendRaw("shell", replayed);
    await k.client.sendRaw("shell", replayed);

    const r = await k.client.execute("40 + 2", { timeoutMs: 30_000 });
    expect((r.reply.content as { status: string }).status).toBe("ok");
    expect(result(r.outputs)).toBe("42");
    expect(result((await k.client.execute("(globalThis as any).replays")).outputs)).toBe("1");
    expect(existsSync(marker)).toBe(false);
    expect(k.process.exitCode).toBe(null);
    expect(await k.client.ping(2000)).toBeLessThan(2000);
    expect(k.stderr()).toMatch(/dropped .* message/);
    // The same code, correctly signed, does write the marker: the check above can fail.
    await k.client.execute(evil);
    expect(existsSync(marker)).toBe(true);
  });
});
