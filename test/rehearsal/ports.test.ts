// The rehearsal's ports (rehearsal/processes.ts freePort): reserved per process in a locked block
// below the kernel's ephemeral range, so rehearsals running in parallel never get the same port.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const processes = path.join(__dirname, "..", "..", "rehearsal", "processes.ts");
const ephemeralStart = (() => {
    try {
        return Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    } catch {
        return 32_768;
    }
})();

/** A separate Node process that takes `count` ports and reports them with the lock files it holds. */
function reserveIn(count: number): Promise<{ pid: number; ports: number[]; locks: string[] }> {
    const script = `import(${JSON.stringify(processes)}).then(async (p) => {
        const ports = []; for (let i = 0; i < ${count}; i++) ports.push(await p.freePort());
        const fs = await import("node:fs"); const os = await import("node:os"); const path = await import("node:path");
        const dir = path.join(os.tmpdir(), "vps-monitoring-rehearsal-ports");
        const locks = fs.readdirSync(dir).filter((f) => fs.readFileSync(path.join(dir, f), "utf8").trim() === String(process.pid));
        console.log(JSON.stringify({ pid: process.pid, ports, locks }));
    });`;
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" }, (error, stdout, stderr) => {
            if (error) reject(new Error(`${error.message}\n${stderr}`));
            else resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "{}"));
        });
    });
}

test("parallel processes get disjoint ports, each from its own locked block below the ephemeral range", async () => {
    const runs = await Promise.all([reserveIn(12), reserveIn(12), reserveIn(12)]);
    const all = runs.flatMap((r) => r.ports);
    assert.equal(new Set(all).size, all.length, `a port was handed to two processes: ${JSON.stringify(runs.map((r) => r.ports))}`);
    for (const r of runs) {
        assert.equal(r.locks.length, 1, `process ${r.pid} holds one block lock`);
        assert.ok(r.ports.every((p) => p >= 20_000 && p < ephemeralStart), `ports outside the reserved range: ${r.ports.join(", ")}`);
        assert.ok(Math.max(...r.ports) - Math.min(...r.ports) < 50, "all from one block");
    }
    // The locks go with their processes.
    const dir = path.join(os.tmpdir(), "vps-monitoring-rehearsal-ports");
    const left = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => runs.some((r) => fs.existsSync(path.join(dir, f)) && fs.readFileSync(path.join(dir, f), "utf8").trim() === String(r.pid))) : [];
    assert.deepEqual(left, []);
});
