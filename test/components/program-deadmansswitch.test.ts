// The real index.ts for prod with deadMansSwitchUrl set and no probes, under runtime mocks: no
// nudge, and no blackbox exporter (program-probes.test.ts is the other side).
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { byType, runProgramWithWarnings, type ProgramRun } from "../harness";
import { stackRawConfig } from "../../config/stackFiles";

let warnings: readonly string[] = [];
let run: ProgramRun;

before(async () => {
    const receivers = (stackRawConfig("prod").receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken: "123456:TEST" }));
    ({ run, warnings } = await runProgramWithWarnings("prod", { receivers, deadMansSwitchUrl: "https://hc-ping.example/TEST" }, ["receivers", "deadMansSwitchUrl"]));
});

test("with deadMansSwitchUrl set, `pulumi up` prints no dead man's switch warning", () => {
    assert.ok(run.resources.length > 0, "the program ran");
    assert.deepEqual(warnings.filter((w) => w.includes("deadMansSwitchUrl")), []);
});

test("without probes there is no blackbox exporter: no component, container or swap", () => {
    assert.deepEqual(byType(run, "vps-monitoring:stack:BlackboxExporter"), []);
    assert.equal(run.resources.some((r) => r.name.includes("blackbox")), false);
});
