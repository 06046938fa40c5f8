// The real index.ts for prod with probes and without deadMansSwitchUrl, under runtime mocks: the
// blackbox exporter runs (loopback only, memory-limited, log-rotated, its modules swapped in like
// Prometheus' files), Prometheus scrapes the probes through it, and `pulumi up` nudges about the
// dead man's switch. program-deadmansswitch.test.ts is the other side: no probes, switch set.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { load } from "js-yaml";
import { byType, runProgramWithWarnings, type ProgramRun, type Registration } from "../harness";
import { stackRawConfig } from "../../config/stackFiles";
import { deadMansSwitchNudge } from "../../config/nudges";
import { blackboxExporterDefaults } from "../../model/services";
import { blackboxConfigFile } from "../../render/probes";

const probes = [
    { name: "shop", kind: "http", url: "https://shop.example.com/health", validStatusCodes: [200], bodyRegex: "ok" },
    { name: "db", kind: "tcp", target: "db.example.com:5432" },
];
let warnings: readonly string[] = [];
let run: ProgramRun;

before(async () => {
    const receivers = (stackRawConfig("prod").receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken: "123456:TEST" }));
    ({ run, warnings } = await runProgramWithWarnings("prod", { receivers, probes }, ["receivers"]));
});

const blackbox = (): Registration | undefined =>
    byType(run, "docker:index/container:Container").find((c) => c.inputs.name === "monitoring-prod-blackbox-exporter");

test("with probes, the blackbox exporter runs unpublished, as nobody, memory-limited and log-rotated", () => {
    const c = blackbox();
    assert.ok(c, "a blackbox exporter container");
    assert.deepEqual(c.inputs.ports ?? [], [], "no published port: Prometheus reaches it on the stack network");
    assert.equal(c.inputs.user, "65534");
    assert.equal(c.inputs.memory, blackboxExporterDefaults.memoryMb);
    const log = c.inputs.logOpts as Record<string, string>;
    assert.ok(log["max-size"] && log["max-file"], "log rotation");
    assert.deepEqual(c.inputs.command, ["--config.file=/etc/blackbox_exporter/current/blackbox.yml", "--web.listen-address=:9115"]);
});

test("its modules are staged and swapped in through the image's own --config.check before the container starts", () => {
    const staged = byType(run, "command:remote:Command").find((r) => r.name.endsWith(`-files-${blackboxConfigFile}`));
    assert.ok(staged, "blackbox.yml is staged");
    const modules = (load(String(staged.inputs.stdin)) as { modules: Record<string, { prober: string }> }).modules;
    assert.deepEqual(Object.entries(modules).map(([name, m]) => `${name}:${m.prober}`), ["shop:http", "db:tcp"]);
    const swap = byType(run, "command:remote:Command").find((r) => r.name === "monitoring-blackbox-exporter-swap");
    assert.ok(swap, "a swap step");
    assert.match(String(swap.inputs.create), /--entrypoint '\/bin\/blackbox_exporter' .*'--config\.check'/);
    assert.ok(blackbox()?.dependencies.includes(swap.urn), "the container waits for the first release");
});

test("Prometheus probes each target through the exporter, one job per kind, with the probe's name as label", () => {
    const staged = byType(run, "command:remote:Command").find((r) => r.name.endsWith("-files-prometheus/prometheus.yml"));
    assert.ok(staged);
    const jobs = (load(String(staged.inputs.stdin)) as { scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: Record<string, string> }[]; relabel_configs?: Record<string, unknown>[] }[] }).scrape_configs;
    const http = jobs.find((j) => j.job_name === "probe-http");
    assert.deepEqual(http?.static_configs, [{ targets: ["https://shop.example.com/health"], labels: { probe: "shop", __param_module: "shop" } }]);
    assert.deepEqual(http?.relabel_configs?.at(-1), { target_label: "__address__", replacement: "monitoring-prod-blackbox-exporter:9115" });
    assert.deepEqual(jobs.find((j) => j.job_name === "probe-tcp")?.static_configs.map((s) => s.targets), [["db.example.com:5432"]]);
});

test("without deadMansSwitchUrl, `pulumi up` warns what the switch is for and how to set it", () => {
    const nudges = warnings.filter((w) => w.includes("deadMansSwitchUrl"));
    assert.equal(nudges.length, 1, warnings.join("\n"));
    assert.ok(nudges[0].includes(deadMansSwitchNudge));
    assert.match(nudges[0], /pulumi config set --secret deadMansSwitchUrl/);
    assert.match(nudges[0], /nobody will notice when this monitoring stops/);
});
