// The keys of Hetzner server discovery (model/discovery.ts): a server label selector, the private
// network to scrape on, and a read-only API token (secret). All three or none.
import type { HetznerDiscovery } from "../model/discovery";

export const discoveryKeys = {
    label: "hetznerDiscoveryLabelSelector",
    network: "hetznerDiscoveryNetwork",
    token: "hetznerDiscoveryToken",
} as const;

/** Hetzner label keys and values (their API's rules): alphanumerics with `-_.` inside, keys optionally prefixed `domain/`. */
const labelKeyPattern = /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const labelValuePattern = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;
/** Hetzner network names: printable, no spaces, at most 63 characters (kept simple and quotable). */
const networkPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export interface DiscoveryInput {
    readonly label: string;
    readonly network: string;
    readonly token?: string;
    /** `npm run render`: a missing token is not an error. */
    readonly withoutSecrets: boolean;
}

export function parseHetznerDiscovery(input: DiscoveryInput): { readonly discovery?: HetznerDiscovery; readonly problems: string[] } {
    const problems: string[] = [];
    const { label, network, token } = input;
    if (label === "" && network === "") {
        if (token !== undefined && token !== "") problems.push(`${discoveryKeys.token}: set, but ${discoveryKeys.label} is empty; set the selector or remove the token`);
        return { problems };
    }
    const eq = label.indexOf("=");
    const name = eq < 0 ? label : label.slice(0, eq);
    const value = eq < 0 ? "" : label.slice(eq + 1);
    if (eq < 0 || !labelKeyPattern.test(name) || !labelValuePattern.test(value)) {
        problems.push(`${discoveryKeys.label}: "${label}" must be one Hetzner label as name=value, e.g. monitoring=fleet ` +
            "(Hetzner's full selector syntax needs Prometheus 3.5's label_selector; see README \"Fleet alerts\")");
    }
    if (!networkPattern.test(network)) {
        problems.push(`${discoveryKeys.network}: "${network}" must name the Hetzner private network the servers are attached to ` +
            "(scraped on its addresses only; servers not on it are ignored)");
    }
    if ((token === undefined || token === "") && !input.withoutSecrets) {
        problems.push(`${discoveryKeys.token}: required with ${discoveryKeys.label}; set a read-only Hetzner API token with ` +
            `\`pulumi config set --secret ${discoveryKeys.token} <token>\``);
    }
    if (problems.length > 0) return { problems };
    return { discovery: { label: { name, value }, network, token: token ?? "" }, problems };
}
