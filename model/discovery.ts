// Servers that join the fleet by themselves (issue 13): Hetzner servers carrying a label are found
// through the Hetzner API (Prometheus' hetzner_sd_configs) and scraped on their private address.
// config/discovery.ts fills it; render/discovery.ts renders the scrape job.

export interface HetznerDiscovery {
    /** The server label that makes a server a fleet host: `name=value`. */
    readonly label: { readonly name: string; readonly value: string };
    /** Name of the Hetzner private network whose address is scraped (servers not on it are ignored). */
    readonly network: string;
    /** Hetzner API token (read-only is enough). Secret: written to a file Prometheus reads. */
    readonly token: string;
}
