// The swap script: how a configuration change reaches a running service, or does not.
// Pure: a plan in, POSIX shell text out. The components run it on the host after Pulumi has
// written the new files to a staging directory; the rehearsal runs the same text against local
// processes; test/integration/swap.test.ts runs it with Debian's promtool and amtool.
//
// Layout of a service's host directory (mounted read-only into its container):
//   releases/<id>/…       one directory per validated file set, never edited after the check
//   current -> releases/<id>   what the service reads (its command line points through it)
//   previous -> releases/<id>  the release before, kept for rollback
// A bind mount pins a directory inode, so renaming a directory on the host would not change
// what the container sees; replacing the `current` symlink (rename(2) of a new link over it)
// does, atomically: the service sees either the old release or the new one, never a mix.
//
// Steps: copy the manifest's files from staging into a new release; run the service's own
// checker on it (nothing changes when it refuses, and its message is the script's output);
// point `current` at it; reload; wait until the service reports the new configuration loaded
// and is healthy. A refused reload or a deadline passed points `current` back at the previous
// release and reloads again, then fails. Whatever happens, `current` names a release that passed
// the checker and, unless the script says the rollback failed, the one the service runs: a
// restart starts on the last good files.
import { containerUids } from "../model/catalog";
import { fileMode } from "./files";
import { shellFunction as fn, shellQuote } from "./hostCommands";

export { shellQuote } from "./hostCommands";
import type { RenderedFile } from "./files";

/** One file of a release, relative to the service directory. */
export interface ReleaseFile {
    readonly path: string;
    readonly mode: "0400" | "0444";
    readonly owner: number;
}

/**
 * Shell bodies the script calls; each may read `$candidate` (the new release directory) and
 * `$previous` (the release before, empty on the first deploy).
 */
export interface SwapSteps {
    /** The service's own checker on `$candidate`; exits non-zero with its message when it refuses. */
    readonly check: string;
    /** Exits 0 when the service process runs (otherwise it reads `current` when it starts). */
    readonly running: string;
    /** Exits 0 when this change needs a reload (Grafana: only when its provisioning changed). */
    readonly needsReload: string;
    /** Tells the service to re-read its files. */
    readonly reload: string;
    /** Prints `ok <stamp>` or `failed <stamp>`: the outcome and identity of the last load. */
    readonly status: string;
    /** Exits 0 when the service is healthy. */
    readonly healthy: string;
    /** Prints the service's recent log lines, for the failure message. */
    readonly logs: string;
}

export interface SwapPlan {
    /** Name in messages, e.g. "prometheus". */
    readonly service: string;
    /** Host directory holding releases/ and current (mounted into the container). */
    readonly serviceDir: string;
    /** Host directory Pulumi wrote the new files to. */
    readonly stagingDir: string;
    readonly files: readonly ReleaseFile[];
    /** Prefix file operations with sudo (the deploy user is not root; locally we may be). */
    readonly asRoot: boolean;
    /** Seconds the reload and health check may take before the change is rolled back. */
    readonly deadlineSeconds: number;
    readonly steps: SwapSteps;
}

/** Default deadline for a reload to take effect and the service to be healthy again. */
export const swapDeadlineSeconds = 60;

/** The release files of one service: rendered files below `hostDir`, relative to it. */
export function releaseFiles(files: readonly Pick<RenderedFile, "path" | "secret" | "owner">[], hostDir: string): ReleaseFile[] {
    const prefix = `${hostDir}/`;
    return files.map((f) => {
        if (!f.path.startsWith(prefix)) throw new Error(`${f.path} is not below ${hostDir}/`);
        return { path: f.path.slice(prefix.length), mode: fileMode(f.secret), owner: f.owner };
    });
}

export function renderSwapScript(plan: SwapPlan): string {
    const s = plan.steps;
    if (plan.files.length === 0) throw new Error(`${plan.service}: a release needs at least one file`);
    for (const f of plan.files) {
        if (f.path.startsWith("/") || f.path.split("/").includes("..")) throw new Error(`${plan.service}: release path ${f.path} leaves the release`);
    }
    const copies = plan.files.map((f) => `put ${f.mode} ${f.owner} ${shellQuote(f.path)}`).join("\n");
    return `# Swap script for ${plan.service} (rendered by render/swap.ts).
set -u
service=${shellQuote(plan.service)}
dir=${shellQuote(plan.serviceDir)}
staging=${shellQuote(plan.stagingDir)}
deadline=${plan.deadlineSeconds}
as_root=${plan.asRoot ? "sudo" : "''"}
say() { printf '%s: %s\\n' "$service" "$*" >&2; }
${fn("check", s.check)}
${fn("running", s.running)}
${fn("needs_reload", s.needsReload)}
${fn("reload", s.reload)}
${fn("status", s.status)}
${fn("healthy", s.healthy)}
${fn("logs", s.logs)}
# Points current at releases/$1 with one rename(2).
activate() { $as_root ln -sfn "releases/$1" "$dir/.$2.new" && $as_root mv -T "$dir/.$2.new" "$dir/$2"; }
# Reloads the service and waits, up to the deadline, for the new load to succeed and the service
# to be healthy. Sets why on failure.
take_effect() {
  if ! running; then say "not running; it will read release $(readlink "$dir/current") when it starts"; return 0; fi
  before=$(status)
  # Load stamps may count whole seconds: reload in a later second than the last load.
  t0=$(date +%s); while [ "$(date +%s)" = "$t0" ]; do sleep 0.1; done
  end=$(( $(date +%s) + deadline ))
  if ! reload; then why="the reload command failed"; return 1; fi
  while :; do
    now=$(status)
    # An empty or unexpected answer (the service busy or restarting) means: ask again.
    if [ "$now" != "$before" ]; then
      case "$now" in
        "ok "*) break ;;
        "failed "*) why="the service refused the new files ($now)"; return 1 ;;
      esac
    fi
    if [ "$(date +%s)" -ge "$end" ]; then why="no new configuration loaded within \${deadline}s (still: $now)"; return 1; fi
    sleep 0.5
  done
  until healthy; do
    if [ "$(date +%s)" -ge "$end" ]; then why="not healthy within \${deadline}s of the reload"; return 1; fi
    sleep 0.5
  done
}

id=$(date -u +%Y%m%dT%H%M%SZ)-$$
candidate="$dir/releases/$id"
previous=""
if [ -L "$dir/current" ]; then previous="$dir/releases/$(basename "$(readlink "$dir/current")")"; fi
$as_root install -d -m 0755 "$dir/releases" "$candidate" || { say "cannot create $candidate"; exit 1; }
discard() { $as_root rm -rf "$candidate"; }
put() {
  $as_root install -D -m "$1" -o "$2" -g "$2" "$staging/$3" "$candidate/$3" || { discard; say "the staged file $staging/$3 is missing"; exit 1; }
}
${copies}

if ! report=$(check 2>&1); then
  discard
  say "the checker refused the new files; nothing was changed, the service keeps running release $(basename "\${previous:-none}"):"
  printf '%s\\n' "$report" >&2
  exit 1
fi

reload_needed=yes
if [ -n "$previous" ] && ! needs_reload; then reload_needed=no; fi
activate "$id" current || { discard; say "cannot point $dir/current at $id"; exit 1; }
if [ "$reload_needed" = no ] || take_effect; then
  if [ -n "$previous" ]; then activate "$(basename "$previous")" previous; fi
  for r in "$dir"/releases/*; do
    case "$(basename "$r")" in "$id"|"$(basename "\${previous:-none}")") ;; *) $as_root rm -rf "$r" ;; esac
  done
  say "release $id is current"
  exit 0
fi

say "$why"
logs >&2 || true
if [ -z "$previous" ]; then
  say "no previous release to roll back to; $dir/current stays at $id"
  exit 1
fi
activate "$(basename "$previous")" current
if take_effect; then
  discard
  say "rolled back: running the previous release $(basename "$previous") again; this change was not applied"
else
  say "ROLLBACK FAILED as well: $why; current points at the previous release $(basename "$previous")"
fi
exit 1
`;
}

/** How the script reaches one service process: in its container (product) or as a local process (rehearsal). */
export interface ServiceAccess {
    readonly running: string;
    /** Sends SIGHUP: Prometheus and Alertmanager re-read their files on it. */
    readonly hangUp: string;
    readonly restart: string;
    /** Prints the body of GET http://127.0.0.1:<port><path>, from where the service listens. */
    get(urlPath: string): string;
    /** Prints `running <start time>` or `stopped <start time>`. */
    readonly state: string;
    readonly logs: string;
}

/**
 * A service in a Docker container: signals through the Docker API, status read inside the
 * container's own network namespace (`docker exec`), so nothing goes over an app network and no
 * HTTP endpoint can change the service.
 */
export function dockerAccess(containerName: string, containerPort: number): ServiceAccess {
    const c = shellQuote(containerName);
    return {
        running: `[ "$(docker inspect -f '{{.State.Running}}' ${c} 2>/dev/null)" = true ]`,
        hangUp: `docker kill --signal HUP ${c} >/dev/null`,
        restart: `docker restart ${c} >/dev/null`,
        get: (urlPath) => `docker exec ${c} wget -q -O - ${shellQuote(`http://127.0.0.1:${containerPort}${urlPath}`)}`,
        state: `docker inspect -f '{{if .State.Running}}running{{else}}stopped{{end}} {{.State.StartedAt}}' ${c}`,
        logs: `docker logs --tail 15 ${c} 2>&1`,
    };
}

/** Prometheus reports the outcome of its last load in runtimeinfo (reloadConfigSuccess, lastConfigTime). */
export function prometheusStatus(access: ServiceAccess): string {
    return `${access.get("/api/v1/status/runtimeinfo")} | sed -n 's/.*"reloadConfigSuccess":\\([a-z]*\\).*"lastConfigTime":"\\([^"]*\\)".*/\\1 \\2/p' | sed 's/^true /ok /; s/^false /failed /'`;
}

/** Alertmanager reports it in its metrics: last reload successful (0/1) and the time of the last success. */
export function alertmanagerStatus(access: ServiceAccess): string {
    return `${access.get("/metrics")} | awk '$1 == "alertmanager_config_last_reload_successful" { ok = $2 } $1 == "alertmanager_config_last_reload_success_timestamp_seconds" { at = $2 } END { print (ok == "1" ? "ok" : "failed"), at }'`;
}

/** Prometheus and Alertmanager: SIGHUP re-reads the files; runtime status says whether it worked. */
export function prometheusSteps(access: ServiceAccess, check: string): SwapSteps {
    return {
        check, running: access.running, needsReload: "true", reload: access.hangUp,
        status: prometheusStatus(access), healthy: `${access.get("/-/healthy")} >/dev/null`, logs: access.logs,
    };
}

export function alertmanagerSteps(access: ServiceAccess, check: string): SwapSteps {
    return {
        check, running: access.running, needsReload: "true", reload: access.hangUp,
        status: alertmanagerStatus(access), healthy: `${access.get("/-/healthy")} >/dev/null`, logs: access.logs,
    };
}

/**
 * Grafana reads datasource provisioning only at start-up and has no offline checker: its files
 * are parsed when rendered (render/grafana.ts), and the proof here is Grafana itself, restarted on
 * the new release, answering /api/health before the deadline. Only the admin password file
 * changing needs no restart (the password reset applies it); dashboards are provisioned from
 * files too, so they restart it as well.
 */
export function grafanaSteps(access: ServiceAccess): SwapSteps {
    return {
        check: "true",
        running: access.running,
        needsReload: `! $as_root diff -rq -x secrets "$previous" "$candidate" >/dev/null 2>&1`,
        reload: access.restart,
        status: `${access.state} | sed 's/^running /ok /; s/^stopped /failed /'`,
        healthy: `${access.get("/api/health")} | grep -q '"database": *"ok"'`,
        logs: access.logs,
    };
}

/**
 * The pinned image's own checker on the candidate release, mounted where the service would see
 * it (so every path in the files resolves), without network, as the user that reads the files.
 */
export function imageCheck(image: string, entrypoint: string, mount: string, args: readonly string[], uid: number): string {
    return `docker run --rm --network none --user ${uid} --entrypoint ${shellQuote(entrypoint)} -v "$candidate:${mount}:ro" ${shellQuote(image)} ${args.map(shellQuote).join(" ")}`;
}

export function promtoolCheck(image: string, configDir: string): string {
    return imageCheck(image, "promtool", configDir, ["check", "config", `${configDir}/prometheus.yml`], containerUids.prometheus);
}

export function amtoolCheck(image: string, configDir: string): string {
    return imageCheck(image, "amtool", configDir, ["check-config", `${configDir}/alertmanager.yml`], containerUids.alertmanager);
}
