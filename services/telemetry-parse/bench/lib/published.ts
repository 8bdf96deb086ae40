/**
 * Drain's published GA / PA on the Loghub 2k samples (corrected ground truth), from the Loghub-2.0 paper's
 * results as copied in ../shared/datasets/loghub/published/PUBLISHED_DRAIN_RESULTS.md (nothing re-run here).
 * Drain's figures use a declared format and regexes per system; ours use declared formats and one miner
 * configuration for all.
 */
export const PUBLISHED_DRAIN: Readonly<Record<string, { GA: number; PA: number }>> = {
  HDFS: { GA: 0.998, PA: 0.5 },
  Hadoop: { GA: 0.948, PA: 0.269 },
  Spark: { GA: 0.922, PA: 0.362 },
  Zookeeper: { GA: 0.967, PA: 0.497 },
  OpenSSH: { GA: 0.789, PA: 0.508 },
  Apache: { GA: 1.0, PA: 0.694 },
  HealthApp: { GA: 0.78, PA: 0.231 },
  Proxifier: { GA: 0.526, PA: 0.0 },
};
