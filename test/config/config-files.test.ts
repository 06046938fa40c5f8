// Reading Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI does (npm run render and the
// tests have no CLI), and the type guards every parser uses.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { dashboardsDir, projectDefaults, projectDir, providerNamespaces, readProject, stackRawConfig, stackValues } from "../../config/stackFiles";
import { isRecord, records } from "../../model/typeGuards";

function withProject(files: Record<string, string>, run: (dir: string) => void): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
    try {
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
        run(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const project = [
    "name: mon",
    "config:",
    "  serverType: { type: string, default: cx23 }",
    "  ipv6: true",
    "  sshPort: { type: integer, default: 22 }",
    "  sshHost: { type: string }",
    "",
].join("\n");

test("Pulumi.yaml defaults come from the long form and from the short form; keys without a default are left out", () => {
    withProject({ "Pulumi.yaml": project }, (dir) => {
        assert.deepEqual(projectDefaults(readProject(dir)), { serverType: "cx23", ipv6: true, sshPort: 22 });
    });
    assert.deepEqual(projectDefaults({ name: "bare" }), {});
});

test("a stack file contributes only this project's keys, unprefixed, over the defaults; secure values stay objects", () => {
    const stackFile = [
        "config:",
        "  mon:serverType: cx33",
        "  mon:sshHost: 10.0.0.5",
        "  mon:grafanaAdminPassword: { secure: v1:abc }",
        "  other:serverType: ignored",
        "  hcloud:token: ignored",
        "",
    ].join("\n");
    withProject({ "Pulumi.yaml": project, "Pulumi.prod.yaml": stackFile, "Pulumi.empty.yaml": "config:\n" }, (dir) => {
        assert.deepEqual(stackValues(readProject(dir), "prod", dir), { serverType: "cx33", sshHost: "10.0.0.5", grafanaAdminPassword: { secure: "v1:abc" } });
        assert.deepEqual(stackRawConfig("prod", dir), { serverType: "cx33", ipv6: true, sshPort: 22, sshHost: "10.0.0.5", grafanaAdminPassword: { secure: "v1:abc" } });
        assert.deepEqual(stackRawConfig("empty", dir), { serverType: "cx23", ipv6: true, sshPort: 22 });
    });
});

test("a missing stack file is named, with the command that creates it", () => {
    withProject({ "Pulumi.yaml": project }, (dir) => {
        assert.throws(() => stackRawConfig("nope", dir), { message: "No stack file Pulumi.nope.yaml; create it with `npm run init -- nope` (README: Quick start)" });
    });
});

test("the dashboards folder is dashboards/ of this repository", () => {
    assert.equal(dashboardsDir, path.join(projectDir, "dashboards"));
    assert.ok(fs.existsSync(path.join(projectDir, "Pulumi.yaml")));
});

test("only plain mappings count as records: not null, lists or scalars", () => {
    assert.equal(isRecord({ a: 1 }), true);
    for (const v of [null, undefined, [1], "x", 1, true]) assert.equal(isRecord(v), false, String(v));
    assert.deepEqual(records([{ a: 1 }, null, [2], "x", { b: 2 }]), [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(records({ a: 1 }), []);
    assert.deepEqual(records(undefined), []);
});

test("a key declared with nothing (null) is a null default, not a crash", () => {
    assert.deepEqual(projectDefaults({ name: "mon", config: { sshHost: null as unknown as string, ipv6: true } }), { sshHost: null, ipv6: true });
});

test("provider namespaces: pulumi and each @pulumi/* or @pulumiverse/* dependency, never the policy SDK or a look-alike", () => {
    const manifest = (dependencies: Record<string, string>) => ({ "package.json": JSON.stringify({ dependencies }) });
    withProject(manifest({
        "@pulumi/hcloud": "1", "@pulumiverse/grafana": "1", "@pulumi/policy": "1", "@pulumi/docker_x": "1", "not-@pulumi/command": "1", "zod": "4",
    }), (dir) => {
        assert.deepEqual(providerNamespaces(dir), ["pulumi", "hcloud", "grafana"]);
    });
    withProject(manifest({ zod: "4" }), (dir) => assert.deepEqual(providerNamespaces(dir), ["pulumi"]));
});
