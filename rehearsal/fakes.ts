// Loopback stand-in for the services Alertmanager notifies over HTTP (each receiver type's
// `rehearsal.http` in model/receivers.ts says where its requests arrive and how to answer)
// and a polling helper. Every request is recorded by path; a switch
// makes every answer a 500 to inject delivery failures (or only some paths: one broken receiver). Listens on 127.0.0.1 only.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { receiverSpecs, type FakeAnswer } from "../model/receivers";

/**
 * Raw config values standing in for the secrets a stack takes from `pulumi config set --secret`
 * (the harness points every endpoint at the fake receivers anyway).
 */
export const fakeSecrets = {
    telegram: { name: "telegram", type: "telegram", chatId: -1001234567890, botToken: "123456:rehearsal", apiUrl: "http://127.0.0.1:1" },
    pagerduty: { name: "oncall", type: "pagerduty", routingKey: "rehearsal-routing-key" },
    deadMansSwitchUrl: "http://127.0.0.1:1/ping",
} as const;

/** The prod stack's receivers (Telegram for critical and warning, PagerDuty for critical) with fake secrets. */
export const prodReceiverOverrides = {
    receivers: [{ ...fakeSecrets.telegram, severities: ["critical", "warning"] }, { ...fakeSecrets.pagerduty, severities: ["critical"] }],
    deadMansSwitchUrl: fakeSecrets.deadMansSwitchUrl,
};

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly body: string;
    /** Parsed JSON body, or undefined when the body is not JSON. */
    readonly json: unknown;
    readonly at: number;
    /** Status the fake answered with. */
    readonly status: number;
}

/** Where Alertmanager's Telegram notifier posts messages (the Bot API's sendMessage). */
export const telegramPath = /^\/bot[^/]+\/sendMessage$/;

/** The `text` of a Telegram message (JSON or form-encoded), or "" for anything else. */
export function telegramText(r: RecordedRequest): string {
    const json = r.json;
    return typeof json === "object" && json !== null && "text" in json ? String(json.text) : "";
}

export interface FakeReceivers {
    /** http://127.0.0.1:<port> */
    readonly url: string;
    readonly port: number;
    readonly requests: readonly RecordedRequest[];
    /** Requests whose path matches `path` (exact string, or a RegExp). */
    requestsTo(path: string | RegExp): RecordedRequest[];
    /** Answer 500 to everything while true (failure injection). */
    setFailing(failing: boolean): void;
    /** Answer 500 to the paths that match (one receiver broken on purpose); undefined mends them. */
    breakPaths(paths: RegExp | undefined): void;
    clear(): void;
    close(): Promise<void>;
}

/** Polls `predicate` until it returns a truthy value or `deadlineMs` passes; never a fixed sleep. */
export async function waitFor<T>(predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    deadlineMs: number, what = "condition", intervalMs = 100): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await predicate();
            if (value) return value;
            lastError = undefined;
        } catch (e) {
            lastError = e;
        }
        if (Date.now() >= deadline) {
            const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
            throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}${cause}`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** The answer of the receiver type whose fake serves `path` (model/receivers.ts); a plain 200 for anything else. */
function respond(path: string, json: unknown): FakeAnswer {
    for (const spec of Object.values(receiverSpecs)) {
        const http = spec.rehearsal.http;
        if (http?.path.test(path)) return http.answer(path, json);
    }
    return { status: 200, body: { ok: true } };
}

export async function startFakeReceivers(): Promise<FakeReceivers> {
    const requests: RecordedRequest[] = [];
    let failing = false;
    let broken: RegExp | undefined;
    const server = http.createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (c: string) => { body += c; });
        req.on("end", () => {
            const path = (req.url ?? "/").split("?")[0];
            let json = parseJson(body);
            if (json === undefined && /^\/bot/.test(path)) {
                // telebot may post form-encoded values
                json = Object.fromEntries(new URLSearchParams(body));
            }
            const answer = failing || broken?.test(path) ? { status: 500, body: { ok: false, error: "injected failure" } } : respond(path, json);
            requests.push({ method: req.method ?? "", path, body, json, at: Date.now(), status: answer.status });
            if (answer.body === undefined) {
                res.writeHead(answer.status).end();
            } else if (typeof answer.body === "string") {
                res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
            } else {
                res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
            }
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        requestsTo: (p) => requests.filter((r) => (typeof p === "string" ? r.path === p : p.test(r.path))),
        setFailing: (f) => { failing = f; },
        breakPaths: (p) => { broken = p; },
        clear: () => { requests.length = 0; },
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}
