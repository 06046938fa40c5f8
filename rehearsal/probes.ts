// Loopback stand-ins for the stack's probe targets: the rehearsal never probes anything but
// 127.0.0.1. Each http(s) probe gets a local server (HTTPS with a certificate from a rehearsal CA
// made with openssl, valid for as many days as the test asks), each tcp probe a local listener (or
// a port nobody listens on), each icmp probe 127.0.0.1. The blackbox exporter trusts the CA
// (rewrite.ts rewriteBlackbox). DNS probes have no stand-in: a stack with one is refused.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import type { Probe } from "../model/probes";
import { freePort } from "./processes";

/** How a probe's stand-in behaves; by default a healthy server with a certificate valid for a year. */
export interface ProbeStandInOptions {
    /** HTTP status every request gets (default 200). */
    readonly status?: number;
    /** Days the stand-in's certificate stays valid (default 365). */
    readonly certificateDays?: number;
    /** Nothing listens on the port: the connection is refused. */
    readonly closed?: boolean;
}

export interface ProbeStandIns {
    /** The probes with their targets moved to the stand-ins. */
    readonly probes: readonly Probe[];
    /** The rehearsal CA, which signed every stand-in certificate. */
    readonly caFile: string;
    close(): Promise<void>;
}

function openssl(args: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile("openssl", args, { timeout: 30_000 }, (error, _stdout, stderr) => {
            if (error) reject(new Error(`probe stand-ins: \`openssl ${args.join(" ")}\` failed: ${error.message}\n${String(stderr).trim()}`));
            else resolve();
        });
    });
}

/** A key and a certificate for 127.0.0.1, signed by the CA, valid for `days` from now. */
async function certificate(dir: string, name: string, days: number, ca: { key: string; cert: string }): Promise<{ key: string; cert: string }> {
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const cert = path.join(dir, `${name}.crt`);
    const ext = path.join(dir, `${name}.ext`);
    fs.writeFileSync(ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
    await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${name}`]);
    await openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", String(days), "-extfile", ext, "-out", cert]);
    return { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8") };
}

function listening(server: net.Server, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
    });
}

/** Starts a stand-in per probe (options by probe name) below `dir`. */
export async function startProbeStandIns(dir: string, probes: readonly Probe[], options: Readonly<Record<string, ProbeStandInOptions>> = {}): Promise<ProbeStandIns> {
    for (const name of Object.keys(options)) {
        if (!probes.some((p) => p.name === name)) throw new Error(`probe stand-ins: the stack has no probe named ${name}`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const ca = { key: path.join(dir, "ca.key"), cert: path.join(dir, "ca.crt") };
    await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca.key, "-out", ca.cert, "-days", "3650", "-subj", "/CN=vps-monitoring rehearsal CA"]);
    const servers: net.Server[] = [];
    const serve = async (server: net.Server, port: number): Promise<void> => {
        await listening(server, port);
        servers.push(server);
    };
    const moved: Probe[] = [];
    for (const p of probes) {
        const o = options[p.name] ?? {};
        const port = await freePort();
        const secure = (p.kind === "http" && p.url.startsWith("https:")) || (p.kind === "tcp" && p.tls);
        const credentials = secure && !o.closed ? await certificate(dir, p.name, o.certificateDays ?? 365, ca) : undefined;
        switch (p.kind) {
            case "http": {
                const handler: http.RequestListener = (_req, res) => { res.writeHead(o.status ?? 200, { "content-type": "text/plain" }).end("ok\n"); };
                if (!o.closed) await serve(credentials ? https.createServer(credentials, handler) : http.createServer(handler), port);
                const url = new URL(p.url);
                moved.push({ ...p, url: `${url.protocol}//127.0.0.1:${port}${url.pathname}${url.search}` });
                break;
            }
            case "tcp":
                if (!o.closed) await serve(credentials ? tls.createServer(credentials, (s) => s.end()) : net.createServer((s) => s.end()), port);
                moved.push({ ...p, target: `127.0.0.1:${port}` });
                break;
            case "icmp":
                moved.push({ ...p, host: "127.0.0.1" });
                break;
            case "dns":
                throw new Error(`probe ${p.name}: the rehearsal has no DNS stand-in and never asks a real resolver; leave dns probes out of rehearsed stacks`);
        }
    }
    return {
        probes: moved,
        caFile: ca.cert,
        close: async () => {
            await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
                if (s instanceof http.Server) s.closeAllConnections();
                s.close(() => resolve());
            })));
        },
    };
}

/** Whether a probe target is on loopback (the only place the rehearsal probes). */
export function isLoopbackTarget(target: string): boolean {
    const host = /^[a-z]+:\/\//.test(target) ? new URL(target).hostname : target.replace(/:\d+$/, "");
    return host === "127.0.0.1";
}
