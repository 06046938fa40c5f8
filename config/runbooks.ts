// Where the alerts' runbooks are on the web: the key runbookBaseUrl, or else the page of
// docs/runbooks.md in the repository this program was cloned from, derived from its git remote.
// Pure: the remote's URL comes in (config/program.ts reads it), a web address goes out.
import { runbookFile } from "../model/alerts";

/** What the program knows of the repository it runs from. */
export interface RepositoryOrigin {
    /** `git remote get-url origin`: https://github.com/acme/monitoring.git, git@gitlab.com:acme/ops/monitoring.git … */
    readonly remoteUrl: string;
    /** The remote's default branch when known (origin/HEAD); else the forge's `HEAD`, which means the same. */
    readonly defaultBranch?: string;
}

/**
 * host and path of a remote, from its https, ssh:// or scp-like (`git@host:path`) form; user
 * names and tokens (`https://user:token@host/…`) are dropped, so they never reach a rule file.
 */
function hostAndPath(remoteUrl: string): { host: string; path: string } | undefined {
    const text = remoteUrl.trim();
    const url = /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+)$/.exec(text);
    const scp = url ? undefined : /^(?:[^@/]+@)?([^/:]+):(?!\/)(.+)$/.exec(text);
    const m = url ?? scp;
    if (!m) return undefined;
    const path = m[2].replace(/\.git\/?$/, "").replace(/\/+$/, "");
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/.test(path)) return undefined;
    return { host: m[1].toLowerCase(), path };
}

/**
 * The web address of docs/runbooks.md on the remote's default branch, for GitHub and GitLab
 * (gitlab.com and self-hosted hosts named gitlab…); undefined for any other forge or form.
 */
export function runbookBaseFromRemote(origin: RepositoryOrigin): string | undefined {
    const where = hostAndPath(origin.remoteUrl);
    if (!where) return undefined;
    const branch = origin.defaultBranch ?? "HEAD";
    if (where.host === "github.com" && where.path.split("/").length === 2) return `https://github.com/${where.path}/blob/${branch}/${runbookFile}`;
    if (/^gitlab\./.test(where.host)) return `https://${where.host}/${where.path}/-/blob/${branch}/${runbookFile}`;
    return undefined;
}

/** A runbookBaseUrl the rules can link to: http(s), no spaces, no fragment (each alert adds its own). */
export const runbookBasePattern = /^https?:\/\/[^\s#"'<>]+$/;
