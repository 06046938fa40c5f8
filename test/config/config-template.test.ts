// The template's placeholder is refused wherever it is left, in the forms Pulumi passes values.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../../config/parse";
import { projectDir } from "../../config/stackFiles";
import { linesToChange, placeholderProblems, stackFileFromTemplate, stackTemplateFile, templatePlaceholder } from "../../config/template";

test("a placeholder is found in plain, nested and JSON-text values (as `pulumi config` passes structured keys), never in secrets", () => {
    const problems = placeholderProblems({
        sshPublicKey: "ssh-ed25519 CHANGE-ME",
        apps: [{ job: "api", targets: ["CHANGE-ME:8000"] }],
        receivers: JSON.stringify([{ name: "t", type: "telegram", chatId: "CHANGE-ME" }]),
        grafanaAdminPassword: { secure: "AAABCHANGE-ME" },
        retentionTime: "15d",
    }, "mine");
    assert.deepEqual(problems.map((p) => p.split(":")[0]), ["sshPublicKey", "apps[0].targets[0]", "receivers[0].chatId"]);
    assert.match(problems[0], /still the template's CHANGE-ME; set it as the "# CHANGE:" comment on its line in Pulumi\.mine\.yaml says$/);
});

test("the parser refuses a value still holding the placeholder even where its form would pass", () => {
    assert.throws(() => parseStackConfig("mine", { hetznerSshKeyName: "k", appNetworks: [templatePlaceholder] }),
        (e: ConfigError) => e.problems.length === 1 && e.problems[0].startsWith("appNetworks[0]: still the template's CHANGE-ME"));
});

test("the template marks lines after their value only, and takes only stack names", () => {
    const template = fs.readFileSync(path.join(projectDir, stackTemplateFile), "utf8");
    const marked = linesToChange(stackFileFromTemplate(template, "mine"));
    assert.ok(marked.length >= 5);
    for (const m of marked) {
        assert.ok(m.text.includes(templatePlaceholder), `line ${m.line} holds the placeholder`);
        assert.ok(m.what.length > 10, `line ${m.line} says what to put there`);
    }
    for (const bad of ["", "../x", "a/b", "-x", "has space"]) assert.throws(() => stackFileFromTemplate(template, bad), /is not a stack name/, bad);
});

test("linesToChange: each marked value's line number, the text before the marker and what to put there; comment lines never", () => {
    const file = [
        "# Lines marked # CHANGE: must be changed",
        "config:",
        "  mon:sshPublicKey: CHANGE-ME   # CHANGE:   your public key  ",
        "    # an indented comment about # CHANGE: markers",
        "  mon:location: fsn1",
        "  mon:hosts: [CHANGE-ME] # CHANGE: the hosts #",
    ].join("\n");
    assert.deepEqual(linesToChange(file), [
        { line: 3, text: "  mon:sshPublicKey: CHANGE-ME", what: "your public key" },
        { line: 6, text: "  mon:hosts: [CHANGE-ME]", what: "the hosts #" },
    ]);
});

test("JSON text is looked into only when it starts with [ or {; a list item holding JSON text is named by its own path", () => {
    assert.deepEqual(placeholderProblems({ hosts: ['{"name":"CHANGE-ME"}'] }, "prod"),
        [`hosts[0].name: still the template's CHANGE-ME; set it as the "# CHANGE:" comment on its line in Pulumi.prod.yaml says`]);
    assert.deepEqual(placeholderProblems({ note: ' {"a": "CHANGE-ME"}' }, "prod"),
        [`note: still the template's CHANGE-ME; set it as the "# CHANGE:" comment on its line in Pulumi.prod.yaml says`]);
});
