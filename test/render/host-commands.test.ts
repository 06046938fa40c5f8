// Shell text the stack runs on its host (render/hostCommands.ts), run with a shell against stand-ins
// for cloud-init, Docker and the Grafana container: what the operator sees when a host is not ready,
// a retried command that gives up, and the password that reaches Grafana only on stdin.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { passwordResetCommand, readinessScript, retryingCommand, sshDockerHost } from "../../render/hostCommands";
import { inTempDir } from "../tempDir";

interface Run { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/**
 * Runs `script` with sh and only the stand-ins on PATH (plus `id`): `cloud-init` exits with
 * `cloudInitExit` (absent when undefined), `docker info` prints a version unless `dockerWorks` is false.
 * Each stand-in appends its arguments to calls.
 */
function onHost(script: string, opts: { cloudInitExit?: number; dockerWorks?: boolean }): Run & { calls: string[] } {
    return inTempDir("host-commands", (dir) => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const calls = path.join(dir, "calls");
        if (opts.cloudInitExit !== undefined) {
            fs.writeFileSync(path.join(bin, "cloud-init"), `#!/bin/sh\necho "cloud-init $*" >> '${calls}'\nexit ${opts.cloudInitExit}\n`, { mode: 0o755 });
        }
        fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\necho "docker $*" >> '${calls}'\n` +
            (opts.dockerWorks === false ? "echo 'permission denied while trying to connect to the Docker daemon socket' >&2; exit 1\n" : "echo 27.3.1\n"), { mode: 0o755 });
        fs.symlinkSync(fs.existsSync("/usr/bin/id") ? "/usr/bin/id" : "/bin/id", path.join(bin, "id"));
        const r = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { PATH: bin } });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [] };
    });
}

test("a Hetzner host is ready once cloud-init has finished and the deploy user can use Docker", () => {
    const r = onHost(readinessScript(true), { cloudInitExit: 0 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "27.3.1\n");
    assert.deepEqual(r.calls, ["cloud-init status --wait", "docker info --format {{.ServerVersion}}"]);
});

test("cloud-init finished with recoverable errors (exit 2) still counts as ready", () => {
    const r = onHost(readinessScript(true), { cloudInitExit: 2 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "27.3.1\n");
});

test("a failed cloud-init stops the deploy and points at its log, before Docker is tried", () => {
    const r = onHost(readinessScript(true), { cloudInitExit: 1 });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "cloud-init failed (exit 1); see /var/log/cloud-init-output.log\n");
    assert.deepEqual(r.calls, ["cloud-init status --wait"]);
});

test("a deploy user who cannot use Docker is told to install it and join the docker group", () => {
    const r = onHost(readinessScript(true), { cloudInitExit: 0, dockerWorks: false });
    assert.equal(r.status, 1);
    const user = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
    assert.match(r.stderr, new RegExp(`^permission denied.*\\n${user} cannot use Docker: install it and add the user to the docker group\\n$`));
});

test("a host not built by cloud-init skips the wait; one that has cloud-init still waits for it", () => {
    const without = onHost(readinessScript(false), {});
    assert.equal(without.status, 0, without.stderr);
    assert.deepEqual(without.calls, ["docker info --format {{.ServerVersion}}"]);
    const failed = onHost(readinessScript(false), { cloudInitExit: 1 });
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /cloud-init failed \(exit 1\)/);
});

test("a retried command succeeds on a later attempt; one that never does gives up naming it", () => {
    inTempDir("retry", (dir) => {
        const marker = path.join(dir, "tried");
        const second = spawnSync("/bin/sh", ["-c", retryingCommand(`[ -e ${marker} ] || { touch ${marker}; false; }`, 2)], { encoding: "utf8" });
        assert.equal(second.status, 0, second.stderr);
        const never = spawnSync("/bin/sh", ["-c", retryingCommand("grep -q 'ready' /nonexistent/status 2>/dev/null", 1)], { encoding: "utf8" });
        assert.equal(never.status, 1);
        assert.equal(never.stderr, "gave up: grep -q ready /nonexistent/status 2>/dev/null\n");
    });
});

test("the Grafana password reset hands the password to grafana cli on stdin, never as an argument", () => {
    inTempDir("password-reset", (dir) => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\necho "$*" > '${dir}/argv'\ncat > '${dir}/stdin'\n`, { mode: 0o755 });
        const password = "it's $secret";
        const r = spawnSync("/bin/sh", ["-c", passwordResetCommand("monitoring-prod-grafana")],
            { input: password, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` } });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(path.join(dir, "argv"), "utf8"), "exec -i monitoring-prod-grafana grafana cli admin reset-admin-password --password-from-stdin\n");
        assert.equal(fs.readFileSync(path.join(dir, "stdin"), "utf8"), `${password}\n`);
    });
});

test("the Docker host of a remote server is ssh://user@host:port, an IPv6 address in brackets", () => {
    assert.equal(sshDockerHost("deploy", "203.0.113.7", 22), "ssh://deploy@203.0.113.7:22");
    assert.equal(sshDockerHost("ops", "monitoring.example.com", 2222), "ssh://ops@monitoring.example.com:2222");
    assert.equal(sshDockerHost("deploy", "2001:db8::1", 2222), "ssh://deploy@[2001:db8::1]:2222");
});
