// Backup → wipe → restore, for real: Debian's Prometheus (loopback, 1 s scrapes, admin API on)
// scrapes itself and a marker target; a sqlite file stands in for Grafana's database (there is no
// Grafana binary here: the job copies it with sqlite3's `.backup`, as on the host) and two files
// for Alertmanager's nflog and silences. The rendered backup script (render/backup.ts) stores
// them with restic in a local repository; then Prometheus is stopped and every byte of data
// wiped, the rendered restore script brings them back and restarts Prometheus, and the history
// is queried: the marker series written before the backup is back, and the only hole in
// Prometheus' own `up` series runs from the backup to the restart.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as http from "node:http";
import { after, test } from "node:test";
import { freePort, httpGet, httpOk } from "../../rehearsal/processes";
import { backupMetricsFile, type BackupPlan, renderBackupScript, renderRestoreScript } from "../../render/backup";
import { backupMetrics } from "../../model/dataSafety";
import { shellQuote } from "../../render/hostCommands";
import { toolAvailable } from "../externalTools";

const scrapeSeconds = 1;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-backup-"));
const pidFile = path.join(work, "prometheus.pid");

after(() => {
    stopPrometheus();
    fs.rmSync(work, { recursive: true, force: true });
});

function stopPrometheus(): void {
    spawnSync("bash", ["-c", `[ -f ${shellQuote(pidFile)} ] && kill "$(cat ${shellQuote(pidFile)})" 2>/dev/null; while kill -0 "$(cat ${shellQuote(pidFile)} 2>/dev/null)" 2>/dev/null; do sleep 0.1; done; true`]);
}

async function waitFor(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!(await check())) {
        if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

interface RangeSeries { metric: Record<string, string>; values: [number, string][] }

async function range(url: string, query: string, start: number, end: number): Promise<RangeSeries[]> {
    const q = new URLSearchParams({ query, start: String(start), end: String(end), step: `${scrapeSeconds}s` });
    const answer = await httpGet(`${url}/api/v1/query_range?${q.toString()}`);
    assert.equal(answer.status, 200, answer.body);
    return (JSON.parse(answer.body) as { data: { result: RangeSeries[] } }).data.result;
}

/** Raw sample timestamps of a series in a window (a range selector, not a step-aligned range query). */
async function sampleTimes(url: string, selector: string, windowSeconds: number, at: number): Promise<number[]> {
    const q = new URLSearchParams({ query: `${selector}[${windowSeconds}s]`, time: String(at) });
    const answer = await httpGet(`${url}/api/v1/query?${q.toString()}`);
    assert.equal(answer.status, 200, answer.body);
    const result = (JSON.parse(answer.body) as { data: { result: RangeSeries[] } }).data.result;
    assert.equal(result.length, 1, `${selector}: ${answer.body}`);
    return result[0].values.map(([t]) => t);
}

function bash(script: string, args: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
    const file = path.join(work, `script-${Date.now()}.sh`);
    fs.writeFileSync(file, script, { mode: 0o700 });
    const r = spawnSync("bash", [file, ...args], { encoding: "utf8", timeout: 180_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a backup restored onto wiped data brings the history back; the only gap is from the backup to the restart", async (t) => {
    for (const tool of ["prometheus", "restic", "sqlite3", "curl"]) if (!toolAvailable(t, tool)) return;
    const dirs = {
        prometheus: path.join(work, "data/prometheus"), grafana: path.join(work, "data/grafana"),
        alertmanager: path.join(work, "data/alertmanager"), textfile: path.join(work, "textfile"),
    };
    for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
    const passwordFile = path.join(work, "password");
    fs.writeFileSync(passwordFile, "rehearsal repository password\n", { mode: 0o400 });

    // A marker target that exists only before the backup.
    const markerPort = await freePort();
    const marker = http.createServer((_req, res) => res.end("backup_rehearsal_marker 42\n"));
    await new Promise<void>((resolve) => marker.listen(markerPort, "127.0.0.1", resolve));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = path.join(work, "prometheus.yml");
    fs.writeFileSync(config, [
        "global:", `  scrape_interval: ${scrapeSeconds}s`, `  scrape_timeout: ${scrapeSeconds}s`, "scrape_configs:",
        "  - job_name: prometheus", "    static_configs: [{ targets: ['127.0.0.1:" + port + "'] }]",
        "  - job_name: marker", "    static_configs: [{ targets: ['127.0.0.1:" + markerPort + "'] }]", "",
    ].join("\n"));
    // Started from bash by the same command the restore script uses, so the restore restarts it the same way.
    const start = `nohup prometheus --config.file=${shellQuote(config)} --storage.tsdb.path=${shellQuote(dirs.prometheus)} ` +
        `--web.listen-address=127.0.0.1:${port} --web.enable-admin-api > ${shellQuote(path.join(work, "prometheus.log"))} 2>&1 & echo $! > ${shellQuote(pidFile)}`;
    assert.equal(bash(start).status, 0);
    await waitFor("Prometheus", 30_000, () => httpOk(`${url}/-/ready`));

    // Grafana's database and Alertmanager's state.
    const grafanaDb = path.join(dirs.grafana, "grafana.db");
    const sql = spawnSync("sqlite3", [grafanaDb, "CREATE TABLE dashboard (uid TEXT, title TEXT); INSERT INTO dashboard VALUES ('rehearsal', 'Made before the backup');"], { encoding: "utf8" });
    assert.equal(sql.status, 0, sql.stderr);
    fs.writeFileSync(path.join(dirs.alertmanager, "nflog"), new Uint8Array([1, 2, 3, 4, 5]));
    fs.writeFileSync(path.join(dirs.alertmanager, "silences"), "silence state");

    const started = Date.now() / 1000;
    await waitFor("10 marker samples", 30_000, async () => (await range(url, "backup_rehearsal_marker", started, Date.now() / 1000))[0]?.values.length >= 10);
    await new Promise<void>((resolve) => marker.close(() => resolve()));

    const plan: BackupPlan = {
        stack: "rehearsal", repository: path.join(work, "repository"), passwordFile, prometheusUrl: url,
        prometheus: { dir: dirs.prometheus }, grafana: { dir: dirs.grafana }, alertmanager: { dir: dirs.alertmanager },
        workDir: path.join(work, "backup-work"), keep: { daily: 7, weekly: 4, monthly: 6 }, textfileDir: dirs.textfile,
    };
    const backupStarted = Date.now() / 1000;
    const backup = bash(renderBackupScript(plan));
    const backupEnded = Date.now() / 1000;
    assert.equal(backup.status, 0, `backup failed:\n${backup.stderr}`);
    const metrics = fs.readFileSync(path.join(dirs.textfile, backupMetricsFile), "utf8");
    assert.match(metrics, new RegExp(`^${backupMetrics.exitCode} 0$`, "m"));
    const lastSuccess = Number(new RegExp(`^${backupMetrics.lastSuccess} (\\d+)$`, "m").exec(metrics)?.[1]);
    assert.ok(lastSuccess >= Math.floor(backupStarted) && lastSuccess <= Math.ceil(backupEnded), `last success ${lastSuccess}`);
    assert.ok(!fs.existsSync(plan.workDir), "the job leaves no copies behind");
    assert.deepEqual(fs.readdirSync(path.join(dirs.prometheus, "snapshots")), [], "the job removes its Prometheus snapshot");

    // Samples scraped after the backup are what the restore must lose: let a few accumulate.
    await waitFor("samples after the backup", 30_000, async () =>
        (await sampleTimes(url, `up{job="prometheus"}`, 60, Date.now() / 1000)).filter((s) => s > backupEnded).length >= 3);

    // The loss: Prometheus stopped, every byte of data gone.
    stopPrometheus();
    const wiped = Date.now() / 1000;
    for (const d of [dirs.prometheus, dirs.grafana, dirs.alertmanager]) {
        fs.rmSync(d, { recursive: true, force: true });
        fs.mkdirSync(d);
    }

    const restore = bash(renderRestoreScript({
        ...plan, stop: `[ ! -f ${shellQuote(pidFile)} ] || kill "$(cat ${shellQuote(pidFile)})" 2>/dev/null || true`, start, deadlineSeconds: 60,
    }));
    assert.equal(restore.status, 0, `restore failed:\n${restore.stdout}\n${restore.stderr}`);
    t.diagnostic(`restore output:\n${restore.stdout}`);
    assert.match(restore.stdout, /history answers: count\(up\) at .* = 2/);
    const restarted = Date.now() / 1000;

    // The marker series, written only before the backup, is there again.
    const markerAfter = await range(url, "backup_rehearsal_marker", started, backupStarted);
    assert.ok(markerAfter.length === 1 && markerAfter[0].values.length >= 10, `marker after restore: ${JSON.stringify(markerAfter)}`);
    assert.ok(markerAfter[0].values.every(([, v]) => v === "42"));

    // Prometheus' own series: one-second spacing everywhere but one hole, from the backup to the restart.
    await waitFor("samples after the restart", 30_000, async () =>
        (await sampleTimes(url, `up{job="prometheus"}`, 600, Date.now() / 1000)).some((s) => s > restarted));
    const times = await sampleTimes(url, `up{job="prometheus"}`, Math.ceil(Date.now() / 1000 - started) + 5, Date.now() / 1000);
    const holes = times.slice(1).map((s, i) => ({ from: times[i], to: s })).filter((h) => h.to - h.from > 3 * scrapeSeconds);
    assert.equal(holes.length, 1, `expected one hole, found ${JSON.stringify(holes)}`);
    const [hole] = holes;
    assert.ok(hole.from >= backupStarted - 2 * scrapeSeconds && hole.from <= backupEnded, `the hole starts at the backup (${hole.from} vs ${backupStarted}-${backupEnded})`);
    assert.ok(hole.to >= wiped, `the hole ends after the wipe, at the restart (${hole.to} vs wipe ${wiped})`);
    assert.ok(times.filter((s) => s > backupEnded + scrapeSeconds && s < wiped).length === 0, "samples between backup and wipe are the ones lost");

    // Grafana's database and Alertmanager's state, byte for byte.
    const row = spawnSync("sqlite3", [grafanaDb, "SELECT title FROM dashboard WHERE uid = 'rehearsal';"], { encoding: "utf8" });
    assert.equal(row.stdout.trim(), "Made before the backup");
    assert.deepEqual([...fs.readFileSync(path.join(dirs.alertmanager, "nflog"))], [1, 2, 3, 4, 5]);
    assert.equal(fs.readFileSync(path.join(dirs.alertmanager, "silences"), "utf8"), "silence state");
});
