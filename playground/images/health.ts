// The test hook that makes a pod's health endpoints fail and recover. Images that serve a health
// path ask it on every request, so flipping a switch takes effect on the next probe or health check.

export class HealthSwitches {
  readonly #failing = new Map<string, Set<string> | "all">();

  /**
   * Makes the health endpoints of pod `namespace/name` fail (healthy=false) or recover. With
   * `container`, only that container's health endpoints change.
   */
  set(namespace: string, name: string, healthy: boolean, container?: string): void {
    const key = `${namespace}/${name}`;
    const current = this.#failing.get(key);
    if (container === undefined) {
      if (healthy) this.#failing.delete(key);
      else this.#failing.set(key, "all");
      return;
    }
    if (healthy) {
      if (current instanceof Set) {
        current.delete(container);
        if (current.size === 0) this.#failing.delete(key);
      }
      // "all" stays: recovering one container of a fully failed pod is ambiguous; recover the pod.
      return;
    }
    if (current === "all") return;
    const set = current ?? new Set<string>();
    set.add(container);
    this.#failing.set(key, set);
  }

  isHealthy(namespace: string, name: string, container: string): boolean {
    const f = this.#failing.get(`${namespace}/${name}`);
    if (!f) return true;
    return f !== "all" && !f.has(container);
  }

  /** Forgets a pod (called when it is deleted, so a later pod of the same name starts healthy). */
  forget(namespace: string, name: string): void {
    this.#failing.delete(`${namespace}/${name}`);
  }

  /** Pods with at least one failing health endpoint, as "ns/name". */
  failing(): string[] {
    return [...this.#failing.keys()];
  }
}
