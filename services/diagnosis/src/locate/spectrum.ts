/**
 * Spectrum counts of one program element: ef/ep = failing/passing tests that execute it, nf/np = those that do not.
 */
export interface Spectrum {
  readonly ef: number;
  readonly ep: number;
  readonly nf: number;
  readonly np: number;
}

export type Formula = (s: Spectrum) => number;

/** Ochiai: ef / sqrt((ef + nf) * (ef + ep)). */
export const ochiai: Formula = ({ ef, ep, nf }) => {
  const d = Math.sqrt((ef + nf) * (ef + ep));
  return d === 0 ? 0 : ef / d;
};

/**
 * DStar (Wong et al. 2014), star 2: ef^2 / (ep + nf). An element executed by every failing test and no passing one
 * divides by zero: it gets a finite score above any other (ef^2 + 1 in place of the division).
 */
export const dstar: Formula = ({ ef, ep, nf }) => {
  const d = ep + nf;
  return d === 0 ? ef * ef + 1 : (ef * ef) / d;
};

export const FORMULAS: Readonly<Record<string, Formula>> = { ochiai, dstar };
