// Parsing the stack configuration: defaults, coercions, tuning; every problem reported at once.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../../config/parse";
import { projectDefaults, readProject } from "../../config/stackFiles";

const defaults = projectDefaults(readProject());
const valid = { ...defaults, sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@laptop" };

function problems(overrides: Record<string, unknown>): string {
    try {
        parseStackConfig("test", { ...valid, ...overrides });
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
        return e.message;
    }
    assert.fail(`config ${JSON.stringify(overrides)} was accepted`);
}

test("Pulumi.yaml defaults and the parser's own defaults describe the same stack", () => {
    const fromYaml = parseStackConfig("test", valid);
    const fromCode = parseStackConfig("test", { sshPublicKey: valid.sshPublicKey });
    assert.deepEqual(fromYaml, fromCode);
});

test("every Pulumi.yaml key is read by the parser (no dead config)", () => {
    for (const key of Object.keys(defaults)) {
        const message = problems({ [key]: { unexpected: "object" } });
        assert.match(message, new RegExp(`${key}`), `changing ${key} to nonsense went unnoticed`);
    }
});

// Each kind of refused input, with the key and fix its message names: test/config/config-refused.test.ts.

test("reports every problem at once", () => {
    const message = problems({ retentionTime: "7 days", grafanaPort: 9090, serverType: "cx22" });
    assert.match(message, /3 problems/);
});

test("a secret's value never appears in an error", () => {
    const message = problems({ receivers: [{ name: "hook", type: "webhook", url: "https://hooks.example/SECRET-TOKEN", severities: ["loud"] }] });
    assert.doesNotMatch(message, /SECRET-TOKEN/);
    assert.match(message, /receivers\[0\]\.severities: "loud"/);
});

test("structured values arrive as JSON strings from `pulumi config`", () => {
    const config = parseStackConfig("test", {
        ...valid,
        apps: JSON.stringify([{ job: "api", targets: ["api:8000"] }]),
        sshAllowedCidrs: JSON.stringify(["203.0.113.7/32"]),
        grafanaPort: "3001",
        ipv6: "false",
    });
    assert.deepEqual(config.monitoring.apps.map((a) => a.targets), [["api:8000"]]);
    assert.deepEqual(config.host.sshAllowedCidrs, ["203.0.113.7/32"]);
    assert.equal(config.monitoring.grafana.port, 3001);
    assert.equal(config.host.ipv6, false);
});

test("a disabled receiver needs no secret and is not deployed", () => {
    const config = parseStackConfig("test", { ...valid, receivers: [{ name: "tg", type: "telegram", enabled: false }] });
    assert.equal(config.monitoring.receivers.length, 0);
});

test("Pulumi.yaml declares every key in a form the Pulumi CLI accepts", () => {
    // The CLI validates project config against its schema: type is one of these, arrays name
    // their item type, and a default matches its type (objects cannot be typed at all).
    const declarations = readProject().config ?? {};
    for (const [key, decl] of Object.entries(declarations)) {
        assert.ok(typeof decl === "object" && decl !== null, `${key}: use the long form with type and default`);
        const d = decl as { type?: string; items?: { type?: string }; default?: unknown };
        assert.ok(["string", "integer", "boolean", "array"].includes(d.type ?? ""), `${key}: type ${d.type} is not one the CLI accepts`);
        if (d.type === "array") {
            assert.ok(d.items?.type, `${key}: an array needs items.type`);
            assert.ok(Array.isArray(d.default), `${key}: default must be a list`);
        } else if (d.type === "integer") assert.ok(Number.isInteger(d.default), `${key}: default must be a whole number`);
        else assert.equal(typeof d.default, d.type, `${key}: default must be a ${d.type}`);
    }
});

test("alert thresholds are tuned per stack and checked like every other key", () => {
    const tuned = parseStackConfig("test", { ...valid, alertThresholds: { memoryUsedPercent: 85 } });
    assert.equal(tuned.monitoring.alertThresholds.memoryUsedPercent, 85);
    assert.match(problems({ alertThresholds: { memoryUsedPercent: 900 } }), /alertThresholds\.memoryUsedPercent/);
    assert.match(problems({ alertThresholds: { noSuchThreshold: 1 } }), /alertThresholds\.noSuchThreshold/);
});

test("a tuned threshold reaches the rule Prometheus loads", async () => {
    const { renderRules } = await import("../../render/rules");
    const host = (raw: Record<string, unknown>) =>
        renderRules(parseStackConfig("test", { ...valid, ...raw }).monitoring).find((f) => f.path.endsWith("/host.yml"))?.content ?? "";
    assert.notEqual(host({ alertThresholds: { memoryUsedPercent: 85 } }), host({}));
    assert.match(host({ alertThresholds: { memoryUsedPercent: 85 } }), /> 85\b/);
});

test("the local stack needs no Hetzner settings and no SSH key", () => {
    const local = parseStackConfig("local", { hostMode: "local", serverType: "not-a-type", location: "nowhere" });
    assert.equal(local.host.mode, "local");
    assert.equal(local.monitoring.hostLabel, "localhost");
});

test("an app's own metric names and units feed the same recorded series (seed 001's Rust API)", async () => {
    const { renderRules } = await import("../../render/rules");
    const app = { job: "investiq-api", targets: ["api-server:3000"], requestsMetric: "investiq_requests_total", errorsMetric: "investiq_errors_total",
        durationMetric: "investiq_request_duration_milliseconds", durationUnit: "milliseconds" };
    const config = parseStackConfig("test", { ...valid, apps: [app] });
    const apps = renderRules(config.monitoring).find((f) => f.path.endsWith("/apps.yml"))?.content ?? "";
    assert.match(apps, /rate\(investiq_errors_total\{job="investiq-api"\}\[5m\]\)/);
    assert.match(apps, /histogram_quantile\(0\.95, sum by \(job, le\) \(rate\(investiq_request_duration_milliseconds_bucket\{job="investiq-api"\}\[5m\]\)\)\) \/ 1000/);
    assert.doesNotMatch(apps, /http_requests_total/);
    assert.match(problems({ apps: [{ ...app, durationUnit: "minutes" }] }), /apps\[0\]\.durationUnit: "minutes" must be seconds or milliseconds/);
    assert.match(problems({ apps: [{ ...app, requestsMetric: "bad-name" }] }), /apps\[0\]\.requestsMetric: "bad-name" is not a Prometheus metric name/);
});
