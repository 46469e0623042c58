// Health strategies: plan (pure), preview (YAML diff, kubectl), preflight, apply (guarded, journaled,
// all-or-nothing), verify (rollout + health), roll back (exactly, also after a restart). See README.md.
export type * from "./types.ts";
export { STRATEGY_IDS } from "./types.ts";
export { planStrategy, DEFAULT_SIDECAR, PLAYGROUND_SIDECAR_IMAGE, sidecarContainer } from "./plan.ts";
export type { PlanOptions } from "./plan.ts";
export { StrategyRunner } from "./runner.ts";
export type { RunnerOptions, ApplyOptions, RollbackOptions } from "./runner.ts";
export { dialProbe, podProxyProbe, preflight } from "./preflight.ts";
export type { PodDialer, PodProbe, PreflightResult, ProbeOutcome, ProbeResult } from "./preflight.ts";
export { verifyPlan, waitForRollout, rolloutProgress } from "./verify.ts";
export type { VerifyOptions, VerifyResult, PodHealth } from "./verify.ts";
export { clientNodeObjects, judgeProxyAnswer, toStrategyError } from "./kube.ts";
export type { ObjectApi, ProxyAnswer } from "./kube.ts";
export { Journal } from "./journal.ts";
