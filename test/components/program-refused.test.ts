// "Before any resource": the real program (index.ts) under Pulumi runtime mocks, with a stack
// configuration that holds a typo'd key, a project key in the wrong namespace and a target label
// that would break TargetDown, registers no resource at all and fails with every problem named.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config/parse";
import { readProject, stackValues } from "../../config/stackFiles";
import { asPulumiConfig } from "../harness";

test("a bad stack configuration fails the program before it registers a single resource", async () => {
    const project = readProject().name;
    const registered: string[] = [];
    const runtime = pulumi.runtime as unknown as { setMocks: typeof pulumi.runtime.setMocks };
    await runtime.setMocks({
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        call: (args) => args.inputs,
    }, project, "prod", false);
    // Every registration, custom or component, goes through the monitor.
    const monitor = (pulumi.runtime as unknown as { getMonitor(): { registerResource(req: { getType(): string; getName(): string }, cb: unknown): Promise<void> } }).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = async (req, cb) => {
        registered.push(`${req.getType()} ${req.getName()}`);
        return register(req, cb);
    };
    const prod = stackValues(readProject(), "prod");
    pulumi.runtime.setAllConfig({
        ...asPulumiConfig(project, {
            ...prod,
            // The prod stack's secret, as `pulumi config set --secret` would add it: the only problems are ours.
            receivers: (prod.receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken: "1:TOKEN" })),
            retentoin: "30d",
            apps: [{ job: "ai-engine", targets: ["ai-engine:8001"], labels: { job: "trading" } }],
        }),
        "foo:grafanaPort": "3002",
        "hcloud:token": "provider settings pass",
    }, []);

    await assert.rejects(import("../../index"), (e: unknown) => {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
        assert.deepEqual(e.problems.map((p) => p.slice(0, p.indexOf(": "))).sort(),
            ["apps[0].labels.job", "foo:grafanaPort", `${project}:retentoin`].sort());
        assert.match(e.message, new RegExp(`${project}:retentoin: unknown key; did you mean ${project}:retentionTime or ${project}:retentionSize\\?`));
        assert.match(e.message, new RegExp(`foo:grafanaPort: nothing reads namespace foo; did you mean ${project}:grafanaPort\\?`));
        return true;
    });
    assert.deepEqual(registered, [], "no resource was registered");
});
