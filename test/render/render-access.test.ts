// The commands printed by `pulumi stack output ssh` / `tunnel` and the URLs: a person pastes them
// into a shell, so they are checked as the shell splits them (sh `set --`, no connection made).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { hostKeyOptions, knownHostsLine, localUrls, sshCommand, tunnelCommand, type SshTarget } from "../../render/access";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey";
const target: SshTarget = { user: "qt", address: "203.0.113.7", port: 22 };
const monitoring = parseStackConfig("test", {
    hetznerSshKeyName: "deploy", grafanaPort: 3001, prometheusPort: 9091, alertmanagerPort: 9094,
}).monitoring;

/** The argument vector a POSIX shell gives the command (the command itself included). */
function shellWords(command: string): string[] {
    const out = execFileSync("sh", ["-c", `set -- ${command}; printf '%s\\0' "$@"`], { encoding: "utf8" });
    return out.split("\0").slice(0, -1);
}

test("known_hosts names the host bare on port 22 and as [host]:port elsewhere, with the key trimmed", () => {
    assert.equal(knownHostsLine({ ...target, hostKey: ` ${hostKey}\n` }), `203.0.113.7 ${hostKey}`);
    assert.equal(knownHostsLine({ ...target, port: 2222, hostKey }), `[203.0.113.7]:2222 ${hostKey}`);
});

test("without a known host key no host-key options are added; with one, exactly that key is trusted", () => {
    assert.deepEqual(hostKeyOptions(target), []);
    assert.deepEqual(hostKeyOptions({ ...target, port: 2222, hostKey }), [
        "-o", "StrictHostKeyChecking=yes",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", `KnownHostsCommand=/bin/echo [203.0.113.7]:2222 ${hostKey}`,
    ]);
});

test("the ssh command is ssh user@address on port 22, with -p on any other port", () => {
    assert.deepEqual(shellWords(sshCommand(target)), ["ssh", "qt@203.0.113.7"]);
    assert.deepEqual(shellWords(sshCommand({ ...target, port: 2222 })), ["ssh", "-p", "2222", "qt@203.0.113.7"]);
});

test("the ssh command keeps the KnownHostsCommand option one shell word", () => {
    assert.deepEqual(shellWords(sshCommand({ ...target, hostKey })), [
        "ssh", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null",
        "-o", `KnownHostsCommand=/bin/echo 203.0.113.7 ${hostKey}`, "qt@203.0.113.7",
    ]);
});

test("the tunnel forwards each UI's configured port to the same local port, without a remote shell", () => {
    assert.deepEqual(shellWords(tunnelCommand(monitoring, { ...target, port: 2222 })), [
        "ssh", "-N",
        "-L", "3001:127.0.0.1:3001", "-L", "9091:127.0.0.1:9091", "-L", "9094:127.0.0.1:9094",
        "-p", "2222", "qt@203.0.113.7",
    ]);
});

test("the URLs open each UI on localhost at its tunnelled port", () => {
    assert.deepEqual(localUrls(monitoring), {
        grafana: "http://localhost:3001",
        prometheus: "http://localhost:9091",
        alertmanager: "http://localhost:9094",
    });
});

test("with an external Grafana the tunnel forwards only Prometheus and Alertmanager, and Grafana's URL is its own", () => {
    const external = { ...monitoring, remote: { ...monitoring.remote, grafana: { mode: "external" as const, url: "https://grafana.example.com", token: "glsa_x" } } };
    assert.deepEqual(shellWords(tunnelCommand(external, target)), ["ssh", "-N", "-L", "9091:127.0.0.1:9091", "-L", "9094:127.0.0.1:9094", "qt@203.0.113.7"]);
    assert.deepEqual(Object.entries(localUrls(external)), [
        ["grafana", "https://grafana.example.com"], ["prometheus", "http://localhost:9091"], ["alertmanager", "http://localhost:9094"],
    ]);
});
