import { describe, expect, it } from 'vitest';
import {
  buildCharts,
  escapeHtml,
  machineInfo,
  noiseInfo,
  renderHtmlReport,
  RESULTS_SCHEMA,
  scriptJson,
  seriesRmads,
  type AllocResult,
  type BenchResults,
  type ReportData,
} from '../src/index.js';

/*
 * report.html from hand-made results: what is escaped, which charts a
 * results file allows, and the noise figure behind the page.
 */

function result(contender: string, ns: number | null, extra: Partial<AllocResult> = {}): AllocResult {
  return {
    workload: 'w</script><script>alert(1)</script>',
    contender,
    nsPerEvent: ns,
    peakReservedBytes: 2048,
    peakLiveBytes: 1024,
    runs: ns === null ? 0 : 3,
    heap: 'wasm',
    status: ns === null ? 'skipped' : 'ok',
    runsNs: ns === null ? [] : [ns, ns, ns],
    spread: ns === null ? null : { min: ns, max: ns, rmad: 0.1 },
    warmup: 1,
    replaysPerRun: 1,
    events: 10,
    ...extra,
  };
}

const results: BenchResults = {
  schema: RESULTS_SCHEMA,
  command: 'alloc',
  createdAt: new Date(0).toISOString(),
  machine: machineInfo('wasm', null, new Date(0)),
  noise: noiseInfo([0.3, 0.1, 0.2], 1.5, 2.5),
  settings: { heap: 'wasm', warmup: 1, runs: 3, budgetSeconds: 30, timeoutSeconds: 60, scale: 1 },
  workloads: [{ name: 'w</script><script>alert(1)</script>', source: 'x', events: 10, peakLiveBytes: 1024, peakLiveBlocks: 2 }],
  results: [result('pool', 12.5), result('cpython', null, { note: 'no cc <here>' })],
};

describe('report.html', () => {
  it('escapes text and script data, so a hostile workload name cannot close a script element', () => {
    expect(escapeHtml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
    expect(scriptJson({ a: '</script>' })).toBe('{"a":"\\u003c/script>"}');
    expect(JSON.parse(scriptJson({ a: '</script>' }))).toEqual({ a: '</script>' });
    const page = renderHtmlReport(results, '/* chart library */');
    expect(page.match(/<script/g)).toHaveLength(3);
    expect(page.match(/<\/script>/g)).toHaveLength(3);
    expect(page).toContain('no cc &lt;here&gt;');
    const data = JSON.parse(/<script type="application\/json" id="bench-data">([\s\S]*?)<\/script>/.exec(page)![1]) as ReportData;
    expect(data.results).toEqual(results);
  });

  it('draws only the charts its results have data for', () => {
    expect(buildCharts(results).map((c) => c.kind)).toEqual(['alloc-ns']);
    const [chart] = buildCharts(results);
    const config = chart.config as { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } };
    expect(config.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ['pool', [12.5]],
      ['cpython', [null]],
    ]);
  });

  it('inlines the real Chart.js by default, and states the machine and the noise', () => {
    const page = renderHtmlReport(results);
    expect(page.length).toBeGreaterThan(200_000);
    expect(page).toContain('<dt>noise</dt><dd>median spread ±20.0% (MAD / median) over 3 series, max ±30.0%</dd>');
    expect(page).toContain('<dt>load average</dt><dd>1.50 at start, 2.50 at end</dd>');
    expect(page).toContain('<dt>Python</dt><dd>not used</dd>');
  });

  it('takes the noise from ok series with more than one run', () => {
    const rmads = seriesRmads([result('a', 1), result('b', null), result('c', 2, { runs: 1 }), result('d', 3, { status: 'timeout' })]);
    expect(rmads).toEqual([0.1]);
    expect(noiseInfo([], 0, 0)).toEqual({ medianRmad: null, maxRmad: null, series: 0, loadStart: 0, loadEnd: 0 });
    expect(noiseInfo([0.4, 0.1, 0.2, 0.3], 0, 0).medianRmad).toBeCloseTo(0.25);
  });
});
