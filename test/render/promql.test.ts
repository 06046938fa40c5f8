// PromQL from parts: values from the stack configuration end up quoted, names only after they passed
// Prometheus' grammar, windows only as Prometheus durations.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eq, labelName, matchers, metricName, ne, nre, quote, rangeSelector, re, selector } from "../../render/promql";

test("each matcher kind is written with its PromQL operator and a quoted value", () => {
    assert.equal(matchers([eq("job", "api"), ne("mode", "idle"), re("status", "5.."), nre("path", "/health")]),
        'job="api",mode!="idle",status=~"5..",path!~"/health"');
});

test("control characters in a value are written as escapes PromQL reads back", () => {
    assert.equal(quote("a\"b\\c\n\t\r"), '"a\\"b\\\\c\\n\\t\\r"');
    assert.equal(quote("\u0001x\u001f\u007f"), '"\\x01x\\x1f\\x7f"');
});

test("a metric name may hold colons, a label name may not; both refuse what PromQL cannot read, naming the kind", () => {
    assert.equal(metricName("job:requests:rate5m"), "job:requests:rate5m");
    assert.equal(labelName("status_code"), "status_code");
    assert.throws(() => metricName("5xx_total"), { message: '"5xx_total" is not a valid Prometheus metric name' });
    assert.throws(() => labelName("a:b"), { message: '"a:b" is not a valid Prometheus label name' });
    assert.throws(() => matchers([eq("bad-label", "x")]), { message: '"bad-label" is not a valid Prometheus label name' });
});

test("a selector is the bare metric, metric{matchers} or {matchers}, and needs one of them", () => {
    assert.equal(selector("up"), "up");
    assert.equal(selector("up", eq("job", "api")), 'up{job="api"}');
    assert.equal(selector("", eq("job", "api")), '{job="api"}');
    assert.throws(() => selector(""), { message: "a selector needs a metric name or a matcher" });
});

test("a range selector takes Prometheus durations, compound ones included, and refuses anything else", () => {
    assert.equal(rangeSelector("15m", "up"), "up[15m]");
    assert.equal(rangeSelector("1h30m", "up", eq("job", "api")), 'up{job="api"}[1h30m]');
    assert.equal(rangeSelector("500ms", "up"), "up[500ms]");
    for (const bad of ["5", "m5", "x5m", "5mx", "5m 1h", "", "5M"]) {
        assert.throws(() => rangeSelector(bad, "up"), { message: `${JSON.stringify(bad)} is not a Prometheus duration` }, bad);
    }
});
