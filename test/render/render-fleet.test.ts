// The fleet's agents as text (render/fleet.ts): command lines bound to the host's private address,
// the web config and files of `tls` agents, the private network's addresses, and the summary.
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { load } from "js-yaml";
import { containerUids } from "../../model/catalog";
import type { FleetHost } from "../../model/fleet";
import { fleetAgentUser, fleetScrapeFiles } from "../../model/fleet";
import {
    agentBindAddress, agentFiles, agentFilesFor, agentMount, agentWebConfig, fleetAgents, fleetSummary, hetznerNetworkZone, hostPort,
    monitoringPrivateIp, prometheusFleetFiles,
} from "../../render/fleet";

const ssh = { user: "ops", port: 22, hostKey: "ssh-ed25519 AAAAkey" };
const privateHost: FleetHost = {
    name: "bot-primary", address: "10.92.3.27", labels: { role: "primary" }, agents: true, ssh, hetznerServerId: 7, transport: "private-network",
    redis: [{ name: "primary", port: 6379 }, { name: "cache", port: 6380, password: "pw" }], apps: [{ job: "bot", port: 9200, metricsPath: "/metrics" }],
};
const tlsHost: FleetHost = { ...privateHost, name: "lan", address: "192.168.1.5", hetznerServerId: undefined, transport: "tls", redis: [{ name: "main", port: 6379 }] };
const material = { serverCert: "CERT", serverKey: "KEY", clientCa: "CA", passwordBcrypt: "$2a$10$hash" };
const listen = (command: readonly string[]) => command.filter((a) => a.startsWith("--web.listen-address="));

describe("agents", () => {
    test("on the private network: node-exporter and one Redis exporter per Redis, each listening only on the host's address, ports counted up", () => {
        const agents = fleetAgents("prod", "/opt/monitoring/prod", privateHost);
        assert.deepEqual(agents.map((a) => [a.names.container, listen(a.command)]), [
            ["monitoring-prod-node-exporter", ["--web.listen-address=10.92.3.27:9100"]],
            ["monitoring-prod-redis-exporter-primary", ["--web.listen-address=10.92.3.27:9121"]],
            ["monitoring-prod-redis-exporter-cache", ["--web.listen-address=10.92.3.27:9122"]],
        ]);
        for (const a of agents) assert.ok(!a.command.some((c) => c.includes("web.config") || c.includes("tls-server")), "plain HTTP on the private network");
        assert.ok(agents[2].command.includes(`--redis.password-file=${agentMount}/${agentFiles.redisPassword}`));
        assert.ok(agents[2].command.includes("--redis.addr=redis://127.0.0.1:6380"));
        assert.deepEqual(agents[1].binds, [], "no password, no files");
        assert.equal(agents[0].healthcheck, "wget -q -O /dev/null http://10.92.3.27:9100/metrics");
    });

    test("over tls: node-exporter reads the web config, the Redis exporter serves TLS and requires the client CA", () => {
        const [node, redis] = fleetAgents("prod", "/opt/monitoring/prod", tlsHost);
        assert.ok(node.command.includes(`--web.config.file=${agentMount}/${agentFiles.webConfig}`));
        assert.deepEqual(node.binds.at(-1), { hostPath: "/opt/monitoring/prod/agent/node-exporter", containerPath: agentMount });
        assert.ok(redis.command.includes(`--tls-server-ca-cert-file=${agentMount}/${agentFiles.clientCa}`));
        assert.ok(!redis.command.some((a) => a.includes("basic-auth")), "no password on the command line");
        assert.match(node.healthcheck, /grep -q '400 Bad Request'$/);
    });

    test("no agents for a host that runs its own; never an all-interfaces or public bind address", () => {
        assert.deepEqual(fleetAgents("prod", "/r", { ...privateHost, agents: false }), []);
        for (const address of ["0.0.0.0", "::", "", "203.0.113.9"]) assert.throws(() => agentBindAddress({ name: "x", address }), /only listen on a private address/);
        assert.equal(agentBindAddress({ name: "x", address: "fd00::5" }), "fd00::5");
        assert.equal(hostPort("fd00::5", 9100), "[fd00::5]:9100");
    });
});

describe("tls files", () => {
    test("the web config requires TLS 1.2, the client certificate and the hashed password of fleetAgentUser", () => {
        const web = load(agentWebConfig("$2a$10$hash")) as Record<string, Record<string, string>>;
        assert.deepEqual(web.tls_server_config, {
            cert_file: `${agentMount}/${agentFiles.serverCert}`, key_file: `${agentMount}/${agentFiles.serverKey}`,
            client_auth_type: "RequireAndVerifyClientCert", client_ca_file: `${agentMount}/${agentFiles.clientCa}`, min_version: "TLS12",
        });
        assert.deepEqual(web.basic_auth_users, { [fleetAgentUser]: "$2a$10$hash" });
    });

    test("an agent's files: keys, web config and Redis passwords secret (0400), owned by the agent's uid", () => {
        const [node, redis] = fleetAgents("prod", "/r", { ...tlsHost, redis: [{ name: "main", port: 6379, password: "pw" }] });
        assert.deepEqual(agentFilesFor(node, material).map((f) => [f.path, f.secret, f.owner]), [
            [agentFiles.serverCert, false, containerUids.nodeExporter], [agentFiles.serverKey, true, containerUids.nodeExporter],
            [agentFiles.clientCa, false, containerUids.nodeExporter], [agentFiles.webConfig, true, containerUids.nodeExporter],
        ]);
        const redisFiles = agentFilesFor(redis, material);
        assert.deepEqual(redisFiles.map((f) => [f.path, f.secret, f.owner]).at(-1), [agentFiles.redisPassword, true, containerUids.redisExporter]);
        assert.deepEqual(JSON.parse(redisFiles.at(-1)?.content ?? ""), { "redis://127.0.0.1:6379": "pw" });
        assert.deepEqual(agentFilesFor(node, undefined), [], "nothing to write on the private network");
    });

    test("Prometheus' files sit in its release at the contract's paths, the key and password secret", () => {
        const files = prometheusFleetFiles({ ca: "CA", clientCert: "C", clientKey: "K", password: "P" });
        assert.deepEqual(files.map((f) => [f.path, f.secret]), [
            [`prometheus/${fleetScrapeFiles.caCert}`, false], [`prometheus/${fleetScrapeFiles.clientCert}`, false],
            [`prometheus/${fleetScrapeFiles.clientKey}`, true], [`prometheus/${fleetScrapeFiles.password}`, true],
        ]);
        assert.ok(files.every((f) => f.owner === containerUids.prometheus));
    });
});

describe("the private network", () => {
    test("the monitoring server takes the subnet's last usable address; zones follow the location", () => {
        assert.equal(monitoringPrivateIp("10.92.3.0/24"), "10.92.3.254");
        assert.equal(monitoringPrivateIp("10.92.0.0/16"), "10.92.255.254");
        assert.equal(monitoringPrivateIp("192.168.4.8/29"), "192.168.4.14");
        assert.deepEqual(["fsn1", "nbg1", "hel1", "ash", "hil", "sin"].map(hetznerNetworkZone), ["eu-central", "eu-central", "eu-central", "us-east", "us-west", "ap-southeast"]);
    });

    test("the summary names the network, each host's deploy target and every agent's one address", () => {
        const text = fleetSummary("prod", "/r", [privateHost, tlsHost, { ...tlsHost, name: "nas", address: "nas.lan", agents: false, ssh: undefined }],
            { ipRange: "10.92.0.0/16", subnetRange: "10.92.3.0/24", networkZone: "eu-central" }).join("\n");
        assert.match(text, /private network \(Hetzner\): 10\.92\.0\.0\/16, subnet 10\.92\.3\.0\/24 in eu-central; the monitoring server is attached at 10\.92\.3\.254/);
        assert.match(text, /bot-primary 10\.92\.3\.27 \(transport private-network, Hetzner server 7/);
        assert.match(text, /deploy: Docker over ssh:\/\/ops@10\.92\.3\.27:22, host key pinned/);
        assert.match(text, /monitoring-prod-redis-exporter-cache: http:\/\/10\.92\.3\.27:9122 watching Redis redis:\/\/127\.0\.0\.1:6380, host network, listening on 10\.92\.3\.27 only/);
        assert.match(text, /monitoring-prod-node-exporter: https:\/\/192\.168\.1\.5:9100/);
        assert.match(text, /\/r\/agent\/node-exporter\/tls\/server\.key \(mode 0400/);
        assert.match(text, /nas nas\.lan .*\n {4}agents: none deployed/);
        assert.match(text, /Prometheus' credentials for tls agents/);
        assert.deepEqual(fleetSummary("prod", "/r", [], undefined), []);
    });
});
