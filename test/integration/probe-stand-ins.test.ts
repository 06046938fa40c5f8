// The probes' loopback stand-ins (rehearsal/probes.ts) fail and recover at run time, as the paging
// bench needs: an http stand-in answers 500 while failed, a tcp stand-in refuses connections, and
// both serve again afterwards. Only 127.0.0.1 is contacted. openssl makes the rehearsal CA.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import type { Probe } from "../../model/probes";
import { httpGet } from "../../rehearsal/processes";
import { failingStatus, startProbeStandIns } from "../../rehearsal/probes";
import { toolAvailable } from "../externalTools";

const probes: Probe[] = [
    { name: "web", kind: "http", url: "http://web.example.com/health", labels: {}, validStatusCodes: [] },
    { name: "db", kind: "tcp", target: "db.example.com:5432", labels: {}, tls: false },
    { name: "ping", kind: "icmp", host: "ping.example.com", labels: {} },
];

/** Whether a TCP connection to `target` (127.0.0.1:port) is accepted. */
function connects(target: string): Promise<boolean> {
    const [host, port] = target.split(":");
    return new Promise((resolve) => {
        const socket = net.connect(Number(port), host);
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
    });
}

test("probe stand-ins: fail makes http answer 500 and tcp refuse; recover serves again; an icmp stand-in cannot fail", async (t) => {
    if (!toolAvailable(t, "openssl")) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-stand-ins-"));
    const standIns = await startProbeStandIns(dir, probes);
    try {
        const web = standIns.probes.find((p) => p.name === "web");
        const db = standIns.probes.find((p) => p.name === "db");
        assert.ok(web?.kind === "http" && db?.kind === "tcp");
        assert.equal((await httpGet(web.url)).status, 200);
        assert.equal(await connects(db.target), true);

        await standIns.fail("web");
        await standIns.fail("db");
        assert.equal((await httpGet(web.url)).status, failingStatus);
        assert.equal(await connects(db.target), false, "a failed tcp stand-in refuses");

        await standIns.recover("web");
        await standIns.recover("db");
        assert.equal((await httpGet(web.url)).status, 200);
        assert.equal(await connects(db.target), true, "a recovered tcp stand-in listens on its port again");

        await assert.rejects(standIns.fail("ping"), /icmp/);
        await assert.rejects(standIns.fail("nonexistent"), /nonexistent/);
    } finally {
        await standIns.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
