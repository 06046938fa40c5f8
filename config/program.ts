// The configuration the running Pulumi program sees: Pulumi.yaml defaults (applied here too,
// because runtime mocks do not apply them), overlaid with the stack's values. Keys outside the
// project's namespace are passed along so that misplaced ones are refused with the rest.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./parse";
import { StackConfig } from "../model/stack";
import { projectDefaults, projectDir, providerNamespaces, readProject, splitProjectKeys } from "./stackFiles";
import { execFileSync } from "child_process";
import type { RepositoryOrigin } from "./runbooks";

export function loadProgramConfig(): StackConfig {
    const project = readProject();
    const { values, outsideKeys } = splitProjectKeys(project.name, pulumi.runtime.allConfig());
    return parseStackConfig(pulumi.getStack(), { ...projectDefaults(project), ...values }, {
        source: { project: project.name, providerNamespaces: providerNamespaces(), outsideKeys },
        // runbookBaseUrl's default: docs/runbooks.md of the repository this program is deployed from.
        repository: repositoryOrigin(),
    });
}

// runbookBaseUrl's default: the git remote of the clone the program runs from, read here at the
// impure edge (the derivation is pure, in runbooks.ts). Without git, a clone or a remote, nothing is
// known, and the alerts carry their runbook's first step instead of a link.
function git(dir: string, args: readonly string[]): string | undefined {
    try {
        const out = execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 }).trim();
        return out === "" ? undefined : out;
    } catch {
        return undefined;
    }
}

/** origin's URL and default branch (origin/HEAD, set by `git clone`), or undefined. */
export function repositoryOrigin(dir = projectDir): RepositoryOrigin | undefined {
    const remoteUrl = git(dir, ["remote", "get-url", "origin"]);
    if (remoteUrl === undefined) return undefined;
    const head = git(dir, ["symbolic-ref", "--short", "refs/remotes/origin/HEAD"]);
    return { remoteUrl, defaultBranch: head?.replace(/^origin\//, "") };
}
