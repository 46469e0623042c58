import type { ErrorValue } from "../../../app/contract/errors.ts";
import { RichText } from "./RichText.tsx";

/** Kubeconfig files that could not be used: reported, not fatal (the others still count). */
export function Problems({ problems }: { problems: ErrorValue[] }) {
  const invalid = problems.filter((p) => p.code !== "kubeconfig-missing");
  if (invalid.length === 0) return null;
  return (
    <section className="problems" aria-label="Kubeconfig problems">
      {invalid.map((problem, index) => (
        <div className="problem" key={index} role="alert">
          <strong>
            <RichText text={problem.message} />
          </strong>
          {problem.hint ? (
            <p>
              <RichText text={problem.hint} />
            </p>
          ) : null}
        </div>
      ))}
    </section>
  );
}
