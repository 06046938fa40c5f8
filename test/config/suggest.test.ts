// "Did you mean …" (config/suggest.ts): the distance it ranks by, which names it offers and how
// the message lists them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closest, didYouMean, editDistance } from "../../config/suggest";

test("edit distance: insertions, deletions and substitutions count one each, a swap of neighbours one, case none", () => {
    const cases: [string, string, number][] = [
        ["", "ab", 2], ["ab", "", 2], ["x", "ab", 2], ["ab", "ab", 0], ["AB", "ab", 0],
        ["ab", "ba", 1], ["retentoin", "retention", 1], ["abc", "bca", 2],
        // One diagonal match is no swap.
        ["ab", "ca", 2], ["ab", "bc", 2], ["abx", "cay", 3], ["abx", "bcy", 3],
    ];
    for (const [a, b, d] of cases) assert.equal(editDistance(a, b), d, `${a} → ${b}`);
});

test("closest: the nearest names within a third of the word (at least one edit), at most three, in the candidates' order", () => {
    assert.deepEqual(closest("ip", ["ipv", "dns"]), ["ipv"]);
    assert.deepEqual(closest("grafanPrt", ["grafanaPort", "grafanaImage"]), ["grafanaPort"]);
    assert.deepEqual(closest("kez", ["key", "kex", "kea", "keg", "kez2"]), ["key", "kex", "kea"]);
    assert.deepEqual(closest("port", ["sshPort", "grafanaPort"]), []);
});

test("closest: a word of four letters or more also finds the names it begins like, at most three", () => {
    const retention = ["retentionTime", "retentionSize", "retentionDays", "retentionBytes"];
    assert.deepEqual(closest("retentoin", retention), ["retentionTime", "retentionSize", "retentionDays"]);
    assert.deepEqual(closest("rete", retention), ["retentionTime", "retentionSize", "retentionDays"]);
    assert.deepEqual(closest("ret", retention), []);
});

test("didYouMean lists one, two or three names as a sentence, shown as given", () => {
    assert.equal(didYouMean("ipv5", ["ipv4"]), "did you mean ipv4?");
    assert.equal(didYouMean("ipv5", ["ipv4", "ipv6"]), "did you mean ipv4 or ipv6?");
    assert.equal(didYouMean("kez", ["key", "kex", "kea"], (n) => `mon:${n}`), "did you mean mon:key, mon:kex or mon:kea?");
    assert.equal(didYouMean("zzzzzz", ["ipv4"]), undefined);
});
