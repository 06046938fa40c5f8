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
