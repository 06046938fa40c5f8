// Preview diffs that mean what they say: the same config gives identical resource inputs, and a
// changed image version touches only that service's image and container, never a volume.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import { promisify } from "util";
import * as path from "path";
import { Registration } from "../harness";
import { stackRawConfig } from "../../config/stackFiles";

const secrets = {
    receivers: (stackRawConfig("prod").receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken: "1:TOKEN" })),
    grafanaAdminPassword: "a-long-grafana-admin-password",
};

/** The program's registrations with these config overrides, run in a process of its own. */
async function dump(overrides: Record<string, unknown>): Promise<Map<string, Registration>> {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "dumpProgram.ts"), "prod", JSON.stringify({ ...secrets, ...overrides })],
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const registrations = JSON.parse(stdout) as Registration[];
    return new Map(registrations.map((r) => [`${r.type}::${r.name}`, r]));
}

/** Resources whose inputs or options differ between two runs. */
function changed(a: Map<string, Registration>, b: Map<string, Registration>): string[] {
    const keys = new Set([...a.keys(), ...b.keys()]);
    return [...keys].filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k))).sort();
}

// Every run is its own process; they are independent, so they run side by side.
let baseline: Map<string, Registration>;
let again: Map<string, Registration>;
let upgraded: Map<string, Registration>;
let slower: Map<string, Registration>;
before(async () => {
    [baseline, again, upgraded, slower] = await Promise.all([
        dump({}), dump({}), dump({ grafanaImage: "grafana/grafana:12.1.2" }), dump({ scrapeInterval: "30s" }),
    ]);
});

test("the same configuration registers identical resources with identical inputs", () => {
    assert.ok(baseline.size > 20);
    assert.deepEqual(changed(baseline, again), []);
});

test("a new Grafana image version changes only Grafana's upgrade step, image and container, never its data", () => {
    assert.deepEqual(changed(baseline, upgraded), [
        "command:remote:Command::monitoring-grafana-service-upgrade",
        "docker:index/container:Container::monitoring-grafana-service-container",
        "docker:index/remoteImage:RemoteImage::monitoring-grafana-service-image",
    ]);
});

test("a new scrape interval rewrites Prometheus' config file and swaps it in, without touching its container", () => {
    const diff = changed(baseline, slower);
    assert.ok(diff.includes("command:remote:Command::monitoring-prometheus-files-prometheus/prometheus.yml"), diff.join("\n"));
    assert.ok(diff.includes("command:remote:Command::monitoring-prometheus-swap"), diff.join("\n"));
    assert.ok(!diff.some((d) => d.startsWith("docker:index/container:Container::monitoring-prometheus")), diff.join("\n"));
    assert.ok(!diff.some((d) => d.startsWith("docker:index/volume:Volume")), diff.join("\n"));
});
