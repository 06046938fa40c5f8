// The `probes` key and the blackbox exporter's settings: each kind parsed into model/probes.ts,
// every mistake refused by key and index with the fix, and the exporter on only while there is
// something to probe.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { hetznerServerTypes, hostReservedMemoryMb } from "../../model/catalog";
import { blackboxExporterDefaults } from "../../model/services";
import { containerMemoryMb, type StackConfig } from "../../model/stack";
import { refusalProblems } from "../configProblems";

const base = { hetznerSshKeyName: "deploy" };

function parse(raw: Record<string, unknown>): StackConfig {
    return parseStackConfig("test", { ...base, ...raw });
}

function problems(raw: Record<string, unknown>): readonly string[] {
    return refusalProblems(() => parse(raw), raw);
}

const probe = (fields: Record<string, unknown>) => problems({ probes: [fields] });

test("each kind of probe is read with its defaults: any 2xx, no TLS, an A record", () => {
    const m = parse({
        probes: [
            { name: "shop", kind: "http", url: "https://shop.example.com/health", validStatusCodes: [200, "301"], bodyRegex: "\"status\":\\s*\"ok\"", labels: { team: "web" } },
            { name: "landing", kind: "http", url: "http://example.com" },
            { name: "db", kind: "tcp", target: "db.example.com:5432" },
            { name: "smtps", kind: "tcp", target: "mail.example.com:465", tls: "true" },
            { name: "gateway", kind: "icmp", host: "203.0.113.1" },
            { name: "resolver", kind: "dns", server: "1.1.1.1", queryName: "example.com" },
            { name: "mx", kind: "dns", server: "ns1.example.com:53", queryName: "example.com", queryType: "MX" },
        ],
    }).monitoring;
    assert.deepEqual(m.probes, [
        { name: "shop", kind: "http", labels: { team: "web" }, url: "https://shop.example.com/health", validStatusCodes: [200, 301], bodyRegex: "\"status\":\\s*\"ok\"" },
        { name: "landing", kind: "http", labels: {}, url: "http://example.com", validStatusCodes: [] },
        { name: "db", kind: "tcp", labels: {}, target: "db.example.com:5432", tls: false },
        { name: "smtps", kind: "tcp", labels: {}, target: "mail.example.com:465", tls: true },
        { name: "gateway", kind: "icmp", labels: {}, host: "203.0.113.1" },
        { name: "resolver", kind: "dns", labels: {}, server: "1.1.1.1", queryName: "example.com", queryType: "A" },
        { name: "mx", kind: "dns", labels: {}, server: "ns1.example.com:53", queryName: "example.com", queryType: "MX" },
    ]);
});

test("probes arrive as JSON from `pulumi config set --path` too", () => {
    const m = parse({ probes: JSON.stringify([{ name: "db", kind: "tcp", target: "db:5432" }]) }).monitoring;
    assert.deepEqual(m.probes.map((p) => p.name), ["db"]);
});

test("a probe without a known kind is refused with the kinds and what each needs", () => {
    assert.deepEqual(probe({ name: "x", url: "https://example.com" }), [
        "probes[0].kind: \"\" is not a probe kind; set probes[0].kind to one of http, tcp, icmp, dns (http: url; tcp: target; icmp: host; dns: server and queryName)",
    ]);
    assert.match(probe({ name: "x", kind: "https", url: "https://example.com" })[0], /^probes\[0\]\.kind: "https" is not a probe kind/);
    assert.deepEqual(problems({ probes: ["https://example.com"] }), ["probes[0]: expected an object with name, kind and the kind's fields"]);
});

test("each kind's required field, by key and index", () => {
    assert.deepEqual(problems({ probes: [{ name: "ok", kind: "icmp", host: "example.com" }, { name: "web", kind: "http" }] }),
        ["probes[1].url: required; set it with `pulumi config set probes[1].url <value>`"]);
    assert.deepEqual(probe({ name: "db", kind: "tcp" }), ["probes[0].target: required; set it with `pulumi config set probes[0].target <value>`"]);
    assert.deepEqual(probe({ kind: "icmp", host: "example.com" }), ["probes[0].name: required; set it with `pulumi config set probes[0].name <value>`"]);
    assert.deepEqual(probe({ name: "r", kind: "dns", server: "1.1.1.1" }), ["probes[0].queryName: required; set it with `pulumi config set probes[0].queryName <value>`"]);
});

test("malformed values are refused with an example of a good one", () => {
    assert.deepEqual(probe({ name: "web", kind: "http", url: "ftp://example.com/" }),
        ["probes[0].url: \"ftp://example.com/\" is not an http:// or https:// URL; write it like https://example.com/health"]);
    assert.deepEqual(probe({ name: "web", kind: "http", url: "example.com/health" }),
        ["probes[0].url: \"example.com/health\" is not an http:// or https:// URL; write it like https://example.com/health"]);
    assert.deepEqual(probe({ name: "web", kind: "http", url: "https://example.com", validStatusCodes: [200, 700] }),
        ["probes[0].validStatusCodes[1]: 700 is not a whole number from 100 to 599"]);
    assert.match(probe({ name: "web", kind: "http", url: "https://example.com", bodyRegex: "(?=ok)" })[0],
        /^probes\[0\]\.bodyRegex: "\(\?=ok\)" uses lookaround or a backreference, which the blackbox exporter's regular expressions \(RE2\) lack$/);
    assert.match(probe({ name: "web", kind: "http", url: "https://example.com", bodyRegex: "(" })[0], /^probes\[0\]\.bodyRegex: "\(" is not a regular expression/);
    assert.deepEqual(probe({ name: "db", kind: "tcp", target: "https://db:5432" }),
        ["probes[0].target: \"https://db:5432\" is not host:port; write it like db.example.com:5432 (no scheme, no path)"]);
    assert.deepEqual(probe({ name: "db", kind: "tcp", target: "db:99999" }),
        ["probes[0].target: \"db:99999\" is not host:port; write it like db.example.com:5432 (no scheme, no path)"]);
    assert.deepEqual(probe({ name: "gw", kind: "icmp", host: "203.0.113.1:80" }),
        ["probes[0].host: \"203.0.113.1:80\" is not a host name or IP address; write it like example.com or 203.0.113.7"]);
    assert.deepEqual(probe({ name: "r", kind: "dns", server: "1.1.1.1", queryName: "example.com", queryType: "SRV" }),
        ["probes[0].queryType: \"SRV\" must be one of A, AAAA, CNAME, MX, TXT, NS"]);
    assert.deepEqual(probe({ name: "Web Site", kind: "icmp", host: "example.com" }),
        ["probes[0].name: \"Web Site\" must be lowercase letters, digits and -, e.g. website or api-health"]);
    assert.deepEqual(probe({ name: "db", kind: "tcp", target: "db:5432", tls: "yes" }), ["probes[0].tls: \"yes\" is not true or false"]);
});

test("a field of another kind, or a mistyped one, is refused by name with the kind's fields", () => {
    assert.deepEqual(probe({ name: "r", kind: "dns", server: "1.1.1.1", queryName: "example.com", url: "https://example.com" }),
        ["probes[0].url: a dns probe has no field url; remove it; its fields are name, kind, labels, server, queryName, queryType"]);
    assert.match(probe({ name: "web", kind: "http", url: "https://example.com", validStatusCode: [200] })[0],
        /^probes\[0\]\.validStatusCode: an http probe has no field validStatusCode; did you mean probes\[0\]\.validStatusCodes\?/);
});

test("names are unique: each is the probe label and a module name", () => {
    assert.deepEqual(problems({ probes: [{ name: "web", kind: "icmp", host: "a.example" }, { name: "web", kind: "icmp", host: "b.example" }] }),
        ["probes[1].name: \"web\" is used twice; every probe needs its own name"]);
});

test("labels the probe's job sets, or Prometheus reserves, are refused", () => {
    for (const label of ["job", "instance", "probe"]) {
        assert.match(probe({ name: "gw", kind: "icmp", host: "example.com", labels: { [label]: "x" } })[0], new RegExp(`^probes\\[0\\]\\.labels\\.${label}: ${label} is set by the probe's scrape job`));
    }
    assert.match(probe({ name: "gw", kind: "icmp", host: "example.com", labels: { __param_module: "x" } })[0], /^probes\[0\]\.labels\.__param_module: names starting with __ are reserved/);
    assert.match(probe({ name: "gw", kind: "icmp", host: "example.com", labels: { "team-name": "x" } })[0], /^probes\[0\]\.labels\.team-name: not a valid Prometheus label name/);
});

test("the blackbox exporter runs only with probes, pinned, with its memory counted against the server", () => {
    const without = parse({}).monitoring;
    assert.deepEqual(without.blackboxExporter, { ...blackboxExporterDefaults, enabled: false });
    const withProbe = parse({ probes: [{ name: "gw", kind: "icmp", host: "example.com" }], blackboxExporterMemoryMb: 96 }).monitoring;
    assert.deepEqual(withProbe.blackboxExporter, { image: blackboxExporterDefaults.image, memoryMb: 96, enabled: true });
    assert.equal(containerMemoryMb(withProbe) - containerMemoryMb(without), 96);
    assert.match(problems({ blackboxExporterImage: "prom/blackbox-exporter:latest" })[0], /^blackboxExporterImage: "prom\/blackbox-exporter:latest" is not pinned/);
    assert.match(problems({ blackboxExporterMemoryMb: 8 })[0], /^blackboxExporterMemoryMb: 8 is not a whole number from 16/);
    // A server whose memory the other containers fill exactly: the exporter no longer fits.
    const available = hetznerServerTypes.cx23 - hostReservedMemoryMb;
    const full = { prometheusMemoryMb: available - containerMemoryMb(without) + without.prometheus.memoryMb };
    assert.doesNotThrow(() => parse(full));
    assert.match(problems({ ...full, probes: [{ name: "gw", kind: "icmp", host: "example.com" }] })[0], /^serverType: the containers' memory limits add up to/);
});

test("probe label values may be numbers or flags and become text; a map is refused", () => {
    assert.deepEqual(parse({ probes: [{ name: "gw", kind: "icmp", host: "example.com", labels: { tier: 1, public: true } }] }).monitoring.probes[0].labels, { tier: "1", public: "true" });
    assert.deepEqual(probe({ name: "gw", kind: "icmp", host: "example.com", labels: { x: { a: 1 } } }), ["probes[0].labels.x: expected a text value, got {\"a\":1}"]);
});

test("a probe name with _ is refused: it must be lowercase letters, digits and - throughout", () => {
    assert.deepEqual(probe({ name: "web_site", kind: "icmp", host: "example.com" }),
        ["probes[0].name: \"web_site\" must be lowercase letters, digits and -, e.g. website or api-health"]);
});
