// Outside-in probes run by the blackbox exporter on the monitoring host (issue 14).
// Types only; config/ fills them, render/ turns them into blackbox modules, scrape jobs, rules.

export type ProbeKind = "http" | "tcp" | "icmp" | "dns";

interface ProbeBase {
    /** Unique; the `probe` label on its series and alerts. */
    readonly name: string;
    readonly kind: ProbeKind;
    /** Extra labels on the probe's series. */
    readonly labels: Readonly<Record<string, string>>;
}

export interface HttpProbe extends ProbeBase {
    readonly kind: "http";
    /** http:// or https:// URL. */
    readonly url: string;
    /** Status codes that count as success (default: any 2xx). */
    readonly validStatusCodes: readonly number[];
    /** Regex the body must match (fail_if_body_not_matches_regexp). */
    readonly bodyRegex?: string;
}

export interface TcpProbe extends ProbeBase {
    readonly kind: "tcp";
    /** host:port */
    readonly target: string;
    readonly tls: boolean;
}

export interface IcmpProbe extends ProbeBase {
    readonly kind: "icmp";
    readonly host: string;
}

export interface DnsProbe extends ProbeBase {
    readonly kind: "dns";
    /** The resolver to ask (host or host:port). */
    readonly server: string;
    /** The name to resolve. */
    readonly queryName: string;
    readonly queryType: "A" | "AAAA" | "CNAME" | "MX" | "TXT" | "NS";
}

export type Probe = HttpProbe | TcpProbe | IcmpProbe | DnsProbe;
