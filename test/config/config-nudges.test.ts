// The warnings `pulumi up` prints (index.ts prints what config/nudges.ts returns): the dead man's
// switch nudge while deadMansSwitchUrl is unset, nothing once it is set.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deadMansSwitchNudge, deployWarnings } from "../../config/nudges";
import { parseStackConfig } from "../../config/parse";

const parse = (raw: Record<string, unknown>) => parseStackConfig("test", { hetznerSshKeyName: "deploy", ...raw }).monitoring;

test("without deadMansSwitchUrl: one warning that says what the switch is for and how to set it", () => {
    assert.deepEqual(deployWarnings(parse({})), [deadMansSwitchNudge]);
    assert.match(deadMansSwitchNudge, /nobody will notice when this monitoring stops/);
    assert.match(deadMansSwitchNudge, /Watchdog alert pings an outside service every 1m/);
    assert.match(deadMansSwitchNudge, /`pulumi config set --secret deadMansSwitchUrl https:\/\/hc-ping\.com\/<uuid>`/);
    assert.match(deadMansSwitchNudge, /healthchecks\.io's free Hobbyist plan/);
});

test("with deadMansSwitchUrl set (an empty value counts as unset): no warning", () => {
    assert.deepEqual(deployWarnings(parse({ deadMansSwitchUrl: "https://hc-ping.com/0000" })), []);
    assert.deepEqual(deployWarnings(parse({ deadMansSwitchUrl: "" })), [deadMansSwitchNudge]);
});
