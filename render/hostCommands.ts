// Shell text the stack runs on its host (or this machine, for the local stack): file writes,
// retries, the Grafana password reset, the readiness gate. Pure: values in, POSIX shell out; the
// components in components/ only hand this text to a command resource.
import * as crypto from "crypto";
import { fileMode } from "./files";

/** Quotes a value for a POSIX shell. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The shell command that writes stdin to `file` with the right owner and mode, atomically. */
export function writeFileCommand(file: string, owner: number, secret: boolean): string {
    const mode = fileMode(secret);
    const q = shellQuote(file);
    return `set -e; sudo install -d -m 0755 "$(dirname ${q})"; ` +
        `sudo install -m ${mode} -o ${owner} -g ${owner} /dev/stdin ${q}.tmp && sudo mv -f ${q}.tmp ${q}`;
}

/** Removes a file written by writeFileCommand. */
export function deleteFileCommand(file: string): string {
    return `sudo rm -f ${shellQuote(file)}`;
}

/** Digest of file contents, used to trigger a reload when any of them changes. */
export function contentDigest(contents: readonly string[]): string {
    const hash = crypto.createHash("sha256");
    for (const c of contents) hash.update(c).update("\0");
    return hash.digest("hex");
}

/**
 * Runs `create` on the host after the files change (and once after creation), retrying until the
 * service answers: used to reload Prometheus and Alertmanager and to reset Grafana's password.
 */
export function retryingCommand(script: string, attempts = 30): string {
    return `for i in $(seq ${attempts}); do if ${script}; then exit 0; fi; sleep 2; done; echo 'gave up: ${script.replace(/'/g, "")}' >&2; exit 1`;
}

/**
 * Resets the admin password in Grafana's database. The password reaches the host only on stdin
 * (read once into a shell variable, piped to `grafana cli` on its stdin): never an argument.
 */
export function passwordResetCommand(containerName: string): string {
    return `pw=$(cat); ${retryingCommand(`printf '%s\\n' "$pw" | docker exec -i ${shellQuote(containerName)} grafana cli admin reset-admin-password --password-from-stdin >/dev/null`)}`;
}

/**
 * Waits for cloud-init (exit 2 means finished with recoverable errors, e.g. deprecated keys),
 * then proves the connecting user can use Docker. Hosts not built by cloud-init skip the wait.
 */
export function readinessScript(requireCloudInit: boolean): string {
    const waitForCloudInit = [
        "rc=0; cloud-init status --wait >/dev/null || rc=$?",
        `if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then echo "cloud-init failed (exit $rc); see /var/log/cloud-init-output.log" >&2; exit 1; fi`,
    ].join("\n");
    const cloudInit = requireCloudInit
        ? waitForCloudInit
        : `if command -v cloud-init >/dev/null 2>&1; then\n${waitForCloudInit}\nfi`;
    const docker = `docker info --format '{{.ServerVersion}}' || ` +
        `{ echo "$(id -un) cannot use Docker: install it and add the user to the docker group" >&2; exit 1; }`;
    return ["set -e", cloudInit, docker].join("\n");
}

/** `ssh://user@host:port` as the Docker client expects it (IPv6 addresses in brackets). */
export function sshDockerHost(user: string, address: string, port: number): string {
    const host = address.includes(":") ? `[${address}]` : address;
    return `ssh://${user}@${host}:${port}`;
}

/** A shell function definition: the injectable steps of the swap and upgrade scripts. */
export function shellFunction(name: string, body: string): string {
    return `${name}() {\n${body}\n}`;
}
