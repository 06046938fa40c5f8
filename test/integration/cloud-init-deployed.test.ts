// The user data a new server really gets: for every committed stack that creates a server and for
// a representative custom config, the Host component (as index.ts builds it) runs under Pulumi
// mocks; its user data must pass Debian's `cloud-init schema` and equal what `npm run render`
// writes, except the values that exist only at deploy time, which render shows as placeholders.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { type HostConfig } from "../../model/stack";
import { renderPlaceholders, type DeployTimeHostValues } from "../../render/cloudInit";
import { projectDir, stackRawConfig } from "../../config/stackFiles";
import { toolAvailable } from "../externalTools";
import { volumeDevicePath } from "../../render/dataVolume";

const serverType = "hcloud:index/server:Server";
/** What the mocked Hetzner API and tls provider return: the deploy-time values. */
const hetznerKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHetznerDeployKey ops@hetzner";
const generatedHostKey = {
    privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nGENERATED-HOST-KEY\n-----END OPENSSH PRIVATE KEY-----\n",
    publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGeneratedHostKey",
};

const userData = new Map<string, unknown>();
pulumi.runtime.setMocks({
    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        if (args.type === serverType) userData.set(args.name, args.inputs.userData);
        const outputs: Record<string, unknown> = args.type === "tls:index/privateKey:PrivateKey"
            ? { privateKeyOpenssh: generatedHostKey.privateKey, publicKeyOpenssh: `${generatedHostKey.publicKey}\n` }
            : args.type === serverType ? { ipv4Address: "203.0.113.10", ipv6Address: "" } : {};
        return { id: args.type.startsWith("hcloud:") ? "1001" : `${args.name}-id`, state: { ...args.inputs, ...outputs } };
    },
    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        if (args.token === "hcloud:index/getSshKey:getSshKey") return { id: 42, name: args.inputs.name, publicKey: hetznerKey, labels: {} };
        return args.inputs;
    },
}, "vps-monitoring", "test", false);

let hostModule: typeof import("../../components/host");
let renderStack: typeof import("../../scripts/render").renderStack;
let cloudInitRenderPath: string;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-init-deployed-"));

/** A stack that is in no committed file: custom user and port, a key given inline. */
const representativeStack = "representative";
const representativeDir = path.join(work, "project");
fs.mkdirSync(representativeDir);
fs.copyFileSync(path.join(projectDir, "Pulumi.yaml"), path.join(representativeDir, "Pulumi.yaml"));
fs.writeFileSync(path.join(representativeDir, `Pulumi.${representativeStack}.yaml`), [
    "config:",
    "  vps-monitoring:hostMode: hetzner",
    "  vps-monitoring:sshUser: ops",
    "  vps-monitoring:sshPort: 2222",
    "  vps-monitoring:sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIInlineKeyForTests me@laptop",
    "  vps-monitoring:protect: false",
    "",
].join("\n"));

/** Committed stacks (Pulumi.<stack>.yaml) whose host mode creates a server. */
const committed = fs.readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .filter((s) => hostOf(s, projectDir).mode === "hetzner");
const stacks: readonly { stack: string; dir: string }[] = [
    ...committed.map((stack) => ({ stack, dir: projectDir })),
    { stack: representativeStack, dir: representativeDir },
];

function hostOf(stack: string, dir: string): HostConfig {
    return parseStackConfig(stack, stackRawConfig(stack, dir), { withoutSecrets: true }).host;
}

before(async () => {
    hostModule = await import("../../components/host");
    ({ renderStack, cloudInitRenderPath } = await import("../../scripts/render"));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

const deployments = new Map<string, Promise<string>>();

/** The user data the Host component gives a new server for `stack`, unwrapped from its secret (one Host per stack). */
function deployedUserData(stack: string, dir: string): Promise<string> {
    const known = deployments.get(stack);
    if (known) return known;
    const deployment = deploy(stack, dir);
    deployments.set(stack, deployment);
    return deployment;
}

async function deploy(stack: string, dir: string): Promise<string> {
    const host = new hostModule.Host(stack, { config: hostOf(stack, dir), stack });
    await new Promise((resolve) => host.dockerHost.apply(resolve));
    const sent = userData.get(`${stack}-server`) as Record<string, unknown> | undefined;
    assert.equal(sent?.[pulumi.runtime.specialSigKey], pulumi.runtime.specialSecretSig, "user data must be a secret");
    return String(sent?.value);
}

/** Replaces every string that is a placeholder by its deploy-time value, anywhere in the document. */
function substitute(document: unknown, replacements: ReadonlyMap<string, string>): unknown {
    if (typeof document === "string") return replacements.get(document) ?? document;
    if (Array.isArray(document)) return document.map((d) => substitute(d, replacements));
    if (document && typeof document === "object") {
        return Object.fromEntries(Object.entries(document).map(([k, v]) => [k, substitute(v, replacements)]));
    }
    return document;
}

test("prod and staging are among the stacks checked (every committed stack that creates a server)", () => {
    assert.ok(committed.includes("prod") && committed.includes("staging"), `found ${committed.join(", ")}`);
});

for (const { stack, dir } of stacks) {
    test(`${stack}: the deployed user data passes Debian's cloud-init schema`, async (t) => {
        const text = await deployedUserData(stack, dir);
        if (!toolAvailable(t, "cloud-init")) return;
        const file = path.join(work, `${stack}-user-data.yml`);
        fs.writeFileSync(file, text, { mode: 0o600 });
        const result = spawnSync("cloud-init", ["schema", "-c", file], { encoding: "utf8" });
        assert.equal(result.status, 0, `cloud-init schema rejected ${stack}'s user data:\n${result.stdout}\n${result.stderr}`);
        assert.match(result.stdout, /Valid cloud-config/);
    });

    test(`${stack}: npm run render shows the deployed user data, with placeholders only for the deploy-time values`, async () => {
        const host = hostOf(stack, dir);
        const deployed = await deployedUserData(stack, dir);
        const out = path.join(work, `${stack}-rendered`);
        renderStack(stack, out, dir);
        const rendered = fs.readFileSync(path.join(out, cloudInitRenderPath), "utf8");

        // Exactly these differ: the host key pair (generated, secret) and, when the stack names its
        // deploy key only by its Hetzner name, that key (Hetzner returns it at deploy).
        const placeholders = renderPlaceholders(host);
        const values: DeployTimeHostValues = { sshPublicKey: host.sshPublicKey ?? hetznerKey, hostKey: generatedHostKey };
        const replacements = new Map<string, string>([
            [placeholders.hostKey.privateKey, values.hostKey.privateKey],
            [placeholders.hostKey.publicKey, values.hostKey.publicKey],
            [placeholders.sshPublicKey, values.sshPublicKey],
            // The data volume's device carries its id (the mock's 1001), which Hetzner assigns at deploy.
            ...(host.dataVolume ? [[placeholders.dataVolumeDevice ?? "", volumeDevicePath("1001")] as [string, string]] : []),
        ]);
        assert.ok(!rendered.includes("PRIVATE KEY"), "render must not show a private key");
        for (const [placeholder, value] of replacements) {
            if (placeholder === value) continue; // an inline sshPublicKey is shown as it is
            assert.ok(rendered.includes(placeholder), `render does not show ${placeholder}`);
            assert.ok(!deployed.includes(placeholder), `the deployed user data still holds ${placeholder}`);
        }
        assert.equal(rendered.split("\n")[0], "#cloud-config");
        assert.equal(deployed.split("\n")[0], "#cloud-config");
        assert.deepEqual(load(deployed), substitute(load(rendered), replacements));
    });
}
