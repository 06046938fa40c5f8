// The rendered backup job (render/backup.ts) run with bash: a stand-in Prometheus on loopback
// answers the snapshot API as Prometheus does (it makes snapshots/<name>), and a stand-in `restic`
// first on PATH records its arguments and environment, so each run shows what reaches restic and
// what the job reports to node-exporter. The real restic and Prometheus run in
// test/rehearsal/rehearsal-backup.test.ts.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import {
    backupLayout, backupMetricsFile, type BackupPlan, disableBackupScript, enableBackupScript, initialBackupMetricsScript,
    renderBackupScript, renderRestoreScript, type RestorePlan, s3KeysFileText,
} from "../../render/backup";
import { backupMetrics } from "../../model/dataSafety";
import { freePort } from "../../rehearsal/processes";
import { prerequisiteMissing } from "../externalTools";

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
if [ "$1" = backup ]; then (cd ${work}/backup-work && find . -type f | sort) > ${work}/backed-up; fi
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

/**
 * Runs the script asynchronously (the stand-in Prometheus answers from this process), with `pathFirst`
 * (more stand-ins) before the shared ones on PATH.
 */
function bash(script: string, { args = [], pathFirst }: { args?: string[]; pathFirst?: string } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const PATH = [...(pathFirst === undefined ? [] : [pathFirst]), bin, process.env.PATH ?? ""].join(":");
        const child = spawn("bash", [script, ...args], { env: { PATH }, timeout: 30_000 });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (c: string) => { stdout += c; });
        child.stderr.setEncoding("utf8").on("data", (c: string) => { stderr += c; });
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

async function run(p: BackupPlan, pathFirst?: string): Promise<{ status: number | null; stderr: string; calls: string[]; metrics: Map<string, number> }> {
    // Each run starts from no snapshot and no restic calls, whatever a run before it left behind.
    fs.rmSync(calls, { force: true });
    fs.rmSync(path.join(dirs.prometheus, "snapshots"), { recursive: true, force: true });
    const script = path.join(work, "backup.sh");
    fs.writeFileSync(script, renderBackupScript(p));
    const r = await bash(script, { pathFirst });
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

test("a run hands restic the repository and Alertmanager's state files, and reports when it ran and how long it took", async () => {
    fs.writeFileSync(path.join(dirs.alertmanager, "nflog"), "n");
    fs.writeFileSync(path.join(dirs.alertmanager, "silences"), "s");
    const started = Math.floor(Date.now() / 1000);
    const r = await run(plan());
    const finished = Math.ceil(Date.now() / 1000);
    assert.equal(r.status, 0, r.stderr);
    for (const call of r.calls) assert.match(call, / RESTIC_REPOSITORY=s3:https:\/\/fsn1\.your-objectstorage\.com\/bucket\/prod /);
    const backedUp = fs.readFileSync(path.join(work, "backed-up"), "utf8").split("\n");
    assert.ok(backedUp.includes("./alertmanager/nflog") && backedUp.includes("./alertmanager/silences"), backedUp.join("\n"));
    // Every metric line is `name <integer>`: an empty value would read as 0 (1970) or be dropped by node-exporter.
    const text = fs.readFileSync(path.join(dirs.textfile, backupMetricsFile), "utf8");
    for (const name of [backupMetrics.lastSuccess, backupMetrics.lastRun, backupMetrics.duration, backupMetrics.exitCode]) {
        assert.match(text, new RegExp(`^${name} \\d+$`, "m"), `${name} in\n${text}`);
    }
    const lastRun = r.metrics.get(backupMetrics.lastRun) ?? 0;
    assert.ok(lastRun >= started && lastRun <= finished, `last run ${lastRun} between ${started} and ${finished}:\n${text}`);
    assert.ok((r.metrics.get(backupMetrics.duration) ?? -1) <= finished - started);
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

test("the metrics file tells node-exporter what each metric means", async () => {
    const r = await run(plan());
    assert.equal(r.status, 0, r.stderr);
    const lines = fs.readFileSync(path.join(dirs.textfile, backupMetricsFile), "utf8").split("\n");
    for (const [name, help] of [
        [backupMetrics.lastSuccess, "Unix time the last successful backup finished (until the first: when the job was deployed)."],
        [backupMetrics.lastRun, "Unix time the last backup run finished."],
        [backupMetrics.duration, "Seconds the last backup run took."],
        [backupMetrics.exitCode, "Exit code of the last backup run (0: success)."],
    ]) {
        assert.ok(lines.includes(`# HELP ${name} ${help}`), `HELP of ${name} in\n${lines.join("\n")}`);
        assert.ok(lines.includes(`# TYPE ${name} gauge`), `TYPE of ${name}`);
    }
});

/** A directory of stand-ins for one test, removed after it. */
function standIns(t: { after(fn: () => void): void }, files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-stand-ins-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o755 });
    return dir;
}

test("with the data in Docker volumes the job backs up where Docker keeps them; a missing volume fails the run and names it", async (t) => {
    const docker = standIns(t, {
        docker: `#!/bin/bash
case "$*" in
  "volume inspect -f {{.Mountpoint}} monitoring-prod-prometheus-data") echo ${dirs.prometheus} ;;
  "volume inspect -f {{.Mountpoint}} monitoring-prod-grafana-data") echo ${dirs.grafana} ;;
  "volume inspect -f {{.Mountpoint}} monitoring-prod-alertmanager-data") echo ${dirs.alertmanager} ;;
  *) echo "Error: No such volume" >&2; exit 1 ;;
esac
`,
    });
    const volumes = {
        prometheus: { dockerVolume: "monitoring-prod-prometheus-data" }, grafana: { dockerVolume: "monitoring-prod-grafana-data" },
        alertmanager: { dockerVolume: "monitoring-prod-alertmanager-data" },
    };
    const ok = await run(plan(volumes), docker);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.calls.find((c) => c.startsWith("args=backup")) ?? "", new RegExp(`^args=backup --host prod --tag vps-monitoring ${dirs.prometheus}/snapshots/vps-monitoring-backup `));

    const missing = await run(plan({ ...volumes, alertmanager: { dockerVolume: "monitoring-prod-gone-data" } }), docker);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^backup: no Docker volume monitoring-prod-gone-data$/m);
    assert.ok(!missing.calls.some((c) => c.startsWith("args=backup")), missing.calls.join("\n"));
});

test("the deploy leaves the metrics file readable by node-exporter even under root's strict umask", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-deploy-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const script = path.join(dir, "deploy.sh");
    fs.writeFileSync(script, `umask 077\n${initialBackupMetricsScript(path.join(dir, "textfile"))}\n`);
    const r = await bash(script);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.statSync(path.join(dir, "textfile")).mode & 0o777, 0o755);
    assert.equal(fs.statSync(path.join(dir, "textfile", backupMetricsFile)).mode & 0o777, 0o644);
});

// The enable and disable commands, as the component runs them (`sudo sh -c …`), with only stand-ins
// and the few real tools they need on PATH: whether restic, sqlite3 and curl are "installed" is up to the test.
function hostTools(t: { after(fn: () => void): void }, { toolsInstalled, aptFails, disableFails = false }: { toolsInstalled: boolean; aptFails?: "update" | "install"; disableFails?: boolean }) {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "backup-enable-log-")), "log");
    t.after(() => fs.rmSync(path.dirname(log), { recursive: true, force: true }));
    const present: Record<string, string> = toolsInstalled ? { restic: "#!/bin/sh\n", sqlite3: "#!/bin/sh\n", curl: "#!/bin/sh\n" } : {};
    const dir = standIns(t, {
        ...present,
        "apt-get": `#!/bin/sh\necho "apt-get $* (DEBIAN_FRONTEND=$DEBIAN_FRONTEND)" >> ${log}\n${aptFails ? `[ "$1" != ${aptFails} ] || exit 100` : ""}\n`,
        systemctl: `#!/bin/sh\necho "systemctl $*" >> ${log}\n${disableFails ? 'case "$1" in disable) exit 1 ;; esac' : ""}\n`,
    });
    for (const tool of ["install", "date", "chmod"]) fs.symlinkSync(`/usr/bin/${tool}`, path.join(dir, tool));
    const metricsDir = path.join(path.dirname(log), "textfile");
    const sh = (script: string) => spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { PATH: dir } });
    const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
    return { sh, calls, metricsDir };
}

const layout = backupLayout({ configRoot: "/opt/monitoring/prod", stack: "prod" });

test("enabling the job on a host without restic installs restic, sqlite3 and curl without questions, then loads the units and starts the timer", (t) => {
    const host = hostTools(t, { toolsInstalled: false });
    const r = host.sh(enableBackupScript(layout, host.metricsDir));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(host.calls(), [
        "apt-get update -q (DEBIAN_FRONTEND=noninteractive)",
        "apt-get install -y -q restic sqlite3 curl (DEBIAN_FRONTEND=noninteractive)",
        "systemctl daemon-reload",
        "systemctl enable --now vps-monitoring-backup-prod.timer",
    ]);
    assert.match(fs.readFileSync(path.join(host.metricsDir, backupMetricsFile), "utf8"), new RegExp(`^${backupMetrics.lastSuccess} \\d+$`, "m"), "BackupStale counts from the deploy");
});

test("enabling the job where the tools are installed installs nothing", (t) => {
    const host = hostTools(t, { toolsInstalled: true });
    const r = host.sh(enableBackupScript(layout, host.metricsDir));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(host.calls(), ["systemctl daemon-reload", "systemctl enable --now vps-monitoring-backup-prod.timer"]);
});

test("when the package lists cannot be updated or the tools cannot be installed, the deploy fails and the timer is not started", async (t) => {
    for (const step of ["update", "install"] as const) {
        await t.test(`apt-get ${step} fails`, (t) => {
            const host = hostTools(t, { toolsInstalled: false, aptFails: step });
            const r = host.sh(enableBackupScript(layout, host.metricsDir));
            assert.notEqual(r.status, 0);
            assert.ok(!host.calls().some((c) => c.startsWith("systemctl")), host.calls().join("\n"));
        });
    }
});

test("disabling the job stops its timer, also when the timer is already gone, and reloads systemd", (t) => {
    const host = hostTools(t, { toolsInstalled: true, disableFails: true });
    const r = host.sh(disableBackupScript(layout));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(host.calls(), ["systemctl disable --now vps-monitoring-backup-prod.timer", "systemctl daemon-reload"]);
});

// The restore script with a stand-in restic (its `restore` copies a prepared snapshot tree into the
// target) and a stand-in Prometheus that answers the check query. It chowns to the containers' users: root only.
const snapshotTime = "2026-11-29T10:00:00.123456789Z";

async function restoreSetUp(t: { after(fn: () => void): void }, { withPrometheusData }: { withPrometheusData: boolean }) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "restore-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const data = { prometheus: path.join(root, "data/prometheus"), grafana: path.join(root, "data/grafana"), alertmanager: path.join(root, "data/alertmanager") };
    const workDir = path.join(root, "backup-work");
    const log = path.join(root, "log");
    // What the services hold now.
    fs.mkdirSync(path.join(data.prometheus, "wal"), { recursive: true });
    fs.writeFileSync(path.join(data.prometheus, "wal", "00000001"), "scraped after the backup");
    fs.mkdirSync(data.grafana, { recursive: true });
    fs.writeFileSync(path.join(data.grafana, "grafana.db"), "current database");
    fs.writeFileSync(path.join(data.grafana, "grafana.db-wal"), "current database's log");
    fs.mkdirSync(data.alertmanager, { recursive: true });
    fs.writeFileSync(path.join(data.alertmanager, "nflog"), "current nflog");
    // What the snapshot holds, at the paths the backup stored.
    const snapshot = path.join(root, "snapshot");
    if (withPrometheusData) {
        fs.mkdirSync(path.join(snapshot, data.prometheus, "snapshots/vps-monitoring-backup/01BLOCK"), { recursive: true });
        fs.writeFileSync(path.join(snapshot, data.prometheus, "snapshots/vps-monitoring-backup/01BLOCK/meta.json"), "restored block");
    }
    fs.mkdirSync(path.join(snapshot, workDir, "grafana"), { recursive: true });
    fs.writeFileSync(path.join(snapshot, workDir, "grafana/grafana.db"), "restored database");
    fs.mkdirSync(path.join(snapshot, workDir, "alertmanager"), { recursive: true });
    fs.writeFileSync(path.join(snapshot, workDir, "alertmanager/nflog"), "restored nflog");
    fs.writeFileSync(path.join(snapshot, workDir, "alertmanager/silences"), "restored silences");
    const resticBin = standIns(t, {
        restic: `#!/bin/bash
echo "restic $*" >> ${log}
case "$1" in
  snapshots) [ "$7" = latest ] || exit 1; echo '[{"time":"${snapshotTime}","hostname":"prod","tags":["vps-monitoring"],"id":"c51849d2${"0".repeat(56)}","short_id":"c51849d2"}]' ;;
  restore) cp -a ${snapshot}/. "$4"/ ;;
esac
`,
    });
    // Prometheus answers count(up) once it is started, like the restored one.
    const queries: string[] = [];
    const prometheus = http.createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8").on("data", (c: string) => { body += c; }).on("end", () => {
            if (req.url !== "/api/v1/query") {
                res.statusCode = 404;
                res.end();
                return;
            }
            queries.push(body);
            res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1795946399, "3"] }] } }));
        });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => prometheus.listen(port, "127.0.0.1", resolve));
    t.after(() => prometheus.close());
    const passwordFile = path.join(root, "password");
    fs.writeFileSync(passwordFile, "pw\n", { mode: 0o400 });
    const restorePlan: RestorePlan = {
        stack: "prod", repository: "/srv/restic", passwordFile, prometheusUrl: `http://127.0.0.1:${port}`,
        prometheus: { dir: data.prometheus }, grafana: { dir: data.grafana }, alertmanager: { dir: data.alertmanager },
        workDir, stop: `echo stop >> ${log}`, start: `echo start >> ${log}`, deadlineSeconds: 3,
    };
    const script = path.join(root, "restore.sh");
    fs.writeFileSync(script, renderRestoreScript(restorePlan));
    const restore = (snapshotId: string) => bash(script, { args: [snapshotId], pathFirst: resticBin });
    const logLines = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
    return { data, restore, logLines, queries };
}

function asRoot(t: { skip(m?: string): void }): boolean {
    if (process.getuid?.() === 0) return true;
    prerequisiteMissing(t, "needs root: the restore gives the data to the containers' users");
    return false;
}

test("a restore replaces the services' data with the snapshot's while they are stopped, and checks that Prometheus answers for the time of the backup", async (t) => {
    if (!asRoot(t)) return;
    const env = await restoreSetUp(t, { withPrometheusData: true });
    const r = await env.restore("latest");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [
        `restore: snapshot c51849d2 taken ${snapshotTime}`,
        "restore: stopping the services",
        "restore: Grafana's database restored",
        "restore: Alertmanager's nflog restored",
        "restore: Alertmanager's silences restored",
        "restore: Prometheus blocks restored: 1",
        "restore: starting the services",
        "restore: history answers: count(up) at 2026-11-29T09:59:59Z = 3",
        "restore: restored snapshot c51849d2",
    ]);
    assert.deepEqual(env.logLines().filter((l) => !l.startsWith("restic restore")), [
        "restic snapshots --json --host prod --tag vps-monitoring latest", "stop", "start",
    ]);
    assert.match(env.logLines()[1], /^restic restore c51849d2 --target \S+$/);
    // The blocks are the whole of Prometheus' data: nothing scraped after the backup is left.
    assert.deepEqual(fs.readdirSync(env.data.prometheus), ["01BLOCK"]);
    assert.equal(fs.readFileSync(path.join(env.data.prometheus, "01BLOCK/meta.json"), "utf8"), "restored block");
    assert.equal(fs.statSync(path.join(env.data.prometheus, "01BLOCK/meta.json")).uid, 65534);
    assert.equal(fs.readFileSync(path.join(env.data.grafana, "grafana.db"), "utf8"), "restored database");
    assert.equal(fs.statSync(path.join(env.data.grafana, "grafana.db")).uid, 472);
    assert.equal(fs.existsSync(path.join(env.data.grafana, "grafana.db-wal")), false, "no log of the replaced database is replayed");
    for (const f of ["nflog", "silences"]) {
        assert.equal(fs.readFileSync(path.join(env.data.alertmanager, f), "utf8"), `restored ${f}`);
        assert.equal(fs.statSync(path.join(env.data.alertmanager, f)).uid, 65534);
    }
    assert.deepEqual(env.queries.map((q) => new URLSearchParams(q).get("time")), ["1795946399"], "one second before the snapshot");
    assert.equal(new URLSearchParams(env.queries[0]).get("query"), "count(up)");
});

test("a restore of a snapshot without Prometheus data, or of one not in the repository, changes nothing and says so", async (t) => {
    if (!asRoot(t)) return;
    const env = await restoreSetUp(t, { withPrometheusData: false });
    const empty = await env.restore("latest");
    assert.equal(empty.status, 1);
    assert.equal(empty.stderr, "restore: the snapshot holds no Prometheus data; nothing was changed\n");
    const missing = await env.restore("deadbeef");
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, "restore: no snapshot deadbeef in the repository\n");
    assert.ok(!env.logLines().includes("stop"), "the services were not stopped");
    assert.equal(fs.readFileSync(path.join(env.data.prometheus, "wal/00000001"), "utf8"), "scraped after the backup");
    assert.equal(fs.readFileSync(path.join(env.data.grafana, "grafana.db"), "utf8"), "current database");
});
