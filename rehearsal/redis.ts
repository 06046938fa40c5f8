// A stand-in for the app's use of Redis: a minimal RESP client and a workload that keeps keys,
// some with a TTL, and reads hits and misses, so that the Redis dashboard has something to show.
import * as net from "node:net";

export type RespValue = string | number | null | RespValue[] | Error;

function encode(args: readonly string[]): string {
    return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

const utf8 = (latin1: string): string => Buffer.from(latin1, "latin1").toString("utf8");

/** Parses one RESP reply at `offset` of `buf` (latin1: one char per byte); undefined while incomplete. */
function parse(buf: string, offset = 0): { value: RespValue; end: number } | undefined {
    const lineEnd = buf.indexOf("\r\n", offset);
    if (lineEnd < 0) return undefined;
    const kind = buf[offset];
    const line = utf8(buf.slice(offset + 1, lineEnd));
    switch (kind) {
        case "+": return { value: line, end: lineEnd + 2 };
        case "-": return { value: new Error(line), end: lineEnd + 2 };
        case ":": return { value: Number(line), end: lineEnd + 2 };
        case "$": {
            const n = Number(line);
            if (n < 0) return { value: null, end: lineEnd + 2 };
            if (buf.length < lineEnd + 2 + n + 2) return undefined;
            return { value: utf8(buf.slice(lineEnd + 2, lineEnd + 2 + n)), end: lineEnd + 2 + n + 2 };
        }
        case "*": {
            const n = Number(line);
            if (n < 0) return { value: null, end: lineEnd + 2 };
            const items: RespValue[] = [];
            let at = lineEnd + 2;
            for (let i = 0; i < n; i++) {
                const item = parse(buf, at);
                if (!item) return undefined;
                items.push(item.value);
                at = item.end;
            }
            return { value: items, end: at };
        }
        default: throw new Error(`unexpected RESP reply ${JSON.stringify(buf.slice(offset, lineEnd))}`);
    }
}

/** Sends commands on one connection to 127.0.0.1:`port` and returns their replies in order. */
export async function redisCommands(port: number, commands: readonly (readonly string[])[], password?: string): Promise<RespValue[]> {
    const all = password === undefined ? commands : [["AUTH", password], ...commands];
    return new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        let buf = "";
        const replies: RespValue[] = [];
        socket.setTimeout(3000, () => socket.destroy(new Error(`redis 127.0.0.1:${port}: timeout`)));
        socket.once("error", reject);
        socket.once("connect", () => socket.write(all.map(encode).join("")));
        socket.on("data", (chunk: Buffer) => {
            buf += chunk.toString("latin1");
            for (;;) {
                const reply = parse(buf);
                if (!reply) break;
                replies.push(reply.value);
                buf = buf.slice(reply.end);
            }
            if (replies.length === all.length) {
                socket.end();
                resolve(password === undefined ? replies : replies.slice(1));
            }
        });
    });
}

export interface RedisWorkload {
    stop(): void;
}

/**
 * Every `intervalMs`: keeps ten keys (half with a TTL) and reads one hit and one miss. Errors
 * (Redis stopped by a scenario, a replica refusing writes) are ignored until the next round.
 */
export function startRedisWorkload(port: number, intervalMs: number, password?: string): RedisWorkload {
    const round = (): void => {
        const commands: string[][] = [];
        for (let i = 0; i < 10; i++) commands.push(i % 2 === 0 ? ["SET", `rehearsal:key:${i}`, "v"] : ["SET", `rehearsal:key:${i}`, "v", "EX", "3600"]);
        commands.push(["GET", "rehearsal:key:0"], ["GET", "rehearsal:missing"]);
        redisCommands(port, commands, password).catch(() => undefined);
    };
    round();
    const timer = setInterval(round, intervalMs);
    return { stop: () => clearInterval(timer) };
}
