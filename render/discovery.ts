// The scrape job of Hetzner server discovery (model/discovery.ts) and its token file. Pure.
//
// Prometheus versions: `hetzner_sd_configs` with `role: hcloud` and `authorization.credentials_file`
// exist in 2.42 (Debian's promtool) and in the 3.x image; `label_selector` (filtering in the
// Hetzner API) only from 3.5, and 2.42 refuses it. So the label is matched with a `keep` relabel
// on `__meta_hetzner_hcloud_label_<name>`, which both accept (rehearsal/skew.ts).
import { containerUids } from "../model/catalog";
import type { HetznerDiscovery } from "../model/discovery";
import { fleetAgentPorts } from "../model/fleet";
import type { MonitoringConfig } from "../model/stack";
import { hostDirs, secretsDir, type RenderedFile } from "./files";
import { fleetJobs, hostLabelName, prometheusReleasePath } from "./fleetScrape";

/** The token file, relative to the prometheus release (written mode 0400 like every secret). */
export const hetznerTokenFile = `${secretsDir}/hetzner-sd-token`;

/** How often the server list is read from the Hetzner API (its rate limit is 3600 requests an hour). */
export const hetznerRefreshInterval = "5m";

/** Prometheus' meta label name for a Hetzner label or network name: every other character becomes `_`. */
export function metaLabelSuffix(name: string): string {
    return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** RE2, anchored by Prometheus: the value literally. */
function literalRegex(value: string): string {
    return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface RelabelConfig {
    readonly source_labels?: readonly string[];
    readonly regex?: string;
    readonly action?: "keep" | "replace";
    readonly target_label?: string;
    readonly replacement?: string;
}

export interface HetznerScrapeConfig {
    readonly job_name: string;
    readonly hetzner_sd_configs: readonly {
        readonly role: "hcloud";
        readonly authorization: { readonly credentials_file: string };
        readonly refresh_interval: string;
    }[];
    readonly relabel_configs: readonly RelabelConfig[];
}

export function hetznerScrapeConfig(d: HetznerDiscovery): HetznerScrapeConfig {
    const privateIp = `__meta_hetzner_hcloud_private_ipv4_${metaLabelSuffix(d.network)}`;
    return {
        job_name: fleetJobs.hetznerNode,
        hetzner_sd_configs: [{ role: "hcloud", authorization: { credentials_file: prometheusReleasePath(hetznerTokenFile) }, refresh_interval: hetznerRefreshInterval }],
        relabel_configs: [
            // Only servers carrying the label (label_selector would do this from Prometheus 3.5 on).
            { source_labels: [`__meta_hetzner_hcloud_label_${metaLabelSuffix(d.label.name)}`], regex: literalRegex(d.label.value), action: "keep" },
            // Only servers on the private network, scraped there: never a public address.
            { source_labels: [privateIp], regex: ".+", action: "keep" },
            { source_labels: [privateIp], regex: "(.+)", target_label: "__address__", replacement: `$1:${fleetAgentPorts({ redis: [] }).nodeExporter}` },
            { source_labels: ["__meta_hetzner_server_name"], target_label: hostLabelName },
        ],
    };
}

export function hetznerScrapeConfigs(m: Pick<MonitoringConfig, "hetznerDiscovery">): HetznerScrapeConfig[] {
    return m.hetznerDiscovery === undefined ? [] : [hetznerScrapeConfig(m.hetznerDiscovery)];
}

/** The token, as a secret file of the prometheus release. */
export function hetznerTokenFiles(m: Pick<MonitoringConfig, "hetznerDiscovery">): RenderedFile[] {
    if (m.hetznerDiscovery === undefined) return [];
    return [{ path: `${hostDirs.prometheus}/${hetznerTokenFile}`, content: m.hetznerDiscovery.token, secret: true, owner: containerUids.prometheus }];
}
