// Push hosts (`hosts[].push`, issue 15 point 3): a host the monitoring host cannot reach runs
// Prometheus in agent mode and remote-writes to the user's store. Parsed into a FleetHost whose
// agents listen on loopback; refused, naming the key and the fix, when the agent could not be
// deployed or would have nowhere to push.
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { parseStackConfig } from "../../config/parse";
import { projectDefaults, readProject } from "../../config/stackFiles";
import type { StackConfig } from "../../model/stack";
import { refusalProblems } from "../configProblems";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPushHostKey";
const store = [{ name: "central", url: "https://vm.example.com/api/v1/write" }];
const base: Record<string, unknown> = { ...projectDefaults(readProject()), sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@laptop", remoteWrite: store };
const pushHost = (fields: Record<string, unknown> = {}) => ({ name: "edge-1", push: true, ssh: { user: "deploy", address: "edge-1.example.net", hostKey }, ...fields });

function parse(config: Record<string, unknown>): StackConfig {
    return parseStackConfig("test", { ...base, ...config });
}

function problems(config: Record<string, unknown>): readonly string[] {
    return refusalProblems(() => parse(config), config);
}

describe("push hosts are parsed", () => {
    test("a push host: no address (its agents listen on 127.0.0.1), plain HTTP there, deployed over ssh.address", () => {
        const c = parse({ hosts: [pushHost({ labels: { role: "edge" }, redis: [{ name: "cache" }], apps: [{ job: "api", port: 8000 }] })] });
        assert.deepEqual(c.monitoring.hosts, [{
            name: "edge-1", address: "127.0.0.1", labels: { role: "edge" }, agents: true, push: true,
            ssh: { user: "deploy", port: 22, hostKey, address: "edge-1.example.net" }, transport: "private-network",
            redis: [{ name: "cache", port: 6379 }], apps: [{ job: "api", port: 8000, metricsPath: "/metrics" }],
        }]);
        assert.equal(c.privateNetwork, undefined);
    });

    test("push hosts share 127.0.0.1 without clashing, beside pulled hosts; push: false is a pulled host", () => {
        const lan = { name: "worker", address: "192.168.1.20", ssh: { user: "deploy", hostKey } };
        const c = parse({ hosts: [pushHost(), pushHost({ name: "edge-2" }), lan, { ...lan, name: "w2", address: "192.168.1.21", push: "false" }] });
        assert.deepEqual(c.monitoring.hosts.map((h) => [h.name, h.address, h.push === true]),
            [["edge-1", "127.0.0.1", true], ["edge-2", "127.0.0.1", true], ["worker", "192.168.1.20", false], ["w2", "192.168.1.21", false]]);
    });
});

interface Refusal { readonly what: string; readonly config: Record<string, unknown>; readonly key: string; readonly fix: RegExp }

const refusals: readonly Refusal[] = [
    { what: "push without the agents deployed", config: { hosts: [pushHost({ agents: false })] }, key: "hosts[0].agents", fix: /set agents to true \(with ssh\), or remove push/ },
    { what: "push with no remoteWrite store", config: { remoteWrite: [], hosts: [pushHost()] }, key: "hosts[0].push",
        fix: /needs a remoteWrite store it can reach: the monitoring host's Prometheus and VictoriaMetrics listen on its loopback only; add an external store/ },
    { what: "push with only the embedded store", config: { remoteWrite: [], victoriaMetrics: true, hosts: [pushHost()] }, key: "hosts[0].push", fix: /listen on its loopback only/ },
    { what: "push with an address", config: { hosts: [pushHost({ address: "10.0.0.7" })] }, key: "hosts[0].address", fix: /agents listen on 127\.0\.0\.1 .* remove address and give .* ssh\.address/ },
    { what: "push without ssh.address", config: { hosts: [pushHost({ ssh: { user: "deploy", hostKey } })] }, key: "hosts[0].ssh.address", fix: /required on a push host/ },
    { what: "push without ssh", config: { hosts: [pushHost({ ssh: undefined })] }, key: "hosts[0].ssh.address", fix: /required on a push host/ },
    { what: "push without a pinned host key", config: { hosts: [pushHost({ ssh: { user: "deploy", address: "edge-1.example.net" } })] }, key: "hosts[0].ssh.hostKey", fix: /ssh-keyscan -t ed25519 edge-1\.example\.net/ },
    { what: "push with a transport", config: { hosts: [pushHost({ transport: "tls" })] }, key: "hosts[0].transport", fix: /not scraped by the monitoring host/ },
    { what: "push on the private network", config: { hosts: [pushHost({ hetznerServerId: 42 })] }, key: "hosts[0].hetznerServerId", fix: /reachable by the monitoring host; remove push/ },
    { what: "an app on the agent Prometheus' port", config: { hosts: [pushHost({ apps: [{ job: "x", port: 9090 }] })] }, key: "hosts[0].apps[0].port", fix: /agent Prometheus 9090/ },
    { what: "a pulled host without address", config: { hosts: [{ name: "w", ssh: { user: "deploy", hostKey } }] }, key: "hosts[0].address", fix: /required; .* or set push: true/ },
    { what: "push that is no flag", config: { hosts: [pushHost({ push: "yes" })] }, key: "hosts[0].push", fix: /not true or false/ },
];

describe("bad push hosts are refused, naming the key and the fix", () => {
    for (const r of refusals) {
        test(r.what, () => {
            const found = problems(r.config).find((p) => p.startsWith(`${r.key}: `));
            assert.ok(found, `no problem for ${r.key} in:\n${problems(r.config).join("\n")}`);
            assert.match(found, r.fix);
        });
    }
});

describe("push hosts: the exact problems, and what is kept", () => {
    test("a host key pasted with whitespace is kept without it; Redis passwords are kept; two Redis names are fine", () => {
        const c = parse({ hosts: [pushHost({ ssh: { user: "deploy", address: "edge-1.example.net", hostKey: `${hostKey}\n` }, redis: [{ name: "a", password: "pw" }, { name: "b", port: 6380 }] })] });
        assert.deepEqual(c.monitoring.hosts[0].ssh, { user: "deploy", port: 22, hostKey, address: "edge-1.example.net" });
        assert.deepEqual(c.monitoring.hosts[0].redis, [{ name: "a", port: 6379, password: "pw" }, { name: "b", port: 6380 }]);
    });

    const exactly: readonly [string, Record<string, unknown>, readonly string[]][] = [
        ["the monitoring host's own host label", { hosts: [pushHost({ name: "monitoring-test" })] },
            ["hosts[0].name: \"monitoring-test\" is the monitoring host's own host label; name the host differently"]],
        ["ssh with neither address nor host key: the keyscan hint names the key to set", { hosts: [pushHost({ ssh: { user: "deploy" } })] }, [
            "hosts[0].ssh.address: required on a push host (it has no address to fall back to); the public address or name the deploy reaches over SSH, e.g. edge1.example.com",
            "hosts[0].ssh.hostKey: required, so the deploy never trusts a key on first use; take it from `ssh-keyscan -t ed25519 <ssh.address>` and check it out of band",
        ]],
        ["a Redis name and a job twice, an app on node-exporter's port", { hosts: [pushHost({ redis: [{ name: "a" }, { name: "a", port: 6380 }], apps: [{ job: "x", port: 9100 }, { job: "x", port: 9200 }] })] }, [
            "hosts[0].redis[1].name: \"a\" is used twice on this host; names must be unique per host",
            "hosts[0].apps[1].job: \"x\" is used twice on this host",
            "hosts[0].apps[0].port: 9100 is taken on this host (node-exporter 9100, agent Prometheus 9090, Redis exporters from 9121); the app must use another port",
        ]],
        ["an app on node-exporter's port, no Redis exporter", { hosts: [pushHost({ apps: [{ job: "x", port: 9100 }] })] },
            ["hosts[0].apps[0].port: 9100 is taken on this host (node-exporter 9100, agent Prometheus 9090, Redis exporters from -); the app must use another port"]],
    ];
    for (const [what, config, expected] of exactly) test(what, () => { assert.deepEqual(problems(config), expected); });
});
