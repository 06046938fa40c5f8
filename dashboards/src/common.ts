// Shared building blocks for the dashboards: the pinned Prometheus datasource, queries, the
// three panel kinds (time series, stat, table) with units, and threshold steps built from the
// stack's alert thresholds.
/// <reference path="./grafana-sdk.d.ts" />
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanelBuilder } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { datasourceUids } from "../../render/mixin";

/** The datasource every panel and query uses (its uid is the one render/grafana.ts provisions). */
export const prometheusDatasource: common.DataSourceRef = { type: "prometheus", uid: datasourceUids.prometheus };

/** Schema version written into every dashboard (Grafana 12.1). */
export const schemaVersion = 41;

export interface Query {
    readonly expr: string;
    readonly legend?: string;
}

export type Step = readonly [value: number | null, color: string];

/** Green, then red from `limit`: the value where the panel's alert fires. */
export function redFrom(limit: number): Step[] {
    return [[null, "green"], [limit, "red"]];
}

/** Green, orange from `warning`, red from `critical`: an alert's two severities, or an early band before its one limit. */
export function orangeRedFrom(warning: number, critical: number): Step[] {
    return [[null, "green"], [warning, "orange"], [critical, "red"]];
}

/** Headroom (free space, available memory): red below `critical`, orange below `warning`, green above. */
export function redOrangeBelow(critical: number, warning: number): Step[] {
    return [[null, "red"], [critical, "orange"], [warning, "green"]];
}

/** Percentage points before a one-severity percent alert's limit from which its panel is orange. */
export const earlyWarningPoints = 10;

export interface PanelOptions {
    readonly unit?: string;
    readonly min?: number;
    readonly max?: number;
    /** Threshold steps, the first with value null (base colour). */
    readonly thresholds?: readonly Step[];
    readonly width?: number;
    readonly height?: number;
    readonly description?: string;
    readonly stacked?: boolean;
    readonly mappings?: dashboard.ValueMapping[];
    /**
     * Shown instead of "No data" where the series legitimately does not exist for some selection
     * (a master has no master link); the rehearsal still requires data for another selection.
     */
    readonly noValue?: string;
}

export type DashboardPanel = StatPanelBuilder | TablePanelBuilder | TimeseriesPanelBuilder;

function queries(qs: readonly Query[], instant: boolean, table: boolean): DataqueryBuilder[] {
    return qs.map((q, i) => {
        const b = new DataqueryBuilder().datasource(prometheusDatasource).refId(String.fromCharCode(65 + i)).expr(q.expr);
        if (q.legend !== undefined) b.legendFormat(q.legend);
        if (instant) b.instant();
        else b.range();
        if (table) b.format(PromQueryFormat.Table);
        return b;
    });
}

function thresholds(steps: readonly Step[]): dashboard.ThresholdsConfigBuilder {
    return new dashboard.ThresholdsConfigBuilder()
        .mode(dashboard.ThresholdsMode.Absolute)
        .steps(steps.map(([value, color]) => ({ value, color })));
}

/** Value 1/0 shown as up/down. */
export const upDownMappings: dashboard.ValueMapping[] = [{
    type: dashboard.MappingType.ValueToText,
    options: { "0": { text: "down", color: "red", index: 0 }, "1": { text: "up", color: "green", index: 1 } },
}];

/** Value 1/0 shown as ok/failed. */
export const okFailedMappings: dashboard.ValueMapping[] = [{
    type: dashboard.MappingType.ValueToText,
    options: { "0": { text: "failed", color: "red", index: 0 }, "1": { text: "ok", color: "green", index: 1 } },
}];

/** The option setters every panel kind here shares; the builders have no common base type. */
interface PanelFields<B> {
    title(title: string): B;
    datasource(ref: typeof prometheusDatasource): B;
    span(width: number): B;
    height(height: number): B;
    unit(unit: string): B;
    description(description: string): B;
    mappings(mappings: dashboard.ValueMapping[]): B;
    noValue(text: string): B;
}

interface RangedPanelFields<B> extends PanelFields<B> {
    min(value: number): B;
    max(value: number): B;
}

/** Title, datasource, size and the optional unit, description and mappings of any panel. */
function panel<B extends PanelFields<B>>(p: B, title: string, o: PanelOptions, width: number, height: number): B {
    p.title(title).datasource(prometheusDatasource).span(o.width ?? width).height(o.height ?? height);
    if (o.unit !== undefined) p.unit(o.unit);
    if (o.description !== undefined) p.description(o.description);
    if (o.mappings !== undefined) p.mappings(o.mappings);
    if (o.noValue !== undefined) p.noValue(o.noValue);
    return p;
}

/** As `panel`, plus the optional axis range of panels that have one. */
function rangedPanel<B extends RangedPanelFields<B>>(p: B, title: string, o: PanelOptions, width: number, height: number): B {
    panel(p, title, o, width, height);
    if (o.min !== undefined) p.min(o.min);
    if (o.max !== undefined) p.max(o.max);
    return p;
}

export function timeseries(title: string, qs: readonly Query[], o: PanelOptions = {}): TimeseriesPanelBuilder {
    const p = rangedPanel(new TimeseriesPanelBuilder(), title, o, 12, 8)
        .targets(queries(qs, false, false))
        .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).calcs([]))
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
        .fillOpacity(10)
        .lineWidth(1);
    if (o.thresholds !== undefined) {
        p.thresholds(thresholds(o.thresholds))
            .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
    }
    if (o.stacked) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
    return p;
}

export function stat(title: string, qs: readonly Query[], o: PanelOptions = {}): StatPanelBuilder {
    return rangedPanel(new StatPanelBuilder(), title, o, 6, 4)
        .targets(queries(qs, true, false))
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Value)
        .thresholds(thresholds(o.thresholds ?? [[null, "green"]]));
}

/** An instant table: one row per series, labels as columns. */
export function table(title: string, qs: readonly Query[], o: PanelOptions = {}): TablePanelBuilder {
    const p = panel(new TablePanelBuilder(), title, o, 12, 8)
        .targets(queries(qs, true, true))
        .withTransformation({ id: "organize", options: { excludeByName: { Time: true } } });
    if (o.thresholds !== undefined) p.thresholds(thresholds(o.thresholds));
    return p;
}

/** A single-value query variable fed by label_values(). */
export function labelVariable(name: string, label: string, query: string, includeAll = true): dashboard.QueryVariableBuilder {
    const v = new dashboard.QueryVariableBuilder(name)
        .label(label)
        .datasource(prometheusDatasource)
        .query({ query, refId: "PrometheusVariableQueryEditor-VariableQuery", qryType: 1 })
        .definition(query)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(includeAll)
        .includeAll(includeAll);
    if (includeAll) v.allValue(".+");
    return v;
}

/** A row of panels; with `repeat`, Grafana draws it once per value of that variable. */
export interface DashboardRow {
    readonly title: string;
    readonly repeat?: string;
    readonly panels: readonly DashboardPanel[];
}

export interface DashboardSpec {
    /** Grafana folder (the sub-directory of dashboards/). */
    readonly folder: string;
    /** File name without .json. */
    readonly name: string;
    readonly uid: string;
    readonly title: string;
    readonly tags: readonly string[];
    readonly description: string;
    readonly variables?: readonly dashboard.QueryVariableBuilder[];
    readonly panels: readonly DashboardPanel[];
    /** Rows after the top-level panels. */
    readonly rows?: readonly DashboardRow[];
}

export interface BuiltDashboard {
    readonly folder: string;
    readonly name: string;
    readonly dashboard: dashboard.Dashboard;
}

export function buildDashboard(spec: DashboardSpec): BuiltDashboard {
    const b = new dashboard.DashboardBuilder(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags([...spec.tags])
        .readonly()
        .timezone("browser")
        .time({ from: "now-6h", to: "now" })
        .refresh("30s")
        .tooltip(dashboard.DashboardCursorSync.Crosshair);
    for (const v of spec.variables ?? []) b.withVariable(v);
    let id = 0;
    for (const p of spec.panels) b.withPanel(p.id(++id));
    for (const r of spec.rows ?? []) {
        const row = new dashboard.RowBuilder(r.title).id(++id);
        if (r.repeat !== undefined) row.repeat(r.repeat);
        b.withRow(row);
        for (const p of r.panels) b.withPanel(p.id(++id));
    }
    const built = b.build();
    return { folder: spec.folder, name: spec.name, dashboard: { ...built, schemaVersion, version: 1 } };
}
