// The telepresence driver (issue "Click-to-intercept", core part). How the core uses it:
//
//   const tp = createTelepresenceDriver({ env: shellEnv, configuredPath: settings.telepresencePath,
//                                         onProgress: (e) => emit(e) });
//   await tp.probe();                      // telepresence-missing / telepresence-too-old with the next step
//   let state = await tp.refresh({ context });          // status (+ list when connected): rediscovers intercepts
//   const kc = kubeconfigChoice(appKubeconfigFiles, shellEnv, homedir());
//   state = await tp.connect({ context, namespace, kubeconfig: kc.flag, env: kc.env, reconnect: userConfirmed });
//   const workloads = await tp.list({ context });        // refuses when not connected (never connects implicitly)
//   const shown = await tp.commandLine("intercept", req);  // copyable `telepresence intercept web --port 8080:http …`
//   const { intercept, state, warnings } = await tp.intercept({ context, workload: "web",
//                                         port: { local: 8080, remote: "http" }, envFile, signal });
//   await tp.leave({ context, name: intercept.name });   // `leave` or `detach`, whichever the client has
//   await tp.quit({ context });
//   const stop = tp.watch({ context, onState: (state, diff) => emit(diff) });   // periodic poll
//   const { advice } = await tp.recheck({ context });    // after sleep / network drops
//
// Every call takes `signal` (AbortSignal) and has a deadline; mutating calls run one at a time per
// context; failures are SwitchboardErrors (app/contract/errors.ts) with `details.reason`
// (errors.ts TelepresenceErrorReason) and the program's own words in `details.programMessage`.
export { createTelepresenceDriver, TelepresenceDriver, DEFAULT_TIMEOUTS } from "./driver.ts";
export type {
  CallOptions,
  ConnectRequest,
  DriverOptions,
  InterceptRequest,
  InterceptResult,
  ProgramInfo,
  ProgressEvent,
  ProgressStep,
  RecheckResult,
  SessionTarget,
  Timeouts,
} from "./driver.ts";
export { detectCapabilities, httpFilterAvailability, type Availability, type Capabilities } from "./capabilities.ts";
export { displayCommand, kubeconfigChoice, quoteArg, type ConnectOptions, type HttpHeaderFilter, type InterceptOptions, type PortMapping } from "./commands.ts";
export { classifyProgramError, type TelepresenceErrorReason } from "./errors.ts";
export { checkLocalPort, type LocalPortCheck } from "./local-port.ts";
export { INSTALL_PAGE, installHint, locateTelepresence } from "./locate.ts";
export type { ConnectionInfo, Disposition, InterceptInfo, InterceptKind, StatusInfo, WorkloadInfo } from "./schemas.ts";
export { buildState, diffIntercepts, recheckAdvice, type ConnectionPhase, type ConnectionView, type InterceptDiff, type InterceptView, type TelepresenceState } from "./state.ts";
export { MIN_SUPPORTED, parseVersion, type Version } from "./version.ts";
