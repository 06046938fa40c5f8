// A fleet host outside any Hetzner private network (a LAN or VPN address), under runtime mocks:
// its exporters speak TLS with a certificate for that address, require Prometheus' client
// certificate (and node-exporter a password), every secret reaches the host only as a 0400 file,
// and Prometheus' release carries the CA, its client certificate and the password.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { byType, ProgramRun, Registration, runProgram } from "../harness";
import { fleetScrapeFiles } from "../../model/fleet";
import { agentFiles, agentMount } from "../../render/fleet";

const redisPassword = "lan-redis-SECRET-pw";
const lanAddress = "192.168.10.5";
let run: ProgramRun;

before(async () => {
    run = await runProgram("fleet-tls", {
        hostMode: "ssh", sshHost: "monitor.example.com", sshHostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMonitorKey",
        hosts: [
            {
                name: "lan-worker", address: lanAddress, labels: { role: "worker" },
                ssh: { user: "deploy", port: 2222, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILanWorkerKey" },
                redis: [{ name: "cache", port: 6380, password: redisPassword }],
            },
            // Runs its own exporters: scraped only, nothing deployed.
            { name: "appliance", address: "192.168.10.9", agents: false },
        ],
    }, ["hosts"]);
});

const container = (name: string) => byType(run, "docker:index/container:Container").find((c) => c.inputs.name === `monitoring-fleet-tls-${name}` && c.name.startsWith("fleet-"));
const writes = (fragment: string): Registration[] =>
    run.resources.filter((r) => r.type === "command:remote:Command" && String(r.inputs.create).includes(fragment));

test("no Hetzner network: the monitoring host is not on Hetzner and the host is reached over tls", () => {
    assert.equal(byType(run, "hcloud:index/network:Network").length, 0);
    assert.equal(byType(run, "hcloud:index/serverNetwork:ServerNetwork").length, 0);
});

test("only hosts with agents get a provider; the appliance is left alone", () => {
    const providers = byType(run, "pulumi:providers:docker").filter((p) => p.name.startsWith("fleet-")).map((p) => p.name);
    assert.deepEqual(providers, ["fleet-lan-worker-docker"]);
    assert.equal(byType(run, "pulumi:providers:docker").find((p) => p.name === "fleet-lan-worker-docker")?.inputs.host, `ssh://deploy@${lanAddress}:2222`);
});

test("the host's certificate names its address, signed by the fleet CA, for serving; Prometheus' for clients", () => {
    const requests = byType(run, "tls:index/certRequest:CertRequest");
    const server = requests.find((r) => r.name === "fleet-lan-worker-server-csr");
    assert.deepEqual(server?.inputs.ipAddresses, [lanAddress]);
    const signed = byType(run, "tls:index/locallySignedCert:LocallySignedCert");
    const uses = (name: string) => signed.find((s) => s.name === name)?.inputs.allowedUses as string[];
    assert.ok(uses("fleet-lan-worker-server-cert").includes("server_auth"));
    assert.ok(uses("fleet-credentials-prometheus-cert").includes("client_auth"));
    assert.equal(byType(run, "tls:index/selfSignedCert:SelfSignedCert").find((c) => c.name === "fleet-credentials-ca")?.inputs.isCaCertificate, true);
});

test("node-exporter reads its web config from a file; the Redis exporter serves TLS and requires the client certificate", () => {
    const node = container("node-exporter");
    assert.ok((node?.inputs.command as string[]).includes(`--web.config.file=${agentMount}/${agentFiles.webConfig}`));
    assert.ok((node?.inputs.command as string[]).includes(`--web.listen-address=${lanAddress}:9100`));
    const redis = container("redis-exporter-cache");
    const args = redis?.inputs.command as string[];
    for (const flag of [`--tls-server-cert-file=${agentMount}/${agentFiles.serverCert}`, `--tls-server-key-file=${agentMount}/${agentFiles.serverKey}`,
        `--tls-server-ca-cert-file=${agentMount}/${agentFiles.clientCa}`, `--web.listen-address=${lanAddress}:9121`, "--redis.addr=redis://127.0.0.1:6380"]) {
        assert.ok(args.includes(flag), `missing ${flag}`);
    }
    for (const c of [node, redis]) {
        assert.ok(!JSON.stringify(c?.inputs.command).includes("SECRET") && !JSON.stringify(c?.inputs.command).includes("$2a$"), "no secret or hash in the arguments");
        assert.equal(c?.inputs.envs, undefined, "no environment at all");
    }
});

test("the web config requires TLS 1.2, Prometheus' client certificate and the bcrypt-hashed password, written as a secret 0400 file", () => {
    const [web] = writes(`/agent/node-exporter/${agentFiles.webConfig}`);
    assert.ok(web.secretInputs.includes("stdin"));
    assert.match(String(web.inputs.create), /install -m 0400 -o 65534/);
    const text = String(web.inputs.stdin);
    assert.match(text, /client_auth_type: RequireAndVerifyClientCert/);
    assert.match(text, /prometheus: \$2a\$10\$generatedPasswordBcryptHashForTests/);
    assert.ok(!text.includes("generated-password-for-tests"), "only the hash is on the host");
    const [key] = writes(`/agent/node-exporter/${agentFiles.serverKey}`);
    assert.ok(key.secretInputs.includes("stdin"));
    assert.match(String(key.inputs.create), /install -m 0400/);
});

test("Prometheus' release gets the CA, its client certificate and key, and the password; the key and password as secrets", () => {
    const paths = Object.values(fleetScrapeFiles).map((p) => `prometheus/${p}`);
    for (const path of paths) assert.equal(writes(`/staging/${path}`).length, 1, `${path} is staged for the swap`);
    for (const secret of [fleetScrapeFiles.clientKey, fleetScrapeFiles.password]) {
        const [w] = writes(`/staging/prometheus/${secret}`);
        assert.ok(w.secretInputs.includes("stdin"));
        assert.match(String(w.inputs.create), /install -m 0400 -o 65534/);
    }
    assert.equal(String(writes(`/staging/prometheus/${fleetScrapeFiles.password}`)[0].inputs.stdin), "generated-password-for-tests");
});

test("no secret is in a plain input anywhere", () => {
    const plain = JSON.stringify(run.resources.map((r) => Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k)))));
    for (const secret of [redisPassword, "SECRET-TLS-KEY", "generated-password-for-tests"]) assert.ok(!plain.includes(secret), `${secret} is in a plain input`);
});
