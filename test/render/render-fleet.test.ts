// The fleet's agents as text (render/fleet.ts): command lines bound to the host's private address,
// the web config and files of `tls` agents, the private network's addresses, and the summary.
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { load } from "js-yaml";
import { containerUids } from "../../model/catalog";
import type { FleetHost } from "../../model/fleet";
import { fleetAgentUser, fleetScrapeFiles } from "../../model/fleet";
import {
    addressPresentScript, agentBindAddress, agentFiles, agentFilesFor, agentMount, agentWebConfig, fleetAgents, fleetReadinessScript, fleetSummary, hetznerNetworkZone, hostPort,
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

describe("exact agent command lines, mounts and summary", () => {
    test("a private-network host's node-exporter reads the host's /proc, /sys and / and skips container mounts; Redis exporters mount their directory only for a password", () => {
        const [node, primary, cache] = fleetAgents("prod", "/opt/m", privateHost);
        assert.deepEqual(node.command, [
            "--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root",
            "--web.listen-address=10.92.3.27:9100",
            "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)",
        ]);
        assert.deepEqual(node.binds, [
            { hostPath: "/proc", containerPath: "/host/proc" }, { hostPath: "/sys", containerPath: "/host/sys" }, { hostPath: "/", containerPath: "/host/root" },
        ]);
        assert.equal(node.kind, "nodeExporter");
        assert.equal(node.part, "node-exporter");
        assert.equal(node.dir, "/opt/m/agent/node-exporter");
        assert.deepEqual([primary.kind, primary.part, primary.dir], ["redisExporter", "redis-exporter-primary", "/opt/m/agent/redis-exporter-primary"]);
        assert.deepEqual(primary.command, ["--redis.addr=redis://127.0.0.1:6379", "--web.listen-address=10.92.3.27:9121"]);
        assert.deepEqual(primary.binds, []);
        assert.equal(primary.healthcheck, "wget -q -O /dev/null http://10.92.3.27:9121/health");
        assert.deepEqual(cache.command, [
            "--redis.addr=redis://127.0.0.1:6380", "--web.listen-address=10.92.3.27:9122", `--redis.password-file=${agentMount}/${agentFiles.redisPassword}`,
        ]);
        assert.deepEqual(cache.binds, [{ hostPath: "/opt/m/agent/redis-exporter-cache", containerPath: agentMount }]);
    });

    test("a tls host's Redis exporter without a password serves TLS from its mounted directory; node-exporter alone gets the web config file", () => {
        const [node, redis] = fleetAgents("prod", "/opt/m", tlsHost);
        assert.deepEqual(node.command.slice(-1), [`--web.config.file=${agentMount}/${agentFiles.webConfig}`]);
        assert.deepEqual(redis.command, [
            "--redis.addr=redis://127.0.0.1:6379", "--web.listen-address=192.168.1.5:9121",
            `--tls-server-cert-file=${agentMount}/tls/server.crt`, `--tls-server-key-file=${agentMount}/tls/server.key`,
            `--tls-server-ca-cert-file=${agentMount}/tls/client-ca.crt`,
        ]);
        assert.deepEqual(redis.binds, [{ hostPath: "/opt/m/agent/redis-exporter-main", containerPath: agentMount }]);
        assert.equal(redis.healthcheck, "wget -q -O /dev/null http://192.168.1.5:9121/health 2>&1 | grep -q '400 Bad Request'");
        assert.deepEqual(agentFilesFor(redis, material).map((f) => f.path), [agentFiles.serverCert, agentFiles.serverKey, agentFiles.clientCa],
            "no exporter web config for redis_exporter, which takes no web config file");
    });

    test("an unknown Hetzner location falls back to the eu-central zone", () => {
        assert.equal(hetznerNetworkZone("xyz9"), "eu-central");
    });

    test("the readiness script waits for Docker, then for the private address on an interface, and says which address is missing", () => {
        const script = fleetReadinessScript({ address: "10.0.0.'5" });
        assert.ok(script.startsWith("set -e\nif command -v cloud-init"), "cloud-init is optional on a fleet host");
        assert.ok(script.endsWith("\n(for i in $(seq 60); do if ip -o addr show | awk '{print $4}' | cut -d/ -f1 | grep -qxF '10.0.0.'\\''5'; then exit 0; fi; sleep 2; done; " +
            "echo \"address 10.0.0.5 is not on any interface of $(hostname): attach the private network (or configure the LAN/VPN address) first\" >&2; exit 1)"), script);
        assert.match(addressPresentScript("10.0.0.5", 3), /^for i in \$\(seq 3\); do /);
    });

    test("the summary, line by line: host labels, Hetzner attachment, push hosts, files with their modes, apps, Prometheus' tls credentials", () => {
        const pushHost: FleetHost = {
            name: "edge", address: "127.0.0.1", labels: { a: "1", b: "2" }, agents: true, ssh: { ...ssh, address: "198.51.100.7" }, transport: "private-network",
            redis: [], apps: [], push: true,
        };
        const bare: FleetHost = { name: "nas", address: "10.1.1.1", labels: {}, agents: false, transport: "private-network", redis: [], apps: [] };
        const tlsOnly: FleetHost = { ...tlsHost, redis: [], apps: [], ssh: undefined, labels: {} };
        const lines = fleetSummary("prod", "/r", [privateHost, pushHost, bare, tlsOnly], undefined);
        assert.deepEqual(lines, [
            "hosts (4), each series labelled host=<name>:",
            "  bot-primary 10.92.3.27 (transport private-network, Hetzner server 7 attached at 10.92.3.27; labels role=primary)",
            "    deploy: Docker over ssh://ops@10.92.3.27:22, host key pinned (ssh-ed25519)",
            "    agent monitoring-prod-node-exporter: http://10.92.3.27:9100, host network, listening on 10.92.3.27 only",
            "    agent monitoring-prod-redis-exporter-primary: http://10.92.3.27:9121 watching Redis redis://127.0.0.1:6379, host network, listening on 10.92.3.27 only",
            "    agent monitoring-prod-redis-exporter-cache: http://10.92.3.27:9122 watching Redis redis://127.0.0.1:6380, host network, listening on 10.92.3.27 only",
            `      /r/agent/redis-exporter-cache/${agentFiles.redisPassword} (mode 0400, uid ${containerUids.redisExporter}, written by pulumi up)`,
            "    app bot: 10.92.3.27:9200/metrics",
            "  edge (push: not scraped by the monitoring host; its agent-mode Prometheus remote-writes to the stack's remoteWrite stores; labels a=1, b=2)",
            "    deploy: Docker over ssh://ops@198.51.100.7:22, host key pinned (ssh-ed25519)",
            "    agent monitoring-prod-node-exporter: http://127.0.0.1:9100, host network, listening on 127.0.0.1 only",
            "    agent Prometheus (agent mode): host network, API on 127.0.0.1:9090 only, config /r/agent/prometheus/prometheus.yml, remote_write credentials as files beside it (mode 0400), WAL on a Docker volume",
            "  nas 10.1.1.1 (transport private-network)",
            "    agents: none deployed (agents: false; its own exporters are scraped)",
            "  lan 192.168.1.5 (transport tls)",
            "    agent monitoring-prod-node-exporter: https://192.168.1.5:9100, host network, listening on 192.168.1.5 only",
            `      /r/agent/node-exporter/tls/server.crt (mode 0444, uid ${containerUids.nodeExporter}, written by pulumi up)`,
            `      /r/agent/node-exporter/tls/server.key (mode 0400, uid ${containerUids.nodeExporter}, written by pulumi up)`,
            `      /r/agent/node-exporter/tls/client-ca.crt (mode 0444, uid ${containerUids.nodeExporter}, written by pulumi up)`,
            `      /r/agent/node-exporter/web.yml (mode 0400, uid ${containerUids.nodeExporter}, written by pulumi up)`,
            `  Prometheus' credentials for tls agents, in its release: ${Object.values(fleetScrapeFiles).join(", ")} (made by pulumi up)`,
        ]);
    });

    test("no line about Prometheus' tls credentials when no tls host runs agents", () => {
        const noTlsAgents = fleetSummary("prod", "/r", [privateHost, { ...tlsHost, agents: false, ssh: undefined }], undefined);
        assert.ok(!noTlsAgents.some((l) => l.includes("credentials for tls agents")), noTlsAgents.join("\n"));
        assert.ok(!fleetSummary("prod", "/r", [privateHost], undefined).some((l) => l.includes("credentials for tls agents")));
    });

    test("a push host without labels is summarised without a labels clause", () => {
        const pushHost: FleetHost = { name: "edge", address: "127.0.0.1", labels: {}, agents: false, transport: "private-network", redis: [], apps: [], push: true };
        assert.equal(fleetSummary("prod", "/r", [pushHost], undefined)[1],
            "  edge (push: not scraped by the monitoring host; its agent-mode Prometheus remote-writes to the stack's remoteWrite stores)");
    });
});
