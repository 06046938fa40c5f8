// The `probes` key: outside-in checks run by the blackbox exporter (model/probes.ts). Each item
// names its `kind` (http, tcp, icmp, dns) and that kind's fields; a field of another kind, a
// mistyped field, a bad URL or host is refused by key and index with the fix, like every
// structured key (config/fields.ts).
import { z } from "zod";
import type { DnsProbe, HttpProbe, IcmpProbe, Probe, ProbeKind, TcpProbe } from "../model/probes";
import { isRecord } from "../model/typeGuards";
import { labelNamePattern } from "../render/promql";
import { checkedText, flag, hostNamePattern, isRegExp, isTarget, item, list, notRe2, oneOf, optional, wholeNumber } from "./fields";
import { isIpv4Address, isIpv6Address } from "./units";

export const probeKinds: readonly ProbeKind[] = ["http", "tcp", "icmp", "dns"];
export const dnsQueryTypes = ["A", "AAAA", "CNAME", "MX", "TXT", "NS"] as const;

const isHost = (v: string) => hostNamePattern.test(v) || isIpv4Address(v) || isIpv6Address(v);

/** Labels the probe's series already carry, or Prometheus reserves. */
function reservedLabelProblem(name: string): string | undefined {
    if (["job", "instance", "probe"].includes(name)) {
        return `${name} is set by the probe's scrape job (job probe-<kind>, instance the target, probe the name); remove it`;
    }
    if (name.startsWith("__")) return "names starting with __ are reserved for Prometheus' own labels; remove it or rename it";
    if (!labelNamePattern.test(name)) return "not a valid Prometheus label name; use letters, digits and _, not starting with a digit";
    return undefined;
}

const probeLabels = z.record(z.string(), z.unknown(), { error: "expected a map of label name to value" }).default({})
    .transform((labels, ctx) => Object.fromEntries(Object.entries(labels).map(([name, value]) => {
        const problems = [reservedLabelProblem(name), ["string", "number", "boolean"].includes(typeof value) ? undefined : `expected a text value, got ${JSON.stringify(value)}`];
        for (const message of problems.filter((p) => p !== undefined)) ctx.issues.push({ code: "custom", input: value, path: [name], message });
        return [name, String(value)];
    })));

const isHttpUrl = (v: string) => {
    try {
        const url = new URL(v);
        return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
        return false;
    }
};

const common = {
    name: checkedText((v) => /^[a-z0-9][a-z0-9-]*$/.test(v), "must be lowercase letters, digits and -, e.g. website or api-health"),
    kind: checkedText(() => true, ""),
    labels: probeLabels,
};

/** Each kind's fields, besides name, kind and labels. */
const kindFields = {
    http: {
        url: checkedText(isHttpUrl, "is not an http:// or https:// URL; write it like https://example.com/health"),
        validStatusCodes: list(wholeNumber(200, 100, 599)),
        bodyRegex: optional(checkedText(isRegExp, "is not a regular expression; write it like \"status\":\\s*\"ok\"")
            .refine((v) => !notRe2.test(v), { error: (iss) => `"${String(iss.input)}" uses lookaround or a backreference, which the blackbox exporter's regular expressions (RE2) lack` })),
    },
    tcp: {
        target: checkedText(isTarget, "is not host:port; write it like db.example.com:5432 (no scheme, no path)"),
        tls: flag(false),
    },
    icmp: {
        host: checkedText(isHost, "is not a host name or IP address; write it like example.com or 203.0.113.7"),
    },
    dns: {
        server: checkedText((v) => isHost(v) || isTarget(v), "is not a resolver address; write it like 1.1.1.1 or ns1.example.com:53"),
        queryName: checkedText((v) => hostNamePattern.test(v), "is not a DNS name; write it like example.com"),
        queryType: oneOf(dnsQueryTypes, "A", `must be one of ${dnsQueryTypes.join(", ")}`),
    },
} as const satisfies Record<ProbeKind, z.ZodRawShape>;

const kindSchemas = {
    http: item({ ...common, ...kindFields.http }, "an http probe").transform((p): HttpProbe =>
        ({ name: p.name, kind: "http", labels: p.labels, url: p.url, validStatusCodes: p.validStatusCodes, ...(p.bodyRegex === undefined ? {} : { bodyRegex: p.bodyRegex }) })),
    tcp: item({ ...common, ...kindFields.tcp }, "a tcp probe").transform((p): TcpProbe =>
        ({ name: p.name, kind: "tcp", labels: p.labels, target: p.target, tls: p.tls })),
    icmp: item({ ...common, ...kindFields.icmp }, "an icmp probe").transform((p): IcmpProbe =>
        ({ name: p.name, kind: "icmp", labels: p.labels, host: p.host })),
    dns: item({ ...common, ...kindFields.dns }, "a dns probe").transform((p): DnsProbe =>
        ({ name: p.name, kind: "dns", labels: p.labels, server: p.server, queryName: p.queryName, queryType: p.queryType })),
} as const;

const isProbeKind = (v: string): v is ProbeKind => (probeKinds as readonly string[]).includes(v);

/** One probe: its `kind` picks the fields it may have. */
const probeSchema = z.unknown().transform((raw, ctx): Probe | undefined => {
    if (!isRecord(raw)) return void ctx.issues.push({ code: "custom", input: raw, message: "expected an object with name, kind and the kind's fields" });
    const kind = String(raw.kind ?? "");
    if (!isProbeKind(kind)) {
        return void ctx.issues.push({ code: "custom", input: raw, path: ["kind"],
            message: `"${kind}" is not a probe kind; set {item}.kind to one of ${probeKinds.join(", ")} (http: url; tcp: target; icmp: host; dns: server and queryName)` });
    }
    const parsed = kindSchemas[kind].safeParse(raw);
    for (const iss of parsed.error?.issues ?? []) ctx.issues.push({ code: "custom", input: raw, path: iss.path, message: iss.message });
    return parsed.data;
});

/** The `probes` list: every probe valid, names unique (each is the `probe` label and a module name). */
export const probesSchema = list(probeSchema).transform((probes, ctx): Probe[] => {
    const names = probes.map((p) => p?.name);
    names.forEach((n, i) => {
        if (n !== undefined && names.indexOf(n) !== i) {
            ctx.issues.push({ code: "custom", input: n, path: [i, "name"], message: `"${n}" is used twice; every probe needs its own name` });
        }
    });
    return probes.filter((p): p is Probe => p !== undefined);
});
