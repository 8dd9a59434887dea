/** The replay lab: scenarios with ground-truth labels, the in-process driver, the report. */
export { replayPdd2019, SPECIAL_TYPE, type ReplayConfig, type ReplayOptions } from './driver.js';
export { DEFAULT_PARAMS, pdd2019, SHAPES, VARIANTS, type Variant, type Actor, type Label, type Scenario, type ScenarioParams } from './pdd-2019.js';
export { summary, type Ledger, type ReplayReport, type Target } from './report.js';
export { chartSvg, reportHtml } from './html.js';
