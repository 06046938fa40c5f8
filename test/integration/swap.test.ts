// The swap script (render/swap.ts) run for real: bash, Debian's promtool and amtool as
// the checkers, in a temporary directory. The service is a stand-in whose reload and health
// depend on the files it would read through `current`, so each way a change can fail is real:
// the checker refusing, the reload refusing, the health check failing.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { renderAlertmanager } from "../../render/alertmanager";
import { renderPrometheus } from "../../render/prometheus";
import { renderRules } from "../../render/rules";
import { alertmanagerSecrets, forDebianAlertmanager } from "../../rehearsal/skew";
import { containerPaths } from "../../model/catalog";
import { alertmanagerSteps, amtoolCheck, dockerAccess, grafanaSteps, prometheusSteps, releaseFiles, renderSwapScript, shellQuote, type ReleaseFile, type ServiceAccess, type SwapSteps } from "../../render/swap";
import { freePort, httpOk, launch, ready, terminate, type Managed } from "../../rehearsal/processes";
import { stackRawConfig } from "../../config/stackFiles";
import { toolAvailable } from "../externalTools";

const prod = parseStackConfig("prod", stackRawConfig("prod"), { withoutSecrets: true }).monitoring;
const uid = process.getuid?.() ?? 0;

/** A marker in a file that the stand-in service refuses to load (what a version skew would do). */
const refusedOnReload = "# stand-in: refused on reload";
/** A marker that loads but leaves the stand-in unhealthy. */
const unhealthy = "# stand-in: unhealthy";

interface Workspace {
    readonly root: string;
    readonly dir: string;
    readonly staging: string;
    readonly state: string;
}

function workspace(t: { after(fn: () => void): void }): Workspace {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "swap-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const ws = { root, dir: path.join(root, "prometheus"), staging: path.join(root, "staging", "prometheus"), state: path.join(root, "state") };
    fs.mkdirSync(ws.state);
    fs.writeFileSync(path.join(ws.state, "status"), "ok never-loaded\n");
    return ws;
}

/** A service that loads `mainFile` through current on reload, refusing or ailing on the markers. */
function standInSteps(ws: Workspace, mainFile: string, check: string): SwapSteps {
    const q = (p: string) => shellQuote(p);
    const status = q(path.join(ws.state, "status"));
    const current = q(path.join(ws.dir, "current", mainFile));
    return {
        check,
        running: "true",
        needsReload: "true",
        reload: `if grep -qF ${q(refusedOnReload)} ${current}; then sed -i 's/^ok /failed /' ${status}; ` +
            `else echo "ok $(date +%s%N)" > ${status}; readlink ${q(path.join(ws.dir, "current"))} >> ${q(path.join(ws.state, "loaded"))}; fi`,
        status: `cat ${status}`,
        healthy: `! grep -qF ${q(unhealthy)} ${current}`,
        logs: "echo 'stand-in log line'",
    };
}

function stage(ws: Workspace, files: Readonly<Record<string, string>>): ReleaseFile[] {
    fs.rmSync(ws.staging, { recursive: true, force: true });
    for (const [rel, content] of Object.entries(files)) {
        const file = path.join(ws.staging, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
    }
    return Object.keys(files).map((p) => ({ path: p, mode: "0444", owner: uid }));
}

function swap(ws: Workspace, files: ReleaseFile[], steps: SwapSteps): { status: number | null; stderr: string } {
    const script = renderSwapScript({ service: "prometheus", serviceDir: ws.dir, stagingDir: ws.staging, files, asRoot: false, deadlineSeconds: 3, steps });
    const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    return { status: result.status, stderr: result.stderr };
}

/** Runs a swap script without blocking the event loop (a real service answers HTTP meanwhile). */
async function swapAsync(ws: Workspace, files: ReleaseFile[], steps: SwapSteps): Promise<{ status: number | null; stderr: string }> {
    const script = renderSwapScript({ service: "prometheus", serviceDir: ws.dir, stagingDir: ws.staging, files, asRoot: false, deadlineSeconds: 10, steps });
    return new Promise((resolve) => {
        const child = spawn("bash", ["-c", script], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (c: string) => { stderr += c; });
        child.on("close", (status) => resolve({ status, stderr }));
    });
}

/** The product's access, rewritten for a local process as the rehearsal does it. */
function localAccess(p: Managed, port: number): ServiceAccess {
    const pid = p.child?.pid;
    return {
        running: pid === undefined ? "false" : `kill -0 ${pid}`, hangUp: `kill -HUP ${pid ?? 0}`, restart: "false", state: "false",
        get: (urlPath) => `wget -q -O - http://127.0.0.1:${port}${urlPath}`, logs: `tail -n 5 ${shellQuote(p.logFile)}`,
    };
}

const read = (file: string): string => fs.readFileSync(file, "utf8");
const current = (ws: Workspace, rel: string): string => read(path.join(ws.dir, "current", rel));
const loaded = (ws: Workspace): string[] => read(path.join(ws.state, "loaded")).trim().split("\n");

/** The prod stack's Prometheus files, with rule_files relative to prometheus.yml so promtool finds them in the candidate. */
function prometheusFiles(): Record<string, string> {
    const relocate = (text: string) => text.replaceAll(`${containerPaths.prometheusConfigDir}/`, "");
    const files: Record<string, string> = {};
    for (const f of [...renderPrometheus(prod), ...renderRules(prod)]) files[f.path.replace(/^prometheus\//, "")] = relocate(f.content);
    return files;
}

const promtoolOnCandidate = `promtool check config "$candidate/prometheus.yml"`;

test("swap: a good update becomes current, is reloaded, and the previous release is kept for rollback", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const ws = workspace(t);
    const good = prometheusFiles();
    const first = swap(ws, stage(ws, good), standInSteps(ws, "prometheus.yml", promtoolOnCandidate));
    assert.equal(first.status, 0, first.stderr);
    const changed = { ...good, "prometheus.yml": good["prometheus.yml"].replace("scrape_interval: 15s", "scrape_interval: 30s") };
    const second = swap(ws, stage(ws, changed), standInSteps(ws, "prometheus.yml", promtoolOnCandidate));
    assert.equal(second.status, 0, second.stderr);
    assert.match(current(ws, "prometheus.yml"), /scrape_interval: 30s/);
    assert.equal(loaded(ws).length, 2, "reloaded once per update");
    assert.equal(loaded(ws)[1], fs.readlinkSync(path.join(ws.dir, "current")), "the service loaded the new release");
    assert.match(read(path.join(ws.dir, "previous", "prometheus.yml")), /scrape_interval: 15s/);
    assert.deepEqual(fs.readdirSync(path.join(ws.dir, "releases")).length, 2, "older releases are pruned, current and previous stay");
});

test("swap: a change promtool refuses changes nothing and fails with promtool's own message", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const ws = workspace(t);
    const good = prometheusFiles();
    assert.equal(swap(ws, stage(ws, good), standInSteps(ws, "prometheus.yml", promtoolOnCandidate)).status, 0);
    const before = fs.readlinkSync(path.join(ws.dir, "current"));
    const bad = { ...good, "rules/broken.yml": "groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: up ==\n" };
    const result = swap(ws, stage(ws, bad), standInSteps(ws, "prometheus.yml", promtoolOnCandidate));
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /the checker refused the new files; nothing was changed/);
    assert.match(result.stderr, /broken\.yml/, "promtool names the file");
    assert.match(result.stderr, /parse error|unexpected end of input/, "promtool's own message");
    assert.equal(fs.readlinkSync(path.join(ws.dir, "current")), before, "current still names the last good release");
    assert.ok(!fs.existsSync(path.join(ws.dir, "current", "rules", "broken.yml")));
    assert.equal(loaded(ws).length, 1, "the service was not reloaded");
    assert.deepEqual(fs.readdirSync(path.join(ws.dir, "releases")), [before.replace("releases/", "")], "the refused candidate is discarded");
});

test("swap: amtool refusing an Alertmanager change changes nothing and fails with amtool's message", (t) => {
    if (!toolAvailable(t, "amtool")) return;
    const ws = workspace(t);
    const files = renderAlertmanager(prod);
    const main = files.find((f) => f.path === "alertmanager/alertmanager.yml");
    assert.ok(main);
    const good = { "alertmanager.yml": forDebianAlertmanager(main.content, alertmanagerSecrets(files)) };
    const amtool = `amtool check-config "$candidate/alertmanager.yml"`;
    assert.equal(swap(ws, stage(ws, good), standInSteps(ws, "alertmanager.yml", amtool)).status, 0);
    const bad = { "alertmanager.yml": good["alertmanager.yml"].replace(/receiver: critical/, "receiver: nobody-by-this-name") };
    assert.notEqual(bad["alertmanager.yml"], good["alertmanager.yml"]);
    const result = swap(ws, stage(ws, bad), standInSteps(ws, "alertmanager.yml", amtool));
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /undefined receiver "nobody-by-this-name"/, "amtool's own message");
    assert.equal(current(ws, "alertmanager.yml"), good["alertmanager.yml"]);
});

test("swap: a change the checker accepts but the service refuses on reload is rolled back and reloaded", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const ws = workspace(t);
    const good = prometheusFiles();
    assert.equal(swap(ws, stage(ws, good), standInSteps(ws, "prometheus.yml", promtoolOnCandidate)).status, 0);
    const goodRelease = fs.readlinkSync(path.join(ws.dir, "current"));
    const refused = { ...good, "prometheus.yml": `${good["prometheus.yml"]}${refusedOnReload}\n` };
    const result = swap(ws, stage(ws, refused), standInSteps(ws, "prometheus.yml", promtoolOnCandidate));
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /the service refused the new files \(failed /);
    assert.match(result.stderr, /stand-in log line/, "the service's log is shown");
    assert.match(result.stderr, /rolled back: running the previous release/);
    assert.equal(fs.readlinkSync(path.join(ws.dir, "current")), goodRelease, "a restart reads the last good release");
    assert.equal(current(ws, "prometheus.yml"), good["prometheus.yml"]);
    assert.equal(loaded(ws).at(-1), goodRelease, "the service was reloaded on the good release");
    assert.match(read(path.join(ws.state, "status")), /^ok /);
});

test("swap: a change whose health check fails within the deadline is rolled back", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const ws = workspace(t);
    const good = prometheusFiles();
    assert.equal(swap(ws, stage(ws, good), standInSteps(ws, "prometheus.yml", promtoolOnCandidate)).status, 0);
    const goodRelease = fs.readlinkSync(path.join(ws.dir, "current"));
    const ailing = { ...good, "prometheus.yml": `${good["prometheus.yml"]}${unhealthy}\n` };
    const started = Date.now();
    const result = swap(ws, stage(ws, ailing), standInSteps(ws, "prometheus.yml", promtoolOnCandidate));
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /not healthy within 3s of the reload/);
    assert.match(result.stderr, /rolled back/);
    assert.ok(Date.now() - started < 15_000, "the deadline bounds the wait");
    assert.equal(fs.readlinkSync(path.join(ws.dir, "current")), goodRelease);
    assert.equal(loaded(ws).at(-1), goodRelease);
});

test("swap: after a failed update a restart reads the last good files, with the staged bad ones never in reach", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const ws = workspace(t);
    const good = prometheusFiles();
    assert.equal(swap(ws, stage(ws, good), standInSteps(ws, "prometheus.yml", promtoolOnCandidate)).status, 0);
    const bad = { ...good, "prometheus.yml": good["prometheus.yml"].replace("global:", "global:\n  scrape_interval: fifteen") };
    assert.notEqual(swap(ws, stage(ws, bad), standInSteps(ws, "prometheus.yml", promtoolOnCandidate)).status, 0);
    // What a restarted Prometheus would read: --config.file through current, rules through its glob.
    const check = spawnSync("promtool", ["check", "config", path.join(ws.dir, "current", "prometheus.yml")], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(current(ws, "prometheus.yml"), good["prometheus.yml"]);
    assert.ok(!path.relative(ws.dir, ws.staging).split(path.sep).every((p) => p !== ".."), "staging is outside the directory the container mounts");
});

test("swap: a file the plan names but staging lacks fails before anything changes", (t) => {
    const ws = workspace(t);
    const files = stage(ws, { "prometheus.yml": "global: {}\n" });
    const result = swap(ws, [...files, { path: "rules/missing.yml", mode: "0444", owner: uid }], standInSteps(ws, "prometheus.yml", "true"));
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /the staged file .*rules\/missing\.yml is missing/);
    assert.ok(!fs.existsSync(path.join(ws.dir, "current")));
});

test("swap: release paths cannot leave the release directory", () => {
    assert.throws(() => renderSwapScript({
        service: "prometheus", serviceDir: "/x", stagingDir: "/y", files: [{ path: "../etc/passwd", mode: "0444", owner: 0 }],
        asRoot: false, deadlineSeconds: 1, steps: { check: "true", running: "true", needsReload: "true", reload: "true", status: "true", healthy: "true", logs: "true" },
    }), /leaves the release/);
});

/** A change the checker lets through (here: no checker) but the real service refuses on SIGHUP. */
async function refusedOnSighup(t: { after(fn: () => void): void }, binary: string, mainFile: string, good: string, args: (config: string, port: number, data: string) => string[],
    steps: (access: ServiceAccess) => SwapSteps): Promise<{ stderr: string; loadedAfter: string }> {
    const ws = workspace(t);
    const port = await freePort();
    const p: Managed = { name: binary, logFile: path.join(ws.root, `${binary}.log`) };
    t.after(() => { void terminate(p); });
    assert.equal((await swapAsync(ws, stage(ws, { [mainFile]: good }), steps(localAccess(p, port)))).status, 0, "first release installed");
    launch(p, binary, args(path.join(ws.dir, "current", mainFile), port, path.join(ws.root, "data")), ws.root);
    await ready(p, 15_000, () => httpOk(`http://127.0.0.1:${port}/-/ready`));
    const result = await swapAsync(ws, stage(ws, { [mainFile]: "global: [\n" }), steps(localAccess(p, port)));
    assert.notEqual(result.status, 0);
    const after = spawnSync("sh", ["-c", steps(localAccess(p, port)).status], { encoding: "utf8" }).stdout;
    assert.equal(current(ws, mainFile), good, "current is back at the good release");
    await terminate(p);
    return { stderr: result.stderr, loadedAfter: after };
}

test("swap against Debian's Prometheus 2.42: a file it refuses on SIGHUP is seen in runtimeinfo and rolled back", async (t) => {
    if (!toolAvailable(t, "prometheus")) return;
    const { stderr, loadedAfter } = await refusedOnSighup(t, "prometheus", "prometheus.yml", "global:\n  scrape_interval: 15s\n",
        (config, port, data) => [`--config.file=${config}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`],
        (access) => prometheusSteps(access, "true"));
    assert.match(stderr, /the service refused the new files \(failed /, "reloadConfigSuccess false was read from runtimeinfo");
    assert.match(stderr, /Error reloading config/, "Prometheus' own log line");
    assert.match(stderr, /rolled back: running the previous release/);
    assert.match(loadedAfter, /^ok /, "the rollback reload succeeded");
});

test("swap against Debian's Alertmanager 0.25: a file it refuses on SIGHUP is seen in its metrics and rolled back", async (t) => {
    if (!toolAvailable(t, "prometheus-alertmanager")) return;
    const { stderr, loadedAfter } = await refusedOnSighup(t, "prometheus-alertmanager", "alertmanager.yml", "route:\n  receiver: a\nreceivers:\n  - name: a\n",
        (config, port, data) => [`--config.file=${config}`, `--storage.path=${data}`, "--cluster.listen-address=", `--web.listen-address=127.0.0.1:${port}`],
        (access) => alertmanagerSteps(access, "true"));
    assert.match(stderr, /the service refused the new files \(failed /, "alertmanager_config_last_reload_successful 0 was read");
    assert.match(stderr, /Loading configuration file failed/, "Alertmanager's own log line");
    assert.match(stderr, /rolled back/);
    assert.match(loadedAfter, /^ok /);
});

test("swap for Grafana: a dashboard change restarts it (and waits for /api/health); a password file change alone restarts nothing", (t) => {
    const ws = workspace(t);
    const q = (p: string) => shellQuote(path.join(ws.state, p));
    fs.writeFileSync(path.join(ws.state, "started"), "0\n");
    // A stand-in container: restart records itself and a new start time; health reads the database state.
    const access: ServiceAccess = {
        running: "true", hangUp: "false", logs: "true",
        restart: `echo restart >> ${q("restarts")}; date +%s%N > ${q("started")}`,
        state: `echo "running $(cat ${q("started")})"`,
        get: (urlPath) => urlPath === "/api/health" ? `printf '{\\n  "database": "ok"\\n}\\n'` : "false",
    };
    const restarts = () => fs.existsSync(path.join(ws.state, "restarts")) ? read(path.join(ws.state, "restarts")).trim().split("\n").length : 0;
    const files = (dashboard: string, password: string) => ({ "provisioning/datasources/datasources.yml": "apiVersion: 1\n", "dashboards/Hosts/hosts.json": dashboard, "secrets/admin_password": password });
    assert.equal(swap(ws, stage(ws, files("{}", "one")), grafanaSteps(access)).status, 0);
    assert.equal(restarts(), 1, "the first release is loaded by a restart");
    const password = swap(ws, stage(ws, files("{}", "two")), grafanaSteps(access));
    assert.equal(password.status, 0, password.stderr);
    assert.equal(restarts(), 1, "the password reset applies a new password; no restart");
    assert.equal(current(ws, "secrets/admin_password"), "two");
    const dashboard = swap(ws, stage(ws, files('{"uid":"hosts"}', "two")), grafanaSteps(access));
    assert.equal(dashboard.status, 0, dashboard.stderr);
    assert.equal(restarts(), 2, "a dashboard change restarts Grafana");
});

const noSteps: SwapSteps = { check: "true", running: "true", needsReload: "true", reload: "true", status: "true", healthy: "true", logs: "true" };

test("swap: a release needs at least one file, and an absolute path is refused like one with ..", () => {
    const plan = { service: "prometheus", serviceDir: "/x", stagingDir: "/y", asRoot: false, deadlineSeconds: 1, steps: noSteps };
    assert.throws(() => renderSwapScript({ ...plan, files: [] }), /^Error: prometheus: a release needs at least one file$/);
    assert.throws(() => renderSwapScript({ ...plan, files: [{ path: "/etc/passwd", mode: "0444", owner: 0 }] }), /prometheus: release path \/etc\/passwd leaves the release/);
});

test("swap: a service's release files are its rendered files relative to its host directory, secrets 0400, with their owner; a file elsewhere is refused", () => {
    assert.deepEqual(releaseFiles([
        { path: "prometheus/prometheus.yml", secret: false, owner: 65534 },
        { path: "prometheus/secrets/remote_write_password", secret: true, owner: 65534 },
    ], "prometheus"), [
        { path: "prometheus.yml", mode: "0444", owner: 65534 },
        { path: "secrets/remote_write_password", mode: "0400", owner: 65534 },
    ]);
    assert.throws(() => releaseFiles([{ path: "prometheus-old/prometheus.yml", secret: false, owner: 0 }], "prometheus"),
        /^Error: prometheus-old\/prometheus\.yml is not below prometheus\/$/);
    assert.throws(() => releaseFiles([{ path: "grafana/prometheus", secret: false, owner: 0 }], "prometheus"), /is not below prometheus\//);
});

test("swap as a non-root deploy user: every file operation on the service directory goes through sudo", (t) => {
    const ws = workspace(t);
    const bin = path.join(ws.root, "bin");
    fs.mkdirSync(bin);
    const sudoLog = path.join(ws.root, "sudo.log");
    fs.writeFileSync(path.join(bin, "sudo"), `#!/bin/sh\necho "$1" >> ${shellQuote(sudoLog)}\nexec "$@"\n`, { mode: 0o755 });
    const files = stage(ws, { "prometheus.yml": "global: {}\n" });
    const script = renderSwapScript({ service: "prometheus", serviceDir: ws.dir, stagingDir: ws.staging, files, asRoot: true, deadlineSeconds: 3,
        steps: standInSteps(ws, "prometheus.yml", "true") });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };
    for (let i = 0; i < 2; i++) {
        const result = spawnSync("bash", ["-c", script], { encoding: "utf8", env });
        assert.equal(result.status, 0, result.stderr);
    }
    assert.equal(current(ws, "prometheus.yml"), "global: {}\n");
    const used = read(sudoLog).trim().split("\n");
    assert.deepEqual([...new Set(used)].sort(), ["install", "ln", "mv"], "release directories, files, and both links");
});

/** Runs one access command with a stand-in `docker` that records its arguments and answers `inspect` with `running`. */
function withFakeDocker(t: { after(fn: () => void): void }, command: string, running = "true"): { status: number | null; stdout: string; calls: string[][] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swap-docker-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const calls = path.join(dir, "calls");
    fs.writeFileSync(path.join(dir, "docker"), `#!/bin/bash\n{ printf '%s\\x1f' "$@"; printf '\\n'; } >> ${shellQuote(calls)}\n` +
        `case "$1" in inspect) echo ${shellQuote(running)} ;; exec) echo body ;; logs) echo log line ;; esac\n`, { mode: 0o755 });
    const r = spawnSync("bash", ["-c", command], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}`, candidate: "/tmp/candidate" } });
    const recorded = fs.existsSync(calls) ? read(calls).trimEnd().split("\n").map((l) => l.split("\x1f").slice(0, -1)) : [];
    return { status: r.status, stdout: r.stdout, calls: recorded };
}

test("swap in a container: each step is one docker command on the service's container, the status read inside it", (t) => {
    const access = dockerAccess("monitoring-prod-prometheus", 9090);
    const c = "monitoring-prod-prometheus";
    const up = withFakeDocker(t, access.running, "true");
    assert.equal(up.status, 0, "running when Docker says so");
    assert.deepEqual(up.calls, [["inspect", "-f", "{{.State.Running}}", c]]);
    assert.equal(withFakeDocker(t, access.running, "false").status, 1, "not running when Docker says false");
    assert.deepEqual(withFakeDocker(t, access.hangUp).calls, [["kill", "--signal", "HUP", c]]);
    assert.deepEqual(withFakeDocker(t, access.restart).calls, [["restart", c]]);
    const get = withFakeDocker(t, access.get("/api/v1/status/runtimeinfo"));
    assert.deepEqual(get.calls, [["exec", c, "wget", "-q", "-O", "-", "http://127.0.0.1:9090/api/v1/status/runtimeinfo"]]);
    assert.equal(get.stdout, "body\n");
    assert.deepEqual(withFakeDocker(t, access.state).calls, [["inspect", "-f", "{{if .State.Running}}running{{else}}stopped{{end}} {{.State.StartedAt}}", c]]);
    const logs = withFakeDocker(t, access.logs);
    assert.deepEqual(logs.calls, [["logs", "--tail", "15", c]]);
    assert.equal(logs.stdout, "log line\n");
});

test("swap: Prometheus and Alertmanager count as healthy when their /-/healthy answers", (t) => {
    const prometheus = withFakeDocker(t, prometheusSteps(dockerAccess("p", 9090), "true").healthy);
    assert.deepEqual(prometheus.calls, [["exec", "p", "wget", "-q", "-O", "-", "http://127.0.0.1:9090/-/healthy"]]);
    const alertmanager = withFakeDocker(t, alertmanagerSteps(dockerAccess("a", 9093), "true").healthy);
    assert.deepEqual(alertmanager.calls, [["exec", "a", "wget", "-q", "-O", "-", "http://127.0.0.1:9093/-/healthy"]]);
});

test("swap: Alertmanager's check is the pinned image's amtool on the candidate, without network, as nobody", (t) => {
    const check = withFakeDocker(t, amtoolCheck("prom/alertmanager:v0.28.1", "/etc/alertmanager/current"));
    assert.deepEqual(check.calls, [["run", "--rm", "--network", "none", "--user", "65534", "--entrypoint", "amtool", "-v", "/tmp/candidate:/etc/alertmanager/current:ro",
        "prom/alertmanager:v0.28.1", "check-config", "/etc/alertmanager/current/alertmanager.yml"]]);
});
