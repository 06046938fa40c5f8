// Pulumi.local.yaml under runtime mocks: the same stack on this machine's Docker, no cloud, no SSH.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { byType, ProgramRun, runProgram } from "../harness";

let run: ProgramRun;

before(async () => {
    run = await runProgram("local", {}, []);
});

test("the local stack creates no cloud resources and no SSH connections", () => {
    assert.deepEqual(run.resources.filter((r) => r.type.startsWith("hcloud:") || r.type === "command:remote:Command").map((r) => r.name), []);
    const provider = byType(run, "pulumi:providers:docker")[0];
    assert.equal(provider.inputs.host, undefined, "the Docker provider talks to this machine's engine");
    assert.ok(byType(run, "command:local:Command").some((c) => c.name === "host-ready"));
});

test("it deploys the same services, still only on 127.0.0.1", () => {
    const containers = byType(run, "docker:index/container:Container");
    assert.deepEqual(containers.map((c) => c.inputs.name).sort(), ["alertmanager", "grafana", "node-exporter", "prometheus"].map((n) => `monitoring-local-${n}`));
    for (const c of containers) {
        for (const p of (c.inputs.ports as Record<string, unknown>[] | undefined) ?? []) assert.equal(p.ip, "127.0.0.1");
    }
    const writes = byType(run, "command:local:Command").filter((c) => c.name.includes("-files-"));
    assert.ok(writes.some((w) => String(w.inputs.create).includes("/opt/vps-monitoring-local/staging/prometheus/prometheus.yml")));
});

test("its data volumes are not protected, and it prints URLs but no tunnel", () => {
    for (const v of byType(run, "docker:index/volume:Volume")) assert.equal(v.protect, false);
    assert.equal(run.outputs.tunnel, "");
    assert.equal(run.outputs.ssh, "");
    assert.deepEqual(run.outputs.urls, { grafana: "http://localhost:3001", prometheus: "http://localhost:9090", alertmanager: "http://localhost:9093" });
});
