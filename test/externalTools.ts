// Real tools the tests run (promtool, amtool, the Debian binaries): present in CI, where .ci/run
// installs them, optional on a developer's machine.
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The part of node:test's context used here (its type is not exported by @types/node 20.9). */
export interface Skippable {
    skip(message?: string): void;
}

/** Debian packages that provide each tool. */
const debianPackage: Readonly<Record<string, string>> = {
    promtool: "prometheus",
    amtool: "prometheus-alertmanager",
    "cloud-init": "cloud-init",
    iptables: "iptables",
    ip: "iproute2",
    setpriv: "util-linux",
    restic: "restic",
    sqlite3: "sqlite3",
};

/** Values of `CI` that mean "not CI"; anything else non-empty (true, 1, yes, TRUE…) means CI. */
const notCi = new Set(["", "0", "false", "no", "off"]);

/**
 * The one rule for "are we in CI": any truthy `CI` variable, as CI services set it (GitHub:
 * `true`, others `1` or `yes`); `.ci/run` exports `CI=true` itself.
 */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
    return !notCi.has((env.CI ?? "").trim().toLowerCase());
}

/** A missing prerequisite: a failure in CI (which installs everything), a skip with `message` elsewhere. */
export function prerequisiteMissing(t: Skippable, message: string, env: NodeJS.ProcessEnv = process.env): void {
    if (isCi(env)) assert.fail(message);
    t.skip(message);
}

/** True when `tool` runs; otherwise the test fails in CI and is skipped, with the install command, elsewhere. */
export function toolAvailable(t: Skippable, tool: string): boolean {
    const probe = spawnSync(tool, ["--version"], { encoding: "utf8" });
    if (!probe.error) return true;
    prerequisiteMissing(t, `${tool} not found (${probe.error.message}); install it with \`apt-get install ${debianPackage[tool] ?? tool}\``);
    return false;
}

/** Runs a tool and asserts it exits 0, showing its output when it does not. */
export function runTool(tool: string, args: readonly string[], cwd?: string): void {
    const result = spawnSync(tool, args, { encoding: "utf8", cwd });
    assert.equal(result.error, undefined, `${tool} did not run: ${result.error?.message}`);
    assert.equal(result.status, 0, `${tool} ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
}

/** Inputs of runs that passed, by hash: a tool is not re-run on byte-identical files. */
const passedRuns = new Set<string>();

/**
 * Writes `files` (relative path → content) to a fresh directory and runs the tool there, asserting
 * it exits 0. A passing run is remembered by its inputs, so a process that renders the same files
 * again (the in-process mutation runner, for every mutant that leaves them unchanged) does not pay
 * for the tool again; a failing run is never remembered.
 */
export function runToolInDir(tool: string, args: readonly string[], files: ReadonlyMap<string, string>): void {
    const hash = createHash("sha256").update(JSON.stringify([tool, args, [...files].sort(([a], [b]) => a.localeCompare(b))])).digest("hex");
    if (passedRuns.has(hash)) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${tool}-`));
    try {
        for (const [name, content] of files) {
            fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
            fs.writeFileSync(path.join(dir, name), content);
        }
        runTool(tool, args, dir);
        passedRuns.add(hash);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
