/**
 * Log parsing accuracy exactly as Loghub-2.0 computes it (logpai/loghub-2.0, benchmark/):
 * - GA and FGA: `logparser/utils/evaluator.py` get_accuracy. Lines are grouped by ground-truth template;
 *   a ground-truth group is correct when all its lines carry one predicted template AND that predicted
 *   template occurs on no other line. GA = lines in correct groups / lines. FGA = F1 of
 *   PGA = correct groups / distinct predicted templates and RGA = correct groups / distinct ground-truth templates.
 *   Note that predictions are compared by their template TEXT (the `EventTemplate` column), not by an id.
 * - PA: `evaluation/utils/PA_calculator.py` calculate_parsing_accuracy: share of lines whose predicted template
 *   string equals the ground-truth string exactly (pandas `eq`: no whitespace trimming, no `<*>` rewriting).
 * - FTA: `evaluation/utils/template_level_analysis.py` evaluate_template_level: a predicted template is correct
 *   when the set of ground-truth templates of its lines is exactly {the predicted template text}.
 *   PTA = correct / distinct predicted, RTA = correct / distinct ground truth, FTA = their F1.
 * Lines whose ground-truth template is missing (NaN in pandas) are left out, as upstream does.
 */
export interface Accuracy {
  GA: number;
  PA: number;
  FGA: number;
  FTA: number;
  predictedTemplates: number;
  groundTruthTemplates: number;
}

function f1(p: number, r: number): number {
  return p !== 0 || r !== 0 ? (2 * p * r) / (p + r) : 0;
}

export function evaluate(groundTruth: readonly string[], predicted: readonly string[]): Accuracy {
  if (groundTruth.length !== predicted.length)
    throw new Error('ground truth and predictions differ in length');
  const gt: string[] = [];
  const pr: string[] = [];
  for (let i = 0; i < groundTruth.length; i++) {
    if (groundTruth[i] === '') continue; // pandas reads an empty cell as NaN, which upstream drops
    gt.push(groundTruth[i]!);
    pr.push(predicted[i]!);
  }
  const n = gt.length;
  const predCount = new Map<string, number>();
  for (const p of pr) predCount.set(p, (predCount.get(p) ?? 0) + 1);
  const gtGroups = new Map<string, number[]>();
  gt.forEach((g, i) => {
    const list = gtGroups.get(g);
    if (list === undefined) gtGroups.set(g, [i]);
    else list.push(i);
  });

  // GA / FGA
  let accurateEvents = 0;
  let accurateTemplates = 0;
  for (const idx of gtGroups.values()) {
    const preds = new Set(idx.map((i) => pr[i]!));
    if (preds.size !== 1) continue;
    const only = pr[idx[0]!]!;
    if (predCount.get(only) === idx.length) {
      accurateEvents += idx.length;
      accurateTemplates++;
    }
  }
  const GA = n === 0 ? 0 : accurateEvents / n;
  const FGA = f1(accurateTemplates / predCount.size, accurateTemplates / gtGroups.size);

  // PA
  let same = 0;
  for (let i = 0; i < n; i++) if (gt[i] === pr[i]) same++;
  const PA = n === 0 ? 0 : same / n;

  // FTA
  const predGroups = new Map<string, Set<string>>();
  pr.forEach((p, i) => {
    const set = predGroups.get(p);
    if (set === undefined) predGroups.set(p, new Set([gt[i]!]));
    else set.add(gt[i]!);
  });
  let correct = 0;
  for (const [p, gts] of predGroups) if (gts.size === 1 && gts.has(p)) correct++;
  const FTA = f1(correct / predGroups.size, correct / gtGroups.size);

  return { GA, PA, FGA, FTA, predictedTemplates: predGroups.size, groundTruthTemplates: gtGroups.size };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
