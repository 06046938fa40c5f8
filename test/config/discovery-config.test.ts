// The Hetzner discovery keys (config/discovery.ts): all three or none, each refused by key with the
// fix, and no discovery handed on while anything is wrong.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseHetznerDiscovery, type DiscoveryInput } from "../../config/discovery";
import { parseStackConfig } from "../../config/parse";

const input = (fields: Partial<DiscoveryInput>): DiscoveryInput => ({ label: "monitoring=fleet", network: "vpsm-private", token: "t0ken", withoutSecrets: false, ...fields });
const labelProblem = (label: string) => `hetznerDiscoveryLabelSelector: "${label}" must be one Hetzner label as name=value, e.g. monitoring=fleet ` +
    "(Hetzner's full selector syntax needs Prometheus 3.5's label_selector; see README \"Fleet alerts\")";
const tokenProblem = "hetznerDiscoveryToken: required with hetznerDiscoveryLabelSelector; set a read-only Hetzner API token with " +
    "`pulumi config set --secret hetznerDiscoveryToken <token>`";

test("discovery off: all three keys empty, an empty token included, is no discovery and no problem", () => {
    assert.deepEqual(parseHetznerDiscovery(input({ label: "", network: "", token: "" })), { problems: [] });
    assert.deepEqual(parseHetznerDiscovery(input({ label: "", network: "", token: undefined })), { problems: [] });
});

test("a network without a selector is refused for the selector, and the token is still asked for", () => {
    assert.deepEqual(parseHetznerDiscovery(input({ label: "", token: undefined })), { problems: [labelProblem(""), tokenProblem] });
});

test("a selector without =value is refused with the form it needs", () => {
    assert.deepEqual(parseHetznerDiscovery(input({ label: "monitoring" })), { problems: [labelProblem("monitoring")] });
});

test("a selector without a network is refused with what the network is for", () => {
    assert.deepEqual(parseHetznerDiscovery(input({ network: "" })), {
        problems: ["hetznerDiscoveryNetwork: \"\" must name the Hetzner private network the servers are attached to (scraped on its addresses only; servers not on it are ignored)"],
    });
});

test("an empty token is refused with the command that sets it; for render, a missing token is an empty one", () => {
    assert.deepEqual(parseHetznerDiscovery(input({ token: "" })), { problems: [tokenProblem] });
    assert.deepEqual(parseStackConfig("test", { hetznerSshKeyName: "deploy", hetznerDiscoveryLabelSelector: "monitoring=fleet", hetznerDiscoveryNetwork: "vpsm-private" },
        { withoutSecrets: true }).monitoring.hetznerDiscovery, { label: { name: "monitoring", value: "fleet" }, network: "vpsm-private", token: "" });
});
