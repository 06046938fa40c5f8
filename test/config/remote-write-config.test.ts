// remoteWrite, victoriaMetrics* and grafanaMode/Url/Token (config/remoteWrite.ts): what a stack
// gets from good values, and the exact message, naming the key and the fix, for each bad one.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { parseStackConfig, type ParseOptions } from "../../config/parse";
import { projectDefaults, readProject } from "../../config/stackFiles";
import type { StackConfig } from "../../model/stack";
import type { RemoteWriteTarget } from "../../model/remoteWrite";
import { refusalProblems } from "../configProblems";

const valid: Record<string, unknown> = { ...projectDefaults(readProject()), sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@laptop" };
const writeUrl = "https://vm.example.com/api/v1/write";
const store = (fields: Record<string, unknown> = {}) => ({ name: "central", url: writeUrl, ...fields });

function parse(config: Record<string, unknown>, options: ParseOptions = {}): StackConfig {
    return parseStackConfig("test", { ...valid, ...config }, options);
}

function problems(config: Record<string, unknown>, options: ParseOptions = {}): readonly string[] {
    return refusalProblems(() => parse(config, options), config);
}

/** The one remoteWrite target a stack with this single item gets. */
function target(fields: Record<string, unknown>, options: ParseOptions = {}): RemoteWriteTarget {
    const targets = parse({ remoteWrite: [store(fields)] }, options).monitoring.remote.remoteWrite;
    assert.equal(targets.length, 1);
    return targets[0];
}

const itemProblems = (fields: Record<string, unknown>, options: ParseOptions = {}) => problems({ remoteWrite: [store(fields)] }, options);

test("a store's URL: http on a private network and https are accepted; anything else is named with the fix", () => {
    assert.equal(target({ url: "http://10.0.0.5:8428/api/v1/write" }).url, "http://10.0.0.5:8428/api/v1/write");
    assert.equal(target({}).url, writeUrl);
    assert.deepEqual(itemProblems({ url: "not a url" }),
        ['remoteWrite[0].url: "not a url" is not a URL; write it like https://vm.example.com/api/v1/write']);
    assert.deepEqual(itemProblems({ url: "ftp://vm.example.com/write" }),
        ['remoteWrite[0].url: "ftp://vm.example.com/write" must start with https:// (or http:// on a private network)']);
});

test("a store's URL without credentials in it: a user name alone or a password alone is refused too", () => {
    const fix = "holds credentials; remove user:password@ and set remoteWrite[0].username and remoteWrite[0].password (a secret) instead";
    for (const url of ["https://user@vm.example.com/api/v1/write", "https://:secret@vm.example.com/api/v1/write", "https://user:secret@vm.example.com/api/v1/write"]) {
        assert.deepEqual(itemProblems({ url }), [`remoteWrite[0].url: "${url}" ${fix}`], url);
    }
});

test("an empty url is a missing one; an empty queryUrl is no query URL", () => {
    assert.deepEqual(itemProblems({ url: "" }), ["remoteWrite[0].url: required: the store's write URL, e.g. https://vm.example.com/api/v1/write"]);
    assert.equal("queryUrl" in target({ queryUrl: "" }), false);
    assert.equal(target({ queryUrl: "https://vm.example.com/prometheus" }).queryUrl, "https://vm.example.com/prometheus");
});

test("a store's name: lowercase letters, digits and -, checked from its first to its last character", () => {
    assert.equal(target({ name: "eu-central-1" }).name, "eu-central-1");
    for (const name of ["Central", "-central", "central_1", "central!"]) {
        assert.deepEqual(itemProblems({ name }), [`remoteWrite[0].name: "${name}" must be lowercase letters, digits and -`], name);
    }
});

test("headers: a name outside RFC 9110 and an empty or non-text value are refused by header", () => {
    assert.deepEqual(target({ headers: { "X-Scope-OrgID": "tenant-1" } }).headers, { "X-Scope-OrgID": "tenant-1" });
    assert.deepEqual(itemProblems({ headers: { "X Scope": "tenant-1" } }),
        ["remoteWrite[0].headers.X Scope: is not an HTTP header name; use letters, digits and -"]);
    const valueFix = "expected a text value; set it with `pulumi config set --secret --path 'remoteWrite[0].headers.<Name>' <value>`";
    assert.deepEqual(itemProblems({ headers: { "X-Scope-OrgID": "" } }), [`remoteWrite[0].headers.X-Scope-OrgID: ${valueFix}`]);
    assert.deepEqual(itemProblems({ headers: { "X-Scope-OrgID": 7 } }), [`remoteWrite[0].headers.X-Scope-OrgID: ${valueFix}`]);
});

test("dropMetrics takes RE2 regular expressions only; dropLabels only the user's own labels", () => {
    assert.deepEqual(target({ dropMetrics: ["go_.*"], dropLabels: ["pod"] }).dropMetrics, ["go_.*"]);
    assert.deepEqual(itemProblems({ dropMetrics: ["go_(.*"] }),
        ['remoteWrite[0].dropMetrics[0]: "go_(.*" is not an RE2 regular expression; write it like go_.* or node_scrape_collector_.*']);
    const labels = ["__name__", "__meta_x", "job", "instance", "environment", "host", "bad-label"];
    assert.deepEqual(itemProblems({ dropLabels: labels }), labels.map((l, i) =>
        `remoteWrite[0].dropLabels[${i}]: "${l}" cannot be dropped; name a label of your own (not job, instance, environment, host or __*)`));
    assert.deepEqual(target({ dropLabels: ["pod__", "cluster"] }).dropLabels, ["pod__", "cluster"]);
});

test("auth: none without credentials, basic from username and password, each half alone named", () => {
    assert.deepEqual(target({}).auth, { kind: "none" });
    assert.deepEqual(target({ username: "u", password: "p" }).auth, { kind: "basic", username: "u", password: "p" });
    assert.deepEqual(target({ bearerToken: "t" }).auth, { kind: "bearer", token: "t" });
    assert.deepEqual(itemProblems({ password: "p" }), ["remoteWrite[0].username: password is set but username is not; set remoteWrite[0].username too"]);
    assert.deepEqual(itemProblems({ username: "u" }),
        ["remoteWrite[0].password: username is set but password is not; set it with `pulumi config set --secret --path 'remoteWrite[0].password' <password>`"]);
    for (const half of [{ username: "u" }, { password: "p" }, { username: "u", password: "p" }]) {
        assert.deepEqual(itemProblems({ bearerToken: "t", ...half }), ["remoteWrite[0].bearerToken: set either bearerToken or username and password, not both"], JSON.stringify(half));
    }
    // npm run render, which cannot decrypt the password: basic auth with an empty one.
    assert.deepEqual(target({ username: "u" }, { withoutSecrets: true }).auth, { kind: "basic", username: "u", password: "" });
});

test("an invalid store is no store: a push host still needs a valid one", () => {
    const pushHost = { name: "edge-1", push: true, ssh: { user: "deploy", address: "edge-1.example.net", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPushHostKey" } };
    const found = problems({ remoteWrite: [{ name: "central" }], hosts: [pushHost] });
    assert.ok(found.some((p) => p.startsWith("hosts[0].push: a push host needs a remoteWrite store it can reach")), found.join("\n"));
});

const external = { grafanaMode: "external", grafanaUrl: "https://acme.grafana.net", grafanaToken: "glsa_x", remoteWrite: [store({ queryUrl: "https://vm.example.com/prometheus" })] };

test("an external Grafana keeps its URL and token; without the token under npm run render, an empty one", () => {
    assert.deepEqual(parse(external).monitoring.remote.grafana, { mode: "external", url: "https://acme.grafana.net", token: "glsa_x" });
    assert.deepEqual(parse({ ...external, grafanaToken: undefined }, { withoutSecrets: true }).monitoring.remote.grafana,
        { mode: "external", url: "https://acme.grafana.net", token: "" });
});

test("an external Grafana's URL is required and checked like a store's, credentials going to grafanaToken", () => {
    assert.deepEqual(problems({ ...external, grafanaUrl: undefined }),
        ["grafanaUrl: required with grafanaMode external; set it to your Grafana's URL, e.g. https://example.grafana.net"]);
    assert.deepEqual(problems({ ...external, grafanaUrl: "ftp://acme.grafana.net" }),
        ['grafanaUrl: "ftp://acme.grafana.net" must start with https:// (or http:// on a private network)']);
    assert.deepEqual(problems({ ...external, grafanaUrl: "https://admin:pw@acme.grafana.net" }),
        [`grafanaUrl: "https://admin:pw@acme.grafana.net" holds credentials; remove user:password@ and put the service account's token in grafanaToken (a secret) instead`]);
});

test("an external Grafana reads from a store with a queryUrl: one such store among several is enough", () => {
    const grafana = parse({ ...external, remoteWrite: [store({ name: "backup" }), ...external.remoteWrite] }).monitoring.remote.grafana;
    assert.equal(grafana.mode, "external");
    assert.deepEqual(problems({ ...external, remoteWrite: [store()] }), [
        "grafanaMode: external Grafana cannot reach Prometheus on the monitoring host; give a remoteWrite entry a queryUrl (the store's Prometheus-compatible query endpoint) for its dashboards to read",
    ]);
});

test("with the embedded Grafana, grafanaUrl or grafanaToken alone is refused as unread", () => {
    const unread = "grafanaUrl: only read with grafanaMode external; remove grafanaUrl and grafanaToken or set grafanaMode: external";
    assert.deepEqual(problems({ grafanaUrl: "https://acme.grafana.net" }), [unread]);
    assert.deepEqual(problems({ grafanaToken: "glsa_x" }), [unread]);
});
