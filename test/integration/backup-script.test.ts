// The rendered backup job (render/backup.ts) run with bash: a stand-in Prometheus on loopback
// answers the snapshot API as Prometheus does (it makes snapshots/<name>), and a stand-in `restic`
// first on PATH records its arguments and environment, so each run shows what reaches restic and
// what the job reports to node-exporter. The real restic and Prometheus run in
// test/rehearsal/rehearsal-backup.test.ts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { backupMetricsFile, type BackupPlan, initialBackupMetricsScript, renderBackupScript, s3KeysFileText } from "../../render/backup";
import { backupMetrics } from "../../model/dataSafety";
import { freePort } from "../../rehearsal/processes";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "backup-script-"));
const bin = path.join(work, "bin");
const calls = path.join(work, "restic-calls");
let server: http.Server;
let prometheusUrl = "";
let snapshotsTaken = 0;

const dirs = {
    prometheus: path.join(work, "prometheus"), grafana: path.join(work, "grafana"),
    alertmanager: path.join(work, "alertmanager"), textfile: path.join(work, "textfile"),
};

before(async () => {
    for (const d of [bin, ...Object.values(dirs)]) fs.mkdirSync(d, { recursive: true });
    // restic as the job calls it: every call's arguments and the AWS/RESTIC variables it sees, one line each;
    // `restic backup` fails when RESTIC_FAIL_BACKUP is set in its file.
    fs.writeFileSync(path.join(bin, "restic"), `#!/bin/bash
printf 'args=%s | AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s RESTIC_REPOSITORY=%s RESTIC_PASSWORD_FILE=%s\\n' "$*" "\${AWS_ACCESS_KEY_ID:-}" "\${AWS_SECRET_ACCESS_KEY:-}" "$RESTIC_REPOSITORY" "$RESTIC_PASSWORD_FILE" >> ${calls}
if [ "$1" = backup ] && [ -f ${work}/fail-backup ]; then exit 1; fi
exit 0
`, { mode: 0o755 });
    server = http.createServer((req, res) => {
        if (req.method === "POST" && req.url === "/api/v1/admin/tsdb/snapshot") {
            snapshotsTaken++;
            const name = `20261129T000000Z-${snapshotsTaken}`;
            fs.mkdirSync(path.join(dirs.prometheus, "snapshots", name, "01BLOCK"), { recursive: true });
            res.end(JSON.stringify({ status: "success", data: { name } }));
        } else {
            res.statusCode = 404;
            res.end();
        }
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    prometheusUrl = `http://127.0.0.1:${port}`;
});
after(() => {
    server.close();
    fs.rmSync(work, { recursive: true, force: true });
});

function plan(overrides: Partial<BackupPlan> = {}): BackupPlan {
    const passwordFile = path.join(work, "password");
    fs.writeFileSync(passwordFile, "pw\n", { mode: 0o400 });
    return {
        stack: "prod", repository: "s3:https://fsn1.your-objectstorage.com/bucket/prod", passwordFile, prometheusUrl,
        prometheus: { dir: dirs.prometheus }, grafana: { dir: dirs.grafana }, alertmanager: { dir: dirs.alertmanager },
        workDir: path.join(work, "backup-work"), keep: { daily: 7, weekly: 4, monthly: 6 }, textfileDir: dirs.textfile,
        ...overrides,
    };
}

/** Runs the script asynchronously: the stand-in Prometheus answers from this process. */
function bash(script: string): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("bash", [script], { env: { PATH: `${bin}:${process.env.PATH ?? ""}` }, timeout: 30_000 });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (c: string) => { stderr += c; });
        child.on("close", (status) => resolve({ status, stderr }));
    });
}

async function run(p: BackupPlan): Promise<{ status: number | null; stderr: string; calls: string[]; metrics: Map<string, number> }> {
    // Each run starts from no snapshot and no restic calls, whatever a run before it left behind.
    fs.rmSync(calls, { force: true });
    fs.rmSync(path.join(dirs.prometheus, "snapshots"), { recursive: true, force: true });
    const script = path.join(work, "backup.sh");
    fs.writeFileSync(script, renderBackupScript(p));
    const r = await bash(script);
    const file = path.join(dirs.textfile, backupMetricsFile);
    const metrics = new Map((fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "").split("\n")
        .filter((l) => l !== "" && !l.startsWith("#")).map((l) => [l.split(" ")[0], Number(l.split(" ")[1])] as [string, number]));
    return { status: r.status, stderr: r.stderr, calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [], metrics };
}

test("a run backs up the snapshot and the copies, applies the retention, and reports success to node-exporter", async () => {
    fs.writeFileSync(path.join(dirs.alertmanager, "silences"), "s");
    const keys = path.join(work, "s3-keys");
    fs.writeFileSync(keys, s3KeysFileText("AKID-from-file", "secret-from-file"), { mode: 0o400 });
    const before = Math.floor(Date.now() / 1000);
    const r = await run(plan({ s3KeysFile: keys }));
    assert.equal(r.status, 0, r.stderr);
    const backup = r.calls.find((c) => c.startsWith("args=backup"));
    assert.ok(backup, r.calls.join("\n"));
    assert.match(backup, new RegExp(`args=backup --host prod --tag vps-monitoring ${dirs.prometheus}/snapshots/vps-monitoring-backup ${work}/backup-work `));
    const forget = r.calls.find((c) => c.startsWith("args=forget"));
    assert.match(forget ?? "", /args=forget --host prod --tag vps-monitoring --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --prune /);
    // Secrets: from their files into restic's environment; never an argument.
    for (const call of r.calls) {
        assert.match(call, /AWS_ACCESS_KEY_ID=AKID-from-file AWS_SECRET_ACCESS_KEY=secret-from-file /);
        assert.match(call, new RegExp(`RESTIC_PASSWORD_FILE=${work}/password$`));
        assert.doesNotMatch(call.split(" | ")[0], /secret-from-file|AKID|pw/);
    }
    assert.equal(r.metrics.get(backupMetrics.exitCode), 0);
    assert.ok((r.metrics.get(backupMetrics.lastSuccess) ?? 0) >= before);
    assert.ok((r.metrics.get(backupMetrics.duration) ?? -1) >= 0);
    assert.deepEqual(fs.readdirSync(path.join(dirs.prometheus, "snapshots")), [], "the snapshot is removed after the run");
});

test("the S3 keys file is read, never executed", async () => {
    const keys = path.join(work, "s3-keys-hostile");
    const marker = path.join(work, "executed");
    fs.writeFileSync(keys, `touch ${marker}\nAWS_ACCESS_KEY_ID=$(touch ${marker})\nAWS_SECRET_ACCESS_KEY=k\n`, { mode: 0o400 });
    const r = await run(plan({ s3KeysFile: keys }));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.existsSync(marker), false);
    assert.match(r.calls[0], new RegExp(`AWS_ACCESS_KEY_ID=\\$\\(touch ${marker}\\) `), "the value is taken literally");
});

test("a failed run reports its exit code and keeps the time of the last success, so BackupStale counts from it", async () => {
    const ok = await run(plan());
    assert.equal(ok.status, 0, ok.stderr);
    const lastSuccess = ok.metrics.get(backupMetrics.lastSuccess);
    fs.writeFileSync(path.join(work, "fail-backup"), "");
    try {
        const failed = await run(plan());
        assert.notEqual(failed.status, 0);
        assert.match(failed.stderr, /restic backup failed/);
        assert.equal(failed.metrics.get(backupMetrics.exitCode), failed.status);
        assert.equal(failed.metrics.get(backupMetrics.lastSuccess), lastSuccess);
        assert.ok(!failed.calls.some((c) => c.startsWith("args=forget")), "no retention after a failed backup");
    } finally {
        fs.rmSync(path.join(work, "fail-backup"));
    }
});

test("without Prometheus' snapshot API the run fails before restic stores anything; a job that never succeeded counts from its deploy", async () => {
    fs.rmSync(dirs.textfile, { recursive: true, force: true });
    const deployScript = path.join(work, "deploy.sh");
    fs.writeFileSync(deployScript, initialBackupMetricsScript(dirs.textfile));
    const deployedAt = Math.floor(Date.now() / 1000);
    assert.equal((await bash(deployScript)).status, 0);
    const r = await run(plan({ prometheusUrl: "http://127.0.0.1:9/nothing" }));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Prometheus refused the snapshot \(is --web.enable-admin-api on\?\)/);
    assert.ok(!r.calls.some((c) => c.startsWith("args=backup")));
    const lastSuccess = r.metrics.get(backupMetrics.lastSuccess) ?? 0;
    assert.ok(lastSuccess >= deployedAt && lastSuccess <= deployedAt + 5, `the deploy time, not ${lastSuccess}`);
    assert.equal(r.metrics.get(backupMetrics.exitCode), 1);
    // Deploying again (a config change) keeps what the job reported.
    assert.equal((await bash(deployScript)).status, 0);
    assert.match(fs.readFileSync(path.join(dirs.textfile, backupMetricsFile), "utf8"), new RegExp(`^${backupMetrics.exitCode} 1$`, "m"));
});

test("an unreadable password file stops the run before restic is called", async () => {
    const r = await run(plan({ passwordFile: path.join(work, "missing-password") }));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read the repository password file/);
    assert.deepEqual(r.calls, []);
});
