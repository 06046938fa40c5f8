// The Host component under Pulumi runtime mocks: which resources each mode registers, with
// which inputs and options, and what its outputs resolve to.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import type { HostConfig } from "../../model/stack";
import { sshDockerHost } from "../../render/hostCommands";

interface Registered {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    /** Set when the program asked to import an existing resource. */
    readonly importId?: string;
    /** The id the mock gave it. */
    readonly id: string;
}

const registered: Registered[] = [];
let nextHetznerId = 1000;
// Declared before the mocks below use them.

// Hetzner ids are numbers: give hcloud resources numeric ids so `id.apply(Number)` is checkable.
function mockId(type: string, name: string, importId?: string): string {
    if (importId) return importId;
    return type.startsWith("hcloud:") ? String(nextHetznerId++) : `${name}-id`;
}

function mockOutputs(type: string): Record<string, unknown> {
    if (type === "hcloud:index/server:Server") return { ipv4Address: "203.0.113.10", ipv6Address: "2001:db8::1" };
    if (type === "command:remote:Command") return { stdout: "27.5.1" };
    if (type === "tls:index/privateKey:PrivateKey") return { publicKeyOpenssh: `${generatedHostKey}\n`, privateKeyOpenssh: generatedPrivateHostKey };
    return {};
}

const generatedHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGeneratedHostKey";
const generatedPrivateHostKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-HOST-KEY\n-----END OPENSSH PRIVATE KEY-----\n";
const existingKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExistingHetznerKey ops@hetzner";

pulumi.runtime.setMocks({
    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const id = mockId(args.type, args.name, args.id);
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, importId: args.id || undefined, id });
        return { id, state: { ...args.inputs, ...mockOutputs(args.type) } };
    },
    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        if (args.token === "hcloud:index/getSshKey:getSshKey") {
            return { id: 42, name: args.inputs.name, publicKey: existingKey, labels: {} };
        }
        return args.inputs;
    },
}, "vps-monitoring", "test", false);

// Imported only after the mocks are set, so the modules see the mock runtime.
let hostModule: typeof import("../../components/host");
let loadProgramConfig: typeof import("../../config/program").loadProgramConfig;
before(async () => {
    hostModule = await import("../../components/host");
    ({ loadProgramConfig } = await import("../../config/program"));
});

const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests deploy@laptop";
const privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n";

/** Host configuration as the program reads it: Pulumi config set with setAllConfig. */
function hostConfig(values: Record<string, unknown>): HostConfig {
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        config[`vps-monitoring:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(config, values.sshPrivateKey ? ["vps-monitoring:sshPrivateKey"] : []);
    return loadProgramConfig().host;
}

/** The value inside a secret as the mock monitor receives it; fails when the input is not secret. */
function secretValue(input: unknown): unknown {
    const envelope = input as Record<string, unknown>;
    assert.equal(envelope?.[pulumi.runtime.specialSigKey], pulumi.runtime.specialSecretSig, "input is not a secret");
    return envelope.value;
}

function value<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

interface Deployed {
    readonly host: InstanceType<typeof hostModule.Host>;
    readonly resources: readonly Registered[];
    /** Resource options by resource name, seen through a transformation on the component. */
    readonly options: ReadonlyMap<string, pulumi.ResourceOptions>;
}

/** Registers a Host named `name` and waits until its readiness gate (registered last) resolves. */
async function deploy(name: string, values: Record<string, unknown>): Promise<Deployed> {
    const options = new Map<string, pulumi.ResourceOptions>();
    const record: pulumi.ResourceTransformation = (args) => {
        options.set(args.name, args.opts);
        return undefined;
    };
    const host = new hostModule.Host(name, { config: hostConfig(values), stack: "test" }, { transformations: [record] });
    await value(host.dockerHost);
    const resources = registered.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
    return { host, resources, options };
}

function only(d: Deployed, type: string): Registered {
    const found = d.resources.filter((r) => r.type === type);
    assert.equal(found.length, 1, `expected one ${type}, got ${found.map((r) => r.name).join(", ") || "none"}`);
    return found[0];
}

interface FirewallRule { direction: string; protocol: string; port?: string; sourceIps: string[] }

const cidrs = ["198.51.100.0/24", "2001:db8:1234::/48"];

test("hetzner: a new server behind a firewall that lets in only SSH and ICMP", async () => {
    const d = await deploy("new", { hostMode: "hetzner", sshPublicKey: publicKey, sshAllowedCidrs: cidrs, sshPort: 2222 });

    const rules = only(d, "hcloud:index/firewall:Firewall").inputs.rules as FirewallRule[];
    assert.equal(rules.length, 2, `unexpected rules ${JSON.stringify(rules)}`);
    const ssh = rules.find((r) => r.protocol === "tcp");
    const icmp = rules.find((r) => r.protocol === "icmp");
    assert.deepEqual(ssh && { direction: ssh.direction, port: ssh.port, sourceIps: ssh.sourceIps }, { direction: "in", port: "2222", sourceIps: cidrs });
    assert.deepEqual(icmp && { direction: icmp.direction, sourceIps: icmp.sourceIps }, { direction: "in", sourceIps: ["0.0.0.0/0", "::/0"] });

    const key = only(d, "hcloud:index/sshKey:SshKey");
    assert.equal(key.inputs.publicKey, publicKey);
    const server = only(d, "hcloud:index/server:Server");
    assert.equal(server.importId, undefined);
    assert.deepEqual(server.inputs.labels, { "managed-by": "pulumi", stack: "test" });
    assert.deepEqual(server.inputs.publicNets, [{ ipv4Enabled: true, ipv6Enabled: true }]);
    assert.equal(server.inputs.deleteProtection, true);
    assert.equal(server.inputs.rebuildProtection, true);
    assert.ok(Array.isArray(server.inputs.sshKeys) && server.inputs.sshKeys.length === 1);

    // User data carries the generated private host key: it must be a secret.
    assert.notEqual(secretValue(server.inputs.userData), server.inputs.userData, "userData is not secret");
    const userData = String(secretValue(server.inputs.userData));
    assert.ok(userData.startsWith("#cloud-config\n"));
    const cloudConfig = load(userData) as { users: { name: string; ssh_authorized_keys: string[] }[]; ssh_keys: Record<string, string>; ssh_genkeytypes: string[] };
    assert.equal(cloudConfig.users[0].name, "deploy");
    assert.deepEqual(cloudConfig.users[0].ssh_authorized_keys, [publicKey]);
    assert.deepEqual(cloudConfig.ssh_keys, { ed25519_private: generatedPrivateHostKey, ed25519_public: generatedHostKey });
    assert.deepEqual(cloudConfig.ssh_genkeytypes, ["ed25519"]);

    const serverOptions = d.options.get("new-server");
    // firewallIds too: a server created before it was set must not be updated (see the firewall tests).
    assert.deepEqual(serverOptions?.ignoreChanges, ["userData", "sshKeys", "image", "firewallIds"]);
    assert.equal(serverOptions?.protect, true);
});

test("hetzner: a new server is created with the firewall (firewallIds), so its first boot is already firewalled", async () => {
    const d = await deploy("fw", { hostMode: "hetzner", sshPublicKey: publicKey });
    const firewall = only(d, "hcloud:index/firewall:Firewall");
    const firewallId = Number(firewall.id);
    assert.ok(Number.isInteger(firewallId), `firewall id ${firewall.id}`);
    // A number, as the provider's schema wants (a string id would be refused).
    assert.deepEqual(only(d, "hcloud:index/server:Server").inputs.firewallIds, [firewallId]);
});

test("hetzner: the attachment that existing stacks already have is kept and can never detach a created server's firewall", async () => {
    const d = await deploy("att", { hostMode: "hetzner", sshPublicKey: publicKey });
    const attachment = only(d, "hcloud:index/firewallAttachment:FirewallAttachment");
    const firewallId = Number(only(d, "hcloud:index/firewall:Firewall").id);
    const serverId = Number(only(d, "hcloud:index/server:Server").id);
    assert.ok(Number.isInteger(firewallId) && Number.isInteger(serverId));
    assert.equal(attachment.inputs.firewallId, firewallId);
    assert.deepEqual(attachment.inputs.serverIds, [serverId]);
    // Same name as before firewallIds existed, so an existing stack sees no change; retained on
    // delete, so removing it (or destroying the stack) never detaches the firewall from the server.
    assert.equal(attachment.name, "att-firewall-attachment");
    assert.equal(d.options.get("att-firewall-attachment")?.retainOnDelete, true);
});

test("hetzner: an existing Hetzner key is looked up by name and given to the deploy user", async () => {
    const d = await deploy("named", { hostMode: "hetzner", hetznerSshKeyName: "ops" });
    assert.equal(d.resources.filter((r) => r.type === "hcloud:index/sshKey:SshKey").length, 0);
    const server = only(d, "hcloud:index/server:Server");
    assert.deepEqual(server.inputs.sshKeys, ["42"]);
    const cloudConfig = load(String(secretValue(server.inputs.userData))) as { users: { ssh_authorized_keys: string[] }[] };
    assert.deepEqual(cloudConfig.users[0].ssh_authorized_keys, [existingKey]);
});

test("hetzner: protect false leaves the server unprotected", async () => {
    const d = await deploy("unprotected", { hostMode: "hetzner", sshPublicKey: publicKey, protect: false });
    const server = only(d, "hcloud:index/server:Server");
    assert.equal(server.inputs.deleteProtection, false);
    assert.equal(server.inputs.rebuildProtection, false);
    assert.equal(d.options.get("unprotected-server")?.protect, false);
});

test("hetzner-existing: the server is imported by id, protected, never reshaped, and firewalled", async () => {
    const d = await deploy("adopted", { hostMode: "hetzner-existing", hetznerServerId: "4711", protect: false });
    const server = only(d, "hcloud:index/server:Server");
    assert.equal(server.importId, "4711");
    assert.equal(server.inputs.userData, undefined);
    assert.equal(server.inputs.sshKeys, undefined);
    const serverOptions = d.options.get("adopted-server");
    assert.equal(serverOptions?.protect, true, "an adopted server is always protected");
    for (const property of ["userData", "sshKeys", "image", "serverType", "location", "deleteProtection"]) {
        assert.ok(serverOptions?.ignoreChanges?.includes(property), `${property} is not ignored`);
    }
    assert.equal(d.resources.filter((r) => r.type === "hcloud:index/sshKey:SshKey").length, 0);
    only(d, "hcloud:index/firewall:Firewall");
    // Imported, so it cannot be created with firewallIds: the attachment alone applies the firewall,
    // and deleting it (un-adopting) detaches it, as it should.
    assert.equal(server.inputs.firewallIds, undefined);
    const attachment = only(d, "hcloud:index/firewallAttachment:FirewallAttachment");
    assert.deepEqual(attachment.inputs.serverIds, [4711]);
    assert.notEqual(d.options.get("adopted-firewall-attachment")?.retainOnDelete, true);
});

test("ssh: no Hetzner resource at all, and the address is sshHost", async () => {
    const d = await deploy("plain", { hostMode: "ssh", sshHost: "box.example.net" });
    const hetzner = d.resources.filter((r) => r.type.startsWith("hcloud:"));
    assert.deepEqual(hetzner.map((r) => r.type), []);
    assert.equal(await value(d.host.address), "box.example.net");
    assert.equal(await value(d.host.ipv4), "");
    assert.equal(await value(d.host.dockerHost), "ssh://deploy@box.example.net:22");
    const ready = only(d, "command:remote:Command");
    assert.match(String(ready.inputs.create), /command -v cloud-init/, "hosts without cloud-init skip the wait");
});

test("the readiness gate waits for cloud-init, checks Docker, and comes after server and firewall", async () => {
    const d = await deploy("gate", { hostMode: "hetzner", sshPublicKey: publicKey, dataVolume: false });
    const ready = only(d, "command:remote:Command");
    const create = String(ready.inputs.create);
    assert.match(create, /cloud-init status --wait/);
    assert.match(create, /-ne 2/, "exit 2 (recoverable errors) is accepted");
    assert.match(create, /docker info --format '\{\{\.ServerVersion\}\}'/);
    assert.doesNotMatch(create, /command -v cloud-init/, "a new server must have run cloud-init");
    const connection = secretValue(ready.inputs.connection) as Record<string, unknown>;
    assert.deepEqual({ host: connection.host, user: connection.user, port: connection.port }, { host: "203.0.113.10", user: "deploy", port: 22 });
    assert.equal(connection.privateKey, undefined, "without a private key the SSH agent is used");

    const dependsOn = await Promise.all(((d.options.get("gate-ready")?.dependsOn ?? []) as pulumi.Resource[])
        .map((r) => value(r.urn)));
    assert.ok(dependsOn.some((urn) => urn.endsWith("::gate-server")), `dependsOn ${dependsOn.join(", ")}`);
    assert.ok(dependsOn.some((urn) => urn.endsWith("::gate-firewall-attachment")), `dependsOn ${dependsOn.join(", ")}`);
});

test("outputs: addresses, the Docker endpoint after readiness, and a connection for remote commands", async () => {
    const d = await deploy("out", { hostMode: "hetzner", sshPublicKey: publicKey });
    assert.equal(await value(d.host.ipv4), "203.0.113.10");
    assert.equal(await value(d.host.ipv6), "2001:db8::1");
    assert.equal(await value(d.host.address), "203.0.113.10");
    assert.equal(await value(d.host.dockerHost), "ssh://deploy@203.0.113.10:22");
    assert.equal(await value(d.host.ready.stdout), "27.5.1");
    assert.equal(await pulumi.isSecret(d.host.connection), false);
});

test("an IPv6-only server is reached in brackets", async () => {
    assert.equal(sshDockerHost("deploy", "2001:db8::1", 2222), "ssh://deploy@[2001:db8::1]:2222");
});

test("a configured private key is a secret in the connection", async () => {
    const d = await deploy("keyed", { hostMode: "hetzner", sshPublicKey: publicKey, sshPrivateKey: privateKey, dataVolume: false });
    assert.equal(await pulumi.isSecret(d.host.connection), true);
    const key = d.host.connection.apply((c) => c.privateKey);
    assert.equal(await pulumi.isSecret(key), true);
    assert.equal(await value(key), privateKey);
    const sent = secretValue(only(d, "command:remote:Command").inputs.connection) as Record<string, unknown>;
    assert.equal(sent.privateKey, privateKey);
});

test("the Docker provider uses the gated endpoint and waits for the host", async () => {
    const d = await deploy("dock", { hostMode: "hetzner", sshPublicKey: publicKey });
    const provider = hostModule.createDockerProvider("dock-docker", d.host);
    await value(provider.urn);
    const registeredProvider = registered.find((r) => r.name === "dock-docker");
    assert.equal(registeredProvider?.type, "pulumi:providers:docker");
    assert.equal(registeredProvider?.inputs.host, "ssh://deploy@203.0.113.10:22");
    // The generated host key is the only one trusted: no trust on first use.
    assert.deepEqual(JSON.parse(String(registeredProvider?.inputs.sshOpts)), [
        "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null",
        "-o", `KnownHostsCommand=/bin/echo 203.0.113.10 ${generatedHostKey}`, "-o", "ServerAliveInterval=30"]);
});
