// The unit every renderer produces: one file on the host, below the stack's configRoot, and the
// YAML form every renderer writes.
import { dump } from "js-yaml";

export interface RenderedFile {
    /** Path relative to configRoot, e.g. "prometheus/prometheus.yml". Also the resource name suffix. */
    readonly path: string;
    readonly content: string;
    /** Credentials: deployed as a Pulumi secret, mode 0400, never printed by `npm run render`. */
    readonly secret: boolean;
    /** Numeric uid of the container user that reads the file. */
    readonly owner: number;
}

// hostDirs is a fact about the services (model/catalog.ts); re-exported for the renderers.
import { hostDirs } from "../model/catalog";
export { hostDirs };

/** Secrets live in a `secrets/` folder inside the service's directory. */
export const secretsDir = "secrets";

/**
 * Pulumi writes a configured service's files below configRoot/staging/<service dir> first; the
 * swap script (swap.ts) validates them there before any of them can reach the service.
 */
export const stagingDir = "staging";

/** Mode of a deployed file: secrets are readable by their owner only. */
export function fileMode(secret: boolean): "0400" | "0444" {
    return secret ? "0400" : "0444";
}

/** Service directories whose files are swapped in as releases, read through `current` (swap.ts). */
export const releasedDirs: readonly string[] = [hostDirs.prometheus, hostDirs.alertmanager, hostDirs.grafana, hostDirs.blackboxExporter];

/** Where a rendered file is read on the host once deployed: through `current` for released services. */
export function deployedPath(configRoot: string, file: Pick<RenderedFile, "path">, current: string): string {
    const [dir, ...rest] = file.path.split("/");
    return releasedDirs.includes(dir) ? `${configRoot}/${dir}/${current}/${rest.join("/")}` : `${configRoot}/${file.path}`;
}

/** First line of the configuration files a person may open on the host. */
export const renderedHeader = "# Rendered by Pulumi from the stack configuration; local edits are overwritten.\n";

/**
 * YAML as every renderer (and the rehearsal's rewrites) writes it: long lines (PromQL, URLs, keys)
 * are never folded, and an object used twice is written out twice instead of as an anchor and alias.
 */
export function yamlText(doc: unknown): string {
    return dump(doc, { lineWidth: -1, noRefs: true });
}
