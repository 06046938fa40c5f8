// Image upgrades that roll back. When a pinned image changes, this script runs on the host before
// Pulumi touches the container: it pulls the new image, validates the current configuration with
// the new image's own checker (the swap's check, render/swap.ts, on the release the service runs),
// replaces the container with one on the new image (same command line, mounts and data), and waits
// for it to be healthy. If it is not healthy in time, it replaces it again with the image it ran
// before (still on the host: images are kept locally) and fails, so `pulumi up` stops with
// "rolled back" and Pulumi's state keeps the old image, which is what runs. On success Pulumi then
// replaces the container once more, with the same image, so its state owns the final container.
// Pure: a plan in, bash text out; test/integration/upgrade.test.ts runs it with injected steps.
import type { MonitoringConfig } from "../model/stack";
import { stackNames } from "../model/names";
import { serviceHosts, type RenderedService } from "./services";
import { serviceDataDir } from "./dataVolume";
import { shellFunction as fn, shellQuote } from "./hostCommands";

/** Shell bodies the script calls; `$image` is the image to act on. */
export interface UpgradeSteps {
    /** Prints the image (id) the running container was created from; prints nothing when there is none. */
    readonly current: string;
    readonly pull: string;
    /** Exits 0 when the running container already runs `$image` (nothing to upgrade). */
    readonly runs: string;
    /** The new image's checker on the configuration the service runs; exits non-zero with its words. */
    readonly check: string;
    /** Removes the container and starts one from `$image` with the same settings and data. */
    readonly replace: string;
    readonly healthy: string;
    readonly logs: string;
}

export interface UpgradePlan {
    /** Name in messages. */
    readonly service: string;
    /** The pinned image the stack now names. */
    readonly image: string;
    readonly deadlineSeconds: number;
    readonly steps: UpgradeSteps;
}

/** Seconds a new image has to become healthy before the old one comes back. */
export const upgradeDeadlineSeconds = 90;

export function renderUpgradeScript(plan: UpgradePlan): string {
    const s = plan.steps;
    return `# Image upgrade of ${plan.service} (rendered by render/upgrade.ts).
set -u
service=${shellQuote(plan.service)}
new=${shellQuote(plan.image)}
deadline=${plan.deadlineSeconds}
say() { printf '%s: %s\\n' "$service" "$*" >&2; }
${fn("current", s.current)}
${fn("pull", s.pull)}
${fn("runs", s.runs)}
${fn("check", s.check)}
${fn("replace", s.replace)}
${fn("healthy", s.healthy)}
${fn("logs", s.logs)}
wait_healthy() {
  end=$(( $(date +%s) + deadline ))
  until healthy >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then return 1; fi
    sleep 1
  done
}

old=$(current)
if [ -z "$old" ]; then say "no container yet: it starts on $new"; exit 0; fi
image=$new
if ! pull; then say "cannot pull $new; nothing was changed, $old keeps running"; exit 1; fi
if runs; then say "already runs $new"; exit 0; fi
if ! report=$(check 2>&1); then
  say "the checker of $new refuses the current configuration; nothing was changed, $old keeps running:"
  printf '%s\\n' "$report" >&2
  exit 1
fi
if replace && wait_healthy; then
  say "upgraded from $old to $new: healthy"
  exit 0
fi
say "$new is not healthy within \${deadline}s:"
logs >&2 || true
image=$old
if replace && wait_healthy; then
  say "rolled back: running the previous image $old again, with its data; this upgrade was not applied"
else
  say "ROLLBACK FAILED as well: the previous image $old is not healthy either"
fi
exit 1
`;
}

/** `docker` commands that recreate one container of the stack from `$image`, as Service creates it. */
export function dockerReplaceCommand(m: MonitoringConfig, r: RenderedService): string {
    const q = shellQuote;
    const names = r.instance.names;
    const spec = r.spec;
    const hostPort = spec.hostPort?.(m);
    const dataDir = serviceDataDir(m, spec, r.instance);
    const network = stackNames(m.stack).network;
    const create = [
        "docker", "create", "--name", q(names.container),
        "--restart", "unless-stopped", "--memory", `${r.settings.memoryMb}m`, "--memory-swap", `${r.settings.memoryMb}m`,
        "--log-driver", "json-file", "--log-opt", q(`max-size=${m.logMaxSize}`), "--log-opt", q(`max-file=${m.logMaxFiles}`),
        "--health-cmd", q(r.healthcheck), "--health-interval", "30s", "--health-timeout", "5s", "--health-retries", "3", "--health-start-period", "30s",
        ...(spec.setUser ? ["--user", String(spec.uid)] : []),
        ...(hostPort === undefined ? [] : ["-p", q(`127.0.0.1:${hostPort}:${spec.containerPort}`)]),
        ...r.binds.flatMap((b) => ["-v", q(`${b.hostPath}:${b.containerPath}:ro`)]),
        ...(spec.dataPath === undefined ? [] : ["-v", q(`${dataDir ?? names.volume}:${spec.dataPath}`)]),
        ...Object.entries(r.envs ?? {}).flatMap(([k, v]) => ["-e", q(`${k}=${v}`)]),
        ...(serviceHosts(spec) ?? []).flatMap((h) => ["--add-host", q(`${h.host}:${h.ip}`)]),
        ...(spec.networks === "host" ? ["--network", "host", "--pid", "host"] : ["--network", q(network), "--network-alias", q(names.alias)]),
        '"$image"',
        ...(r.command ?? []).map(q),
    ].join(" ");
    const connects = spec.networks === "stackAndApps" ? m.appNetworks.map((n) => `docker network connect ${q(n)} ${q(names.container)}`) : [];
    return [`docker rm -f ${q(names.container)} >/dev/null 2>&1 || true`, `${create} >/dev/null`, ...connects, `docker start ${q(names.container)} >/dev/null`].join(" &&\n");
}

/** The product's steps for one container: Docker on the host; the check on the release it runs. */
export function dockerUpgradeSteps(m: MonitoringConfig, r: RenderedService, serviceDir: string | undefined): UpgradeSteps {
    const c = shellQuote(r.instance.names.container);
    // The swap's check reads `$candidate`: here, the release the service runs now.
    const check = r.swap && serviceDir !== undefined
        ? `candidate=$(readlink -f ${shellQuote(`${serviceDir}/current`)}) && ${r.swap.check.replaceAll(shellQuote(r.settings.image), '"$image"')}`
        : "true";
    return {
        // The image id: Pulumi creates containers from the id, and a rollback needs no registry.
        current: `docker inspect -f '{{.Image}}' ${c} 2>/dev/null || true`,
        pull: `docker pull "$image" >/dev/null`,
        runs: `[ "$(docker image inspect -f '{{.Id}}' "$image")" = "$old" ]`,
        check,
        replace: dockerReplaceCommand(m, r),
        healthy: `docker exec ${c} sh -c ${shellQuote(r.healthcheck)}`,
        logs: `docker logs --tail 15 ${c} 2>&1`,
    };
}
