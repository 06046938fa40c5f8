// The prod program under runtime mocks, read for how changes reach the services: no lifecycle
// endpoint, reloads by signal only, a checked release before any container, and no secret in any
// command the host runs (where `ps` would show it to every local user).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, test } from "node:test";
import { passwordResetCommand } from "../../render/hostCommands";
import { parseStackConfig } from "../../config/parse";
import { stagingDir } from "../../render/files";
import { stackRawConfig } from "../../config/stackFiles";
import { byType, type ProgramRun, type Registration } from "../harness";
import { runProgram } from "../harness";

const secrets = {
    botToken: "777:SAFE-CHANGE-bot-token",
    grafanaAdminPassword: "safe-change-grafana-PASSWORD",
    redisPassword: "safe-change-redis-PASSWORD",
    deadMansSwitchUrl: "https://hc-ping.example/SAFE-CHANGE-dms",
};
const prodFile = stackRawConfig("prod");
const prodConfigRoot = parseStackConfig("prod", prodFile, { withoutSecrets: true }).monitoring.configRoot;
const prodStaging = `${prodConfigRoot}/${stagingDir}`;
let run: ProgramRun;

before(async () => {
    run = await runProgram("prod", {
        receivers: (prodFile.receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken: secrets.botToken })),
        redis: (prodFile.redis as Record<string, unknown>[]).map((r) => ({ ...r, password: secrets.redisPassword })),
        grafanaAdminPassword: secrets.grafanaAdminPassword,
        deadMansSwitchUrl: secrets.deadMansSwitchUrl,
    }, ["receivers", "redis", "grafanaAdminPassword", "deadMansSwitchUrl"]);
});

const nameOf = (urn: string): string => urn.split("::").pop() ?? "";
const commands = (): Registration[] => run.resources.filter((r) => r.type === "command:remote:Command" || r.type === "command:local:Command");
const containers = (): Registration[] => byType(run, "docker:index/container:Container");
const container = (name: string): Registration => {
    const found = containers().find((c) => nameOf(c.urn) === name || c.name === name);
    assert.ok(found, `no container resource ${name}`);
    return found;
};
/** Everything a command resource runs on the host: its shell text. */
const shellTexts = (c: Registration): string[] => ["create", "update", "delete"].map((k) => c.inputs[k]).filter((v): v is string => typeof v === "string");
/** Everything a container runs with: command line, entrypoint, healthcheck, environment. */
function containerTexts(c: Registration): string[] {
    const health = (c.inputs.healthcheck as { tests?: string[] } | undefined)?.tests ?? [];
    return [...((c.inputs.command as string[] | undefined) ?? []), ...((c.inputs.entrypoints as string[] | undefined) ?? []), ...health,
        ...((c.inputs.envs as string[] | undefined) ?? [])];
}

test("no container command line enables Prometheus' lifecycle endpoint (POST /-/quit, /-/reload)", () => {
    assert.ok(containers().length >= 5);
    for (const c of containers()) {
        for (const text of containerTexts(c)) assert.ok(!text.includes("enable-lifecycle"), `${String(c.inputs.name)}: ${text}`);
    }
});

test("no reload goes through HTTP: Prometheus and Alertmanager are reloaded by SIGHUP to their own container", () => {
    for (const c of commands()) {
        for (const text of shellTexts(c)) {
            assert.ok(!/\/-\/(reload|quit)|--post-data|api\/admin\/provisioning/.test(text), `${c.name} reloads over HTTP: ${text.slice(0, 200)}`);
        }
    }
    for (const service of ["prometheus", "alertmanager"]) {
        const swap = commands().find((c) => c.name === `monitoring-${service}-swap`);
        assert.ok(swap, `no swap for ${service}`);
        const name = String(container(`monitoring-${service}-service-container`).inputs.name);
        assert.match(String(swap.inputs.create), new RegExp(`docker kill --signal HUP '${name}'`), `${service} is reloaded by signal to its own container`);
    }
});

test("the services that can be reached from app networks expose no endpoint that changes them", () => {
    const appNetworks = new Set(prodFile.appNetworks as string[]);
    assert.ok(appNetworks.size > 0, "prod joins an app network");
    const onAppNetworks = containers().filter((c) => ((c.inputs.networksAdvanced as { name: string }[] | undefined) ?? []).some((n) => appNetworks.has(n.name)));
    const names = onAppNetworks.map((c) => String(c.inputs.name)).sort();
    // Alertmanager always serves POST /-/reload (it has no flag to turn it off): it must stay off app networks.
    const containerNameOf = (service: string) => String(container(`monitoring-${service}-service-container`).inputs.name);
    assert.ok(!names.includes(containerNameOf("alertmanager")), `Alertmanager is on an app network: ${names.join(", ")}`);
    assert.ok(names.includes(containerNameOf("prometheus")));
    for (const c of onAppNetworks) assert.ok(!containerTexts(c).some((t) => t.includes("enable-lifecycle") || t.includes("enable-admin-api")), String(c.inputs.name));
});

test("no command the host runs and no container argument contains a secret", () => {
    for (const c of commands()) {
        for (const text of shellTexts(c)) {
            for (const [what, value] of Object.entries(secrets)) assert.ok(!text.includes(value), `${c.name} has the ${what} in its command text`);
        }
    }
    for (const c of containers()) {
        for (const text of containerTexts(c)) {
            for (const [what, value] of Object.entries(secrets)) assert.ok(!text.includes(value), `${String(c.inputs.name)} has the ${what} in its arguments`);
        }
    }
    // The credentials still reach the host, as secret stdin of the file writes and the password reset.
    const stdins = commands().filter((c) => c.secretInputs.includes("stdin")).map((c) => String(c.inputs.stdin));
    for (const [what, value] of Object.entries(secrets)) assert.ok(stdins.some((s) => s.includes(value)), `the ${what} is not delivered on stdin`);
});

test("the Grafana password reset takes the password on stdin only, addressing Grafana's own container", () => {
    const reset = commands().find((c) => c.name === "monitoring-grafana-admin-password");
    assert.ok(reset);
    assert.equal(reset.inputs.stdin, secrets.grafanaAdminPassword);
    assert.ok(reset.secretInputs.includes("stdin"));
    const grafana = String(container("monitoring-grafana-service-container").inputs.name);
    assert.match(String(reset.inputs.create), new RegExp(`docker exec -i '${grafana}' grafana cli admin reset-admin-password --password-from-stdin`));
    assert.ok(!commands().some((c) => c.name.includes("datasource-reload")), "no datasource reload with admin credentials");
});

test("every configured service starts on a checked release: files → swap (checker, current symlink) → container", () => {
    for (const service of ["prometheus", "alertmanager", "grafana"]) {
        const swap = commands().find((c) => c.name === `monitoring-${service}-swap`);
        assert.ok(swap, `no swap for ${service}`);
        const writes = commands().filter((c) => c.name.startsWith(`monitoring-${service}-files-`));
        assert.ok(writes.length > 0);
        for (const w of writes) {
            assert.ok(String(w.inputs.create).includes(`'${prodStaging}/`), `${w.name} writes outside staging`);
            assert.ok(swap.dependencies.map(nameOf).includes(w.name), `the ${service} swap does not wait for ${w.name}`);
        }
        const c = container(`monitoring-${service}-service-container`);
        const serviceComponent = run.resources.find((r) => r.name === `monitoring-${service}-service`);
        const waits = [...c.dependencies, ...(serviceComponent?.dependencies ?? [])].map(nameOf);
        assert.ok(waits.includes(`monitoring-${service}-swap`), `${service}'s container does not wait for its swap`);
        // Read-only binds: its data directory on the data volume is the one writable bind.
        const binds = (c.inputs.volumes as { hostPath?: string; containerPath: string; readOnly?: boolean }[]).filter((v) => v.hostPath !== undefined && v.readOnly === true);
        assert.deepEqual(binds.map((b) => [b.hostPath, b.readOnly]), [[`${prodConfigRoot}/${service}`, true]], `${service} mounts only its release directory`);
    }
    const promCheck = String(commands().find((c) => c.name === "monitoring-prometheus-swap")?.inputs.create);
    // The checker is the pinned image's own, on the release mounted where the service reads it.
    const image = (service: string) => String(byType(run, "docker:index/remoteImage:RemoteImage").find((i) => i.name === `monitoring-${service}-service-image`)?.inputs.name);
    assert.ok(promCheck.includes(`docker run --rm --network none --user 65534 --entrypoint 'promtool' -v "$candidate:/etc/prometheus/current:ro" '${image("prometheus")}' 'check' 'config' '/etc/prometheus/current/prometheus.yml'`), promCheck);
    const amCheck = String(commands().find((c) => c.name === "monitoring-alertmanager-swap")?.inputs.create);
    assert.ok(amCheck.includes(`--entrypoint 'amtool' -v "$candidate:/etc/alertmanager/current:ro" '${image("alertmanager")}' 'check-config' '/etc/alertmanager/current/alertmanager.yml'`), amCheck);
});

test("run for real against a stand-in docker, the password reset passes the password on stdin, never in an argument list", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reset-"));
    try {
        // The stand-in records the argument list every process would show in `ps`, and its stdin.
        fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh\nprintf '%s\\n' "$0 $*" >> "${dir}/argv"\ncat >> "${dir}/stdin"\n`, { mode: 0o755 });
        const result = spawnSync("sh", ["-c", passwordResetCommand("grafana-prod")], {
            input: secrets.grafanaAdminPassword, encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` },
        });
        assert.equal(result.status, 0, result.stderr);
        const argv = fs.readFileSync(path.join(dir, "argv"), "utf8");
        assert.match(argv, /exec -i grafana-prod grafana cli admin reset-admin-password --password-from-stdin/);
        assert.ok(!argv.includes(secrets.grafanaAdminPassword), argv);
        assert.equal(fs.readFileSync(path.join(dir, "stdin"), "utf8"), `${secrets.grafanaAdminPassword}\n`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
