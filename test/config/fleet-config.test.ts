// The fleet keys (config/fleet.ts): `hosts` parsed into FleetHost[] with the transport decided,
// the private network set only where the monitoring host is on Hetzner, and every bad host refused
// by a message that names its key and index and gives the fix.
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { parseStackConfig, undecryptedSecret } from "../../config/parse";
import { projectDefaults, readProject } from "../../config/stackFiles";
import { isPrivateAddress, isUnspecifiedAddress } from "../../config/units";
import type { StackConfig } from "../../model/stack";
import { refusalProblems } from "../configProblems";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleetHostKey";
const base: Record<string, unknown> = { ...projectDefaults(readProject()), sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@laptop" };
const sshMode = { hostMode: "ssh", sshHost: "monitor.example.com" };
const lanHost = (fields: Record<string, unknown> = {}) => ({ name: "worker", address: "192.168.1.20", ssh: { user: "deploy", hostKey }, ...fields });
const hetznerHost = (fields: Record<string, unknown> = {}) => ({ name: "bot", address: "10.92.0.27", hetznerServerId: 42, ssh: { user: "ops", hostKey }, ...fields });

function parse(config: Record<string, unknown>, withoutSecrets = false): StackConfig {
    return parseStackConfig("test", { ...base, ...config }, { withoutSecrets });
}

function problems(config: Record<string, unknown>): readonly string[] {
    return refusalProblems(() => parse(config), config);
}

describe("hosts are parsed", () => {
    test("no hosts: no fleet and no private network", () => {
        const c = parse({});
        assert.deepEqual(c.monitoring.hosts, []);
        assert.equal(c.privateNetwork, undefined);
    });

    test("a Hetzner host: defaults filled, private-network transport, the network in the location's zone", () => {
        const c = parse({ location: "hel1", hosts: [hetznerHost({ redis: [{ name: "main" }], apps: [{ job: "bot", port: 9200 }], labels: { role: "primary" } })] });
        assert.deepEqual(c.monitoring.hosts, [{
            name: "bot", address: "10.92.0.27", labels: { role: "primary" }, agents: true,
            ssh: { user: "ops", port: 22, hostKey }, hetznerServerId: 42, transport: "private-network",
            redis: [{ name: "main", port: 6379 }], apps: [{ job: "bot", port: 9200, metricsPath: "/metrics" }],
        }]);
        assert.deepEqual(c.privateNetwork, { ipRange: "10.92.0.0/16", subnetRange: "10.92.0.0/24", networkZone: "eu-central" });
        assert.equal(parse({ location: "ash", hosts: [hetznerHost()] }).privateNetwork?.networkZone, "us-east");
    });

    test("a host without hetznerServerId, or any host of a stack not on Hetzner, uses tls; no network is made for it", () => {
        const onHetzner = parse({ hosts: [lanHost()] });
        assert.equal(onHetzner.monitoring.hosts[0].transport, "tls");
        assert.equal(onHetzner.privateNetwork, undefined);
        assert.equal(parse({ ...sshMode, hosts: [lanHost()] }).monitoring.hosts[0].transport, "tls");
        assert.equal(parse({ hosts: [hetznerHost({ transport: "tls" })] }).monitoring.hosts[0].transport, "tls", "tls may be chosen on the network too");
    });

    test("privateNetwork: true makes the network with no host; structured values arrive as JSON from pulumi config", () => {
        assert.ok(parse({ privateNetwork: "true" }).privateNetwork);
        const c = parse({ ...sshMode, hosts: JSON.stringify([lanHost({ agents: "false", ssh: undefined, address: "nas.lan" })]) });
        assert.deepEqual([c.monitoring.hosts[0].agents, c.monitoring.hosts[0].address, c.monitoring.hosts[0].ssh], [false, "nas.lan", undefined]);
    });

    test("a Redis password set with --secret --path is a placeholder for render and the value for the deploy", () => {
        const secure = { secure: "v1:abc" };
        assert.equal(parse({ ...sshMode, hosts: [lanHost({ redis: [{ name: "cache", password: secure }] })] }, true).monitoring.hosts[0].redis[0].password, undecryptedSecret);
        assert.equal(parse({ ...sshMode, hosts: [lanHost({ redis: [{ name: "cache", password: "pw" }] })] }).monitoring.hosts[0].redis[0].password, "pw");
    });
});

interface Refusal { readonly what: string; readonly config: Record<string, unknown>; readonly key: string; readonly fix: RegExp }

const refusals: readonly Refusal[] = [
    { what: "an all-interfaces address", config: { hosts: [lanHost({ address: "0.0.0.0" })] }, key: "hosts[0].address", fix: /means every interface; name the one address/ },
    { what: "the IPv6 all-interfaces address", config: { hosts: [lanHost({ address: "::" })] }, key: "hosts[0].address", fix: /means every interface/ },
    { what: "a public address for agents", config: { hosts: [lanHost({ address: "203.0.113.5" })] }, key: "hosts[0].address", fix: /not a private address; .* or set agents to false/ },
    { what: "a host name for agents", config: { hosts: [lanHost({ address: "worker.lan" })] }, key: "hosts[0].address", fix: /agents bind to an address; give the IP address/ },
    { what: "not an address at all", config: { hosts: [lanHost({ address: "10.0.0.1:9100" })] }, key: "hosts[0].address", fix: /not an IP address or host name/ },
    { what: "agents without ssh", config: { hosts: [lanHost({ ssh: undefined })] }, key: "hosts[0].ssh", fix: /set ssh\.user, ssh\.port and ssh\.hostKey \(or set agents to false\)/ },
    { what: "agents without a pinned host key", config: { hosts: [lanHost(), lanHost({ name: "w2", address: "192.168.1.21", ssh: { user: "deploy" } })] }, key: "hosts[1].ssh.hostKey", fix: /never trusts a key on first use; .*ssh-keyscan -t ed25519 192\.168\.1\.21/ },
    { what: "a host key with the host name", config: { hosts: [lanHost({ ssh: { hostKey: `worker ${hostKey}` } })] }, key: "hosts[0].ssh.hostKey", fix: /without the host name/ },
    { what: "a non-POSIX ssh user", config: { hosts: [lanHost({ ssh: { user: "Deploy Me", hostKey } })] }, key: "hosts[0].ssh.user", fix: /POSIX user name/ },
    { what: "an unknown host field", config: { hosts: [lanHost({ adress: "x" })] }, key: "hosts[0].adress", fix: /did you mean hosts\[0\]\.address/ },
    { what: "a duplicate host name", config: { hosts: [lanHost(), lanHost({ address: "192.168.1.21" })] }, key: "hosts[1].name", fix: /used twice; every host needs its own name/ },
    { what: "a duplicate address", config: { hosts: [lanHost(), lanHost({ name: "w2" })] }, key: "hosts[1].address", fix: /also hosts\[0\]'s address/ },
    { what: "a name that is no label value usable in names", config: { hosts: [lanHost({ name: "bot primary" })] }, key: "hosts[0].name", fix: /letters, digits, \., _ and -/ },
    { what: "the monitoring host's own host label", config: { hosts: [lanHost({ name: "monitoring-test" })] }, key: "hosts[0].name", fix: /monitoring host's own host label/ },
    { what: "a label overriding host", config: { hosts: [lanHost({ labels: { host: "x" } })] }, key: "hosts[0].labels.host", fix: /set by the fleet itself/ },
    { what: "a label overriding instance", config: { hosts: [lanHost({ labels: { instance: "x" } })] }, key: "hosts[0].labels.instance", fix: /set by the fleet itself/ },
    { what: "an invalid label name", config: { hosts: [lanHost({ labels: { "1role": "x" } })] }, key: "hosts[0].labels.1role", fix: /not a valid Prometheus label name/ },
    { what: "a duplicate Redis name on a host", config: { hosts: [lanHost({ redis: [{ name: "a" }, { name: "a", port: 6380 }] })] }, key: "hosts[0].redis[1].name", fix: /unique per host/ },
    { what: "an app on an agent's port", config: { hosts: [lanHost({ redis: [{ name: "a" }], apps: [{ job: "x", port: 9121 }] })] }, key: "hosts[0].apps[0].port", fix: /taken by an agent/ },
    { what: "an app without port", config: { hosts: [lanHost({ apps: [{ job: "x" }] })] }, key: "hosts[0].apps[0].port", fix: /required/ },
    { what: "hetznerServerId off Hetzner", config: { ...sshMode, hosts: [hetznerHost()] }, key: "hosts[0].hetznerServerId", fix: /not on Hetzner .* use transport tls/ },
    { what: "private-network transport off the network", config: { hosts: [lanHost({ transport: "private-network" })] }, key: "hosts[0].transport", fix: /use tls for any other network/ },
    { what: "a Hetzner host outside the subnet", config: { hosts: [hetznerHost({ address: "10.92.5.1" })] }, key: "hosts[0].address", fix: /not in privateSubnetRange 10\.92\.0\.0\/24/ },
    { what: "a Hetzner host on the monitoring server's address", config: { hosts: [hetznerHost({ address: "10.92.0.254" })] }, key: "hosts[0].address", fix: /monitoring server's own private address/ },
    { what: "a Hetzner host on the network's gateway", config: { hosts: [hetznerHost({ address: "10.92.0.1" })] }, key: "hosts[0].address", fix: /gateway; pick another/ },
    { what: "an unattached host inside the network's range", config: { hosts: [hetznerHost(), lanHost({ address: "10.92.7.3" })] }, key: "hosts[1].address", fix: /inside privateNetworkRange 10\.92\.0\.0\/16, .* give its hetznerServerId, or move privateNetworkRange/ },
    { what: "a public network range", config: { hosts: [hetznerHost()], privateNetworkRange: "8.8.0.0/16" }, key: "privateNetworkRange", fix: /must be a private IPv4 range/ },
    { what: "a subnet outside the range", config: { hosts: [hetznerHost()], privateSubnetRange: "10.93.0.0/24" }, key: "privateSubnetRange", fix: /not inside privateNetworkRange 10\.92\.0\.0\/16/ },
    { what: "privateNetwork off Hetzner", config: { ...sshMode, privateNetwork: true }, key: "privateNetwork", fix: /not on Hetzner/ },
];

describe("bad hosts are refused, naming the key and the fix", () => {
    for (const r of refusals) {
        test(r.what, () => {
            const found = problems(r.config).find((p) => p.startsWith(`${r.key}: `));
            assert.ok(found, `no problem for ${r.key} in:\n${problems(r.config).join("\n")}`);
            assert.match(found, r.fix);
        });
    }
});

describe("near misses pass", () => {
    const accepted: readonly [string, Record<string, unknown>][] = [
        ["a VPN (100.64/10) address", { hosts: [lanHost({ address: "100.100.7.2" })] }],
        ["an IPv6 unique-local address", { hosts: [lanHost({ address: "fd12:3456::7" })] }],
        ["a public address without agents (scraped only)", { hosts: [{ name: "ext", address: "203.0.113.9", agents: false }] }],
        ["the same job on two hosts", { hosts: [lanHost({ apps: [{ job: "bot", port: 9200 }] }), lanHost({ name: "w2", address: "192.168.1.21", apps: [{ job: "bot", port: 9200 }] })] }],
        ["a custom network that holds the host", { hosts: [hetznerHost({ address: "10.0.3.27" })], privateNetworkRange: "10.0.0.0/16", privateSubnetRange: "10.0.3.0/24" }],
    ];
    for (const [what, config] of accepted) test(what, () => { assert.ok(parse(config)); });
});

test("address classes: private, loopback and all-interfaces forms", () => {
    for (const a of ["10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.0.1", "100.64.0.1", "127.0.0.1", "::1", "fd00:1::2", "fc00::1"]) assert.ok(isPrivateAddress(a), a);
    for (const a of ["172.32.0.1", "100.128.0.1", "8.8.8.8", "2001:db8::1", "fe80::1", "0.0.0.0", "::", "fd::1"]) assert.ok(!isPrivateAddress(a), a);
    for (const a of ["", "0.0.0.0", "::", "0:0:0:0:0:0:0:0", "::0"]) assert.ok(isUnspecifiedAddress(a), a);
    for (const a of ["::1", "10.0.0.0", "0.0.0.1"]) assert.ok(!isUnspecifiedAddress(a), a);
});

describe("hosts: what is accepted comes out as written, trimmed where a paste adds whitespace", () => {
    test("label values may be numbers or flags, and become text", () => {
        assert.deepEqual(parse({ hosts: [lanHost({ labels: { tier: 1, canary: true } })] }).monitoring.hosts[0].labels, { tier: "1", canary: "true" });
    });

    test("a host key pasted with surrounding whitespace is accepted and kept without it; ssh.address is kept for the deploy", () => {
        const c = parse({ hosts: [lanHost({ ssh: { user: "deploy", hostKey: ` ${hostKey}\n`, address: "worker.example.com" } })] });
        assert.deepEqual(c.monitoring.hosts[0].ssh, { user: "deploy", port: 22, hostKey, address: "worker.example.com" });
    });

    test("the monitoring host on an adopted Hetzner server (hetzner-existing) attaches hosts over the private network too", () => {
        const c = parse({ hostMode: "hetzner-existing", hetznerServerId: 7, hosts: [hetznerHost()] });
        assert.equal(c.monitoring.hosts[0].transport, "private-network");
        assert.deepEqual(c.privateNetwork, { ipRange: "10.92.0.0/16", subnetRange: "10.92.0.0/24", networkZone: "eu-central" });
    });

    test("each RFC 1918 block, taken whole, is a usable network range", () => {
        for (const [ipRange, subnetRange, address] of [["10.0.0.0/8", "10.0.0.0/24", "10.0.0.27"], ["172.16.0.0/12", "172.16.0.0/24", "172.16.0.27"], ["192.168.0.0/16", "192.168.0.0/24", "192.168.0.27"]]) {
            const c = parse({ hosts: [hetznerHost({ address })], privateNetworkRange: ipRange, privateSubnetRange: subnetRange });
            assert.deepEqual([c.privateNetwork?.ipRange, c.privateNetwork?.subnetRange, c.monitoring.hosts[0].address], [ipRange, subnetRange, address]);
        }
    });

    test("the smallest network: a /24 range whose last /29 is the subnet", () => {
        const c = parse({ hosts: [hetznerHost({ address: "10.92.0.250" })], privateNetworkRange: "10.92.0.0/24", privateSubnetRange: "10.92.0.248/29" });
        assert.deepEqual(c.privateNetwork, { ipRange: "10.92.0.0/24", subnetRange: "10.92.0.248/29", networkZone: "eu-central" });
    });

    test("with no Hetzner host the network is not made, so a LAN host inside its default range is fine", () => {
        assert.equal(parse({ hosts: [lanHost({ address: "10.92.7.3" })] }).monitoring.hosts[0].address, "10.92.7.3");
    });

    test("a host without agents may run an app on the node-exporter port", () => {
        const c = parse({ hosts: [{ name: "ext", address: "203.0.113.9", agents: false, apps: [{ job: "bot", port: 9100 }] }] });
        assert.deepEqual(c.monitoring.hosts[0].apps, [{ job: "bot", port: 9100, metricsPath: "/metrics" }]);
    });
});

describe("bad hosts: the exact problems, and no others", () => {
    const exactly: readonly [string, Record<string, unknown>, readonly string[]][] = [
        ["a host without address: only that it is required", { hosts: [{ name: "w", ssh: { user: "deploy", hostKey } }] },
            ["hosts[0].address: required; the address the monitoring host scrapes this host at (private-network, LAN or VPN), or set push: true for a host it cannot reach"]],
        ["a label starting with __", { hosts: [lanHost({ labels: { __role: "x" } })] },
            ["hosts[0].labels.__role: names starting with __ are reserved for Prometheus' own labels; rename it"]],
        ["a label value that is a map", { hosts: [lanHost({ labels: { tier: 1, x: { a: 1 } } })] },
            ["hosts[0].labels.x: expected a text value, got {\"a\":1}"]],
        ["an ssh.address that is no host", { hosts: [lanHost({ ssh: { user: "deploy", hostKey, address: "bad host!" } })] },
            ["hosts[0].ssh.address: \"bad host!\" is not a host name or IP address; write it like bot1.example.com or 203.0.113.7"]],
        ["Redis names in capitals or with _", { hosts: [lanHost({ redis: [{ name: "Main" }, { name: "cache_1", port: 6380 }] })] },
            ["hosts[0].redis[0].name: \"Main\" must be lowercase letters, digits and -", "hosts[0].redis[1].name: \"cache_1\" must be lowercase letters, digits and -"]],
        ["a metrics path without the leading / (one ending in /metrics passes)", { hosts: [lanHost({ apps: [{ job: "a", port: 9200, metricsPath: "metrics" }, { job: "b", port: 9201, metricsPath: "/x/metrics" }] })] },
            ["hosts[0].apps[0].metricsPath: \"metrics\" must start with /"]],
        ["a loopback address for agents, IPv4 or IPv6", { hosts: [lanHost({ address: "127.0.0.1" }), lanHost({ name: "w2", address: "::1" })] }, [
            "hosts[0].address: 127.0.0.1 is not a private address; agents listen only on a private one (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), so give the host's private-network, LAN or VPN address, or set agents to false",
            "hosts[1].address: ::1 is not a private address; agents listen only on a private one (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), so give the host's private-network, LAN or VPN address, or set agents to false",
        ]],
        ["the subnet's network and broadcast addresses", { hosts: [hetznerHost({ address: "10.92.0.0" }), hetznerHost({ name: "b2", hetznerServerId: 43, address: "10.92.0.255" })] }, [
            "hosts[0].address: 10.92.0.0 is the subnet's network or broadcast address or the network's gateway; pick another address in 10.92.0.0/24",
            "hosts[1].address: 10.92.0.255 is the subnet's network or broadcast address or the network's gateway; pick another address in 10.92.0.0/24",
        ]],
        ["one hetznerServerId on two hosts", { hosts: [hetznerHost(), hetznerHost({ name: "b2", address: "10.92.0.28" })] }, ["hosts: hetznerServerId 42 is given twice"]],
        ["a job twice on a host (two Redis names are fine)", { hosts: [lanHost({ apps: [{ job: "bot", port: 9200 }, { job: "bot", port: 9201 }], redis: [{ name: "a" }, { name: "b", port: 6380 }] })] },
            ["hosts[0].apps[1].job: \"bot\" is used twice on this host"]],
        ["an app on node-exporter's port, no Redis exporter", { hosts: [lanHost({ apps: [{ job: "bot", port: 9100 }] })] },
            ["hosts[0].apps[0].port: 9100 is taken by an agent on this host (node-exporter 9100, Redis exporters from -); the app must use another port"]],
        ["hetznerServerId off Hetzner: only that, no check against a network that is not there", { ...sshMode, hosts: [hetznerHost({ address: "10.92.5.1" })] },
            ["hosts[0].hetznerServerId: the monitoring host is not on Hetzner (hostMode ssh), so there is no private network to attach to; remove it and use transport tls"]],
    ];
    for (const [what, config, expected] of exactly) test(what, () => { assert.deepEqual(problems(config), expected); });
});

describe("bad private network keys: the exact problems, and no host checks against a broken network", () => {
    const range = (r: string) => `privateNetworkRange: "${r}" must be a private IPv4 range (10/8, 172.16/12 or 192.168/16) of /24 or larger, e.g. 10.92.0.0/16`;
    const subnet = (r: string) => `privateSubnetRange: "${r}" must be an IPv4 CIDR of /29 or larger, e.g. 10.92.0.0/24`;
    const exactly: readonly [string, Record<string, unknown>, readonly string[]][] = [
        ["a public range; the host outside the subnet is not checked against it", { hosts: [hetznerHost({ address: "10.92.5.1" })], privateNetworkRange: "8.8.0.0/16" }, [range("8.8.0.0/16")]],
        ["a range that starts inside 172.16/12 but runs past it", { hosts: [hetznerHost()], privateNetworkRange: "172.32.0.0/16" }, [range("172.32.0.0/16")]],
        ["a range smaller than /24", { hosts: [hetznerHost()], privateNetworkRange: "10.92.0.0/25" }, [range("10.92.0.0/25")]],
        ["a subnet smaller than /29", { hosts: [hetznerHost()], privateSubnetRange: "10.92.0.0/30" }, [subnet("10.92.0.0/30")]],
        ["a subnet that is no CIDR", { hosts: [hetznerHost()], privateSubnetRange: "10.92.0.300/24" }, [subnet("10.92.0.300/24")]],
        ["a subnet just below the range", { hosts: [hetznerHost()], privateSubnetRange: "10.91.255.0/24" },
            ["privateSubnetRange: 10.91.255.0/24 is not inside privateNetworkRange 10.92.0.0/16; pick a subnet of it, e.g. 10.92.0.0/24"]],
    ];
    for (const [what, config, expected] of exactly) test(what, () => { assert.deepEqual(problems(config), expected); });
});
