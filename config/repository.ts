// The git remote of the repository the program runs from, read with git at program time (the
// pure derivation of the runbooks' address is in runbooks.ts). Without git, a clone or a remote,
// nothing is known, and the alerts carry their runbook's first step instead of a link.
import { execFileSync } from "child_process";
import { projectDir } from "./stackFiles";
import type { RepositoryOrigin } from "./runbooks";

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
