/** The replay lab: scenarios with ground-truth labels, the in-process driver, the report. */
export { replayPdd2019, SPECIAL_TYPE, type ReplayConfig, type ReplayOptions } from './driver.js';
export { DEFAULT_PARAMS, pdd2019, scenarioProblems, SHAPES, VARIANTS, type Variant, type Actor, type Label, type RingShape, type Scenario, type ScenarioParams, type Shapes } from './pdd-2019.js';
export { summary, type Ledger, type ReplayReport, type Target } from './report.js';
export { chartSvg, reportHtml } from './html.js';
export { inProcessTarget } from './in-process.js';
export { httpTarget, type HttpKeys, type HttpTargetOptions } from './http-target.js';
export { LabError, type DriverInfo, type LabTarget } from './target.js';
