// The CrossGuard guardrails (policy/policies.ts): each policy on hand-built passing and violating
// resources, then every policy on every resource the real program registers for Pulumi.prod.yaml.
// policy/index.ts is never imported: constructing a PolicyPack starts the analyzer server.
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import {
    containersLimitMemoryAndRotateLogs, containersPublishOnLoopbackOnly, firewallInboundSshAndIcmpOnly,
    grafanaNoAnonymousOrSignUp, imagePinProblem, imagesPinned, policies, prodDataProtected, serversFirewalledFromFirstBoot, stackOfUrn,
    agentsListenOnPrivateAddressesOnly, listenAddresses,
} from "../../policy/policies";
import { ProgramRun, Registration, runProgram } from "../harness";
import { assertPasses, assertViolates, resourceArgs, types, validate } from "../policyArgs";
import { stackRawConfig } from "../../config/stackFiles";

/** A container as components/service.ts builds it. */
function goodContainer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "prometheus", image: "sha256:0123abcd", memory: 512, memorySwap: 512,
        logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "3" },
        ports: [{ internal: 9090, external: 9090, ip: "127.0.0.1", protocol: "tcp" }],
        ...overrides,
    };
}

const grafanaEnvs = [
    "GF_SECURITY_ADMIN_USER=admin", "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana/admin_password",
    "GF_AUTH_ANONYMOUS_ENABLED=false", "GF_USERS_ALLOW_SIGN_UP=false",
];

test("every policy is mandatory, uniquely named and described", () => {
    assert.equal(policies.length, 8);
    assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
    for (const p of policies) {
        assert.equal(p.enforcementLevel, "mandatory", p.name);
        assert.match(p.name, /^[a-z0-9-]+$/);
        assert.ok(p.description.length > 20, p.name);
    }
});

describe("containers publish on loopback only", () => {
    const policy = containersPublishOnLoopbackOnly;
    test("127.0.0.1, ::1 and no published port pass", async () => {
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer()));
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer({ ports: [{ internal: 80, external: 8080, ip: "::1" }] })));
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer({ ports: [] })));
    });
    test("a port without ip (0.0.0.0) or on a public address is a violation", async () => {
        await assertViolates(policy, resourceArgs(types.container, "monitoring-grafana-container",
            goodContainer({ ports: [{ internal: 3000, external: 3001 }] })), [/3001/, /binds 0\.0\.0\.0/, /set ports\[\]\.ip to "127\.0\.0\.1"/]);
        await assertViolates(policy, resourceArgs(types.container, "web",
            goodContainer({ ports: [{ internal: 80, external: 80, ip: "0.0.0.0" }, { internal: 443, external: 443, ip: "203.0.113.10" }] })),
        [/ip "0\.0\.0\.0"/, /ip "203\.0\.113\.10"/, /127\.0\.0\.1/], 2);
    });
    test("publishAllPorts is a violation", async () => {
        await assertViolates(policy, resourceArgs(types.container, "web", goodContainer({ ports: [], publishAllPorts: true })),
            [/publishAllPorts/, /remove publishAllPorts/]);
    });
    test("other resource types are not its business", async () => {
        assert.equal((await validate(policy, resourceArgs(types.volume, "v", { name: "v" }))).applicable, false);
    });
});

describe("firewall lets in only SSH and ICMP", () => {
    const policy = firewallInboundSshAndIcmpOnly;
    const ssh = { direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0", "::/0"] };
    const icmp = { direction: "in", protocol: "icmp", sourceIps: ["0.0.0.0/0", "::/0"] };
    test("SSH on one port plus ICMP passes; outbound rules are not restricted", async () => {
        await assertPasses(policy, resourceArgs(types.firewall, "host-firewall", { rules: [ssh, icmp] }));
        await assertPasses(policy, resourceArgs(types.firewall, "host-firewall",
            { rules: [{ ...ssh, port: "2222" }, icmp, { direction: "out", protocol: "udp", port: "any", destinationIps: ["0.0.0.0/0"] }] }));
    });
    test("another protocol, a port range or a second TCP port is a violation", async () => {
        await assertViolates(policy, resourceArgs(types.firewall, "host-firewall", { rules: [ssh, icmp, { direction: "in", protocol: "udp", port: "53" }] }),
            [/inbound rule udp 53/, /remove the rule/]);
        await assertViolates(policy, resourceArgs(types.firewall, "host-firewall", { rules: [{ ...ssh, port: "1-65535" }] }),
            [/1-65535/, /not a single port/, /open only the SSH port/]);
        await assertViolates(policy, resourceArgs(types.firewall, "host-firewall", { rules: [ssh, { ...ssh, port: "3000" }, icmp] }),
            [/tcp ports 22, 3000/, /only the SSH port may be open/]);
    });
});

describe("images are pinned", () => {
    const policy = imagesPinned;
    test("the reference parser", () => {
        for (const ok of ["prom/prometheus:v3.5.0", "grafana/grafana:12.1.1", "registry.example:5000/team/app:1.2",
            `prom/prometheus@sha256:${"a".repeat(64)}`, `prom/prometheus:v3.5.0@sha256:${"b".repeat(64)}`, "sha256:0123"]) {
            assert.equal(imagePinProblem(ok), undefined, ok);
        }
        assert.match(imagePinProblem("prom/prometheus") ?? "", /no tag/);
        assert.match(imagePinProblem("registry.example:5000/prom/prometheus") ?? "", /no tag/);
        assert.match(imagePinProblem("grafana/grafana:latest") ?? "", /latest/);
        assert.match(imagePinProblem("grafana/grafana@sha256:0") ?? "", /digest/);
    });
    test("a pinned RemoteImage, and a Container running an image id, pass", async () => {
        await assertPasses(policy, resourceArgs(types.image, "monitoring-prometheus-image", { name: "prom/prometheus:v3.5.0", keepLocally: true }));
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer()));
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer({ image: "prom/prometheus:v3.5.0" })));
    });
    test("latest or no tag is a violation, on RemoteImage names and Container references", async () => {
        await assertViolates(policy, resourceArgs(types.image, "monitoring-grafana-image", { name: "grafana/grafana:latest" }),
            [/grafana\/grafana:latest/, /pin an exact version tag/, /digest/]);
        await assertViolates(policy, resourceArgs(types.container, "app", goodContainer({ image: "redis" })),
            [/"redis"/, /no tag/, /pin an exact version tag/]);
    });
    test("an image id not yet known at preview is not a violation", async () => {
        // The analyzer's props proxy throws when an unknown value is read; a getter stands in for it.
        const props = goodContainer();
        Object.defineProperty(props, "image", { get: () => { throw new Error("string value at .image can't be known during preview"); } });
        await assertPasses(policy, resourceArgs(types.container, "c", props));
        await assertPasses(grafanaNoAnonymousOrSignUp, resourceArgs(types.container, "c", props));
    });
});

describe("containers limit memory and rotate logs", () => {
    const policy = containersLimitMemoryAndRotateLogs;
    test("memory, json-file and max-size pass", async () => {
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer()));
    });
    test("no memory limit is a violation", async () => {
        await assertViolates(policy, resourceArgs(types.container, "monitoring-prometheus-container", goodContainer({ memory: undefined })),
            [/no memory limit/, /set memory/]);
        await assertViolates(policy, resourceArgs(types.container, "c", goodContainer({ memory: 0 })), [/set memory/]);
    });
    test("another log driver or no max-size is a violation", async () => {
        await assertViolates(policy, resourceArgs(types.container, "c", goodContainer({ logDriver: undefined, logOpts: undefined })),
            [/daemon default/, /set logDriver "json-file"/, /logOpts\["max-size"\]/], 2);
        await assertViolates(policy, resourceArgs(types.container, "c", goodContainer({ logOpts: { "max-file": "3" } })),
            [/does not rotate/, /max-size/]);
    });
});

describe("Grafana has no anonymous access, sign-up or plaintext password", () => {
    const policy = grafanaNoAnonymousOrSignUp;
    test("the environment of grafanaEnvironment passes; non-Grafana containers are ignored", async () => {
        await assertPasses(policy, resourceArgs(types.container, "monitoring-grafana-container", goodContainer({ name: "grafana", envs: grafanaEnvs })));
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer({ envs: ["GF_AUTH_ANONYMOUS_ENABLED=true"] })));
    });
    test("anonymous access or sign-up left on is a violation (found by name or by image)", async () => {
        await assertViolates(policy, resourceArgs(types.container, "monitoring-grafana-container",
            goodContainer({ name: "grafana", envs: grafanaEnvs.map((e) => e.replace("GF_AUTH_ANONYMOUS_ENABLED=false", "GF_AUTH_ANONYMOUS_ENABLED=true")) })),
        [/anonymous access/, /GF_AUTH_ANONYMOUS_ENABLED=true/, /set GF_AUTH_ANONYMOUS_ENABLED=false/]);
        await assertViolates(policy, resourceArgs(types.container, "dashboards",
            goodContainer({ name: "dashboards", image: "grafana/grafana-oss:12.1.1", envs: [] })),
        [/GF_AUTH_ANONYMOUS_ENABLED=unset/, /set GF_USERS_ALLOW_SIGN_UP=false/], 2);
    });
    test("a plaintext admin password is a violation", async () => {
        await assertViolates(policy, resourceArgs(types.container, "monitoring-grafana-container",
            goodContainer({ name: "grafana", envs: [...grafanaEnvs, "GF_SECURITY_ADMIN_PASSWORD=hunter2"] })),
        [/GF_SECURITY_ADMIN_PASSWORD in its environment/, /GF_SECURITY_ADMIN_PASSWORD__FILE/]);
    });
});

describe("prod data is protected", () => {
    const policy = prodDataProtected;
    test("the stack comes from the URN", () => {
        assert.equal(stackOfUrn("urn:pulumi:prod::vps-monitoring::docker:index/volume:Volume::v"), "prod");
        assert.equal(stackOfUrn("not a urn"), undefined);
    });
    test("protected volumes and servers pass in prod", async () => {
        await assertPasses(policy, resourceArgs(types.volume, "monitoring-prometheus-data", { name: "monitoring-prometheus-data" }, { protect: true }));
        await assertPasses(policy, resourceArgs(types.server, "host-server", { serverType: "cx23", deleteProtection: true }, { protect: true }));
        // An adopted server leaves deleteProtection unset.
        await assertPasses(policy, resourceArgs(types.server, "host-server", { serverType: "cx23" }, { protect: true }));
    });
    test("an unprotected volume or server in prod is a violation", async () => {
        await assertViolates(policy, resourceArgs(types.volume, "monitoring-grafana-data", { name: "monitoring-grafana-data" }),
            [/Volume "monitoring-grafana-data" is not protected/, /protect: true/]);
        await assertViolates(policy, resourceArgs(types.server, "host-server", { deleteProtection: false }),
            [/not protected/, /protect: true/, /set deleteProtection/], 2);
    });
    test("other stacks and other types are not its business", async () => {
        assert.equal((await validate(policy, resourceArgs(types.volume, "v", { name: "v" }, {}, "staging"))).applicable, false);
        assert.equal((await validate(policy, resourceArgs(types.container, "c", goodContainer(), {}))).applicable, false);
    });
});

describe("a created server is firewalled from its first boot", () => {
    const policy = serversFirewalledFromFirstBoot;
    const created = { serverType: "cx23", image: "ubuntu-24.04" };
    test("a created server with firewallIds passes", async () => {
        await assertPasses(policy, resourceArgs(types.server, "host-server", { ...created, firewallIds: [1001] }));
    });
    test("a created server without firewallIds, or with none, is a violation", async () => {
        await assertViolates(policy, resourceArgs(types.server, "host-server", created), [/without firewallIds/, /set firewallIds/]);
        await assertViolates(policy, resourceArgs(types.server, "host-server", { ...created, firewallIds: [] }), [/boots before any firewall/]);
    });
    test("an adopted server (no image) and other types are not its business", async () => {
        assert.equal((await validate(policy, resourceArgs(types.server, "host-server", { serverType: "cx23" }))).applicable, false);
        assert.equal((await validate(policy, resourceArgs(types.firewall, "host-firewall", { rules: [] }))).applicable, false);
    });
});

describe("agents listen on private addresses only", () => {
    const policy = agentsListenOnPrivateAddressesOnly;
    const agent = (command: string[], overrides: Record<string, unknown> = {}) =>
        goodContainer({ name: "monitoring-fleet-node-exporter", ports: [], networkMode: "host", command, ...overrides });
    test("the listen address parser takes =, two words, one dash and IPv6 brackets", () => {
        assert.deepEqual(listenAddresses(["--web.listen-address=10.92.3.27:9100", "--web.listen-address", ":9121", "-web.listen-address=[fd00::5]:9121", "--path.procfs=/host/proc"]),
            ["10.92.3.27", "", "fd00::5"]);
    });
    test("host-network agents on private or loopback addresses pass, as do loopback ports", async () => {
        await assertPasses(policy, resourceArgs(types.container, "fleet-bot-primary-node-exporter-container", agent(["--web.listen-address=10.92.3.27:9100"])));
        await assertPasses(policy, resourceArgs(types.container, "c", agent(["--web.listen-address=100.101.1.2:9121", "--web.listen-address=[fd12:3456::1]:9100"])));
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer()));
        await assertPasses(policy, resourceArgs(types.container, "c", goodContainer({ ports: [{ internal: 9100, external: 9100, ip: "192.168.1.4" }] })));
    });
    test("a host-network agent on every interface, a public address or without a listen address is refused", async () => {
        await assertViolates(policy, resourceArgs(types.container, "fleet-bot-primary-node-exporter-container", agent(["--web.listen-address=:9100"])),
            [/every interface/, /hosts\[\]\.address/]);
        await assertViolates(policy, resourceArgs(types.container, "c", agent(["--web.listen-address=0.0.0.0:9100"])), [/0\.0\.0\.0, every interface/]);
        await assertViolates(policy, resourceArgs(types.container, "c", agent(["--web.listen-address=[::]:9100"])), [/::, every interface/]);
        await assertViolates(policy, resourceArgs(types.container, "c", agent(["--web.listen-address=203.0.113.27:9100"])), [/203\.0\.113\.27, which is not a private/]);
        await assertViolates(policy, resourceArgs(types.container, "c", agent(["--path.procfs=/host/proc"])), [/without --web\.listen-address/]);
    });
    test("a port published on an empty, all-interfaces or public address is refused", async () => {
        await assertViolates(policy, resourceArgs(types.container, "c", goodContainer({
            ports: [{ internal: 9100, external: 9100 }, { internal: 9121, external: 9121, ip: "::" }, { internal: 9122, external: 9122, ip: "198.51.100.4" }],
        })), [/no address, so every interface/, /::, every interface/, /198\.51\.100\.4/], 3);
    });
});

describe("the real program for Pulumi.prod.yaml", () => {
    let run: ProgramRun;
    before(async () => {
        const prodFile = stackRawConfig("prod");
        const receivers = (prodFile.receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken: "123456:TEST-bot-token" }));
        run = await runProgram("prod", { receivers, grafanaAdminPassword: "a-long-grafana-admin-password" }, ["receivers", "grafanaAdminPassword"]);
    });

    /** What the analyzer would be given for a registration (the harness does not record URNs). */
    const argsOf = (r: Registration) => resourceArgs(r.type, r.name, r.inputs, {
        protect: r.protect, ignoreChanges: [...r.ignoreChanges], deleteBeforeReplace: r.deleteBeforeReplace,
        parent: r.parent || undefined,
    }, "prod");

    test("every policy passes on every resource, and each applies to something", async () => {
        assert.ok(run.resources.length > 20, `only ${run.resources.length} registrations`);
        const violations: string[] = [];
        for (const policy of policies) {
            let applied = 0;
            for (const r of run.resources) {
                const outcome = await validate(policy, argsOf(r));
                if (outcome.applicable) applied++;
                violations.push(...outcome.violations.map((v) => `${policy.name}: ${v}`));
            }
            assert.ok(applied > 0, `${policy.name} applied to no resource of the prod program`);
        }
        assert.deepEqual(violations, []);
    });

    test("the policies would catch a regression in the prod graph", async () => {
        // The same registrations with the loopback address and protect removed must fail.
        const grafana = run.resources.find((r) => r.type === types.container && r.inputs.name === "monitoring-prod-grafana");
        assert.ok(grafana, "the prod program runs Grafana");
        const ports = (grafana.inputs.ports as Record<string, unknown>[]).map(({ ip: _ip, ...rest }) => rest);
        const exposed = { ...argsOf(grafana), props: { ...grafana.inputs, ports } };
        assert.equal((await validate(containersPublishOnLoopbackOnly, exposed)).violations.length, 1);
        // prod keeps its data on the Hetzner data volume (no docker volumes then).
        const volume = run.resources.find((r) => r.type === types.volume || r.type === "hcloud:index/volume:Volume");
        assert.ok(volume);
        const unprotected = { ...argsOf(volume), opts: { ...argsOf(volume).opts, protect: false } };
        assert.equal((await validate(prodDataProtected, unprotected)).violations.length, 1);
    });
});
