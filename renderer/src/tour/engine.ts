// The tour engine, pure: which step is current, when a step is done (from the facts the stores hold,
// which only contract answers and events fill), what skip / replay / finish do, and the progress kept
// in localStorage so the tour shows once on first run in the playground and never nags afterwards.
import type { ServiceHealth } from "../../../app/contract/api.ts";
import type { LocalRequest, PlaygroundResponse } from "../../../app/contract/tour.ts";

/** What the steps look at, derived from the stores (facts.ts) — never from the DOM or timers. */
export interface TourFacts {
  /** The tour's tools answer: this is the embedded playground and it is the selected context. */
  available: boolean;
  /** demo/web's detail is open. */
  webOpen: boolean;
  /** demo/web's overall load-balancer health as the core summarises it (null: not listed yet). */
  webHealth: ServiceHealth | null;
  /** The health check of web's serving port goes to a health sidecar (the core's model says so). */
  webHealthSidecar: boolean;
  /** This machine's intercept of demo/web, if any. */
  webIntercept: { global: boolean; localPort: number | null } | null;
  /** A sidecar strategy operation on demo/web reached `applied`. */
  sidecarApplied: boolean;
  /** The tour's local server port (null: not running). */
  localPort: number | null;
  /** Requests that reached the local server since the current step began (health checks included). */
  localRequests: readonly LocalRequest[];
  /** The front door's latest answer since the current step began. */
  frontDoor: PlaygroundResponse | null;
}

export type StepId = "web" | "intercept" | "broken" | "fix" | "recover" | "arrive";

export interface StepDefinition {
  id: StepId;
  title: string;
  /** `data-tour` anchors to spotlight, the first one present in the page wins. */
  anchors: (facts: TourFacts) => string[];
  /** The real state that completes the step. */
  done(facts: TourFacts): boolean;
}

export const LOCAL_GREETING = "hello from your laptop\n";

/** Steps that act on web's detail point at web's row while it is closed (a reload, the user closed it). */
function needsWeb(f: TourFacts): string[] | null {
  return f.webOpen ? null : ["service-demo/web"];
}

export const steps: readonly StepDefinition[] = [
  {
    id: "web",
    title: "This is web",
    anchors: (f) => (f.webOpen ? ["health-check-path"] : ["service-demo/web"]),
    done: (f) => f.webOpen,
  },
  {
    id: "intercept",
    title: "Intercept web",
    anchors: (f) => needsWeb(f) ?? ["intercept-panel", "intercept-open"],
    done: (f) => f.webIntercept !== null && f.webIntercept.global && f.localPort !== null && f.webIntercept.localPort === f.localPort,
  },
  {
    id: "broken",
    title: "The health check fails, the front door answers 502",
    anchors: (f) => needsWeb(f) ?? ["health-check-path", "tour-front-door"],
    done: (f) => f.frontDoor?.status === 502 && (f.webHealth === "unhealthy" || f.webHealth === "degraded"),
  },
  {
    id: "fix",
    title: "Apply the sidecar strategy",
    anchors: (f) => needsWeb(f) ?? ["strategy-wizard", "fix-sidecar", "strategy-open"],
    done: (f) => f.sidecarApplied || f.webHealthSidecar,
  },
  {
    id: "recover",
    title: "Watch it recover",
    anchors: (f) => needsWeb(f) ?? ["health-check-path"],
    done: (f) => f.webHealth === "healthy" && f.webIntercept !== null,
  },
  {
    id: "arrive",
    title: "A request reaches your laptop",
    anchors: () => ["tour-local-requests"],
    done: (f) => f.frontDoor?.status === 200 && f.frontDoor.body === LOCAL_GREETING && f.localRequests.some((r) => !r.healthCheck),
  },
];

/** Where the tour stands, persisted. `new`: never shown; `active`: showing (resumed after a reload). */
export interface TourProgress {
  status: "new" | "active" | "skipped" | "finished";
  step: number;
  /** The steps found done (their real state was seen), by id. */
  completed: StepId[];
}

export const NEW_PROGRESS: TourProgress = { status: "new", step: 0, completed: [] };

export type TourAction = { type: "start" } | { type: "next" } | { type: "back" } | { type: "skip" } | { type: "finish" } | { type: "completed"; step: StepId };

/** The one place progress changes. */
export function reduce(progress: TourProgress, action: TourAction): TourProgress {
  switch (action.type) {
    case "start":
      return { status: "active", step: 0, completed: [] };
    case "skip":
      return progress.status === "active" ? { ...progress, status: "skipped" } : progress;
    case "finish":
      return { ...progress, status: "finished", step: steps.length };
    case "completed":
      return progress.completed.includes(action.step) ? progress : { ...progress, completed: [...progress.completed, action.step] };
    case "back":
      return progress.status === "active" ? { ...progress, step: Math.max(0, progress.step - 1) } : progress;
    case "next": {
      if (progress.status !== "active") return progress;
      const current = steps[progress.step];
      // A step advances only once its real state was seen; the last card (step = length) finishes.
      if (current && !progress.completed.includes(current.id)) return progress;
      return progress.step + 1 >= steps.length ? { ...progress, status: "active", step: steps.length } : { ...progress, step: progress.step + 1 };
    }
  }
}

export function currentStep(progress: TourProgress): StepDefinition | null {
  return progress.status === "active" ? (steps[progress.step] ?? null) : null;
}

/** Shown by itself once: on first run, when the tour's tools say this is the playground. */
export function shouldAutoStart(progress: TourProgress, facts: Pick<TourFacts, "available">): boolean {
  return facts.available && progress.status === "new";
}

/** Whether the tour is visible: active (steps and the closing card). */
export function isShowing(progress: TourProgress): boolean {
  return progress.status === "active";
}

export const STORAGE_KEY = "switchboard.tour.v1";

type KeyValue = Pick<Storage, "getItem" | "setItem">;

/** Progress from storage; anything unreadable counts as a first run. */
export function loadProgress(storage: KeyValue | null): TourProgress {
  try {
    const raw = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "null") as Partial<TourProgress> | null;
    if (!raw || !["new", "active", "skipped", "finished"].includes(raw.status as string)) return NEW_PROGRESS;
    const step = Number.isInteger(raw.step) ? Math.min(Math.max(0, raw.step!), steps.length) : 0;
    const known = new Set(steps.map((s) => s.id));
    const completed = Array.isArray(raw.completed) ? raw.completed.filter((id): id is StepId => known.has(id as StepId)) : [];
    return { status: raw.status as TourProgress["status"], step, completed };
  } catch {
    return NEW_PROGRESS;
  }
}

export function saveProgress(storage: KeyValue | null, progress: TourProgress): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(progress));
  } catch {
    // A full or disabled storage: the tour may show again next time, nothing worse.
  }
}
