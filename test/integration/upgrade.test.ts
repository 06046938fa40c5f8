// The image upgrade script (render/upgrade.ts) run with bash against a stand-in container: a state
// file holds the image it runs, `replace` rewrites it, and the stand-in is healthy unless its image
// is one the test marks broken. Each way an upgrade can end is real: a refused pull, a checker
// that refuses the current configuration, a healthy new image, and one that is not healthy and
// is rolled back, with the data directory untouched throughout.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { renderUpgradeScript, type UpgradeSteps } from "../../render/upgrade";
import { shellQuote } from "../../render/hostCommands";
import { parseStackConfig } from "../../config/parse";
import { dockerUpgradeSteps } from "../../render/upgrade";
import { renderedSingle } from "../../render/services";
import { serviceSpecs } from "../../model/services";

interface Container { readonly dir: string; readonly image: string; readonly replaced: string; readonly data: string }

function standIn(t: { after(fn: () => void): void }, running: string | undefined): Container {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgrade-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const c = { dir, image: path.join(dir, "image"), replaced: path.join(dir, "replaced"), data: path.join(dir, "data") };
    if (running !== undefined) fs.writeFileSync(c.image, running);
    fs.writeFileSync(c.data, "history written by the old image\n");
    return c;
}

function steps(c: Container): UpgradeSteps {
    const image = shellQuote(c.image);
    return {
        current: `cat ${image} 2>/dev/null || true`,
        // Images named pull-fails/* are not in any registry.
        pull: `case "$image" in pull-fails/*) echo "manifest unknown" >&2; return 1 ;; esac`,
        runs: `[ "$image" = "$old" ]`,
        // The new version's checker refuses what the service runs now.
        check: `case "$image" in *refuses*) echo "FAILED: field scrape_classic_histograms not found" >&2; exit 1 ;; esac`,
        replace: `printf '%s' "$image" > ${image}; echo "$image" >> ${shellQuote(c.replaced)}`,
        healthy: `! grep -q broken ${image}`,
        logs: "echo 'stand-in: panic on start'",
    };
}

function upgrade(c: Container, to: string): { status: number | null; stderr: string } {
    const script = renderUpgradeScript({ service: "prometheus", image: to, deadlineSeconds: 2, steps: steps(c) });
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stderr: r.stderr };
}

const replaced = (c: Container) => (fs.existsSync(c.replaced) ? fs.readFileSync(c.replaced, "utf8").trim().split("\n") : []);
const runs = (c: Container) => fs.readFileSync(c.image, "utf8");

test("a healthy new image replaces the old one, and the upgrade says so", (t) => {
    const c = standIn(t, "prom/prometheus:v3.5.0");
    const r = upgrade(c, "prom/prometheus:v3.6.0");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(runs(c), "prom/prometheus:v3.6.0");
    assert.match(r.stderr, /upgraded from prom\/prometheus:v3.5.0 to prom\/prometheus:v3.6.0: healthy/);
    assert.equal(fs.readFileSync(c.data, "utf8"), "history written by the old image\n");
});

test("a new image that is not healthy in time is rolled back to the previous one, data intact, and the upgrade fails", (t) => {
    const c = standIn(t, "prom/prometheus:v3.5.0");
    const r = upgrade(c, "prom/prometheus:v3.6.0-broken");
    assert.equal(r.status, 1);
    assert.deepEqual(replaced(c), ["prom/prometheus:v3.6.0-broken", "prom/prometheus:v3.5.0"]);
    assert.equal(runs(c), "prom/prometheus:v3.5.0", "the previous image runs again");
    assert.match(r.stderr, /prom\/prometheus:v3.6.0-broken is not healthy within 2s:\nstand-in: panic on start\n/);
    assert.match(r.stderr, /rolled back: running the previous image prom\/prometheus:v3.5.0 again, with its data; this upgrade was not applied/);
    assert.equal(fs.readFileSync(c.data, "utf8"), "history written by the old image\n");
});

test("when the new image's checker refuses the running configuration, nothing is touched", (t) => {
    const c = standIn(t, "prom/prometheus:v3.5.0");
    const r = upgrade(c, "prom/prometheus:v4-refuses");
    assert.equal(r.status, 1);
    assert.deepEqual(replaced(c), []);
    assert.match(r.stderr, /the checker of prom\/prometheus:v4-refuses refuses the current configuration; nothing was changed, prom\/prometheus:v3.5.0 keeps running:\nFAILED: field scrape_classic_histograms not found/);
});

test("an image that cannot be pulled changes nothing", (t) => {
    const c = standIn(t, "prom/prometheus:v3.5.0");
    const r = upgrade(c, "pull-fails/prometheus:v9");
    assert.equal(r.status, 1);
    assert.deepEqual(replaced(c), []);
    assert.match(r.stderr, /cannot pull pull-fails\/prometheus:v9; nothing was changed/);
});

test("no container yet, or the same image already running: nothing to do", (t) => {
    const fresh = standIn(t, undefined);
    assert.equal(upgrade(fresh, "prom/prometheus:v3.6.0").status, 0);
    assert.deepEqual(replaced(fresh), []);
    const same = standIn(t, "prom/prometheus:v3.6.0");
    const r = upgrade(same, "prom/prometheus:v3.6.0");
    assert.equal(r.status, 0);
    assert.match(r.stderr, /already runs prom\/prometheus:v3.6.0/);
    assert.deepEqual(replaced(same), []);
});

test("on the host: the new image's own promtool checks the release Prometheus runs now, and the container is recreated as Pulumi creates it", () => {
    const m = parseStackConfig("prod", { hetznerSshKeyName: "deploy", prometheusImage: "prom/prometheus:v3.6.0", appNetworks: ["app"] }).monitoring;
    const s = dockerUpgradeSteps(m, renderedSingle(m, serviceSpecs.prometheus), `${m.configRoot}/prometheus`);
    assert.equal(s.check, `candidate=$(readlink -f '/opt/monitoring/prod/prometheus/current') && docker run --rm --network none --user 65534 --entrypoint 'promtool' -v "$candidate:/etc/prometheus/current:ro" "$image" 'check' 'config' '/etc/prometheus/current/prometheus.yml'`);
    assert.match(s.replace, /^docker rm -f 'monitoring-prod-prometheus'/);
    assert.match(s.replace, / -p '127\.0\.0\.1:9090:9090' /, "published on loopback only, as before");
    assert.match(s.replace, / -v '\/srv\/monitoring-data\/prometheus:\/prometheus' /, "the same data");
    assert.match(s.replace, / --network 'monitoring-prod' --network-alias 'prometheus' "\$image" '--config.file=/);
    assert.match(s.replace, /docker network connect 'app' 'monitoring-prod-prometheus' &&\ndocker start 'monitoring-prod-prometheus'/);
});

// The product's steps (dockerUpgradeSteps) run for real against a stand-in `docker` on PATH: it
// records every call, runs the image the state file names, and a container created from an image
// whose name says "broken" fails its healthcheck.
const fakeDocker = `#!/bin/bash
s=$FAKE_DOCKER_STATE
{ printf '%s\\x1f' "$@"; printf '\\n'; } >> "$s/calls"
case "$1" in
  inspect) cat "$s/running" 2>/dev/null ;;
  pull) exit 0 ;;
  image) printf 'sha256:%s\\n' "\${@: -1}" ;;
  run|rm|start|network) exit 0 ;;
  create) printf '%s\\n' "$@" > "$s/created" ;;
  exec) ! grep -q broken "$s/created" ;;
  logs) echo "fake docker: panic on start" ;;
  *) echo "fake docker: unexpected $1" >&2; exit 2 ;;
esac
`;

const prodWithApps = () => parseStackConfig("prod", { hetznerSshKeyName: "deploy", prometheusImage: "prom/prometheus:v3.6.0", appNetworks: ["app"] }).monitoring;

/** Runs the upgrade script with the product's steps; `running` is the image id the container runs now. */
function upgradeOnHost(t: { after(fn: () => void): void }, key: "prometheus" | "nodeExporter" | "grafana" | "alertmanager", to: string, running: string | undefined):
    { status: number | null; stderr: string; calls: string[][]; serviceDir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgrade-docker-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "docker"), fakeDocker, { mode: 0o755 });
    if (running !== undefined) fs.writeFileSync(path.join(dir, "running"), `${running}\n`);
    const serviceDir = path.join(dir, "service");
    fs.mkdirSync(path.join(serviceDir, "releases", "r1"), { recursive: true });
    fs.symlinkSync("releases/r1", path.join(serviceDir, "current"));
    const m = prodWithApps();
    const r = renderedSingle(m, serviceSpecs[key]);
    const script = renderUpgradeScript({ service: r.instance.names.container, image: to, deadlineSeconds: 2,
        steps: dockerUpgradeSteps(m, r, r.spec.configDir ? serviceDir : undefined) });
    const result = spawnSync("bash", ["-c", script], {
        encoding: "utf8", timeout: 30_000,
        env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? ""}`, FAKE_DOCKER_STATE: dir },
    });
    const calls = fs.existsSync(path.join(dir, "calls"))
        ? fs.readFileSync(path.join(dir, "calls"), "utf8").trimEnd().split("\n").map((l) => l.split("\x1f").slice(0, -1))
        : [];
    return { status: result.status, stderr: result.stderr, calls, serviceDir };
}

/** Health and log options every container of the stack gets, as components/service.ts sets them. */
const containerBasics = (name: string, memoryMb: number, healthcheck: string) => [
    "--name", name, "--restart", "unless-stopped", "--memory", `${memoryMb}m`, "--memory-swap", `${memoryMb}m`,
    "--log-driver", "json-file", "--log-opt", "max-size=10m", "--log-opt", "max-file=3",
    "--health-cmd", healthcheck, "--health-interval", "30s", "--health-timeout", "5s", "--health-retries", "3", "--health-start-period", "30s",
];

test("on the host: upgrading Prometheus pulls, checks the running release with the new promtool, recreates the container as Pulumi creates it, joins the app network and waits for its healthcheck", (t) => {
    const r = renderedSingle(prodWithApps(), serviceSpecs.prometheus);
    const u = upgradeOnHost(t, "prometheus", "prom/prometheus:v3.6.0", "sha256:prom/prometheus:v3.5.0");
    assert.equal(u.status, 0, u.stderr);
    assert.match(u.stderr, /monitoring-prod-prometheus: upgraded from sha256:prom\/prometheus:v3.5.0 to prom\/prometheus:v3.6.0: healthy/);
    const c = "monitoring-prod-prometheus";
    assert.deepEqual(u.calls, [
        ["inspect", "-f", "{{.Image}}", c],
        ["pull", "prom/prometheus:v3.6.0"],
        ["image", "inspect", "-f", "{{.Id}}", "prom/prometheus:v3.6.0"],
        ["run", "--rm", "--network", "none", "--user", "65534", "--entrypoint", "promtool", "-v", `${u.serviceDir}/releases/r1:/etc/prometheus/current:ro`,
            "prom/prometheus:v3.6.0", "check", "config", "/etc/prometheus/current/prometheus.yml"],
        ["rm", "-f", c],
        ["create", ...containerBasics(c, 512, "wget -q -O /dev/null http://127.0.0.1:9090/-/healthy"),
            "-p", "127.0.0.1:9090:9090",
            "-v", "/opt/monitoring/prod/prometheus:/etc/prometheus:ro",
            "-v", "/srv/monitoring-data/prometheus:/prometheus",
            "--add-host", "host.docker.internal:host-gateway",
            "--network", "monitoring-prod", "--network-alias", "prometheus",
            "prom/prometheus:v3.6.0", ...(r.command ?? [])],
        ["network", "connect", "app", c],
        ["start", c],
        ["exec", c, "sh", "-c", "wget -q -O /dev/null http://127.0.0.1:9090/-/healthy"],
    ]);
});

test("on the host: a node-exporter image that is not healthy is rolled back to the image id it ran, on the host's network and PID namespace, as its own user", (t) => {
    const u = upgradeOnHost(t, "nodeExporter", "prom/node-exporter:v9-broken", "sha256:prom/node-exporter:v1.8.0");
    assert.equal(u.status, 1);
    assert.match(u.stderr, /monitoring-prod-node-exporter: prom\/node-exporter:v9-broken is not healthy within 2s:\nfake docker: panic on start\n/);
    assert.match(u.stderr, /monitoring-prod-node-exporter: rolled back: running the previous image sha256:prom\/node-exporter:v1.8.0 again/);
    assert.ok(!u.calls.some((call) => call[0] === "run"), "node-exporter has no configuration to check");
    const r = renderedSingle(prodWithApps(), serviceSpecs.nodeExporter);
    const created = (image: string) => ["create", ...containerBasics("monitoring-prod-node-exporter", 64, r.healthcheck),
        "--user", "65534",
        "-v", "/proc:/host/proc:ro", "-v", "/sys:/host/sys:ro", "-v", "/:/host/root:ro",
        "--network", "host", "--pid", "host",
        image, ...(r.command ?? [])];
    assert.deepEqual(u.calls.filter((call) => call[0] === "create"), [created("prom/node-exporter:v9-broken"), created("sha256:prom/node-exporter:v1.8.0")]);
    assert.deepEqual(u.calls.filter((call) => call[0] === "start").length, 2);
});

test("on the host: Grafana is recreated with its environment and only the stack's network; a Grafana already on the image is left alone", (t) => {
    const m = prodWithApps();
    const r = renderedSingle(m, serviceSpecs.grafana);
    const u = upgradeOnHost(t, "grafana", "grafana/grafana:12.0.0", "sha256:grafana/grafana:11.0.0");
    assert.equal(u.status, 0, u.stderr);
    assert.ok(!u.calls.some((call) => call[0] === "run"), "Grafana has no offline checker");
    assert.deepEqual(u.calls.filter((call) => call[0] === "create"), [["create", ...containerBasics("monitoring-prod-grafana", 384, r.healthcheck),
        "-p", "127.0.0.1:3000:3000",
        "-v", "/opt/monitoring/prod/grafana:/etc/grafana-monitoring:ro",
        "-v", "/srv/monitoring-data/grafana:/var/lib/grafana",
        ...Object.entries(r.envs ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
        "--network", "monitoring-prod", "--network-alias", "grafana",
        "grafana/grafana:12.0.0"]]);
    assert.ok(r.envs?.GF_SECURITY_ADMIN_PASSWORD__FILE, "the environment carries the password file");
    assert.ok(!u.calls.some((call) => call[0] === "network"), "no app network for Grafana");
    const same = upgradeOnHost(t, "alertmanager", "prom/alertmanager:v0.28.0", "sha256:prom/alertmanager:v0.28.0");
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stderr, /monitoring-prod-alertmanager: already runs prom\/alertmanager:v0.28.0/);
    assert.ok(!same.calls.some((call) => call[0] === "create" || call[0] === "rm"));
});

test("on the host: a first deploy (no container yet) only says the service starts on the new image", (t) => {
    const u = upgradeOnHost(t, "prometheus", "prom/prometheus:v3.6.0", undefined);
    assert.equal(u.status, 0, u.stderr);
    assert.match(u.stderr, /no container yet: it starts on prom\/prometheus:v3.6.0/);
    assert.deepEqual(u.calls, [["inspect", "-f", "{{.Image}}", "monitoring-prod-prometheus"]]);
});

test("a service with a checker but no release directory to read has nothing to check", () => {
    const m = prodWithApps();
    assert.equal(dockerUpgradeSteps(m, renderedSingle(m, serviceSpecs.prometheus), undefined).check, "true");
});
